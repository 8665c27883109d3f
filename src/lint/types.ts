import type {DialectName} from '../util/dialect-names.js'
import type {TypeFacts} from './actions.js'

/** PostgreSQL's internal names (pg_type.typname, as its grammar gives them) and SQL's aliases, to one name. */
const ALIASES: Record<string, string> = {
  bool: 'boolean',
  bpchar: 'char',
  character: 'char',
  'character varying': 'varchar',
  datetime: 'datetime',
  dec: 'numeric',
  decimal: 'numeric',
  'double precision': 'double',
  float4: 'real',
  float8: 'double',
  int: 'integer',
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  integer: 'integer',
  mediumint: 'integer',
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

/**
 * A type as written in SQL (`VARCHAR(36)`, `timestamp(3) without time zone`,
 * `int(11) unsigned`, `character varying(20)[]`, `ENUM('a','b')`), read into
 * the facts the rules compare.
 */
export function typeFacts(text: string, dialect: DialectName): TypeFacts {
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
  }
}

/** Integer types by width: what a key may outgrow. */
export const NARROW_INTEGERS = new Set(['integer', 'serial', 'smallint', 'smallserial', 'tinyint'])

/** The serial pseudo-types of PostgreSQL (MySQL's SERIAL is BIGINT ... AUTO_INCREMENT). */
export const SERIAL_TYPES = new Set(['bigserial', 'serial', 'smallserial'])
