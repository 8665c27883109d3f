import {Args} from '@oclif/core'

import {upgrade} from '../api/migrate.js'
import {joinOffline, renderMigration} from '../api/offline.js'
import {BaseCommand} from '../cli/base-command.js'
import {migrateFlags, sqlDebug, stepLine} from '../cli/migrate-flags.js'
import {offlineFlags, writeSql} from '../cli/offline-flags.js'
import {UsageError} from '../util/errors.js'

export default class Upgrade extends BaseCommand {
  static args = {
    target: Args.string({description: 'head (default), an id, +N, head-N, REV+N.'}),
  }

  static description = `Applies each revision between the database's current revision and TARGET, printing one line per step. On PostgreSQL and SQLite each revision commits together with its version update; a failure leaves the database at the last revision that completed. A lock serialises concurrent runs.`
  static examples = ['<%= config.bin %> upgrade head', '<%= config.bin %> upgrade +1', '<%= config.bin %> upgrade --delta 2', '<%= config.bin %> upgrade 004 --db catalog']
  static flags = {...migrateFlags, ...offlineFlags}
  static summary = 'Upgrade the database to a later revision.'

  async run(): Promise<Awaited<ReturnType<typeof upgrade>> | Awaited<ReturnType<typeof renderMigration>>> {
    const {args, flags} = await this.parse(Upgrade)
    const config = await this.loadConfig(flags)
    if (flags.sql) {
      if (flags.delta !== undefined) throw new UsageError('--delta counts from the database\'s revision, which --sql does not read: give START:END')
      const sql = await renderMigration(config, 'upgrade', {dialect: flags.dialect as 'mysql' | 'postgresql' | 'sqlite' | undefined, revisions: args.target ?? 'head', versionTable: !flags['no-version-table']})
      await writeSql(joinOffline(sql), flags['output-file'], (text) => this.log(text))
      return sql
    }

    const many = config.databases.length > 1
    const result = await upgrade(config, {
      debug: sqlDebug(flags.debug),
      delta: flags.delta,
      lockTimeout: flags['lock-timeout'],
      onStep: (db, step) => this.log(stepLine(step, many ? `[${db}] ` : '')),
      target: args.target,
    })
    for (const r of result) {
      if (r.steps.length === 0) this.log(`${many ? `[${r.database}] ` : ''}Nothing to upgrade: the database is at ${r.to ?? 'base'}`)
    }

    return result
  }
}
