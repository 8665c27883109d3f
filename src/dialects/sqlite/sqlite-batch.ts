import {type DdlCompiler, tableBody} from '../ddl-compiler.js'
import type {TableSchema} from '../table-schema.js'

/** CREATE TABLE from a reflected (or rebuilt) table, types and defaults as the database wrote them. */
export function createTableSql(compiler: DdlCompiler, name: string, table: TableSchema): string {
  const pk = table.primaryKey
  const inlineAuto = pk?.columns.length === 1 ? table.columns.find((c) => c.name === pk.columns[0] && c.autoincrement) : undefined
  const elements = table.columns.map((c) => {
    if (c === inlineAuto) return `${compiler.quote(c.name)} INTEGER${c.nullable ? '' : ' NOT NULL'} PRIMARY KEY AUTOINCREMENT`
    return `${compiler.quote(c.name)} ${c.type}${compiler.collateClause(c.collation)}${c.nullable ? '' : ' NOT NULL'}${c.default === undefined ? '' : ` DEFAULT ${c.default}`}`
  })
  const named = (n: string | undefined) => (n ? `${compiler.constraintName(n)} ` : '')
  if (pk && !inlineAuto) elements.push(`${named(pk.name)}PRIMARY KEY ${compiler.columnList(pk.columns)}`)
  for (const u of table.uniques) elements.push(`${named(u.name)}UNIQUE ${compiler.columnList(u.columns)}`)
  for (const fk of table.foreignKeys) elements.push(`${named(fk.name)}${compiler.foreignKeyClause(fk.columns, fk.referent, fk.referentColumns, fk)}`)
  for (const ck of table.checks) elements.push(`${named(ck.name)}CHECK (${ck.condition})`)
  return `CREATE TABLE ${compiler.quote(name)} ${tableBody(elements)}${table.withoutRowid ? ' WITHOUT ROWID' : ''}`
}
