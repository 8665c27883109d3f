import {DatabaseError} from '../../util/errors.js'
import type {Connection} from '../connection.js'
import {ADAPTER_DEFAULTS} from '../adapter-defaults.js'
import type {Adapter} from '../dialect.js'

/** GET_LOCK names are at most 64 characters. */
function lockName(key: string): string {
  return key.length <= 64 ? key : key.slice(0, 64)
}

/** Who holds the named lock: IS_USED_LOCK's connection id, with what PROCESSLIST says of it. */
async function lockHolder(connection: Connection, name: string): Promise<string> {
  try {
    const {rows} = await connection.query('SELECT IS_USED_LOCK(?) AS id', [name])
    const id = rows[0]?.id
    if (id === null || id === undefined) return ''
    const {rows: processes} = await connection.query('SELECT USER AS user, HOST AS host, TIME AS seconds FROM information_schema.PROCESSLIST WHERE ID = ?', [id])
    const p = processes[0]
    return `: held by connection ${String(id)}${p ? ` (${String(p.user)}@${String(p.host)}, ${String(p.seconds)}s in its current state)` : ''}`
  } catch {
    return ''
  }
}

export const mysqlAdapter: Adapter = {
  ...ADAPTER_DEFAULTS,
  async acquireLock(connection: Connection, key: string, timeoutSeconds: number) {
    const {rows} = await connection.query('SELECT GET_LOCK(?, ?) AS ok', [lockName(key), timeoutSeconds])
    if (Number(rows[0]?.ok) !== 1) {
      throw new DatabaseError(`another db-manage run holds the migration lock and did not release it within ${timeoutSeconds}s (--lock-timeout)${await lockHolder(connection, lockName(key))}`)
    }
  },
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
  async releaseLock(connection: Connection, key: string) {
    await connection.query('SELECT RELEASE_LOCK(?)', [lockName(key)])
  },
  scratch: {
    ...ADAPTER_DEFAULTS.scratch,
    async create(admin: Connection, name: string) {
      const {rows} = await admin.query('SELECT DEFAULT_COLLATION_NAME AS c FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()')
      const collation = rows[0]?.c
      return `CREATE DATABASE ${name}${typeof collation === 'string' && /^\w+$/.test(collation) ? ` DEFAULT COLLATE ${collation}` : ''}`
    },
  },
  async tableExists(connection: Connection, table: string) {
    const {rows} = await connection.query('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [table])
    return Number(rows[0]?.n) > 0
  },
}
