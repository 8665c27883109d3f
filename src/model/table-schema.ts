import type {ObjectSchema} from './object-schema.js'
import type {CreateIndex, IndexElement, IndexOptions, TableOptions, TablePartitioning} from '../operations/nodes.js'

/** A table as a database reports it: what introspectors return and batch mode rebuilds. */
export interface ColumnSchema {
  readonly name: string
  /** The database's own type text, e.g. `VARCHAR(36)`. */
  readonly type: string
  readonly nullable: boolean
  /** The default as SQL text (`'x'`, `0`, `CURRENT_TIMESTAMP`), undefined for none. */
  readonly default?: string
  readonly autoincrement?: boolean
  /** PostgreSQL identity columns: ALWAYS or BY DEFAULT. */
  readonly identity?: 'always' | 'by default'
  /** PostgreSQL: the sequence a serial-style autoincrement column's nextval() default uses (none for an identity). */
  readonly sequence?: {readonly name: string; readonly type: string; readonly owned: boolean}
  /**
   * A collation of its own: one its type does not have by default (PostgreSQL), other than its table's (MySQL),
   * declared (SQLite).
   */
  readonly collation?: string
  readonly comment?: string
  /** MySQL's ON UPDATE, as SQL (CURRENT_TIMESTAMP). */
  readonly onUpdateDefault?: string
  /** A generated column: its expression as the database prints it, and whether it is STORED. */
  readonly generated?: {readonly expression: string; readonly stored: boolean}
  /** SQLite: the table's rowid (its INTEGER PRIMARY KEY), never NULL whether or not it says NOT NULL. */
  readonly rowid?: boolean
}

export interface KeySchema {
  readonly name?: string
  readonly columns: readonly string[]
  /** A unique key for which NULLs are equal (PostgreSQL 15's NULLS NOT DISTINCT). */
  readonly nullsNotDistinct?: boolean
}

export interface ForeignKeySchema extends KeySchema {
  readonly referent: string
  readonly referentColumns: readonly string[]
  readonly onDelete?: string
  readonly onUpdate?: string
  readonly deferrable?: boolean
  readonly initiallyDeferred?: boolean
}

export interface CheckSchema {
  readonly name?: string
  readonly condition: string
}

/** An index as the catalog reports it; the options are those of op.createIndex, absent at their defaults. */
export interface IndexSchema extends Omit<IndexOptions, 'concurrently' | 'unique'> {
  readonly name: string
  readonly columns: readonly IndexElement[]
  readonly unique: boolean
}

/**
 * An index's elements as text: names through `quote`, with their prefix lengths (`"url"(191)`); SQL elements as
 * written.
 */
export function indexElementsText(
  index: Pick<IndexSchema, 'columns' | 'lengths'>,
  quote: (name: string) => string = (name) => name,
): string[] {
  return index.columns.map((e) =>
    typeof e === 'string' ? `${quote(e)}${index.lengths?.[e] === undefined ? '' : `(${index.lengths[e]})`}` : e.sql,
  )
}

/** The createIndex that makes an index as the catalog reports it (unique left out when false). */
export function createIndexOf(table: string, index: IndexSchema): CreateIndex {
  const {unique, ...rest} = index
  return {...rest, kind: 'createIndex', table, ...(unique ? {unique: true} : {})}
}

/**
 * A table as the catalog reports it. A PostgreSQL partition (partitionOf) has
 * no columns here (they are its parent's) and only the keys, checks and
 * indexes of its own, not those its parent gives it.
 */
export interface TableSchema extends TableOptions, TablePartitioning {
  readonly name: string
  readonly columns: readonly ColumnSchema[]
  readonly primaryKey?: KeySchema
  readonly uniques: readonly KeySchema[]
  readonly foreignKeys: readonly ForeignKeySchema[]
  readonly checks: readonly CheckSchema[]
  readonly indexes: readonly IndexSchema[]
  /**
   * MySQL, beside a mysqlEngine that is not the server's default: that default, which a table going back to it is
   * given.
   */
  readonly mysqlDefaultEngine?: string
  /** SQLite: a WITHOUT ROWID table, which a batch rebuild keeps so. */
  readonly withoutRowid?: boolean
  /** SQLite, read for one table: the CREATE TRIGGER statements on it, which a batch rebuild makes again. */
  readonly triggers?: readonly string[]
  /** SQLite, read for one table: the views that name it, which a batch rebuild checks still read. */
  readonly views?: readonly string[]
}

/** Reads tables from a live database; absent in offline mode. */
export interface Introspector {
  table(name: string): Promise<TableSchema | undefined>
  /** The table with its columns only (no indexes, keys or checks), where those cost queries of their own (MySQL). */
  columnsOf?(name: string): Promise<TableSchema | undefined>
}

/** A PostgreSQL enum type and its values in order. */
export interface EnumSchema {
  readonly name: string
  readonly values: readonly string[]
}

/** A PostgreSQL domain. */
export interface DomainSchema {
  readonly name: string
  /** The base type as the database spells it. */
  readonly type: string
  readonly nullable: boolean
  readonly default?: string
  readonly checks: ReadonlyArray<{readonly name: string; readonly condition: string}>
}

/** A table a module implements (SQLite's CREATE VIRTUAL TABLE ... USING fts5(...)): made, compared by its statement. */
export interface VirtualTableSchema {
  readonly name: string
  /** The CREATE VIRTUAL TABLE statement as the database keeps it. */
  readonly sql: string
}

/** Reads the whole schema with a fixed handful of catalog queries, whatever the number of tables. */
export interface SchemaReader {
  schema(): Promise<TableSchema[]>
  /** Enum types (PostgreSQL's CREATE TYPE ... AS ENUM); none elsewhere. */
  enums(): Promise<EnumSchema[]>
  /** Domains (PostgreSQL's CREATE DOMAIN); none elsewhere. */
  domains(): Promise<DomainSchema[]>
  /** Virtual tables (SQLite's full-text and other modules), which schema() leaves out with their shadow tables. */
  virtualTables(): Promise<VirtualTableSchema[]>
  /** The extensions created in the database (PostgreSQL's CREATE EXTENSION, plpgsql aside); none elsewhere. */
  extensions(): Promise<string[]>
  /** Views, materialized views, functions, procedures, aggregates and triggers, by definition (object-schema.ts). */
  objects(): Promise<ObjectSchema[]>
  /**
   * What the catalog holds that autogenerate does not compare, counted by (singular) kind: event, rule, policy, ...
   */
  uncompared(): Promise<Record<string, number>>
}

/**
 * A dialect's catalog reader: one `read` serves both the whole schema
 * (autogenerate) and a single table (batch mode, MySQL's restatement).
 */
export abstract class CatalogReader implements Introspector, SchemaReader {
  async table(name: string): Promise<TableSchema | undefined> {
    return (await this.read(name)).find((t) => t.name === name)
  }

  async schema(): Promise<TableSchema[]> {
    return this.read()
  }

  /** One query that counts, per kind, what is not compared: rows of {kind, n}. */
  protected abstract readonly uncomparedSql: string

  protected abstract readonly connection: {query(sql: string): Promise<{rows: Array<Record<string, unknown>>}>}

  async enums(): Promise<EnumSchema[]> {
    return []
  }

  async domains(): Promise<DomainSchema[]> {
    return []
  }

  async virtualTables(): Promise<VirtualTableSchema[]> {
    return []
  }

  async extensions(): Promise<string[]> {
    return []
  }

  async objects(): Promise<ObjectSchema[]> {
    return []
  }

  async uncompared(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const row of (await this.connection.query(this.uncomparedSql)).rows) {
      if (Number(row.n) > 0) counts[String(row.kind)] = Number(row.n)
    }

    return counts
  }

  /** Every table, or only `only` where the dialect can filter cheaply. */
  protected abstract read(only?: string): Promise<TableSchema[]>
}

/** Kinds whose plural is not the kind with an s. */
const PLURALS: Record<string, string> = {
  'function in another schema': 'functions in other schemas',
  policy: 'policies',
  'replica identity': 'replica identities',
  'table in another schema': 'tables in other schemas',
  'view in another schema': 'views in other schemas',
}

/** `2 views, 1 function, 3 triggers` from counts keyed by the singular kind, or '' when there is nothing. */
export function describeUncompared(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([kind, n]) => `${n} ${n === 1 ? kind : (PLURALS[kind] ?? `${kind}s`)}`)
    .join(', ')
}

/** Group rows by a key, keeping first-seen order. */
export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const row of rows) {
    const k = key(row)
    const list = groups.get(k)
    if (list) list.push(row)
    else groups.set(k, [row])
  }

  return groups
}
