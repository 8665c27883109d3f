import * as Args from '@oclif/core/args'

import {bashCompletion} from '../cli/completion.js'
import {SimpleCommand} from '../cli/simple-command.js'

export default class Completion extends SimpleCommand {
  static args = {
    shell: Args.string({
      default: 'bash',
      description: 'bash, or zsh (which runs the bash function through bashcompinit).',
      options: ['bash', 'zsh'],
    }),
  }

  static description =
    'Prints a completion function that completes the commands, each command\'s flags, and flag values: --dialect (postgresql, mysql, sqlite), --template (ts, sql), files for --config-file and -o, folders for --script-location. Add the eval line to ~/.bashrc; in ~/.zshrc, after "autoload -U +X bashcompinit && bashcompinit".'
  static examples = [
    'eval "$(<%= config.bin %> completion bash)"',
    'autoload -U +X bashcompinit && bashcompinit && eval "$(<%= config.bin %> completion zsh)"',
  ]
  static summary = 'Print the shell completion script (commands, flags and flag values).'

  async run(): Promise<void> {
    await this.parse(Completion)
    const commands = this.config.commands.map((c) => ({aliases: c.aliases, flags: c.flags, hidden: c.hidden, id: c.id}))
    process.stdout.write(bashCompletion(this.config.bin, commands))
  }
}
