import * as Args from '@oclif/core/args'

import {init} from '../api/init.js'
import {BaseCommand} from '../cli/base-command.js'

export default class Init extends BaseCommand {
  static args = {
    directory: Args.string({default: '.', description: 'Folder to write db-manage.ini and migrations/ into.'}),
  }

  /** init reads no config and no database: of the shared flags only --debug applies. */
  static baseFlags = {debug: BaseCommand.baseFlags.debug} as unknown as typeof BaseCommand.baseFlags

  static description =
    'Writes a db-manage.ini whose connection is a SQLite file (the embedded default) and an empty migrations/ folder. Refuses to overwrite either.'
  static examples = ['<%= config.bin %> init', '<%= config.bin %> init services/catalog']
  static summary = 'Create a config and an empty migrations folder.'

  async run(): Promise<Awaited<ReturnType<typeof init>>> {
    const {args} = await this.parse(Init)
    const result = await init(args.directory)
    this.log(`Created ${result.configFile}`)
    this.log(`Created ${result.scriptLocation}/`)
    return result
  }
}
