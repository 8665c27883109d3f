/**
 * db-manage's portable types (`string(36)`, `timestamp`, `uuid`, ...), which
 * each dialect's compiler spells in its own SQL; any other type is raw SQL
 * and passes through as written.
 */
const PORTABLE =
  /^(integer|bigint|smallint|boolean|string|text|numeric|float|double|date|time|timestamp|timestamptz|json|uuid|binary)(?:\((\d+)(?:\s*,\s*(\d+))?\))?$/

export interface PortableType {
  readonly name: string
  readonly length?: number
  readonly scale?: number
}

/** `string(36)` -> {name: 'string', length: 36}; undefined for a raw type. */
export function parsePortableType(type: string): PortableType | undefined {
  const m = PORTABLE.exec(type.trim())
  if (!m) return undefined
  return {
    length: m[2] === undefined ? undefined : Number(m[2]),
    name: m[1],
    scale: m[3] === undefined ? undefined : Number(m[3]),
  }
}

export type TypeMap = Record<string, (type: PortableType) => string>

/** The ANSI spellings; each dialect overrides what it spells otherwise. */
export const STANDARD_TYPES: TypeMap = {
  bigint: () => 'BIGINT',
  binary: () => 'BLOB',
  boolean: () => 'BOOLEAN',
  date: () => 'DATE',
  double: () => 'DOUBLE',
  float: () => 'FLOAT',
  integer: () => 'INTEGER',
  json: () => 'JSON',
  numeric: (t) =>
    t.length === undefined ? 'NUMERIC' : `NUMERIC(${t.length}${t.scale === undefined ? '' : `, ${t.scale}`})`,
  smallint: () => 'SMALLINT',
  string: (t) => (t.length === undefined ? 'VARCHAR' : `VARCHAR(${t.length})`),
  text: () => 'TEXT',
  time: () => 'TIME',
  timestamp: () => 'TIMESTAMP',
  timestamptz: () => 'TIMESTAMP',
  uuid: () => 'CHAR(36)',
}
