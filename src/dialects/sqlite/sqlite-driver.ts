import {stat} from 'node:fs/promises'
import path from 'node:path'

import type {DatabaseUrl} from '../../config/database-url.js'
import {DatabaseError, errorMessage} from '../../util/errors.js'
import {type Connection, type QueryResult, statementLine, type Trace, traced} from '../connection.js'

/** A SQLite connection knows its file: the migration lock is a file beside it. */
export interface SqliteConnection extends Connection {
  /** The database file, or `:memory:`. */
  readonly filename: string
}

/** better-sqlite3 behind the async Connection interface. */
export async function connectSqlite(url: DatabaseUrl, busyTimeoutMs: number, trace?: Trace): Promise<SqliteConnection> {
  const {default: Database} = await import('better-sqlite3')
  const file = url.filename ?? ':memory:'
  // A folder that is not there is a typo more often than a wish: SQLite would otherwise start a new, empty
  // database wherever the path points. `db-manage init` writes a config whose file sits beside it.
  if (
    file !== ':memory:' &&
    !(await stat(path.dirname(file)).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new DatabaseError(
      `SQLite database ${file}: its folder ${path.dirname(file)} does not exist (a typo in the path?): ` +
        'correct the URL, or create the folder first',
    )
  }

  let db: import('better-sqlite3').Database
  try {
    db = new Database(file, {timeout: busyTimeoutMs})
  } catch (error) {
    throw new DatabaseError(`cannot open SQLite database ${file}: ${errorMessage(error)}`)
  }

  // Like SQLAlchemy (and so Alembic), migrations run with foreign key
  // enforcement off, so batch mode can drop and rename referenced tables.
  trace?.(statementLine('PRAGMA foreign_keys = OFF'))
  db.pragma('foreign_keys = OFF')
  // As sqlite3 runs a file: without better-sqlite3's defensive mode, so what sqlite3's own .dump and .schema
  // write for FTS tables (PRAGMA writable_schema, their shadow tables) runs as it does there.
  db.unsafeMode(true)
  const connection: SqliteConnection = {
    async close() {
      db.close()
    },
    filename: file,
    async query(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
      const statement = db.prepare(sql)
      const bound = params.map((p) => (typeof p === 'boolean' ? Number(p) : p))
      if (statement.reader) return {rows: statement.all(...bound) as Array<Record<string, unknown>>}
      const info = statement.run(...bound)
      return {rowCount: info.changes, rows: []}
    },
  }
  return traced(connection, trace)
}
