import type {DialectName} from '../util/dialect-names.js'
import {tokenize} from '../sql/lexer.js'
import {isQuotedIdent, unquoteIdent} from '../sql/identifiers.js'

/** The kinds of schema object that are compared by their definition rather than column by column. */
export type ObjectKind = 'aggregate' | 'function' | 'materialized view' | 'procedure' | 'trigger' | 'view'

/** What an object reads of a table: some of its columns, or (columns absent) the table as a whole. */
export interface TableUse {
  readonly table: string
  readonly columns?: readonly string[]
}

/**
 * A view, materialized view, function, procedure, aggregate or trigger as the
 * database reports it: its definition printed by the server itself
 * (pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef; MySQL's
 * information_schema and SHOW CREATE, DEFINER left out; SQLite's
 * sqlite_master.sql), which is what two schemas are compared by.
 */
export interface ObjectSchema {
  readonly kind: ObjectKind
  /**
   * What names it among objects of its kind: the name; a function's with its argument types (`f(integer, text)`),
   * as overloads are told apart; a trigger's with its table (`last_updated on film`).
   */
  readonly name: string
  /** A trigger's table (or view). */
  readonly table?: string
  /** What is compared: the server's own text of it. */
  readonly definition: string
  /** The SQL that makes it as it is (one or more statements, as op.execute runs them). */
  readonly create: string
  /** The SQL that drops it. */
  readonly drop: string
  /**
   * A function or procedure: what CREATE OR REPLACE cannot change (arguments with their names and defaults, the
   * result). Two definitions with the same one are replaced in place, without dropping what depends on them.
   */
  readonly replaceable?: string
  /** With `replaceable`: the statement that replaces it in place (CREATE OR REPLACE). */
  readonly replace?: string
  /** The keys (objectKey) of other objects it depends on: the database refuses to drop them under it. */
  readonly objects: readonly string[]
  /**
   * The table columns it reads (PostgreSQL, from pg_depend): a change of one (ALTER COLUMN TYPE, a rename, DROP),
   * which PostgreSQL refuses under a view, drops it first and makes it again after. Columns absent: any column.
   */
  readonly tables: readonly TableUse[]
  /** Used by a table (a column's default, a check, an index): made before the tables change, dropped after. */
  readonly usedByTables?: boolean
}

/** `view v`, `function f(integer)`, `trigger t on film`: an object's identity across both schemas. */
export function objectKey(object: Pick<ObjectSchema, 'kind' | 'name'>): string {
  return `${object.kind} ${object.name}`
}

/**
 * The names a SQL text uses as identifiers (bare words in lower case as written, quoted ones unquoted), for
 * dialects whose catalog keeps no dependencies (MySQL, SQLite): an object depends on the objects and tables it
 * names. String literals and comments name nothing.
 */
export function namesIn(sql: string, dialect: DialectName): Set<string> {
  const names = new Set<string>()
  let tokens
  try {
    tokens = tokenize(sql, dialect)
  } catch {
    return names
  }

  for (const token of tokens) {
    const text = sql.slice(token.start, token.end)
    if (token.kind === 'word') names.add(text.toLowerCase())
    else if (token.kind === 'quoted' && isQuotedIdent(text)) names.add(unquoteIdent(text).toLowerCase())
  }

  return names
}

/**
 * The objects a text names (MySQL, SQLite, whose catalogs keep no dependencies): the others among `objects` that
 * it uses by name. No tables: neither server refuses a change of a column under a view (SQLite's batch rebuild
 * checks its views itself), so only the order among objects matters.
 */
export function dependenciesByName(
  definition: string,
  self: {kind: ObjectKind; name: string},
  dialect: DialectName,
  objects: ReadonlyArray<Pick<ObjectSchema, 'kind' | 'name'> & {readonly bare: string}>,
): {objects: string[]; tables: TableUse[]} {
  const names = namesIn(definition, dialect)
  const selfKey = objectKey(self)
  return {
    objects: objects
      .filter((o) => names.has(o.bare.toLowerCase()) && objectKey(o) !== selfKey && o.kind !== 'trigger')
      .map((o) => objectKey(o)),
    tables: [],
  }
}

/**
 * A stored program's text as what it says, for a server that keeps the text as it was sent (MySQL's routine and
 * trigger bodies, SQLite's statements): comments left out and each run of space one space, so that a body loaded
 * by the mysql client (which strips comments) and the same body sent whole compare equal. Strings are kept as
 * they are.
 */
export function programText(sql: string, dialect: DialectName): string {
  let tokens
  try {
    tokens = tokenize(sql, dialect)
  } catch {
    return sql.replaceAll(/\s+/g, ' ').trim()
  }

  let out = ''
  for (const token of tokens) {
    if (token.kind === 'comment' || token.kind === 'space') {
      if (out !== '' && !out.endsWith(' ')) out += ' '
    } else {
      out += sql.slice(token.start, token.end)
    }
  }

  return out.trim()
}
