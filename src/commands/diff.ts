import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {diffSchemas, type DiffResult, SchemasDiffer} from '../api/diff.js'
import {BaseCommand} from '../cli/base-command.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {describeUncompared} from '../model/table-schema.js'
import {DIALECT_NAMES, type DialectName} from '../util/dialect-names.js'

export default class Diff extends BaseCommand {
  static args = {
    from: Args.string({
      description: 'A database URL, a configured database name, a schema file (.ts, .js, .sql) or chain:REV.',
      required: true,
    }),
    to: Args.string({description: 'The same kinds as FROM, of the same dialect.', required: true}),
  }

  static description =
    "Each side is a database URL, the name of a configured database, a schema file (a defineSchema module or a .sql file of CREATE statements, as target_schema), or the chain at a revision (chain:head, chain:REV, built by upgrading a scratch database). Both sides are read with autogenerate's catalog queries and compared as autogenerate compares, so both must be of one dialect. Prints the operations that turn FROM into TO as autogenerate writes a revision's upgrade(), or with --sql the dialect's SQL, and nothing when they are equal. Exits 0 when equal, 1 when different and 2 on any error, as diff(1) does: drift between two databases is a CI step."
  static examples = [
    '<%= config.bin %> diff postgresql://app@prod/app postgresql://app@staging/app',
    '<%= config.bin %> diff chain:head src/db/schema.ts',
    '<%= config.bin %> diff catalog chain:head --sql',
  ]
  static flags = {
    dialect: Flags.string({
      options: [...DIALECT_NAMES],
      summary: 'The dialect, when neither side is a database and no connection is configured.',
    }),
    sql: Flags.boolean({env: 'DB_MANAGE_SQL', summary: "Print the dialect's SQL instead of the operations."}),
  }

  static summary = 'Show the operations that turn one schema into another; exit 1 when they differ.'
  protected readonly worksWithoutConfig = true

  async run(): Promise<DiffResult> {
    const {args, flags} = await this.parse(Diff)
    const config = await this.loadConfig(flags)
    const result = await diffSchemas(config, args.from, args.to, {
      debug: sqlDebug(flags.debug),
      dialect: flags.dialect as DialectName | undefined,
      sql: flags.sql,
    })
    const uncompared = (['from', 'to'] as const)
      .map((side) => [side.toUpperCase(), describeUncompared(result.notCompared[side])])
      .filter(([, text]) => text)
    if (uncompared.length > 0)
      process.stderr.write(`not compared: ${uncompared.map(([side, text]) => `${side} ${text}`).join('; ')}\n`)
    if (!result.equal) {
      // diff(1): 1 when the two differ; --json says so in its one document, as an error holding the diff.
      if (this.jsonEnabled()) throw new SchemasDiffer(result)
      process.stdout.write(flags.sql ? result.sql! : `${result.upgrade}\n`)
      process.exitCode = 1
    }

    return result
  }

  /** diff(1): 1 when the two differ, 2 for any trouble (a usage error or an unreachable database alike). */
  protected exitCodeOf(error: Error): number {
    return error instanceof SchemasDiffer ? 1 : 2
  }
}
