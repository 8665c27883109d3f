import type {DialectName} from '../util/dialect-names.js'
import type {DdlCompiler, Statement} from '../dialects/ddl-compiler.js'
import type {Introspector} from '../model/table-schema.js'
import type {Backfill, Operation} from '../operations/nodes.js'
import type {OperationSink} from '../operations/operations.js'
import type {SqlExecutor} from './executor.js'

export interface MigrationSinkOptions {
  readonly dialect: DialectName
  readonly compiler: DdlCompiler
  readonly executor: SqlExecutor
  readonly introspector: Introspector
  /**
   * Runs a statement that must not run inside a transaction (CREATE INDEX
   * CONCURRENTLY); the migration context steps out of its transaction for it.
   * Absent, such a statement runs like any other.
   */
  readonly outside?: (statement: Statement) => Promise<void>
  /**
   * Offline: keeps the tables the operations build, in place of a database to read (SchemaTracker). Online (MySQL):
   * the tables the run built, which the introspector answers for (KnownTables); a read of the database (op.query)
   * makes it `lose` them.
   */
  readonly tracker?: {apply(operation: Operation): void; lose?(reason: string): void}
  /** Offline: what op.query does (it throws). */
  readonly query?: (sql: string) => Promise<Array<Record<string, unknown>>>
  /** Called before a statement that changes the session's search_path runs. */
  readonly searchPathChanging?: () => Promise<void>
  /**
   * Online: runs op.backfill in batches, `ordinal` its place among the step's operations. Absent (offline), a
   * backfill is compiled to one UPDATE.
   */
  readonly backfill?: (operation: Backfill, ordinal: number) => Promise<void>
  /** A resumed step: how many of its operations committed before the run was killed, skipped now. */
  readonly skip?: number
}

/**
 * Where a script's `op` sends its operations: compiled for the dialect and
 * handed to the executor, which runs them online or writes them offline.
 * One path for both, so offline SQL is what the online run executes.
 */
export class MigrationSink implements OperationSink {
  readonly dialect: DialectName
  /** The operations the script has called so far. */
  private operations = 0

  constructor(private readonly options: MigrationSinkOptions) {
    this.dialect = options.dialect
  }

  async query(sql: string, params?: readonly unknown[]): Promise<Array<Record<string, unknown>>> {
    if (this.options.query) return this.options.query(sql)
    this.options.tracker?.lose?.('op.query')
    return (await this.options.executor.execute({params, sql})).rows
  }

  async run(operation: Operation): Promise<void> {
    const {backfill, compiler, executor, introspector, outside, skip, tracker} = this.options
    const ordinal = this.operations++
    if (skip !== undefined && ordinal < skip) return
    if (operation.kind === 'backfill' && backfill) return backfill(operation, ordinal)
    const statements = await compiler.compile(operation, {introspector})
    tracker?.apply(operation)
    for (const statement of statements) {
      if (statement.searchPath) await this.options.searchPathChanging?.()
      if (statement.nonTransactional && outside) await outside(statement)
      // An operation's own DDL goes with the step's next round trip; SQL a script runs itself (op.execute) is run as it
      // comes.
      else if (operation.kind === 'execute' || !executor.defer?.(statement)) await executor.execute(statement)
    }
  }
}
