import {brief} from '../sql/brief.js'

export interface QueryResult {
  readonly rows: Array<Record<string, unknown>>
  /** Rows changed by INSERT/UPDATE/DELETE, where the driver reports it. */
  readonly rowCount?: number
}

/** One open database session, whatever the driver. */
export interface Connection {
  query(sql: string, params?: readonly unknown[]): Promise<QueryResult>
  close(): Promise<void>
  /** Ask the server to cancel the statement running on this session (PostgreSQL); the statement then fails. */
  cancel?(): Promise<void>
  /**
   * Run statements in one round trip (PostgreSQL: one simple-protocol query
   * string), each statement's result in order. A failure is the driver's
   * error with `batchIndex`, the position of the statement that failed.
   */
  batch?(statements: readonly string[]): Promise<QueryResult[]>
  /**
   * Where a batch's statements each commit as they run (MySQL): a statement that does nothing, put between
   * them, until `stopBatches` was called; it then fails, so the batch stops after the statement running.
   */
  readonly batchGuard?: string
  /**
   * The statement with its parameters written in as literals (MySQL: mysql2's own escaping, what it sends for a
   * query with parameters), so that it can go in a batch.
   */
  inline?(sql: string, params: readonly unknown[]): string
  /** Make every batchGuard fail from now on (a signal: the run stops after the statement running). */
  stopBatches?(): Promise<void>
  /**
   * Under --debug (see `traced`): report a statement sent on this session
   * some other way than query and batch (SQLite's migration lock, taken on a
   * file beside the database).
   */
  readonly trace?: Trace
}

/** Where a traced connection reports each statement it sends, as one `SQL: ...` line (--debug's stderr). */
export type Trace = (line: string) => void

/** `SQL: statement`, its bound parameters after it. */
export function statementLine(sql: string, params?: readonly unknown[]): string {
  const values = params?.length
    ? ` -- params: ${JSON.stringify(params, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`
    : ''
  return `SQL: ${sql}${values}`
}

/**
 * The connection, reporting every statement as it is sent: a query's, and a
 * batch's one by one after a line saying they go in one round trip. The one
 * place --debug sees the statements of a session, the run's bookkeeping
 * (lock, version and history tables, catalog reads) included. A driver's
 * connection is a plain object, copied here with its query and batch wrapped.
 */
export function traced<C extends Connection>(connection: C, trace: Trace | undefined): C {
  if (!trace) return connection
  const {batch} = connection
  return {
    ...connection,
    batch:
      batch &&
      ((statements: readonly string[]) => {
        trace(`round trip: ${statements.length} statement(s) in one query, the last ${brief(statements.at(-1) ?? '')}`)
        for (const sql of statements) trace(statementLine(sql))
        return batch.call(connection, statements)
      }),
    query(sql: string, params?: readonly unknown[]) {
      trace(statementLine(sql, params))
      return connection.query(sql, params)
    },
    trace,
  }
}

/** The position, in a batch, of the statement a driver error came from. */
export function batchIndex(error: unknown): number | undefined {
  const index = (error as {batchIndex?: unknown})?.batchIndex
  return typeof index === 'number' ? index : undefined
}
