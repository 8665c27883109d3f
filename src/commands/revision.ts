import {Flags} from '@oclif/core'

import {revision} from '../api/revision.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase} from '../cli/format.js'

export default class Revision extends BaseCommand {
  static description = 'Writes <next id>_<slug>.ts (or .sql with --template sql) after the current head, ids zero-padded to revision_digits. Refuses when the chain has more than one head: run renumber first.'
  static examples = ['<%= config.bin %> revision -m "add user email"', '<%= config.bin %> revision -m "backfill events" --template sql']
  static flags = {
    message: Flags.string({char: 'm', required: true, summary: 'What the revision does; also names the file.'}),
    template: Flags.string({default: 'ts', options: ['ts', 'sql'], summary: 'Script kind to write.'}),
  }

  static summary = 'Create a new revision script.'

  async run(): Promise<Awaited<ReturnType<typeof revision>>> {
    const {flags} = await this.parse(Revision)
    const config = await this.loadConfig(flags)
    const result = await revision(config, {message: flags.message, template: flags.template as 'sql' | 'ts'})
    this.printLines(perDatabase(result, (r) => [`Generated ${r.path}`]))
    return result
  }
}
