import type {DatabaseUrl} from '../../config/database-url.js'
import type {Connection} from '../connection.js'

export async function connectMysql(url: DatabaseUrl, connectTimeoutMs: number): Promise<Connection> {
  const mysql = await import('mysql2/promise')
  const connection = await mysql.createConnection({
    charset: url.params.charset ?? 'utf8mb4',
    connectTimeout: connectTimeoutMs,
    database: url.database,
    // As the mysql client connects: mysql2 asks for IGNORE_SPACE, which the server adds to the sql_mode that
    // every routine, trigger and event records, and which makes function names reserved words.
    flags: ['-IGNORE_SPACE'],
    host: url.host,
    password: url.password,
    port: url.port ?? 3306,
    ssl: url.params.ssl === 'true' ? {} : undefined,
    user: url.user,
  })
  connection.on('error', () => {})
  return {
    async close() {
      await connection.end()
    },
    async query(sql, params = []) {
      const [result] = await connection.query(sql, params as unknown[])
      if (Array.isArray(result)) return {rows: result as Array<Record<string, unknown>>}
      return {rowCount: (result as {affectedRows?: number}).affectedRows, rows: []}
    },
  }
}
