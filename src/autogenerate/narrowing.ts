import type {DialectName} from '../util/dialect-names.js'
import {INTEGER_BYTES, parseSqlType} from '../model/sql-type.js'

/** A type as the catalog spells it, read into what bounds its values. */
interface Bounds {
  /** The family values convert within without failing: text, binary, integer, decimal, float, time. */
  readonly family: string
  /** Characters, bytes or bits; digits of a decimal; bytes of an integer; fractional digits of a time. */
  readonly size: number
  /** Digits after the point (decimal), or a signed integer's sign bit taken as a size of its own. */
  readonly scale?: number
  readonly unsigned?: boolean
}

const TEXT_SIZES: Readonly<Record<string, number>> = {tinytext: 255, text: 65_535, mediumtext: 16_777_215}
const BLOB_SIZES: Readonly<Record<string, number>> = {tinyblob: 255, blob: 65_535, mediumblob: 16_777_215}
const TIMES = new Set(['timestamp', 'datetime', 'time', 'timestamptz', 'timetz'])

function boundsOf(text: string, dialect: DialectName): Bounds | undefined {
  const type = parseSqlType(text, dialect)
  if (type.array || type.values) return undefined
  const {length: n, name, unsigned} = type
  if (INTEGER_BYTES[name] !== undefined && !(name === 'tinyint' && n === 1 && dialect === 'mysql'))
    return {family: 'integer', size: INTEGER_BYTES[name], unsigned}
  if (name === 'varchar' || name === 'char')
    return {family: 'text', size: n ?? (name === 'varchar' ? Number.POSITIVE_INFINITY : 1)}
  if (name === 'longtext' || name === 'clob' || TEXT_SIZES[name] !== undefined)
    return {
      family: 'text',
      size: dialect === 'mysql' ? (TEXT_SIZES[name] ?? 4_294_967_295) : Number.POSITIVE_INFINITY,
    }
  if (name === 'varbinary' || name === 'binary') return {family: 'binary', size: n ?? 1}
  if (BLOB_SIZES[name] !== undefined || name === 'longblob' || name === 'bytea')
    return {family: 'binary', size: BLOB_SIZES[name] ?? Number.POSITIVE_INFINITY}
  if (name === 'bit' || name === 'bit varying') return {family: 'bit', size: n ?? 1}
  if (name === 'numeric')
    return n === undefined
      ? {family: 'decimal', scale: Number.POSITIVE_INFINITY, size: Number.POSITIVE_INFINITY}
      : {family: 'decimal', scale: type.scale ?? 0, size: n, unsigned}
  if (name === 'double') return {family: 'float', size: 8}
  if (name === 'real') return {family: 'float', size: 4}
  if (name === 'float') return {family: 'float', size: n !== undefined && n > 24 ? 8 : dialect === 'mysql' ? 4 : 8}
  if (TIMES.has(name)) return {family: `time:${name}`, size: n ?? (dialect === 'postgresql' ? 6 : 0)}
  return undefined
}

/**
 * What makes changing a column from `from` to `to` refuse rows (or, on a MySQL server without strict SQL mode, cut
 * them to fit, or round a time): a shorter string, fewer digits, a smaller integer, a sign lost, less precision.
 * Undefined when every value of `from` fits `to`, when the two types are of different families (a conversion whose
 * failures the server names), and on SQLite, which keeps every value whatever a column declares.
 */
export function narrowing(from: string, to: string, dialect: DialectName): string | undefined {
  if (dialect === 'sqlite') return undefined
  const a = boundsOf(from, dialect)
  const b = boundsOf(to, dialect)
  if (!a || !b || a.family !== b.family) return undefined
  if (a.family === 'integer') {
    if (b.size < a.size) return 'a smaller integer'
    if (!a.unsigned && b.unsigned) return 'no negative numbers'
    if (a.unsigned && !b.unsigned && b.size === a.size) return 'half the range'
    return undefined
  }

  if (a.family === 'decimal') {
    const integerDigits = (x: Bounds) => (x.size === Number.POSITIVE_INFINITY ? x.size : x.size - (x.scale ?? 0))
    if (integerDigits(b) < integerDigits(a)) return 'fewer digits before the point'
    if ((b.scale ?? 0) < (a.scale ?? 0)) return 'fewer digits after the point (values are rounded)'
    if (!a.unsigned && b.unsigned) return 'no negative numbers'
    return undefined
  }

  if (b.size >= a.size) return undefined
  if (a.family.startsWith('time:')) return 'fewer fractional digits (values are rounded)'
  if (a.family === 'float') return 'less precision (values are rounded)'
  return a.family === 'text' ? 'shorter strings' : a.family === 'bit' ? 'fewer bits' : 'fewer bytes'
}

/** The comment a narrowing change gets, and the line the command prints. */
export function narrowingNote(
  column: string,
  from: string,
  to: string,
  why: string,
  dialect: DialectName,
  direction: 'downgrade' | 'upgrade',
): string {
  const rounds = why.includes('rounded')
  const fate = rounds
    ? 'changes the values it rounds'
    : `fails where a row holds a value that does not fit${dialect === 'mysql' ? ' (without strict SQL mode, MySQL cuts it to fit instead)' : ''}`
  return `${column} narrows from ${from} to ${to} (${why}): the ${direction} ${fate}`
}
