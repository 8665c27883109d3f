import * as Args from '@oclif/core/args'

import {MigrateCommand} from '../cli/migrate-command.js'

export default class Upgrade extends MigrateCommand {
  static args = {
    target: Args.string({description: 'head (default), an id, +N, head-N, REV+N; with --sql also START:END.'}),
  }

  static description = `Applies each revision between the database's current revision and TARGET, printing one line per step. On PostgreSQL and SQLite each revision commits together with its version update; a failure leaves the database at the last revision that completed. A lock serialises concurrent runs. With --sql, writes the SQL instead and connects to nothing.`
  static examples = [
    '<%= config.bin %> upgrade head',
    '<%= config.bin %> upgrade +1',
    '<%= config.bin %> upgrade --delta 2',
    '<%= config.bin %> upgrade 004 --db catalog',
    '<%= config.bin %> upgrade 004:head --sql -o deploy.sql',
  ]
  static summary = 'Upgrade the database to a later revision.'
  protected readonly direction = 'upgrade'
}
