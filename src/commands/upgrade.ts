import {Args} from '@oclif/core'

import {upgrade} from '../api/migrate.js'
import {BaseCommand} from '../cli/base-command.js'
import {migrateFlags, sqlDebug, stepLine} from '../cli/migrate-flags.js'

export default class Upgrade extends BaseCommand {
  static args = {
    target: Args.string({description: 'head (default), an id, +N, head-N, REV+N.'}),
  }

  static description = `Applies each revision between the database's current revision and TARGET, printing one line per step. On PostgreSQL and SQLite each revision commits together with its version update; a failure leaves the database at the last revision that completed. A lock serialises concurrent runs.`
  static examples = ['<%= config.bin %> upgrade head', '<%= config.bin %> upgrade +1', '<%= config.bin %> upgrade --delta 2', '<%= config.bin %> upgrade 004 --db catalog']
  static flags = {...migrateFlags}
  static summary = 'Upgrade the database to a later revision.'

  async run(): Promise<Awaited<ReturnType<typeof upgrade>>> {
    const {args, flags} = await this.parse(Upgrade)
    const config = await this.loadConfig(flags)
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
