import * as Flags from '@oclif/core/flags'

import {heads} from '../api/history.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase, revisionBlock} from '../cli/format.js'

export default class Heads extends BaseCommand {
  static description =
    'Shows the revisions nothing builds on. A sound chain has exactly one; several mean two branches each added a revision (run renumber).'
  static flags = {
    verbose: Flags.boolean({char: 'v', summary: 'Show each head in full.'}),
  }

  static summary = 'Show the head revision(s).'

  async run(): Promise<Awaited<ReturnType<typeof heads>>> {
    const {flags} = await this.parse(Heads)
    const config = await this.loadConfig(flags)
    const result = await heads(config)
    this.printLines(
      perDatabase(
        result,
        (r) => r.heads.map((h) => (flags.verbose ? revisionBlock(h) : `${h.id} (head)`)),
        config.nameEach,
      ),
    )
    return result
  }
}
