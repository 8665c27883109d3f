import type {ColumnSchema} from '../../model/table-schema.js'

/** Bytes a character takes at most, by character set (the collation's prefix); 4 for one not listed. */
const CHARSET_BYTES: ReadonlyArray<[RegExp, number]> = [
  [/^(utf8mb4|utf16|utf16le|utf32|gb18030)_/i, 4],
  [/^(utf8mb3|utf8|ujis|eucjpms)_/i, 3],
  [/^(ucs2|big5|cp932|euckr|gb2312|gbk|sjis)_/i, 2],
  [/^(armscii8|ascii|binary|cp\d+|dec8|geostd8|greek|hebrew|hp8|keybcs2|koi8[ru]|latin\d|mac\w+|swe7|tis620)(_|$)/i, 1],
]

/** Fixed sizes of the types that have one, by name. */
const FIXED: Readonly<Record<string, number>> = {
  bigint: 8,
  date: 3,
  datetime: 8,
  double: 8,
  float: 4,
  int: 4,
  integer: 4,
  mediumint: 3,
  real: 8,
  smallint: 2,
  time: 6,
  timestamp: 7,
  tinyint: 1,
  year: 1,
}

/**
 * About how many bytes a column takes toward a row's size limit (InnoDB's
 * half page, the server's 65,535 bytes): a character column its length in
 * its character set's widest characters, a TEXT or BLOB the pointer that
 * stays in the row. Only its growth or shrinking from one type to another is
 * used: autogenerate drops and narrows columns before it adds and widens, so
 * no step of a change that fits once applied is wider than both ends.
 */
export function columnBytes(column: Pick<ColumnSchema, 'collation' | 'type'>): number {
  const m = /^(\w+)(?:\((\d+)(?:,\s*(\d+))?\))?/.exec(column.type.trim())
  if (!m) return 0
  const name = m[1].toLowerCase()
  const length = m[2] === undefined ? undefined : Number(m[2])
  const perChar = CHARSET_BYTES.find(([pattern]) => pattern.test(column.collation ?? ''))?.[1] ?? 4
  switch (name) {
    case 'char': {
      return (length ?? 1) * perChar
    }

    case 'varchar': {
      const bytes = (length ?? 0) * perChar
      return bytes + (bytes > 255 ? 2 : 1)
    }

    case 'binary': {
      return length ?? 1
    }

    case 'varbinary': {
      return (length ?? 0) + ((length ?? 0) > 255 ? 2 : 1)
    }

    case 'decimal':
    case 'numeric': {
      return Math.ceil((length ?? 10) / 2) + 1
    }

    case 'bit': {
      return Math.ceil((length ?? 1) / 8)
    }

    case 'enum': {
      return 2
    }

    case 'set': {
      return 8
    }

    default: {
      // TEXT, BLOB, JSON and the spatial types keep a pointer in the row.
      return FIXED[name] ?? 12
    }
  }
}
