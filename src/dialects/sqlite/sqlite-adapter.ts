import type {Connection} from '../connection.js'
import type {Adapter} from '../dialect.js'

/**
 * SQLite's lock is its write lock: each migration transaction opens with
 * BEGIN IMMEDIATE, waits up to the busy timeout for other writers, and the
 * runner re-reads the version inside it, so racing runs apply each revision once.
 */
export const sqliteAdapter: Adapter = {
  async acquireLock() {},
  lockSpansRun: false,
  offlineTransactions: false,
  dumpFile: {
    after: [],
    before: [],
    prepare: (text) => text,
    // `.schema` lists SQLite's own sqlite_sequence and sqlite_stat tables, which only SQLite may create.
    skip: (statement) => /^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?["'`[]?sqlite_/i.test(statement),
  },
  beginSql: 'BEGIN IMMEDIATE',
  async releaseLock() {},
  supportsTransactionalDdl: true,
  async tableExists(connection: Connection, table: string) {
    const {rows} = await connection.query(`SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?`, [table])
    return rows.length > 0
  },
}
