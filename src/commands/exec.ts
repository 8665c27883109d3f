import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {type ExecStatement, execSqlFile, resolveExecFile} from '../api/exec.js'
import {BaseCommand} from '../cli/base-command.js'
import {prefixLines} from '../cli/format.js'
import {DIALECT_NAMES} from '../util/dialect-names.js'
import {type DialectName} from '../util/dialect-names.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {UsageError} from '../util/errors.js'

function describeResult(s: ExecStatement): string[] {
  if (s.rows)
    return [
      ...s.rows.map((r) => `  ${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`),
      `  (${s.rows.length} row${s.rows.length === 1 ? '' : 's'})`,
    ]
  const outside = s.outsideTransaction ? ', on its own: it cannot run inside a transaction' : ''
  return s.rowCount === undefined
    ? [`  (done${outside})`]
    : [`  (${s.rowCount} row${s.rowCount === 1 ? '' : 's'} affected${outside})`]
}

export default class Exec extends BaseCommand {
  static args = {
    file: Args.string({description: 'SQL file to run (or DB_MANAGE_EXEC_FILE).'}),
  }

  static description = `Splits FILE into statements as the database's own client would (psql, mysql, sqlite3: comments, strings, $$ and BEGIN ATOMIC bodies, triggers, MySQL DELIMITER), refusing a file it cannot read to a clean end before anything runs, and runs them one by one, stopping at the first failure. A file with its own BEGIN/COMMIT runs as written, as psql -f would. Otherwise, on PostgreSQL and SQLite, it runs inside one transaction, so a failure changes nothing; a statement the server refuses inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM, CREATE DATABASE) commits what came before and runs on its own. On MySQL each statement commits as it goes. A failure names the statement and says which statements were committed, which rolled back and which never ran. Prints each statement and what it returned: rows for a SELECT, the affected count otherwise. Needs no config file: a URL (--url or DATABASE_URL) and a file are enough.`
  static examples = [
    '<%= config.bin %> exec fixes/backfill.sql',
    '<%= config.bin %> exec fixes/backfill.sql --dry-run',
    'DB_MANAGE_EXEC_FILE=fix.sql DB_MANAGE_DRY_RUN=1 <%= config.bin %> exec',
  ]
  static flags = {
    dialect: Flags.string({
      options: [...DIALECT_NAMES],
      summary: 'With --dry-run and no connection URL: how to split the file.',
    }),
    'dry-run': Flags.boolean({env: 'DB_MANAGE_DRY_RUN', summary: 'Only print the statements; connect to nothing.'}),
    'no-transaction': Flags.boolean({
      summary: 'Run each statement on its own, committing as it completes (no wrapping transaction).',
    }),
  }

  static summary = 'Run a raw SQL file against the database.'
  protected readonly worksWithoutConfig = true

  async run(): Promise<Awaited<ReturnType<typeof execSqlFile>>> {
    const {args, flags} = await this.parse(Exec)
    const given = args.file ?? process.env.DB_MANAGE_EXEC_FILE
    if (!given) throw new UsageError('exec needs a SQL file: db-manage exec FILE (or DB_MANAGE_EXEC_FILE)')
    const config = await this.loadConfig(flags)
    if (config.databases.length > 1 && flags.db === undefined) {
      throw new UsageError(
        `exec runs ${given} on one database, and ${config.databases.length} are configured (${config.databases
          .slice(0, 5)
          .map((d) => d.name)
          .join(
            ', ',
          )}${config.databases.length > 5 ? ', ...' : ''}): choose one with --db NAME (a fleet's name runs it on each tenant)`,
      )
    }

    const file = resolveExecFile(given, config.databases[0]?.execLocation, process.env.DB_MANAGE_EXEC_DIR)
    const many = config.nameEach
    return execSqlFile(config, file, {
      debug: sqlDebug(flags.debug),
      dialect: flags.dialect as DialectName | undefined,
      dryRun: flags['dry-run'],
      noTransaction: flags['no-transaction'],
      onStatement: (database, i, s) => {
        const lines = [
          `-- statement ${i + 1}`,
          ...`${s.sql};`.split('\n'),
          ...(flags['dry-run'] ? [] : describeResult(s)),
        ]
        this.log((many ? prefixLines(lines, database) : lines).join('\n'))
      },
    })
  }
}
