import {createHash} from 'node:crypto'

import {DatabaseError} from '../../util/errors.js'
import type {Connection} from '../connection.js'
import {ADAPTER_DEFAULTS} from '../adapter-defaults.js'
import type {Adapter} from '../dialect.js'
import {explainExtensionFailure} from './postgres-extensions.js'

/** A stable signed 64-bit advisory lock key for a name. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString()
}

/**
 * Who holds the advisory lock, as pg_stat_activity tells it (what the role may see of it): `: held by PostgreSQL
 * backend 123 (...)`.
 */
async function lockHolder(connection: Connection, key: string): Promise<string> {
  try {
    const {rows} = await connection.query(
      `SELECT a.pid, a.application_name, host(a.client_addr) AS addr, a.usename,
        to_char(a.backend_start AT TIME ZONE 'utc', 'YYYY-MM-DD HH24:MI:SS') AS since, a.state, left(a.query, 80) AS query
      FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
      [advisoryKey(key)],
    )
    const h = rows[0]
    if (!h) return ''
    const who = [
      h.application_name ? `application ${String(h.application_name)}` : '',
      h.usename ? `user ${String(h.usename)}` : '',
      h.addr ? `from ${String(h.addr)}` : '',
    ]
      .filter(Boolean)
      .join(', ')
    return `: held by PostgreSQL backend ${String(h.pid)}${who ? ` (${who})` : ''}${h.since ? `, connected since ${String(h.since)} UTC` : ''}${h.state ? `, ${String(h.state)}` : ''}`
  } catch {
    return ''
  }
}

export const postgresAdapter: Adapter = {
  ...ADAPTER_DEFAULTS,
  async acquireLock(connection: Connection, name: string, timeoutSeconds: number, signal?: AbortSignal) {
    signal?.throwIfAborted()
    // lock_timeout applies to advisory lock waits too; 0 would mean "wait forever".
    await connection.query(`SET lock_timeout = '${Math.max(1, Math.round(timeoutSeconds * 1000))}ms'`)
    // A signal cancels the wait from a second connection, as psql's Ctrl-C does.
    const cancel = () => void connection.cancel?.().catch(() => {})
    signal?.addEventListener('abort', cancel, {once: true})
    try {
      await connection.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey(name)])
    } catch (error) {
      if ((error as {code?: string}).code === '55P03') {
        const holder = await lockHolder(connection, name)
        throw new DatabaseError(
          'another db-manage run holds the migration lock and did not release it' +
            ` within ${timeoutSeconds}s (--lock-timeout)${holder}`,
        )
      }

      throw error
    } finally {
      signal?.removeEventListener('abort', cancel)
      await connection.query('RESET lock_timeout')
    }
  },
  async limitLockWaits(connection: Connection, seconds: number) {
    await connection.query(`SET lock_timeout = '${seconds}s'`)
  },
  async limitStatements(connection: Connection, seconds: number) {
    await connection.query(`SET statement_timeout = '${seconds}s'`)
  },
  async lockBlockers(monitor: Connection, waiter: string) {
    const {rows} = await monitor.query(
      'SELECT pid, application_name, query_start, state, query FROM pg_stat_activity' +
        ' WHERE pid = ANY (pg_blocking_pids($1::int)) ORDER BY pid',
      [Number(waiter)],
    )
    return rows.map((row) => ({
      application: String(row.application_name ?? ''),
      id: String(row.pid),
      query: row.query === null ? undefined : String(row.query),
      since: row.query_start instanceof Date ? row.query_start.toISOString() : undefined,
      state: row.state === null ? undefined : String(row.state),
    }))
  },
  async sessionId(connection: Connection) {
    const {rows} = await connection.query('SELECT pg_backend_pid() AS pid')
    return String(rows[0]?.pid)
  },
  explainFailure: explainExtensionFailure,
  offlineTransactions: true,
  dumpFile: {
    after: ['RESET search_path'],
    before: [],
    skip: () => false,
  },
  // Advisory locks are per database; a tenant schema of one database has its own.
  lockName: async (_connection, {schema, versionTable}) =>
    `db-manage:${schema === undefined ? '' : `${schema}.`}${versionTable}`,
  async releaseLock(connection: Connection, name: string) {
    await connection.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryKey(name)])
  },
  scratch: {
    ...ADAPTER_DEFAULTS.scratch,
    // A scratch database someone still looks at is dropped all the same.
    drop: (name) => `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
  },
  supportsTransactionalDdl: true,
  async tableExists(connection: Connection, table: string) {
    const {rows} = await connection.query('SELECT to_regclass($1) IS NOT NULL AS present', [
      `"${table.replaceAll('"', '""')}"`,
    ])
    return rows[0]?.present === true
  },
}
