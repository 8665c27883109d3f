import {createHash} from 'node:crypto'

import {DatabaseError} from '../../util/errors.js'
import type {Connection} from '../connection.js'
import {ADAPTER_DEFAULTS} from '../adapter-defaults.js'
import type {Adapter} from '../dialect.js'

/** A stable signed 64-bit advisory lock key for a name. */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString()
}

export const postgresAdapter: Adapter = {
  ...ADAPTER_DEFAULTS,
  async acquireLock(connection: Connection, key: string, timeoutSeconds: number) {
    // lock_timeout applies to advisory lock waits too; 0 would mean "wait forever".
    await connection.query(`SET lock_timeout = '${Math.max(1, Math.round(timeoutSeconds * 1000))}ms'`)
    try {
      await connection.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey(key)])
    } catch (error) {
      if ((error as {code?: string}).code === '55P03') {
        throw new DatabaseError(`another db-manage run holds the migration lock and did not release it within ${timeoutSeconds}s (--lock-timeout)`)
      }

      throw error
    } finally {
      await connection.query('RESET lock_timeout')
    }
  },
  offlineTransactions: true,
  dumpFile: {
    after: ['RESET search_path'],
    before: [],
    // psql meta-commands (\\restrict KEY, \\connect db) are psql's, not SQL.
    prepare: (text) => text.replaceAll(/^\\.*$/gm, ''),
    skip: () => false,
  },
  async releaseLock(connection: Connection, key: string) {
    await connection.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryKey(key)])
  },
  scratch: {
    ...ADAPTER_DEFAULTS.scratch,
    // A scratch database someone still looks at is dropped all the same.
    drop: (name) => `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
  },
  splitter: {options: 'postgreSplitterOptions'},
  supportsTransactionalDdl: true,
  async tableExists(connection: Connection, table: string) {
    const {rows} = await connection.query('SELECT to_regclass($1) IS NOT NULL AS present', [`"${table.replaceAll('"', '""')}"`])
    return rows[0]?.present === true
  },
}
