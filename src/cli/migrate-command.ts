import {Args, type Interfaces} from '@oclif/core'

import {downgrade, type MigrateResult, upgrade} from '../api/migrate.js'
import {joinOffline, type OfflineResult, renderMigration} from '../api/offline.js'
import type {DialectName} from '../config/database-url.js'
import {UsageError} from '../util/errors.js'
import {BaseCommand} from './base-command.js'
import {migrateFlags, sqlDebug, stepLine} from './migrate-flags.js'
import {offlineFlags, writeSql} from './offline-flags.js'

/** upgrade and downgrade: the same flags and the same two paths, online or --sql. */
export abstract class MigrateCommand extends BaseCommand {
  static args = {target: Args.string()}
  static flags = {...migrateFlags, ...offlineFlags}
  protected abstract readonly direction: 'downgrade' | 'upgrade'

  async run(): Promise<MigrateResult[] | OfflineResult[]> {
    const {args, flags} = (await this.parse(this.ctor)) as unknown as {
      args: {target?: string}
      flags: Interfaces.InferredFlags<typeof MigrateCommand.flags & typeof BaseCommand.baseFlags>
    }
    const config = await this.loadConfig(flags)
    if (flags.sql) {
      if (flags.delta !== undefined) throw new UsageError('--delta counts from the database\'s revision, which --sql does not read: give START:END')
      const sql = await renderMigration(config, this.direction, {
        dialect: flags.dialect as DialectName | undefined,
        revisions: args.target ?? (this.direction === 'upgrade' ? 'head' : ''),
        versionTable: !flags['no-version-table'],
      })
      await writeSql(joinOffline(sql), flags['output-file'], (text) => this.log(text))
      return sql
    }

    const many = config.databases.length > 1
    const migrate = this.direction === 'upgrade' ? upgrade : downgrade
    const result = await migrate(config, {
      debug: sqlDebug(flags.debug),
      delta: flags.delta,
      lockTimeout: flags['lock-timeout'],
      statementLockTimeout: flags['statement-lock-timeout'],
      onDatabase: (r) => {
        if (r.steps.length === 0) this.log(`${many ? `[${r.database}] ` : ''}Nothing to ${this.direction}: the database is at ${r.to ?? 'base'}`)
      },
      onStep: (db, step) => this.log(stepLine(step, many ? `[${db}] ` : '')),
      target: args.target,
    })
    return result
  }
}
