import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {acceptEdit, stamp} from '../api/migrate.js'
import {renderStampSql} from '../api/offline.js'
import type {DialectName} from '../util/dialect-names.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase} from '../cli/format.js'
import {checkOfflineTargets, offlineFlags, writeOffline} from '../cli/offline-flags.js'
import {sqlDebug} from '../cli/migrate-flags.js'

export default class Stamp extends BaseCommand {
  static args = {
    revision: Args.string({description: 'head, base, an id, ...; with --sql also FROM:TO.', required: true}),
  }

  static description =
    'Writes REV into the version table without running any migration: to take over a database whose schema is already there, or to record by hand where a failed MySQL revision left it.'
  static flags = {
    'lock-timeout': Flags.integer({
      env: 'DB_MANAGE_LOCK_TIMEOUT',
      summary: "Seconds to wait for another run's migration lock.",
    }),
    'accept-edit': Flags.boolean({
      exclusive: ['purge', 'sql'],
      summary:
        'Accept a deliberate edit of the applied script REV: record its new checksum, so check_migration passes again.',
    }),
    purge: Flags.boolean({summary: 'Delete every row of the version table first.'}),
    ...offlineFlags,
  }

  static summary = 'Set the current revision without migrating.'

  async run(): Promise<
    | Awaited<ReturnType<typeof acceptEdit>>
    | Awaited<ReturnType<typeof renderStampSql>>
    | Awaited<ReturnType<typeof stamp>>
  > {
    const {args, flags} = await this.parse(Stamp)
    const config = await this.loadConfig(flags)
    if (flags['accept-edit']) {
      const accepted = await acceptEdit(config, args.revision, {
        debug: sqlDebug(flags.debug),
        lockTimeout: flags['lock-timeout'],
      })
      this.printLines(
        perDatabase(
          accepted,
          (r) => [`accepted the edit of ${r.fileName}: its checksum is now ${r.checksum.slice(0, 12)}`],
          config.nameEach,
        ),
      )
      return accepted
    }

    if (flags.sql) {
      checkOfflineTargets(config, flags, 'stamp')
      const sql = await renderStampSql(config, args.revision, {
        dialect: flags.dialect as DialectName | undefined,
        versionTable: !flags['no-version-table'],
      })
      await writeOffline(sql, config, flags['output-file'], (text) => this.log(text))
      return sql
    }

    const result = await stamp(config, args.revision, {
      debug: sqlDebug(flags.debug),
      lockTimeout: flags['lock-timeout'],
      purge: flags.purge,
    })
    this.printLines(perDatabase(result, (r) => [`stamp ${r.from ?? '<base>'} -> ${r.to ?? '<base>'}`], config.nameEach))
    return result
  }
}
