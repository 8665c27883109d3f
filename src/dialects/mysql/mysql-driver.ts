import type {DatabaseUrl} from '../../config/database-url.js'
import {type Connection, type QueryResult, type Trace, traced} from '../connection.js'

/** What mysql2 answers a statement with: rows for a SELECT, a header (affectedRows) for the others. */
function resultOf(result: unknown): QueryResult {
  if (Array.isArray(result)) return {rows: result as Array<Record<string, unknown>>}
  return {rowCount: (result as {affectedRows?: number}).affectedRows, rows: []}
}

export async function connectMysql(url: DatabaseUrl, connectTimeoutMs: number, trace?: Trace): Promise<Connection> {
  const mysql = await import('mysql2/promise')
  const options = {
    charset: url.params.charset ?? 'utf8mb4',
    connectTimeout: connectTimeoutMs,
    database: url.database,
    // As the mysql client connects: mysql2 asks for IGNORE_SPACE, which the server adds to the sql_mode that
    // every routine, trigger and event records, and which makes function names reserved words.
    flags: ['-IGNORE_SPACE'],
    host: url.host,
    // Several statements in one round trip (batch below); only db-manage's own statements are ever joined.
    multipleStatements: true,
    password: url.password,
    port: url.port ?? 3306,
    ssl: url.params.ssl === 'true' ? {} : undefined,
    // No stack captured for each query (a failure is reported by its statement, and --debug shows where it ran).
    trace: false,
    user: url.user,
  }
  const client = await mysql.createConnection(options)
  client.on('error', () => {})
  // A batch stops at a guard once another session holds this lock: a guard then returns two rows where one is
  // allowed (ER_SUBQUERY_NO_1_ROW), which the server checks as it runs, statement by statement.
  const stopLock = `db_manage_stop_${client.threadId}`
  const batchGuard = `SET @db_manage_go = (SELECT 1 UNION ALL SELECT 2 FROM DUAL WHERE IS_USED_LOCK('${stopLock}') IS NOT NULL)`
  let stopper: Awaited<ReturnType<typeof mysql.createConnection>> | undefined
  // The callback connection under the promise one: its query command counts the results the server sent.
  const core = (client as unknown as {connection: CoreConnection}).connection
  const connection: Connection = {
    batch(statements) {
      return new Promise((resolve, reject) => {
        // Each statement ends on a line of its own, so a trailing -- comment cannot swallow the separator.
        const command = core.query(statements.join('\n;\n'), (error, result) => {
          if (error) {
            // The server runs the statements in order and stops at the first that fails: every result it sent
            // before the error is a statement that completed (and, DDL or autocommit, committed).
            reject(Object.assign(error, {batchIndex: Math.min(command._resultIndex, statements.length - 1)}))
            return
          }

          const results = statements.length === 1 ? [result] : (result as unknown[])
          resolve(results.map((r) => resultOf(r)))
        })
      })
    },
    batchGuard,
    async close() {
      await stopper?.end().catch(() => {})
      await client.end()
    },
    async stopBatches() {
      if (stopper) return
      try {
        stopper = await mysql.createConnection({...options, multipleStatements: false})
        stopper.on('error', () => {})
        trace?.(`SQL: SELECT GET_LOCK('${stopLock}', 0) (on a second connection)`)
        await stopper.query(`SELECT GET_LOCK(?, 0)`, [stopLock])
      } catch {
        // The batch then runs to its end; the run still stops after it.
      }
    },
    inline(sql, params) {
      return core.format(sql, params as unknown[])
    },
    query(sql, params = []) {
      // The callback connection under one promise of ours: mysql2's promise wrapper costs a closure and a copy of
      // the result array per query.
      return new Promise((resolve, reject) => {
        core.query(sql, params as unknown[], (error, result) => {
          if (error) reject(error)
          // One statement with text after its `;` (a comment) gets a second, empty result since
          // multipleStatements: the statement's is the first, as it was without.
          else resolve(resultOf(severalResults(result) ? (result as unknown[])[0] : result))
        })
      })
    },
  }
  return traced(connection, trace)
}

/** Whether mysql2 answered with the results of several statements (an array of row arrays and headers). */
function severalResults(result: unknown): boolean {
  if (!Array.isArray(result) || result.length === 0) return false
  const first = result[0] as unknown
  return Array.isArray(first) || (first as {constructor?: {name?: string}})?.constructor?.name === 'ResultSetHeader'
}

/** The part of mysql2's callback connection a batch uses (mysql2 does not type its query command's counter). */
interface CoreConnection {
  query(sql: string, callback: (error: Error | null, result: unknown) => void): {_resultIndex: number}
  query(sql: string, values: unknown[], callback: (error: Error | null, result: unknown) => void): unknown
  format(sql: string, values: unknown[]): string
}
