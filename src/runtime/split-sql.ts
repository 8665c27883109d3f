import type {DialectName} from '../config/database-url.js'
import {getDialect} from '../dialects/registry.js'

/** Split a SQL text into statements: strings, comments, $$ bodies and MySQL DELIMITER handled. */
export async function splitSql(sql: string, dialect: DialectName): Promise<string[]> {
  const [splitter, {adapter}] = await Promise.all([import('dbgate-query-splitter'), getDialect(dialect)])
  const {options, protect = (t: string) => t, restore = (t: string) => t} = adapter.splitter
  const parts = splitter.splitQuery(protect(sql), splitter[options]) as Array<string | {text: string}>
  // A part holding only comments (line or block) is no statement; MySQL's /*! ... */ is code it runs.
  return parts
    .map((p) => (typeof p === 'string' ? p : p.text).trim())
    .filter((s) => s !== '' && !/^(--[^\n]*(\n|$)|\/\*(?!!)(?:[^*]|\*(?!\/))*\*\/|\s)*$/.test(s))
    .map(restore)
}
