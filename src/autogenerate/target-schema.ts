import {
  checkDefault,
  type Column,
  freeze,
  type IndexElement,
  type IndexOptions,
  type ReferentialAction,
  type SqlExpression,
} from '../operations/nodes.js'

/** One table of a declared target schema. */
export interface TableDefinition {
  readonly columns: readonly Column[]
  readonly indexes?: ReadonlyArray<Omit<IndexOptions, 'concurrently'> & {name: string; columns: IndexElement[]}>
  readonly uniques?: ReadonlyArray<{name: string; columns: string[]; nullsNotDistinct?: boolean}>
  readonly foreignKeys?: ReadonlyArray<{
    name: string
    columns: string[]
    referent: string
    referentColumns: string[]
    onDelete?: ReferentialAction
    onUpdate?: ReferentialAction
  }>
  readonly checks?: ReadonlyArray<{name: string; condition: string}>
}

/** The schema an application declares; autogenerate makes the database match it. */
export interface SchemaDefinition {
  readonly tables: Readonly<Record<string, TableDefinition>>
  /** Views by name, each the query it shows: `{active_users: 'SELECT id, email FROM users WHERE active'}`. */
  readonly views?: Readonly<Record<string, string>>
  /**
   * Other objects, each the one statement that makes it: CREATE FUNCTION, CREATE PROCEDURE, CREATE TRIGGER,
   * CREATE MATERIALIZED VIEW, CREATE AGGREGATE (a view too). Made after the tables and views, in any order: one
   * that needs another is made once that one is.
   */
  readonly objects?: readonly string[]
}

/** Declare the target schema: `export default defineSchema({tables: {clusters: {columns: [...]}}})`. */
export function defineSchema(schema: SchemaDefinition): SchemaDefinition {
  return schema
}

/** A column for a declared schema: the same shape as `op.column`. */
export function column(name: string, type: string, options: Omit<Column, 'name' | 'type'> = {}): Column {
  checkDefault(`column ${name}`, options.default)
  return {name, type, ...options}
}

/** A SQL expression the server computes, as a default: `{default: sql('gen_random_uuid()')}` (op.sql in a script). */
export function sql(expression: string): SqlExpression {
  return freeze({kind: 'sql', sql: expression})
}

/** A default of CURRENT_TIMESTAMP (op.now in a script). */
export function now(): SqlExpression {
  return sql('CURRENT_TIMESTAMP')
}
