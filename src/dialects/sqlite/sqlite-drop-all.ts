import type {Connection} from '../connection.js'
import {counted, type Dropped} from '../dropped.js'

/**
 * SQLite: every object in sqlite_master but SQLite's own (views, triggers, tables, their indexes with them), in one
 * transaction, with foreign keys off meanwhile (as they were after).
 */
export async function sqliteDropAll(connection: Connection, quote: (name: string) => string): Promise<Dropped> {
  const dropped: Dropped = {}
  const {rows} = await connection.query('PRAGMA foreign_keys')
  const foreignKeys = Number(rows[0]?.foreign_keys ?? 0)
  await connection.query('PRAGMA foreign_keys = OFF')
  try {
    await connection.query('BEGIN IMMEDIATE')
    try {
      const objects = await connection.query(
        `SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
          AND type IN ('view', 'trigger', 'table', 'index')
          ORDER BY CASE type WHEN 'view' THEN 0 WHEN 'trigger' THEN 1 WHEN 'table' THEN 2 ELSE 3 END, name`,
      )
      for (const r of objects.rows) {
        const type = String(r.type)
        // A table's indexes go with it; one left (on a table dropped already) is gone by now.
        const sql = `DROP ${type.toUpperCase()} IF EXISTS ${quote(String(r.name))}`
        if (type === 'index') {
          const still = await connection.query(
            `SELECT 1 AS present FROM sqlite_master WHERE type = 'index' AND name = ?`,
            [r.name],
          )
          if (still.rows.length === 0) continue
        }

        await connection.query(sql)
        counted(dropped, type)
      }

      await connection.query('COMMIT')
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => {})
      throw error
    }
  } finally {
    await connection.query(`PRAGMA foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`).catch(() => {})
  }

  return dropped
}
