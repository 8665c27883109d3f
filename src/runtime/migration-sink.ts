import type {DialectName} from '../config/database-url.js'
import type {DdlCompiler} from '../dialects/ddl-compiler.js'
import type {SchemaTracker} from '../dialects/schema-tracker.js'
import type {Introspector} from '../dialects/table-schema.js'
import type {Operation} from '../operations/nodes.js'
import type {OperationSink} from '../operations/operations.js'
import type {SqlExecutor} from './executor.js'

export interface MigrationSinkOptions {
  readonly dialect: DialectName
  readonly compiler: DdlCompiler
  readonly executor: SqlExecutor
  readonly introspector: Introspector
  readonly beginSql: string
  /** Offline: keeps the tables the operations build, in place of a database to read. */
  readonly tracker?: SchemaTracker
  /** Offline: what op.query does (it throws). */
  readonly query?: (sql: string) => Promise<Array<Record<string, unknown>>>
}

/**
 * Where a script's `op` sends its operations: compiled for the dialect and
 * handed to the executor, which runs them online or writes them offline.
 * One path for both, so offline SQL is what the online run executes.
 */
export class MigrationSink implements OperationSink {
  readonly dialect: DialectName
  /** Inside a migration transaction, a non-transactional statement must step out of it. */
  inTransaction = false
  /** Told when a step out commits what the transaction held, before the statement that needed it runs. */
  onStepOut?: (sql: string) => void

  constructor(private readonly options: MigrationSinkOptions) {
    this.dialect = options.dialect
  }

  async query(sql: string, params?: readonly unknown[]): Promise<Array<Record<string, unknown>>> {
    if (this.options.query) return this.options.query(sql)
    return (await this.options.executor.execute({params, sql})).rows
  }

  async run(operation: Operation): Promise<void> {
    const {beginSql, compiler, executor, introspector, tracker} = this.options
    const statements = await compiler.compile(operation, {introspector})
    tracker?.apply(operation)
    for (const statement of statements) {
      if (statement.nonTransactional && this.inTransaction) {
        // Like Alembic's autocommit_block: commit, run alone, begin again.
        await executor.execute({sql: 'COMMIT'})
        this.onStepOut?.(statement.sql)
        await executor.execute(statement)
        await executor.execute({sql: beginSql})
      } else {
        await executor.execute(statement)
      }
    }
  }
}
