import type {IndexElement} from '../../operations/nodes.js'
import type {Connection} from '../connection.js'
import {IDENT, unquoteIdent} from '../../sql/identifiers.js'
import {mentions} from '../../model/table-changes.js'
import type {ObjectSchema} from '../../model/object-schema.js'
import {readSqliteObjects} from './sqlite-objects.js'
import {
  CatalogReader,
  type CheckSchema,
  type ColumnSchema,
  type ForeignKeySchema,
  groupBy,
  type IndexSchema,
  type KeySchema,
  type TableSchema,
  type VirtualTableSchema,
} from '../../model/table-schema.js'

/** Split `a, b(c, d), 'e,f'` at top-level commas, respecting parentheses and quotes. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote: string | undefined
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (quote) {
      if (ch === quote) quote = undefined
    } else if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      quote = ch === '[' ? ']' : ch
    } else if (ch === '(') {
      depth++
    } else if (ch === ')') {
      depth--
    } else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim())
      start = i + 1
    }
  }

  parts.push(text.slice(start).trim())
  return parts.filter(Boolean)
}

/** The text inside the parentheses that open at `open`. */
function balanced(text: string, open: number): string {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i)
  }

  return text.slice(open + 1)
}

interface ParsedConstraints {
  /** deferred: a foreign key declared DEFERRABLE INITIALLY DEFERRED, the one spelling SQLite does not check at once. */
  names: Array<{
    kind: 'check' | 'fk' | 'pk' | 'unique'
    name?: string
    columns: string[]
    condition?: string
    deferred?: boolean
  }>
  /** Column -> its declared COLLATE (SQLite's collation names are case-insensitive: upper-cased). */
  collations: Map<string, string>
  /** Column -> its generation expression, as written: `[GENERATED ALWAYS] AS (expr)`. */
  generated: Map<string, string>
}

/** A foreign key's clause is checked at commit only when it says DEFERRABLE INITIALLY DEFERRED (not NOT DEFERRABLE). */
const DEFERRED = /(?<!\bNOT\s+)\bDEFERRABLE\s+INITIALLY\s+DEFERRED\b/i

/** Constraint names and CHECK conditions, which SQLite's pragmas do not report, read from CREATE TABLE. */
export function parseCreateTable(sql: string): ParsedConstraints {
  const open = sql.indexOf('(')
  const names: ParsedConstraints['names'] = []
  const collations = new Map<string, string>()
  const generated = new Map<string, string>()
  if (open === -1) return {collations, generated, names}
  const columnsOf = (text: string) => splitTopLevel(text).map((c) => unquoteIdent(c.trim().split(/\s+/)[0]))
  for (const element of splitTopLevel(balanced(sql, open))) {
    const named = new RegExp(
      String.raw`^(?:CONSTRAINT\s+(${IDENT})\s+)?(PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY)\s*\(`,
      'i',
    ).exec(element)
    if (named) {
      const kind = named[2].toUpperCase().replaceAll(/\s+/g, ' ')
      const body = balanced(element, named[0].length - 1)
      const name = named[1] ? unquoteIdent(named[1]) : undefined
      if (kind === 'CHECK') names.push({columns: [], condition: body.trim(), kind: 'check', name})
      else if (kind === 'FOREIGN KEY')
        names.push({columns: columnsOf(body), kind: 'fk', name, ...(DEFERRED.test(element) ? {deferred: true} : {})})
      else names.push({columns: columnsOf(body), kind: kind === 'UNIQUE' ? 'unique' : 'pk', name})
      continue
    }

    const column = new RegExp(String.raw`^(${IDENT})`).exec(element)
    if (!column) continue
    const columnName = unquoteIdent(column[1])
    const rest = element.slice(column[0].length)
    const collate = new RegExp(String.raw`\bCOLLATE\s+(${IDENT})`, 'i').exec(
      rest.replaceAll(/\((?:[^()]|\([^()]*\))*\)/g, ''),
    )
    if (collate) collations.set(columnName, unquoteIdent(collate[1]).toUpperCase())
    const as = /\b(?:GENERATED\s+ALWAYS\s+)?AS\s*\(/i.exec(rest)
    if (as) generated.set(columnName, balanced(rest, as.index + as[0].length - 1).trim())
    const constraint = new RegExp(
      String.raw`(?:CONSTRAINT\s+(${IDENT})\s+)?(REFERENCES|CHECK\s*\(|UNIQUE|PRIMARY\s+KEY)`,
      'gi',
    )
    for (const m of rest.matchAll(constraint)) {
      const name = m[1] ? unquoteIdent(m[1]) : undefined
      const word = m[2].toUpperCase()
      if (word.startsWith('CHECK'))
        names.push({
          columns: [columnName],
          condition: balanced(rest, m.index + m[0].length - 1).trim(),
          kind: 'check',
          name,
        })
      else if (word === 'REFERENCES')
        names.push({
          columns: [columnName],
          kind: 'fk',
          name,
          ...(DEFERRED.test(rest.slice(m.index)) ? {deferred: true} : {}),
        })
      else if (word === 'UNIQUE') names.push({columns: [columnName], kind: 'unique', name})
      else names.push({columns: [columnName], kind: 'pk', name})
    }
  }

  return {collations, generated, names}
}

const sameColumns = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((c, i) => c === b[i])

/**
 * Tables read through PRAGMA table_xinfo, foreign_key_list and index_list
 * (joined to sqlite_master, so three queries cover every table), with the
 * constraint names and CHECK conditions the pragmas do not report read from
 * the CREATE TABLE text.
 */
export class SqliteIntrospector extends CatalogReader {
  // Views and triggers are compared (sqlite-objects.ts): nothing is left uncounted.
  protected readonly uncomparedSql = `SELECT 'nothing' AS kind, 0 AS n`

  async objects(): Promise<ObjectSchema[]> {
    return readSqliteObjects(this.connection)
  }

  constructor(protected readonly connection: Connection) {
    super()
  }

  /** One table, with its triggers and the views that name it: what a batch rebuild keeps (sqlite-ddl-compiler.ts). */
  async table(name: string): Promise<TableSchema | undefined> {
    const table = await super.table(name)
    if (!table) return undefined
    const {rows} = await this.connection.query(`SELECT type, name, tbl_name, sql FROM sqlite_master
      WHERE type IN ('trigger', 'view') AND sql IS NOT NULL ORDER BY name`)
    return {
      ...table,
      triggers: rows.filter((r) => r.type === 'trigger' && r.tbl_name === name).map((r) => String(r.sql)),
      views: rows.filter((r) => r.type === 'view' && mentions(String(r.sql), name)).map((r) => String(r.name)),
    }
  }

  async virtualTables(): Promise<VirtualTableSchema[]> {
    const {rows} = await this.connection.query(`SELECT m.name, m.sql
      FROM sqlite_master m JOIN pragma_table_list l ON l.name = m.name AND l.schema = 'main'
      WHERE m.type = 'table' AND l.type = 'virtual' ORDER BY m.name`)
    return rows.map((r) => ({name: String(r.name), sql: String(r.sql)}))
  }

  protected async read(only?: string): Promise<TableSchema[]> {
    // A virtual table, and the shadow tables its module keeps, are not tables to compare: virtualTables() reads them.
    const where = `m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
      ${only === undefined ? '' : 'AND m.name = ?'}
      AND m.name NOT IN (SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('shadow', 'virtual'))`
    const q = async (sql: string) => (await this.connection.query(sql, only === undefined ? [] : [only])).rows
    const allColumns =
      await q(`SELECT m.name AS tbl, m.sql AS create_sql, p.name, p.type, p."notnull", p.dflt_value, p.pk, p.hidden
      FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE ${where} ORDER BY m.name, p.cid`)
    // hidden: 0 a column, 1 a virtual table's hidden one, 2 a VIRTUAL and 3 a STORED generated column.
    const columnRows = allColumns.filter((r) => Number(r.hidden) !== 1)
    const fkRows = groupBy(
      await q(`SELECT m.name AS tbl, f.id, f.seq, f."table" AS referent, f."from" AS col, f."to" AS ref_col, f.on_update, f.on_delete
      FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE ${where} ORDER BY m.name, f.id, f.seq`),
      (r) => String(r.tbl),
    )
    const indexRows = groupBy(
      await q(`SELECT m.name AS tbl, l.name AS idx, l."unique" AS is_unique, l.origin, l.partial, i.name AS col, s.sql AS index_sql
      FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_info(l.name) i
      LEFT JOIN sqlite_master s ON s.type = 'index' AND s.name = l.name
      WHERE ${where} ORDER BY m.name, l.name, i.seqno`),
      (r) => String(r.tbl),
    )

    const tables = [...groupBy(columnRows, (r) => String(r.tbl))].map(([name, info]): TableSchema => {
      const sql = String(info[0].create_sql)
      const parsed = parseCreateTable(sql)
      const keyed = info.filter((r) => Number(r.pk) > 0)
      const autoincrement = /\bAUTOINCREMENT\b/i.test(sql) && keyed.length === 1
      const withoutRowid = /\)\s*WITHOUT\s+ROWID\s*;?\s*$/i.test(sql)
      // A lone INTEGER PRIMARY KEY is the rowid (an alias of it), which NOT NULL does not change.
      const rowid =
        keyed.length === 1 && !withoutRowid && String(keyed[0].type).toUpperCase() === 'INTEGER'
          ? String(keyed[0].name)
          : undefined
      const columns: ColumnSchema[] = info.map((r) => ({
        autoincrement: autoincrement && Number(r.pk) === 1,
        ...(parsed.collations.has(String(r.name)) ? {collation: parsed.collations.get(String(r.name))} : {}),
        default: r.dflt_value === null ? undefined : String(r.dflt_value),
        ...(Number(r.hidden) >= 2
          ? {generated: {expression: parsed.generated.get(String(r.name)) ?? '', stored: Number(r.hidden) === 3}}
          : {}),
        name: String(r.name),
        // As declared: on SQLite a key column is NOT NULL only when it says so.
        nullable: Number(r.notnull) === 0,
        ...(String(r.name) === rowid ? {rowid: true} : {}),
        type: String(r.type),
      }))
      const pkColumns = keyed.sort((a, b) => Number(a.pk) - Number(b.pk)).map((r) => String(r.name))
      const nameOf = (kind: string, cols: readonly string[]) =>
        parsed.names.find((n) => n.kind === kind && sameColumns(n.columns, cols))?.name
      // pragma_foreign_key_list numbers keys in reverse declaration order.
      const fks = [...groupBy(fkRows.get(name) ?? [], (r) => String(r.id))].sort(([a], [b]) => Number(b) - Number(a))
      const foreignKeys: ForeignKeySchema[] = fks.map(([, rows]) => {
        const cols = rows.map((r) => String(r.col))
        const action = (a: unknown) => (a === 'NO ACTION' ? undefined : String(a))
        const declared = parsed.names.find((n) => n.kind === 'fk' && sameColumns(n.columns, cols))
        return {
          columns: cols,
          ...(declared?.deferred ? {deferrable: true, initiallyDeferred: true} : {}),
          name: declared?.name,
          onDelete: action(rows[0].on_delete),
          onUpdate: action(rows[0].on_update),
          referent: String(rows[0].referent),
          referentColumns: referentColumns(rows),
        }
      })
      const uniques: KeySchema[] = []
      const indexes: IndexSchema[] = []
      for (const [idx, rows] of groupBy(indexRows.get(name) ?? [], (r) => String(r.idx))) {
        const cols = rows.map((r) => String(r.col))
        if (rows[0].origin === 'u') uniques.push({columns: cols, name: nameOf('unique', cols)})
        else if (rows[0].origin === 'c') {
          const partial =
            Number(rows[0].partial) === 1
              ? /\bWHERE\b([\s\S]*)$/i.exec(String(rows[0].index_sql))?.[1].trim()
              : undefined
          indexes.push({
            columns: indexElements(String(rows[0].index_sql), rows),
            name: idx,
            unique: Number(rows[0].is_unique) === 1,
            ...(partial === undefined ? {} : {where: partial}),
          })
        }
      }

      const checks: CheckSchema[] = parsed.names
        .filter((n) => n.kind === 'check')
        .map((n) => ({condition: n.condition!, name: n.name}))
      return {
        checks,
        columns,
        foreignKeys,
        indexes,
        name,
        primaryKey: pkColumns.length > 0 ? {columns: pkColumns, name: nameOf('pk', pkColumns)} : undefined,
        uniques,
        ...(withoutRowid ? {withoutRowid: true} : {}),
      }
    })
    return tables
  }
}

/**
 * The referenced columns; none for `REFERENCES a` without a column list (a's
 * primary key, which pragma_foreign_key_list reports as NULL), kept so.
 */
function referentColumns(rows: ReadonlyArray<Record<string, unknown>>): string[] {
  return rows.some((r) => r.ref_col === null) ? [] : rows.map((r) => String(r.ref_col))
}

/**
 * An index's elements from its CREATE INDEX text, which the pragmas do not
 * give for expressions: a bare column stays a name; an expression, or a column
 * with COLLATE, ASC or DESC, is kept as written.
 */
function indexElements(sql: string, rows: ReadonlyArray<Record<string, unknown>>): IndexElement[] {
  const on = new RegExp(String.raw`\bON\s+${IDENT}\s*\(`, 'i').exec(sql)
  const written = on ? splitTopLevel(balanced(sql, on.index + on[0].length - 1)) : []
  return rows.map((r, k) => {
    const text = written.length === rows.length ? written[k] : undefined
    const col = r.col === null ? undefined : String(r.col)
    if (
      text === undefined ||
      (col !== undefined &&
        new RegExp(String.raw`^${IDENT}$`).test(text) &&
        unquoteIdent(text).toLowerCase() === col.toLowerCase())
    )
      return col ?? '?'
    return {kind: 'sql', sql: text}
  })
}
