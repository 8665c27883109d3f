import type {DialectName} from '../util/dialect-names.js'

/**
 * A column type as written in SQL or as a catalog spells it (`VARCHAR(36)`,
 * `timestamp(3) without time zone`, `int(11) unsigned`, `character
 * varying(20)[]`, `ENUM('a','b')`), read once into its parts. The lint's
 * rules and autogenerate's narrowing check both read types through it.
 */
export interface SqlType {
  /**
   * One name per type: PostgreSQL's internal names and SQL's aliases folded (`int4`, `int` -> `integer`, `bpchar`
   * -> `char`, `character varying` -> `varchar`, `decimal` -> `numeric`, `float8` -> `double`, `timestamp with time
   * zone` -> `timestamptz`); MySQL's own kept (`mediumint`, `tinyint`, `datetime`, `mediumtext`); any other name as
   * written, lower-cased.
   */
  readonly name: string
  /** varchar(n), char(n), bit(n); numeric's precision; a time's fractional digits; MySQL's display width. */
  readonly length?: number
  readonly scale?: number
  /** MySQL's UNSIGNED. */
  readonly unsigned?: boolean
  /** ENUM('a', 'b') and SET(...): the values, in order. */
  readonly values?: readonly string[]
  readonly array?: boolean
  /** As written (for messages). */
  readonly text: string
}

const ALIASES: Readonly<Record<string, string>> = {
  bool: 'boolean',
  bpchar: 'char',
  character: 'char',
  'character varying': 'varchar',
  dec: 'numeric',
  decimal: 'numeric',
  'double precision': 'double',
  float4: 'real',
  float8: 'double',
  int: 'integer',
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  nchar: 'char',
  'national char': 'char',
  'national character': 'char',
  'national varchar': 'varchar',
  nvarchar: 'varchar',
  serial2: 'smallserial',
  serial4: 'serial',
  serial8: 'bigserial',
  'time with time zone': 'timetz',
  'time without time zone': 'time',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  varbit: 'bit varying',
}

export function parseSqlType(text: string, dialect: DialectName): SqlType {
  let t = text.trim().replaceAll(/\s+/g, ' ')
  let array = false
  const arrayed = /^(.*?)\s*(?:\[\d*\])+$/.exec(t) ?? /^(.*?)\s+array(?:\[\d*\])?$/i.exec(t)
  if (arrayed) {
    array = true
    t = arrayed[1]
  }

  const lower = t
    .toLowerCase()
    .replace(/^pg_catalog\./, '')
    .replaceAll('"', '')
  if (/^(enum|set)\s*\(/.test(lower)) {
    const values = [...t.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1].replaceAll("''", "'"))
    return {name: lower.startsWith('enum') ? 'enum' : 'set', text, values}
  }

  // The modifiers in parentheses, wherever they stand: `timestamp(3) with time zone`, `varchar(20)`.
  const modifiers = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(lower)
  const unsigned = /\bunsigned\b/.test(lower)
  let name = lower
    .replace(/\([^)]*\)/, '')
    .replaceAll(/\b(unsigned|signed|zerofill)\b/g, '')
    .replaceAll(/\s+/g, ' ')
    .trim()
  // MySQL's character set and collation of a column type are not part of it.
  name = name.replace(/\s+(character set|charset|collate)\s.*$/, '').trim()
  name = ALIASES[name] ?? name
  if (name === 'char' && modifiers === null && dialect === 'postgresql') return {length: 1, name, text}
  return {
    array: array || undefined,
    length: modifiers ? Number(modifiers[1]) : undefined,
    name,
    scale: modifiers?.[2] === undefined ? undefined : Number(modifiers[2]),
    text,
    unsigned: unsigned || undefined,
  }
}

/** Bytes of each integer type. */
export const INTEGER_BYTES: Readonly<Record<string, number>> = {
  bigint: 8,
  bigserial: 8,
  integer: 4,
  mediumint: 3,
  serial: 4,
  smallint: 2,
  smallserial: 2,
  tinyint: 1,
}
