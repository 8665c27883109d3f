/**
 * MySQL's string literals with backslash escapes (the server's default, no
 * NO_BACKSLASH_ESCAPES). MariaDB writes a string default in
 * information_schema.COLUMNS.COLUMN_DEFAULT and SHOW CREATE TABLE this way
 * (`'a\\b'`, `'\0\0'` for a BINARY(2) DEFAULT '', `'it''s'`, a tab as itself).
 */

/** What `\x` means inside a literal; any other escaped character is itself, but `\%` and `\_` keep their backslash. */
const ESCAPES: Readonly<Record<string, string>> = {'0': '\0', Z: '\u001A', b: '\b', n: '\n', r: '\r', t: '\t'}

/** A quoted MySQL string literal, with its body (as written) in group 1. */
export const MYSQL_QUOTED = /^'((?:[^'\\]|''|\\[\s\S])*)'$/

/** The value a literal's body (between its quotes) stands for. */
export function unescapeMysqlString(body: string): string {
  return body.replaceAll(/''|\\([\s\S])/g, (match: string, c: string | undefined) => {
    if (c === undefined) return "'"
    if (c === '%' || c === '_') return match
    return ESCAPES[c] ?? c
  })
}

const ESCAPED: Readonly<Record<string, string>> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\u001A': '\\Z',
  "'": "''",
  '\\': '\\\\',
}

/**
 * A value as a literal any MySQL client reads back exactly: a quote doubled,
 * backslash, NUL, CR, LF and Ctrl-Z escaped (the mysql client refuses a raw
 * NUL in a statement, and a raw Ctrl-Z ends a file on Windows).
 */
export function mysqlStringLiteral(value: string): string {
  const escaped = value.replaceAll(/[\0\n\r\u001A'\\]/g, (c) => ESCAPED[c])
  return `'${escaped}'`
}
