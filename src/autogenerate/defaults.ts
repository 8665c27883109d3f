import type {DialectName} from '../util/dialect-names.js'
import type {DefaultValue} from '../operations/nodes.js'

/** PostgreSQL's short names of types, as casts print them, and the names format_type gives a column. */
const ALIASES: Record<string, string> = {
  bool: 'boolean',
  bpchar: 'character',
  char: 'character',
  decimal: 'numeric',
  float4: 'real',
  float8: 'double precision',
  int: 'integer',
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  time: 'time without time zone',
  timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
  varbit: 'bit varying',
  varchar: 'character varying',
}

/** A type's name without modifiers and quotes, spelled long: `character varying(36)` -> `character varying`. */
function baseType(type: string): string {
  const name = type
    .replaceAll(/\(\s*\d+(?:\s*,\s*\d+)?\s*\)/g, '')
    .replaceAll('"', '')
    .replaceAll(/\s+/g, ' ')
    .trim()
    .toLowerCase()
  const array = name.endsWith('[]') ? '[]' : ''
  const bare = array ? name.slice(0, -2).trim() : name
  return `${ALIASES[bare] ?? bare}${array}`
}

const NUMERIC = new Set(['bigint', 'double precision', 'integer', 'numeric', 'real', 'smallint'])
const TEXTUAL = new Set(['character', 'character varying', 'name', 'text'])

/**
 * A literal with a cast that is not the column's own type (`text DEFAULT
 * ''::character varying`), as a script must state it so the server stores
 * it as the target has it: a number where PostgreSQL prints a number so
 * (`'-1'::integer` is how it keeps -1), else the SQL as written. Undefined
 * when the cast is the column's type, so the literal alone says it.
 */
export function castLiteral(text: string, literal: string, cast: string, columnType: string): DefaultValue | undefined {
  const to = baseType(cast)
  if (to === baseType(columnType)) return undefined
  const n = Number(literal)
  if (NUMERIC.has(to) && literal.trim() !== '' && Number.isFinite(n) && String(n) === literal) return n
  return {kind: 'sql', sql: text.trim()}
}

/**
 * What a reflected default gives a row, for comparison: a literal cast to a
 * character type is the literal (`''::character varying` and `''::text` on a
 * text column store the same ''), and TRUE/FALSE are 1/0 (SQLite and MySQL
 * keep booleans as integers; PostgreSQL takes neither spelling for the other's type).
 */
function defaultKey(text: string): string {
  const t = text.trim()
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true' ? '1' : '0'
  const quoted = /^('(?:[^']|'')*')::(.+)$/s.exec(t)
  if (quoted && TEXTUAL.has(baseType(quoted[2]))) return quoted[1]
  return t
}

/** Whether two reflected defaults (SQL text, undefined for none) give every new row the same value. */
export function sameDefault(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a === b || defaultKey(a) === defaultKey(b)
}

/** Character and byte types, whose zero is ''. */
const TEXT_OR_BYTES = new RegExp(
  `^(${[
    'character varying',
    'character',
    'varchar',
    'char',
    'nvarchar',
    'nchar',
    'varchar2',
    'citext',
    'clob',
    'text',
    'tinytext',
    'mediumtext',
    'longtext',
    'bytea',
    'blob',
    'tinyblob',
    'mediumblob',
    'longblob',
    'binary',
    'varbinary',
  ].join('|')})\\b`,
)

/**
 * What rows are given when a NOT NULL column without a default comes back
 * (a downgrade restoring a dropped column: its values are gone): the zero
 * of its type, as a default the column is added with and that is dropped
 * after. Undefined for a type without an obvious zero (an enum or domain of
 * PostgreSQL, a geometry): such a column comes back nullable instead.
 */
export function fillValue(type: string, dialect: DialectName): DefaultValue | undefined {
  const t = type.trim().toLowerCase()
  // MySQL takes no literal default on TEXT, BLOB and JSON columns, only an expression (8.0.13; MariaDB both).
  const expression = (v: string): DefaultValue =>
    dialect === 'mysql' && /text|blob|json/.test(t) ? {kind: 'sql', sql: `('${v}')`} : v
  if (t.endsWith('[]')) return '{}'
  if (/^(bool|boolean|tinyint\(1\))$/.test(t)) return false
  if (/^(tinyint|smallint|mediumint|int|integer|bigint|numeric|decimal|real|float|double|money)\b/.test(t)) return 0
  if (/^(date)$/.test(t)) return '1970-01-01'
  if (/^(timestamp|datetime)\b/.test(t)) return '1970-01-01 00:00:00'
  if (/^(time|interval)\b/.test(t)) return '00:00:00'
  if (t === 'uuid') return '00000000-0000-0000-0000-000000000000'
  if (/^jsonb?$/.test(t)) return expression('{}')
  const mysqlEnum = /^enum\('((?:[^']|'')*)'/.exec(type.trim())
  if (mysqlEnum) return mysqlEnum[1].replaceAll("''", "'")
  if (/^set\(/.test(t)) return ''
  return TEXT_OR_BYTES.test(t) ? expression('') : undefined
}
