import * as Args from '@oclif/core/args'

import {DbManageHelp} from '../cli/help.js'
import {discardCodeCache} from '../boot/index.js'
import {SimpleCommand} from '../cli/simple-command.js'

export default class HelpCommand extends SimpleCommand {
  static args = {
    command: Args.string({description: 'The command to explain (default: list the commands).', required: false}),
  }

  static description =
    'Lists the commands, or explains one: what it does, its arguments, its own flags first, then the offline (--sql), global and multi-database flags it takes, and examples. "db-manage COMMAND --help" is the same.'
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help upgrade']
  static strict = false
  static summary = 'Show help for db-manage or one of its commands.'

  async run(): Promise<void> {
    const {argv} = await this.parse(HelpCommand)
    try {
      await new DbManageHelp(this.config, this.config.pjson.oclif.helpOptions ?? {}).showHelp(argv as string[])
    } catch (error) {
      // A mistyped command name leaves no code cache, as at the top level.
      discardCodeCache()
      throw error
    }
  }
}
