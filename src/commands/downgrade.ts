import {Args} from '@oclif/core'

import {downgrade} from '../api/migrate.js'
import {joinOffline, renderMigration} from '../api/offline.js'
import {BaseCommand} from '../cli/base-command.js'
import {migrateFlags, sqlDebug, stepLine} from '../cli/migrate-flags.js'
import {offlineFlags, writeSql} from '../cli/offline-flags.js'
import {UsageError} from '../util/errors.js'

export default class Downgrade extends BaseCommand {
  static args = {
    target: Args.string({description: 'An id, -N, base, head-N.'}),
  }

  static description = `Runs downgrade() of each revision from the current one down to TARGET (exclusive), printing one line per step. A script without downgrade() stops the run before anything changes.`
  static examples = ['<%= config.bin %> downgrade -1', '<%= config.bin %> downgrade base', '<%= config.bin %> downgrade --delta 2', '<%= config.bin %> downgrade 003']
  static flags = {...migrateFlags, ...offlineFlags}
  static summary = 'Downgrade the database to an earlier revision.'

  async run(): Promise<Awaited<ReturnType<typeof downgrade>> | Awaited<ReturnType<typeof renderMigration>>> {
    const {args, flags} = await this.parse(Downgrade)
    const config = await this.loadConfig(flags)
    if (flags.sql) {
      if (flags.delta !== undefined) throw new UsageError('--delta counts from the database\'s revision, which --sql does not read: give START:END')
      const sql = await renderMigration(config, 'downgrade', {dialect: flags.dialect as 'mysql' | 'postgresql' | 'sqlite' | undefined, revisions: args.target ?? '', versionTable: !flags['no-version-table']})
      await writeSql(joinOffline(sql), flags['output-file'], (text) => this.log(text))
      return sql
    }

    const many = config.databases.length > 1
    const result = await downgrade(config, {
      debug: sqlDebug(flags.debug),
      delta: flags.delta,
      lockTimeout: flags['lock-timeout'],
      onStep: (db, step) => this.log(stepLine(step, many ? `[${db}] ` : '')),
      target: args.target,
    })
    for (const r of result) {
      if (r.steps.length === 0) this.log(`${many ? `[${r.database}] ` : ''}Nothing to downgrade: the database is at ${r.to ?? 'base'}`)
    }

    return result
  }
}
