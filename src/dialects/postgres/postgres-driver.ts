import type {DatabaseUrl} from '../../config/database-url.js'
import {type Connection, statementLine, type Trace, traced} from '../connection.js'

const CHECK_CONNECTION = `DO $$ BEGIN PERFORM set_config('client_connection_check_interval', '2000', false); EXCEPTION WHEN undefined_object THEN NULL; END $$`

/**
 * pg, loaded. On loading, pg asks whether it runs on Cloudflare Workers: with
 * no `navigator` (Node 20 has none) it builds a fetch Response to find out,
 * which loads Node's whole fetch implementation (undici), ~20 ms of every
 * command that connects. A navigator that says Node answers it first; it is
 * there only while pg loads (Node 21 and later have their own).
 */
async function loadPg(): Promise<typeof import('pg').default> {
  const global = globalThis as {navigator?: unknown}
  const shim = global.navigator === undefined
  if (shim) global.navigator = {userAgent: `Node.js/${process.version}`}
  try {
    return (await import('pg')).default
  } finally {
    if (shim) delete global.navigator
  }
}

export async function connectPostgres(url: DatabaseUrl, connectTimeoutMs: number, trace?: Trace): Promise<Connection> {
  const pg = await loadPg()
  const ssl =
    url.params.sslmode && url.params.sslmode !== 'disable'
      ? {rejectUnauthorized: url.params.sslmode === 'verify-full'}
      : undefined
  const settings = {
    application_name: 'db-manage',
    connectionTimeoutMillis: connectTimeoutMs,
    database: url.database,
    host: url.host,
    password: url.password,
    port: url.port ?? 5432,
    ssl,
    user: url.user,
  }
  const client = new pg.Client(settings)
  client.on('error', () => {}) // a dropped connection surfaces on the next query
  await client.connect()
  // A client killed with -9 cannot release the lock nor stop its statement: from PostgreSQL 14 the
  // server checks the connection while a statement runs, and aborts it within seconds (frees the lock).
  trace?.(statementLine(CHECK_CONNECTION))
  await client.query(CHECK_CONNECTION)
  // Keep server notices (e.g. "relation already exists, skipping") off stdout.
  client.on('notice', () => {})
  // Counts the statements of a multi-statement query that completed, so a failure names its statement
  // (handleCommandComplete is how pg's Query hears of each one; it is not in pg's types).
  const handleCommandComplete = (
    pg.Query.prototype as unknown as {handleCommandComplete: (message: unknown, connection: unknown) => void}
  ).handleCommandComplete
  class CountingQuery extends pg.Query {
    completed = 0
    handleCommandComplete(message: unknown, connection: unknown): void {
      this.completed++
      handleCommandComplete.call(this, message, connection)
    }
  }

  type Result = {rowCount: null | number; rows: Array<Record<string, unknown>>}

  const connection: Connection = {
    batch(statements) {
      return new Promise((resolve, reject) => {
        // Each statement ends on a line of its own, so a trailing -- comment cannot swallow the separator.
        const query: CountingQuery = new CountingQuery(
          statements.join('\n;\n'),
          (error: Error | undefined, result: unknown) => {
            if (error) {
              reject(Object.assign(error, {batchIndex: Math.min(query.completed, statements.length - 1)}))
              return
            }

            const results = (Array.isArray(result) ? result : [result]) as Result[]
            resolve(results.map((r) => ({rowCount: r.rowCount ?? undefined, rows: r.rows ?? []})))
          },
        )
        client.query(query)
      })
    },
    async cancel() {
      // PostgreSQL cancels a statement on request from another connection, as psql's Ctrl-C does.
      const canceller = new pg.Client(settings)
      canceller.on('error', () => {})
      try {
        await canceller.connect()
        const pid = [(client as unknown as {processID: number}).processID]
        trace?.(`${statementLine('SELECT pg_cancel_backend($1)', pid)} (on a second connection)`)
        await canceller.query('SELECT pg_cancel_backend($1)', pid)
      } catch {
        // The statement then runs to its end; the run still stops after it.
      } finally {
        await canceller.end().catch(() => {})
      }
    },
    async close() {
      await client.end()
    },
    async query(sql, params = []) {
      const result = await client.query({text: sql, values: params as unknown[]})
      const last = Array.isArray(result) ? result.at(-1) : result
      return {rowCount: last?.rowCount ?? undefined, rows: last?.rows ?? []}
    },
  }
  return traced(connection, trace)
}
