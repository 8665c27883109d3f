import * as Args from '@oclif/core/args'

import {MigrateCommand} from '../cli/migrate-command.js'

export default class Downgrade extends MigrateCommand {
  static args = {
    target: Args.string({description: 'An id, -N, base, head-N; with --sql a range START:END.'}),
  }

  static description = `Runs downgrade() of each revision from the current one down to TARGET (exclusive), printing one line per step. A script without downgrade() stops the run before anything changes. With --sql, writes the SQL for the range START:END instead.`
  static examples = [
    '<%= config.bin %> downgrade -1',
    '<%= config.bin %> downgrade base',
    '<%= config.bin %> downgrade --delta 2',
    '<%= config.bin %> downgrade 003',
    '<%= config.bin %> downgrade head:003 --sql',
  ]
  static summary = 'Downgrade the database to an earlier revision.'
  protected readonly direction = 'downgrade'
}
