import {
  checkDefault,
  type Column,
  type DefaultValue,
  type ForeignKeyOptions,
  freeze,
  type IndexElement,
  type IndexOptions,
  type ReferentialAction,
  type SqlExpression,
  type TableOptions,
  type TablePartitioning,
} from '../operations/nodes.js'

/** One table of a declared target schema: its columns, keys, indexes and constraints, and its options. */
export interface TableDefinition extends TableOptions, TablePartitioning {
  readonly columns: readonly Column[]
  /** A key of its own name, or whose column order is its own (a composite key), instead of the columns' flags. */
  readonly primaryKey?: {name?: string; columns: string[]}
  readonly indexes?: ReadonlyArray<Omit<IndexOptions, 'concurrently'> & {name: string; columns: IndexElement[]}>
  /** A name left out: the database names it (SQLite keeps none). */
  readonly uniques?: ReadonlyArray<{name?: string; columns: string[]; nullsNotDistinct?: boolean}>
  readonly foreignKeys?: ReadonlyArray<
    Omit<ForeignKeyOptions, 'onDelete' | 'onUpdate'> & {
      name?: string
      columns: string[]
      referent: string
      referentColumns: string[]
      onDelete?: ReferentialAction
      onUpdate?: ReferentialAction
    }
  >
  readonly checks?: ReadonlyArray<{name?: string; condition: string}>
}

/** A PostgreSQL domain of a declared schema: a base type with NOT NULL, a default and checks. */
export interface DomainDefinition {
  readonly type: string
  readonly nullable?: boolean
  readonly default?: DefaultValue
  readonly checks?: ReadonlyArray<{name?: string; condition: string}>
}

/** The schema an application declares; autogenerate makes the database match it. */
export interface SchemaDefinition {
  /** PostgreSQL extensions, created before the types and tables that may use them. */
  readonly extensions?: readonly string[]
  /** PostgreSQL enum types, by name: their values in order. */
  readonly enums?: Readonly<Record<string, readonly string[]>>
  /** PostgreSQL domains, by name. */
  readonly domains?: Readonly<Record<string, DomainDefinition>>
  /** Tables in the order they are created: a partitioned table before its partitions. */
  readonly tables: Readonly<Record<string, TableDefinition>>
  /** SQLite: CREATE VIRTUAL TABLE statements (full-text and other modules), made after the tables. */
  readonly virtualTables?: readonly string[]
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
