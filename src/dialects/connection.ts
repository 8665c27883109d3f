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
}
