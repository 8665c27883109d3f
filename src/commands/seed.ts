import * as Flags from '@oclif/core/flags'

import {seed} from '../api/seed.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase} from '../cli/format.js'
import {sqlDebug, stepLine} from '../cli/migrate-flags.js'

export default class Seed extends BaseCommand {
  static description =
    'Runs the seeds: the SQL files and TS/JS modules (an exported upgrade(op)) in seeds/ beside the migrations folder, or in seed_location, in file-name order or the order their "-- depends:" lines give, each in its own transaction, under the migration lock. Each is recorded in the history table, so a seed runs again only when its file changed; --all runs every one.'
  static examples = ['<%= config.bin %> seed', '<%= config.bin %> seed --all']
  static flags = {
    all: Flags.boolean({summary: 'Run every seed, also those applied as they are.'}),
    'lock-timeout': Flags.integer({
      env: 'DB_MANAGE_LOCK_TIMEOUT',
      summary: "Seconds to wait for another run's migration lock.",
    }),
  }

  static summary = 'Load the seed data.'

  async run(): Promise<Awaited<ReturnType<typeof seed>>> {
    const {flags} = await this.parse(Seed)
    const config = await this.loadConfig(flags)
    const many = config.nameEach
    const result = await seed(config, {
      all: flags.all,
      debug: sqlDebug(flags.debug),
      lockTimeout: flags['lock-timeout'],
      onStep: (db, step) => this.log(stepLine(step, many ? `[${db}] ` : '')),
    })
    this.printLines(
      perDatabase(
        result.filter((r) => r.steps.length === 0),
        (r) => [
          r.seeds === 0
            ? `Nothing to seed: ${r.location} holds no seeds`
            : `Nothing to seed: ${r.seeds === 1 ? 'the seed has run as it is' : `all ${r.seeds} seeds have run as they are`} (--all runs them again)`,
        ],
        many,
      ),
    )
    return result
  }
}
