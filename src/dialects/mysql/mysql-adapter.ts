import {createHash} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'

import {DatabaseError} from '../../util/errors.js'
import type {Connection} from '../connection.js'
import {ADAPTER_DEFAULTS} from '../adapter-defaults.js'
import type {Adapter} from '../dialect.js'
import {columnBytes} from './mysql-row-size.js'

/** GET_LOCK names are server-wide, and at most 64 characters on MySQL. */
const MAX_NAME = 64

/**
 * The GET_LOCK name of a version table: `db-manage:app.alembic_version`,
 * its database named, since the name is the server's and not the
 * database's. One that would not fit is cut and ends with a hash of the
 * whole (`db-manage:<first 37 characters>~<16 hex>`): exactly 64
 * characters, so it is never the name of a shorter pair.
 */
export function mysqlLockName(database: string, versionTable: string): string {
  const table = `${database}.${versionTable}`
  const name = `db-manage:${table}`
  const chars = [...name]
  if (chars.length < MAX_NAME) return name
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 16)
  return `${chars.slice(0, MAX_NAME - hash.length - 1).join('')}~${hash}`
}

/**
 * How long one GET_LOCK waits before the run looks for a signal again.
 * MariaDB waits fractions of a second; MySQL rounds them to whole seconds
 * (this rounds to 0, an attempt), so the rest of the slice is waited here.
 */
const SLICE_MS = 250

/** Who holds the named lock: IS_USED_LOCK's connection id, with what PROCESSLIST says of it. */
async function lockHolder(connection: Connection, name: string): Promise<string> {
  try {
    const {rows} = await connection.query('SELECT IS_USED_LOCK(?) AS id', [name])
    const id = rows[0]?.id
    if (id === null || id === undefined) return ''
    const {rows: processes} = await connection.query(
      'SELECT USER AS user, HOST AS host, TIME AS seconds FROM information_schema.PROCESSLIST WHERE ID = ?',
      [id],
    )
    const p = processes[0]
    return `: held by connection ${String(id)}${p ? ` (${String(p.user)}@${String(p.host)}, ${String(p.seconds)}s in its current state)` : ''}`
  } catch {
    return ''
  }
}

export const mysqlAdapter: Adapter = {
  ...ADAPTER_DEFAULTS,
  async acquireLock(connection: Connection, name: string, timeoutSeconds: number, signal?: AbortSignal) {
    const deadline = performance.now() + timeoutSeconds * 1000
    for (;;) {
      signal?.throwIfAborted()
      const started = performance.now()
      const slice = Math.max(0, Math.min(SLICE_MS, Math.round(deadline - started)))
      const {rows} = await connection.query('SELECT GET_LOCK(?, ?) AS ok', [name, slice / 1000])
      const ok = rows[0]?.ok
      if (Number(ok) === 1) return
      if (ok === null || ok === undefined) {
        throw new DatabaseError(`cannot take the migration lock: GET_LOCK('${name}') returned NULL`)
      }

      if (performance.now() >= deadline) {
        const holder = await lockHolder(connection, name)
        throw new DatabaseError(
          'another db-manage run holds the migration lock and did not release it' +
            ` within ${timeoutSeconds}s (--lock-timeout)${holder}`,
        )
      }

      const rest = slice - (performance.now() - started)
      if (rest > 1) await sleep(rest, undefined, {signal})
    }
  },
  columnBytes,
  foreignKeysNeedIndexes: true,
  dumpFile: {
    after: ['SET FOREIGN_KEY_CHECKS = 1'],
    // mysqldump writes tables in name order, with foreign keys to tables not yet created.
    before: ['SET FOREIGN_KEY_CHECKS = 0'],
    skip: () => false,
  },
  async limitLockWaits(connection: Connection, seconds: number) {
    // DDL waits for metadata locks (lock_wait_timeout, a year by default), DML for row locks.
    await connection.query(`SET SESSION lock_wait_timeout = ${seconds}, SESSION innodb_lock_wait_timeout = ${seconds}`)
  },
  async limitStatements(connection: Connection, seconds: number) {
    // MariaDB's max_statement_time covers every statement; MySQL's max_execution_time only SELECTs.
    const {rows} = await connection.query('SELECT VERSION() AS version')
    if (/mariadb/i.test(String(rows[0]?.version))) await connection.query(`SET SESSION max_statement_time = ${seconds}`)
    else await connection.query(`SET SESSION max_execution_time = ${seconds * 1000}`)
  },
  async lockBlockers(monitor: Connection, waiter: string) {
    // The waiter queues for a metadata lock (DDL) or a row lock (DML): the sessions with a transaction open
    // hold them (a plain SELECT in an open transaction holds its table's metadata lock until it ends).
    const {rows: waiting} = await monitor.query(
      'SELECT STATE AS state FROM information_schema.PROCESSLIST WHERE ID = ?',
      [Number(waiter)],
    )
    if (!/lock/i.test(String(waiting[0]?.state ?? ''))) return []
    const {rows} = await monitor.query(
      'SELECT p.ID AS id, p.USER AS user, p.HOST AS host, t.trx_started AS started, p.STATE AS state,' +
        ' COALESCE(p.INFO, t.trx_query) AS query FROM information_schema.INNODB_TRX t' +
        ' JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.ID <> ? ORDER BY t.trx_started',
      [Number(waiter)],
    )
    return rows.map((row) => ({
      application: `${String(row.user)}@${String(row.host)}`,
      id: String(row.id),
      query: row.query === null ? undefined : String(row.query),
      since: row.started instanceof Date ? row.started.toISOString() : undefined,
      state: row.state ? String(row.state) : 'idle in transaction',
    }))
  },
  async sessionId(connection: Connection) {
    const {rows} = await connection.query('SELECT CONNECTION_ID() AS id')
    return String(rows[0]?.id)
  },
  async lockName(connection: Connection, {versionTable}) {
    // Where names are case-insensitive (lower_case_table_names), App and app are one database.
    const {rows} = await connection.query('SELECT DATABASE() AS db, @@lower_case_table_names AS lower')
    const fold = (text: string) => (Number(rows[0]?.lower) === 0 ? text : text.toLowerCase())
    return mysqlLockName(fold(String(rows[0]?.db ?? '')), fold(versionTable))
  },
  async releaseLock(connection: Connection, name: string) {
    await connection.query('SELECT RELEASE_LOCK(?)', [name])
  },
  scratch: {
    ...ADAPTER_DEFAULTS.scratch,
    async create(admin: Connection, name: string) {
      const {rows} = await admin.query(
        'SELECT DEFAULT_COLLATION_NAME AS c FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()',
      )
      const collation = rows[0]?.c
      return `CREATE DATABASE ${name}${typeof collation === 'string' && /^\w+$/.test(collation) ? ` DEFAULT COLLATE ${collation}` : ''}`
    },
  },
  async tableExists(connection: Connection, table: string) {
    const {rows} = await connection.query(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [table],
    )
    return Number(rows[0]?.n) > 0
  },
}
