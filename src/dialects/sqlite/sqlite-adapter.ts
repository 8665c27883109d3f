import type {Connection} from '../connection.js'
import {ADAPTER_DEFAULTS} from '../adapter-defaults.js'
import type {Adapter} from '../dialect.js'

const SQLITE_BEGIN = ' TRANSACTION/*db-manage*/'

/**
 * SQLite's lock is its write lock: each migration transaction opens with
 * BEGIN IMMEDIATE, waits up to the busy timeout for other writers, and the
 * runner re-reads the version inside it, so racing runs apply each revision once.
 */
export const sqliteAdapter: Adapter = {
  ...ADAPTER_DEFAULTS,
  async acquireLock() {},
  altersNeedBatch: true,
  lockSpansRun: false,
  dumpFile: {
    after: [],
    before: [],
    prepare: (text) => text,
    // `.schema` lists SQLite's own sqlite_sequence and sqlite_stat tables, which only SQLite may create.
    skip: (statement) => /^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?["'`[]?sqlite_/i.test(statement),
  },
  beginSql: 'BEGIN IMMEDIATE',
  async releaseLock() {},
  scratch: 'memory',
  splitter: {
    options: 'sqliteSplitterOptions',
    // The splitter reads a bare `BEGIN;` as a trigger's BEGIN ... END and then
    // never splits again; `BEGIN TRANSACTION` means the same to SQLite and
    // splits right, so it stands in while splitting.
    protect: (sql) => sql.replace(/\b(begin)(\s*;)/gi, `$1${SQLITE_BEGIN}$2`),
    restore: (statement) => statement.replaceAll(SQLITE_BEGIN, ''),
  },
  supportsTransactionalDdl: true,
  async tableExists(connection: Connection, table: string) {
    const {rows} = await connection.query(`SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?`, [table])
    return rows.length > 0
  },
}
