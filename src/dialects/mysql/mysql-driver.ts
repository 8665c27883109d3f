import type {DatabaseUrl} from '../../config/database-url.js'
import {type Connection, type Trace, traced} from '../connection.js'

export async function connectMysql(url: DatabaseUrl, connectTimeoutMs: number, trace?: Trace): Promise<Connection> {
  const mysql = await import('mysql2/promise')
  const client = await mysql.createConnection({
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
  client.on('error', () => {})
  const connection: Connection = {
    async close() {
      await client.end()
    },
    async query(sql, params = []) {
      const [result] = await client.query(sql, params as unknown[])
      if (Array.isArray(result)) return {rows: result as Array<Record<string, unknown>>}
      return {rowCount: (result as {affectedRows?: number}).affectedRows, rows: []}
    },
  }
  return traced(connection, trace)
}
