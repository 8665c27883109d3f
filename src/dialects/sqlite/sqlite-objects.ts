import type {Connection} from '../connection.js'
import {dependenciesByName, type ObjectSchema, programText} from '../../model/object-schema.js'

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/**
 * Views and triggers from sqlite_master: each statement as SQLite keeps it, compared by what it says (comments and
 * spacing aside, programText). SQLite keeps no dependencies: what each names is read from its text.
 */
export async function readSqliteObjects(connection: Connection): Promise<ObjectSchema[]> {
  const {rows} = await connection.query(`SELECT type, name, tbl_name, sql FROM sqlite_master
    WHERE type IN ('view', 'trigger') AND sql IS NOT NULL ORDER BY name`)
  const found = rows.map((r) => {
    const kind = r.type === 'view' ? ('view' as const) : ('trigger' as const)
    const name = String(r.name)
    const sql = String(r.sql)
    return {
      bare: name,
      create: sql,
      definition: programText(sql, 'sqlite'),
      drop: `DROP ${kind.toUpperCase()} ${quote(name)}`,
      kind,
      name,
      ...(kind === 'trigger' ? {table: String(r.tbl_name)} : {}),
    }
  })
  return found.map(({bare: _, ...o}) => ({...o, ...dependenciesByName(o.create, o, 'sqlite', found)}))
}
