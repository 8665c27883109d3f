import * as Flags from '@oclif/core/flags'

import {reset} from '../api/seed.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase} from '../cli/format.js'
import {sqlDebug, stepLine} from '../cli/migrate-flags.js'
import {ProgressLine, progressOptions} from '../cli/progress-line.js'

/** `3 tables, 1 view`: what a reset dropped. */
function droppedLine(dropped: Record<string, number>): string {
  const parts = Object.entries(dropped).map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`)
  return parts.length === 0 ? 'Dropped nothing: the database was empty' : `Dropped ${parts.join(', ')}`
}

export default class Reset extends BaseCommand {
  static description =
    "A developer's fresh start: drops every object of the database (PostgreSQL: tables, views, materialized views, sequences, functions, procedures, types, domains and extensions of the schemas on the search_path; MySQL: every table, view, sequence, routine and event of the database; SQLite: every object in sqlite_master), the version and history tables included, then upgrades to head (repeatable objects included) and runs the seeds. Refused, before connecting, unless the database is SQLite or its config section says dev = true."
  static examples = ['<%= config.bin %> reset', '<%= config.bin %> reset --db local']
  static flags = {
    'lock-timeout': Flags.integer({
      env: 'DB_MANAGE_LOCK_TIMEOUT',
      summary: "Seconds to wait for another run's migration lock.",
    }),
  }

  static summary = 'Drop everything, upgrade to head and seed (SQLite, or dev = true).'

  async run(): Promise<Awaited<ReturnType<typeof reset>>> {
    const {flags} = await this.parse(Reset)
    const config = await this.loadConfig(flags)
    const many = config.nameEach
    const progress = new ProgressLine(progressOptions()).start()
    try {
      const result = await reset(config, {
        debug: sqlDebug(flags.debug),
        lockTimeout: flags['lock-timeout'],
        onDropped: (db, dropped) => this.log(`${many ? `[${db}] ` : ''}${droppedLine(dropped)}`),
        onStep: (db, step) => {
          progress.clear()
          this.log(stepLine(step, many ? `[${db}] ` : ''))
        },
      })
      this.printLines(perDatabase(result, (r) => [`Reset: the database is at ${r.to ?? 'base'}, seeded`], many))
      return result
    } finally {
      progress.stop()
    }
  }
}
