import {type DdlCompiler, tableBody} from '../ddl-compiler.js'
import type {TableSchema} from '../../model/table-schema.js'

/** CREATE TABLE from a reflected (or rebuilt) table, types and defaults as the database wrote them. */
export function createTableSql(compiler: DdlCompiler, name: string, table: TableSchema): string {
  const pk = table.primaryKey
  const inlineAuto =
    pk?.columns.length === 1 ? table.columns.find((c) => c.name === pk.columns[0] && c.autoincrement) : undefined
  const elements = table.columns.map((c) => {
    if (c === inlineAuto)
      return `${compiler.quote(c.name)} INTEGER${c.nullable ? '' : ' NOT NULL'} PRIMARY KEY AUTOINCREMENT`
    const generated = c.generated ? compiler.generatedClause(c.generated) : ''
    return `${compiler.quote(c.name)}${c.type ? ` ${c.type}` : ''}${compiler.collateClause(c.collation)}${generated}${c.nullable ? '' : ' NOT NULL'}${c.default === undefined ? '' : ` DEFAULT ${c.default}`}`
  })
  elements.push(...compiler.constraintElements({...table, primaryKey: inlineAuto ? undefined : pk}))
  return `CREATE TABLE ${compiler.quote(name)} ${tableBody(elements)}${table.withoutRowid ? ' WITHOUT ROWID' : ''}`
}
