import * as Args from '@oclif/core/args'

import {show} from '../api/history.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase, revisionBlock} from '../cli/format.js'

export default class Show extends BaseCommand {
  static args = {
    revision: Args.string({description: 'head, an id, head-N, REV+N, ...', required: true}),
  }

  static description =
    "Prints one revision as Alembic does: its id and tags (head, base, current), its parent, the script's path, its message and creation date. On a branched chain, name it by its id."
  static examples = ['<%= config.bin %> show head', '<%= config.bin %> show 003', '<%= config.bin %> show head-1']
  static summary = 'Show one revision in full.'

  async run(): Promise<Awaited<ReturnType<typeof show>>> {
    const {args, flags} = await this.parse(Show)
    const config = await this.loadConfig(flags)
    const result = await show(config, args.revision)
    this.printLines(perDatabase(result, (r) => [revisionBlock(r.revision)], config.nameEach))
    return result
  }
}
