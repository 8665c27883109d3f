import path from 'node:path'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {currentIfReachable} from '../api/reachable.js'
import {squash, type SquashResult} from '../api/squash.js'
import {BaseCommand} from '../cli/base-command.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {brief} from '../sql/brief.js'

export default class Squash extends BaseCommand {
  static args = {
    range: Args.string({description: 'START:END, the revisions to replace (both included).', required: true}),
  }

  static description = `Replaces the revisions START..END with one revision that keeps END's id and builds END's schema from START's parent, rendered as autogenerate renders it: the chain is run on a scratch database (as autogenerate's) and read before START and at END; the downgrade is the exact inverse. Databases at END or past it have nothing to do; one inside the range is told how to go on when it next runs. Data steps in the range (op.execute or .sql DML, op.bulkInsert) stop the squash, named, unless --data copy, which copies them in order after the schema each ran on; op.query that reads rows, and raw SQL making what autogenerate does not compare (views, functions, triggers, grants), always stop it. Before anything is written the squash is run up and down on the scratch database and must give the same schemas. The replaced scripts are moved to <script_location>/squashed/START_END (or --archive DIR), not deleted.`
  static examples = [
    '<%= config.bin %> squash 001:040 --dry-run',
    '<%= config.bin %> squash 001:040 --data copy -m "baseline 2026"',
  ]
  static flags = {
    archive: Flags.string({
      summary: 'Folder to move the replaced scripts to (default <script_location>/squashed/START_END).',
    }),
    data: Flags.string({
      default: 'refuse',
      options: ['refuse', 'copy'],
      summary: 'Data steps in the range: refuse (name them and change nothing) or copy them into the squash.',
    }),
    'dry-run': Flags.boolean({
      env: 'DB_MANAGE_DRY_RUN',
      summary: 'Print the squash and what would move; change nothing.',
    }),
    message: Flags.string({
      char: 'm',
      summary: 'The squash\'s message, which names its file (default "squash of START to END").',
    }),
  }

  static summary = 'Replace a range of revisions with one that builds the same schema.'

  async run(): Promise<SquashResult> {
    const {args, flags} = await this.parse(Squash)
    const config = await this.loadConfig(flags)
    const result = await squash(config, {
      applied: currentIfReachable(config, sqlDebug(flags.debug)),
      archive: flags.archive,
      data: flags.data as 'copy' | 'refuse',
      debug: sqlDebug(flags.debug),
      dryRun: flags['dry-run'],
      message: flags.message,
      range: args.range,
    })
    const where = path.relative(process.cwd(), result.archive) || '.'
    this.printLines([
      `squash ${result.from}:${result.to} -> ${result.fileName} (${result.replaced.length} revisions in one)`,
      ...result.copied.map((c) => `copied data step: ${brief(c, 100)}`),
      ...result.leftOut.map((c) => `left out (a session statement): ${brief(c, 100)}`),
      result.dryRun
        ? `dry run: nothing written; ${result.replaced.length} script(s) would move to ${where}, and ${result.fileName} would be:`
        : `moved ${result.replaced.length} script(s) to ${where}`,
      ...(result.dryRun ? ['', result.script.trimEnd()] : []),
    ])
    return result
  }
}
