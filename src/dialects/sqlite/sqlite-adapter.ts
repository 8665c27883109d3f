import {realpath} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'

import {DatabaseError} from '../../util/errors.js'
import {type Connection, statementLine} from '../connection.js'
import {ADAPTER_DEFAULTS} from '../adapter-defaults.js'
import type {Adapter} from '../dialect.js'
import type {SqliteConnection} from './sqlite-driver.js'

/** The lock file of each connection that holds the migration lock. */
const held = new WeakMap<Connection, import('better-sqlite3').Database>()

/** `app.db` -> `app.db.db-manage-alembic_version.lock` */
export function lockFileOf(file: string, key: string): string {
  return `${file}.${key.replaceAll(/[^\w.]+/g, '-')}.lock`
}

/**
 * SQLite has no advisory lock: the migration lock is a write transaction
 * held open on a small SQLite file beside the database for the whole run.
 * The operating system releases it when the process dies, even by kill -9,
 * so nothing is left to clean up. Waiting polls, so signals are still seen.
 * An in-memory database is private to its connection and needs none.
 */
async function acquireFileLock(
  connection: Connection,
  file: string,
  timeoutSeconds: number,
  signal?: AbortSignal,
): Promise<void> {
  if (!file) return
  const {default: Database} = await import('better-sqlite3')
  const lock = new Database(file, {timeout: 0})
  const deadline = performance.now() + timeoutSeconds * 1000
  try {
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      signal?.throwIfAborted()
      try {
        connection.trace?.(`${statementLine('BEGIN IMMEDIATE')} (the migration lock, on ${file})`)
        lock.exec('BEGIN IMMEDIATE')
        held.set(connection, lock)
        return
      } catch (error) {
        if ((error as {code?: string}).code !== 'SQLITE_BUSY') throw error
        if (performance.now() >= deadline) {
          throw new DatabaseError(
            'another db-manage run holds the migration lock and did not release it' +
              ` within ${timeoutSeconds}s (--lock-timeout): held on ${file}` +
              ' by a process on this machine or one sharing the file',
          )
        }
      }

      await sleep(Math.min(wait, Math.max(1, deadline - performance.now())), undefined, {signal})
    }
  } finally {
    if (held.get(connection) !== lock) lock.close()
  }
}

export const sqliteAdapter: Adapter = {
  ...ADAPTER_DEFAULTS,
  acquireLock: acquireFileLock,
  altersNeedBatch: true,
  dumpFile: {
    after: [],
    before: [],
    // `.schema` lists SQLite's own sqlite_sequence and sqlite_stat tables, which only SQLite may create.
    skip: (statement) => /^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?["'`[]?sqlite_/i.test(statement),
    async madeAlready(connection, statement, error) {
      const message = String((error as Error | undefined)?.message)
      const shadow = /object name reserved for internal use: ([^\s(]+)/.exec(message)?.[1]
      if (!shadow || !/^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s/i.test(statement)) return false
      return sqliteAdapter.tableExists(connection, shadow)
    },
  },
  beginSql: 'BEGIN IMMEDIATE',
  /**
   * The lock file beside the database's real path: a path through a symlink
   * (to the file or a folder above it) takes the lock that the real path does.
   */
  async limitLockWaits(connection: Connection, seconds: number) {
    // The writer waits for readers (its COMMIT, in a rollback journal) as long as busy_timeout says.
    await connection.query(`PRAGMA busy_timeout = ${seconds * 1000}`)
  },
  async lockName(connection: Connection, {versionTable}) {
    const {filename} = connection as SqliteConnection
    if (!filename || filename === ':memory:') return ''
    return lockFileOf(await realpath(filename), `db-manage:${versionTable}`)
  },
  async releaseLock(connection: Connection) {
    const lock = held.get(connection)
    held.delete(connection)
    lock?.close()
  },
  scratch: 'memory',
  supportsTransactionalDdl: true,
  async tableExists(connection: Connection, table: string) {
    const {rows} = await connection.query(`SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?`, [
      table,
    ])
    return rows.length > 0
  },
}
