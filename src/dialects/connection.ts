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
}

/** The position, in a batch, of the statement a driver error came from. */
export function batchIndex(error: unknown): number | undefined {
  const index = (error as {batchIndex?: unknown})?.batchIndex
  return typeof index === 'number' ? index : undefined
}
