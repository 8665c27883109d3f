import {Args} from '@oclif/core'

import {downgrade} from '../api/migrate.js'
import {BaseCommand} from '../cli/base-command.js'
import {migrateFlags, sqlDebug, stepLine} from '../cli/migrate-flags.js'

export default class Downgrade extends BaseCommand {
  static args = {
    target: Args.string({description: 'An id, -N, base, head-N.'}),
  }

  static description = `Runs downgrade() of each revision from the current one down to TARGET (exclusive), printing one line per step. A script without downgrade() stops the run before anything changes.`
  static examples = ['<%= config.bin %> downgrade -1', '<%= config.bin %> downgrade base', '<%= config.bin %> downgrade --delta 2', '<%= config.bin %> downgrade 003']
  static flags = {...migrateFlags}
  static summary = 'Downgrade the database to an earlier revision.'

  async run(): Promise<Awaited<ReturnType<typeof downgrade>>> {
    const {args, flags} = await this.parse(Downgrade)
    const config = await this.loadConfig(flags)
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
