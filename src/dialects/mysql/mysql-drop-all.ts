import type {Connection} from '../connection.js'
import {counted, type Dropped} from '../dropped.js'

/**
 * MySQL/MariaDB: every view, table (its triggers with it), sequence (MariaDB), procedure, function and event of the
 * connection's database, with foreign-key checks off for the session meanwhile so no order between tables is needed.
 * The database itself stays, with its grants. MySQL commits each DROP as it goes.
 */
export async function mysqlDropAll(connection: Connection, quote: (name: string) => string): Promise<Dropped> {
  const dropped: Dropped = {}
  const run = async (kind: string, sql: string) => {
    await connection.query(sql)
    counted(dropped, kind)
  }

  await connection.query('SET FOREIGN_KEY_CHECKS = 0')
  try {
    const tables = await connection.query(
      `SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
        ORDER BY TABLE_TYPE = 'VIEW' DESC, TABLE_NAME`,
    )
    for (const r of tables.rows) {
      const type = String(r.type)
      const [kind, keyword] =
        type === 'VIEW' ? ['view', 'VIEW'] : type === 'SEQUENCE' ? ['sequence', 'SEQUENCE'] : ['table', 'TABLE']
      await run(kind, `DROP ${keyword} IF EXISTS ${quote(String(r.name))}`)
    }

    const routines = await connection.query(
      `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES
        WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION') ORDER BY ROUTINE_NAME`,
    )
    for (const r of routines.rows) {
      const type = String(r.type)
      await run(type.toLowerCase(), `DROP ${type} IF EXISTS ${quote(String(r.name))}`)
    }

    const events = await connection.query(
      'SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() ORDER BY EVENT_NAME',
    )
    for (const r of events.rows) await run('event', `DROP EVENT IF EXISTS ${quote(String(r.name))}`)
  } finally {
    await connection.query('SET FOREIGN_KEY_CHECKS = 1').catch(() => {})
  }

  return dropped
}
