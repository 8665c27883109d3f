import type {Connection} from '../connection.js'
import type {CheckSchema, ColumnSchema, ForeignKeySchema, IndexSchema, Introspector, KeySchema, TableSchema} from '../table-schema.js'

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

const IDENT = String.raw`(?:"(?:[^"]|"")*"|\x60(?:[^\x60]|\x60\x60)*\x60|\[[^\]]*]|[\w$]+)`

function unquoteIdent(ident: string): string {
  const first = ident[0]
  if (first === '"') return ident.slice(1, -1).replaceAll('""', '"')
  if (first === '`') return ident.slice(1, -1).replaceAll('``', '`')
  if (first === '[') return ident.slice(1, -1)
  return ident
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
  names: Array<{kind: 'check' | 'fk' | 'pk' | 'unique'; name?: string; columns: string[]; condition?: string}>
}

/** Constraint names and CHECK conditions, which SQLite's pragmas do not report, read from CREATE TABLE. */
export function parseCreateTable(sql: string): ParsedConstraints {
  const open = sql.indexOf('(')
  const names: ParsedConstraints['names'] = []
  if (open === -1) return {names}
  const columnsOf = (text: string) => splitTopLevel(text).map((c) => unquoteIdent(c.trim().split(/\s+/)[0]))
  for (const element of splitTopLevel(balanced(sql, open))) {
    const named = new RegExp(String.raw`^(?:CONSTRAINT\s+(${IDENT})\s+)?(PRIMARY\s+KEY|UNIQUE|CHECK|FOREIGN\s+KEY)\s*\(`, 'i').exec(element)
    if (named) {
      const kind = named[2].toUpperCase().replaceAll(/\s+/g, ' ')
      const body = balanced(element, named[0].length - 1)
      const name = named[1] ? unquoteIdent(named[1]) : undefined
      if (kind === 'CHECK') names.push({columns: [], condition: body.trim(), kind: 'check', name})
      else names.push({columns: columnsOf(body), kind: kind === 'UNIQUE' ? 'unique' : kind === 'PRIMARY KEY' ? 'pk' : 'fk', name})
      continue
    }

    const column = new RegExp(String.raw`^(${IDENT})`).exec(element)
    if (!column) continue
    const columnName = unquoteIdent(column[1])
    const rest = element.slice(column[0].length)
    const constraint = new RegExp(String.raw`(?:CONSTRAINT\s+(${IDENT})\s+)?(REFERENCES|CHECK\s*\(|UNIQUE|PRIMARY\s+KEY)`, 'gi')
    for (const m of rest.matchAll(constraint)) {
      const name = m[1] ? unquoteIdent(m[1]) : undefined
      const word = m[2].toUpperCase()
      if (word.startsWith('CHECK')) names.push({columns: [columnName], condition: balanced(rest, m.index + m[0].length - 1).trim(), kind: 'check', name})
      else if (word === 'REFERENCES') names.push({columns: [columnName], kind: 'fk', name})
      else if (word === 'UNIQUE') names.push({columns: [columnName], kind: 'unique', name})
      else names.push({columns: [columnName], kind: 'pk', name})
    }
  }

  return {names}
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i])

/** Tables read through PRAGMA table_xinfo, foreign_key_list and index_list, with names from the CREATE TABLE text. */
export class SqliteIntrospector implements Introspector {
  constructor(private readonly connection: Connection) {}

  async table(name: string): Promise<TableSchema | undefined> {
    const q = async (sql: string, params: unknown[] = []) => (await this.connection.query(sql, params)).rows
    const [master] = await q(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, [name])
    if (!master) return undefined
    const sql = String(master.sql)
    const parsed = parseCreateTable(sql)
    const autoincrement = /\bAUTOINCREMENT\b/i.test(sql)
    const info = await q(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid`, [name])
    const columns: ColumnSchema[] = info.map((r) => ({
      autoincrement: autoincrement && Number(r.pk) === 1 && info.filter((x) => Number(x.pk) > 0).length === 1,
      default: r.dflt_value === null ? undefined : String(r.dflt_value),
      name: String(r.name),
      nullable: Number(r.notnull) === 0 && Number(r.pk) === 0,
      type: String(r.type),
    }))
    const pkColumns = info.filter((r) => Number(r.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk)).map((r) => String(r.name))
    const nameOf = (kind: string, cols: readonly string[]) => parsed.names.find((n) => n.kind === kind && sameColumns(n.columns, cols))?.name
    const primaryKey: KeySchema | undefined = pkColumns.length > 0 ? {columns: pkColumns, name: nameOf('pk', pkColumns)} : undefined

    const fkRows = await q(`SELECT id, seq, "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, [name])
    const fks = new Map<number, {columns: string[]; referentColumns: string[]; referent: string; onDelete: string; onUpdate: string}>()
    for (const r of fkRows) {
      const fk = fks.get(Number(r.id)) ?? {columns: [], onDelete: String(r.on_delete), onUpdate: String(r.on_update), referent: String(r.table), referentColumns: []}
      fk.columns.push(String(r.from))
      fk.referentColumns.push(String(r.to))
      fks.set(Number(r.id), fk)
    }

    // pragma_foreign_key_list numbers keys in reverse declaration order.
    const foreignKeys: ForeignKeySchema[] = [...fks.entries()].sort(([a], [b]) => b - a).map(([, fk]) => ({
      columns: fk.columns,
      name: nameOf('fk', fk.columns),
      onDelete: fk.onDelete === 'NO ACTION' ? undefined : fk.onDelete,
      onUpdate: fk.onUpdate === 'NO ACTION' ? undefined : fk.onUpdate,
      referent: fk.referent,
      referentColumns: fk.referentColumns,
    }))

    const indexRows = await q(`SELECT l.name, l."unique", l.origin, l.partial, m.sql FROM pragma_index_list(?) l LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name ORDER BY l.seq DESC`, [name])
    const uniques: KeySchema[] = []
    const indexes: IndexSchema[] = []
    for (const r of indexRows) {
      const cols = (await q(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`, [r.name])).map((c) => String(c.name))
      if (r.origin === 'u') uniques.push({columns: cols, name: nameOf('unique', cols)})
      else if (r.origin === 'c') {
        const where = r.partial ? /\bWHERE\b([\s\S]*)$/i.exec(String(r.sql))?.[1].trim() : undefined
        indexes.push({columns: cols, name: String(r.name), unique: Number(r.unique) === 1, where})
      }
    }

    const checks: CheckSchema[] = parsed.names.filter((n) => n.kind === 'check').map((n) => ({condition: n.condition!, name: n.name}))
    return {checks, columns, foreignKeys, indexes, name, primaryKey, uniques}
  }
}
