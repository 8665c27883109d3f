import {UsageError} from '../util/errors.js'

/**
 * The one model of operations: frozen, kind-tagged data. Dialect compilers
 * turn a node into SQL (online and offline alike), autogenerate renders and
 * diffs the same nodes, and `reverse()` gives a downgrade.
 */

/** A SQL expression used as a default, e.g. CURRENT_TIMESTAMP. */
export interface SqlExpression {
  readonly kind: 'sql'
  readonly sql: string
}

export type DefaultValue = bigint | boolean | null | number | SqlExpression | string

export type ReferentialAction = 'CASCADE' | 'NO ACTION' | 'RESTRICT' | 'SET DEFAULT' | 'SET NULL'

export interface ColumnOptions {
  readonly primaryKey?: boolean
  readonly autoincrement?: boolean
  /**
   * PostgreSQL: `always` makes an autoincrement column GENERATED ALWAYS AS IDENTITY (explicit values refused);
   * elsewhere ignored.
   */
  readonly identity?: 'always' | 'by default'
  /**
   * PostgreSQL: an autoincrement column numbered by a sequence, as serial
   * makes one (CREATE SEQUENCE, a nextval() default, the sequence owned by
   * the column), instead of an identity; elsewhere ignored. A name, or the
   * sequence with its type and ownership.
   */
  readonly sequence?: ColumnSequence | string
  readonly nullable?: boolean
  readonly default?: DefaultValue
  readonly unique?: boolean
  /** `table.column` */
  readonly references?: string
  readonly onDelete?: ReferentialAction
  readonly onUpdate?: ReferentialAction
  /** A collation of the column's own: `C` on PostgreSQL, `utf8mb4_bin` on MySQL, `NOCASE` on SQLite. */
  readonly collation?: string
  /** The column's comment (PostgreSQL, MySQL; SQLite keeps none, so it is left out there). */
  readonly comment?: string
  /** MySQL: what the column is set to whenever its row is updated (ON UPDATE CURRENT_TIMESTAMP: op.now()). */
  readonly onUpdateDefault?: DefaultValue
  /** A generated (computed) column: GENERATED ALWAYS AS (expression), STORED or VIRTUAL (see GeneratedColumn). */
  readonly generated?: GeneratedColumn
}

/** The sequence a serial-style column is numbered by. */
export interface ColumnSequence {
  readonly name: string
  /** Its type (AS smallint | integer | bigint); left out, the column's, as serial makes it. */
  readonly as?: string
  /** Owned by the column, so dropped with it (serial; the default); false for one of its own (pg_dump's Pagila). */
  readonly owned?: boolean
}

/**
 * GENERATED ALWAYS AS (expression) STORED | VIRTUAL. `stored` left out means
 * the database's own default: STORED on PostgreSQL (its only kind before 18),
 * VIRTUAL on MySQL and SQLite. Autogenerate always writes it.
 */
export interface GeneratedColumn {
  readonly expression: string
  readonly stored?: boolean
}

export interface Column extends ColumnOptions {
  readonly name: string
  /** A portable type (`string(36)`, `timestamp`, ...) or a raw type passed through. */
  readonly type: string
}

/** Table-level constraints written inside CREATE TABLE, as Alembic renders a new table whole. */
export interface TableConstraints {
  /** A key whose column order is its own (a composite key), instead of the columns' primaryKey flags. */
  readonly primaryKey?: {readonly name?: string; readonly columns: readonly string[]}
  readonly uniques?: ReadonlyArray<{
    readonly name?: string
    readonly columns: readonly string[]
    readonly nullsNotDistinct?: boolean
  }>
  readonly foreignKeys?: ReadonlyArray<
    ForeignKeyOptions & {
      readonly name?: string
      readonly columns: readonly string[]
      readonly referent: string
      readonly referentColumns: readonly string[]
    }
  >
  readonly checks?: ReadonlyArray<{readonly name?: string; readonly condition: string}>
}

/** Options of a table as a whole. */
export interface TableOptions {
  /** The table's comment (PostgreSQL, MySQL; SQLite keeps none, so it is left out there). */
  readonly comment?: string
  /**
   * MySQL: the table's default collation (DEFAULT COLLATE=), storage engine and ROW_FORMAT; other databases ignore
   * them, as Alembic ignores mysql_* options.
   */
  readonly mysqlCollate?: string
  readonly mysqlEngine?: string
  readonly mysqlRowFormat?: string
}

export interface CreateTableOptions extends TableConstraints, TableOptions, TablePartitioning {
  readonly ifNotExists?: boolean
}

/** PostgreSQL's declarative partitioning; refused elsewhere. */
export interface TablePartitioning {
  /** A partitioned table, by this key as pg_get_partkeydef writes it: `RANGE (at)`, `LIST (region)`, `HASH (id)`. */
  readonly partitionBy?: string
  /**
   * A partition of `parent` (its columns are the parent's: createTable gets none), with its bound as
   * pg_get_expr writes it: `FOR VALUES FROM ('2022-01-01') TO ('2022-02-01')`, `FOR VALUES IN ('eu')`, `DEFAULT`.
   */
  readonly partitionOf?: {readonly parent: string; readonly bound: string}
}

/** PostgreSQL: a partition given another bound: detached, then attached again with it (rows outside it fail that). */
export interface AlterPartition {
  readonly kind: 'alterPartition'
  /** The partitioned table. */
  readonly table: string
  readonly partition: string
  readonly bound: string
  readonly existingBound: string
}

/** PostgreSQL: CREATE EXTENSION IF NOT EXISTS, in the current schema. */
export interface CreateExtension {
  readonly kind: 'createExtension'
  readonly name: string
}
export interface DropExtension {
  readonly kind: 'dropExtension'
  readonly name: string
}

/** Change a table's options; a comment of null removes it. */
export interface AlterTableOptions extends Omit<TableOptions, 'comment'> {
  readonly kind: 'alterTableOptions'
  readonly table: string
  readonly comment?: null | string
}

export interface CreateTable extends CreateTableOptions {
  readonly kind: 'createTable'
  readonly table: string
  readonly columns: readonly Column[]
}
export interface DropTable {
  readonly kind: 'dropTable'
  readonly table: string
  /** PostgreSQL: sequences of its columns that it does not own (which DROP TABLE would leave), dropped after it. */
  readonly sequences?: readonly string[]
}
export interface RenameTable {
  readonly kind: 'renameTable'
  readonly table: string
  readonly newName: string
}
export interface AddColumn {
  readonly kind: 'addColumn'
  readonly table: string
  readonly column: Column
}
export interface DropColumn {
  readonly kind: 'dropColumn'
  readonly table: string
  readonly column: string
}
export interface AlterColumnOptions {
  readonly type?: string
  readonly nullable?: boolean
  /** `null` drops the default. */
  readonly default?: DefaultValue
  readonly newName?: string
  readonly existingType?: string
  readonly existingNullable?: boolean
  readonly existingDefault?: DefaultValue
  readonly existingAutoincrement?: boolean
  /**
   * Make the column autoincrement (true) or plain (false): PostgreSQL adds
   * or drops an identity (and a serial's nextval default), MySQL restates
   * AUTO_INCREMENT, SQLite rebuilds in batch mode.
   */
  readonly autoincrement?: boolean
  /** PostgreSQL: the identity kind to set (SET GENERATED ALWAYS | BY DEFAULT), or to add with autoincrement: true. */
  readonly identity?: 'always' | 'by default'
  /**
   * PostgreSQL: number the column by this sequence, serial-style (with
   * autoincrement: true, or instead of its identity or other sequence);
   * null: by an identity instead of its sequence. The new sequence continues
   * from the one it replaces, or after the rows' highest value.
   */
  readonly sequence?: ColumnSequence | null | string
  /** PostgreSQL: the sequence the column is numbered by now (serial-style), dropped or replaced by the change. */
  readonly existingSequence?: string
  /** MySQL offline: what its restatement of the column keeps. */
  readonly existingCollation?: string
  readonly existingComment?: string
  readonly existingOnUpdateDefault?: DefaultValue
  /**
   * A new collation, null for the default again (PostgreSQL restates the type with it, so it needs type or
   * existingType).
   */
  readonly collation?: null | string
  /** MySQL: a new ON UPDATE value, null to remove it. */
  readonly onUpdateDefault?: DefaultValue
  /** A new comment; null removes it. */
  readonly comment?: null | string
}
export interface AlterColumn extends AlterColumnOptions {
  readonly kind: 'alterColumn'
  readonly table: string
  readonly column: string
}
/**
 * One element of an index: a column name, or SQL written as is, for an
 * expression (`lower(email)`) or a column with an order, collation or operator
 * class (`created_at DESC NULLS LAST`, `name text_pattern_ops`).
 */
export type IndexElement = SqlExpression | string

export interface IndexOptions {
  readonly unique?: boolean
  readonly where?: string
  readonly concurrently?: boolean
  /** PostgreSQL: the index method (gist, gin, brin, hash, spgist); btree when absent. */
  readonly using?: string
  /** PostgreSQL: columns stored in the index but not part of its key (INCLUDE). */
  readonly include?: readonly string[]
  /** MySQL: a FULLTEXT index. */
  readonly fulltext?: boolean
  /** MySQL: a SPATIAL index. */
  readonly spatial?: boolean
  /** PostgreSQL: storage parameters, WITH (fillfactor = 70): values as SQL text or numbers. */
  readonly with?: Readonly<Record<string, number | string>>
  /** MySQL: prefix lengths of columns, by column name: `{url: 191}` indexes url(191). */
  readonly lengths?: Readonly<Record<string, number>>
  /** PostgreSQL 15: a unique index for which NULLs are equal (NULLS NOT DISTINCT), so one NULL row at most. */
  readonly nullsNotDistinct?: boolean
}
export interface CreateIndex extends IndexOptions {
  readonly kind: 'createIndex'
  readonly name: string
  readonly table: string
  readonly columns: readonly IndexElement[]
}
export interface DropIndex {
  readonly kind: 'dropIndex'
  readonly name: string
  readonly table?: string
}
export interface CreatePrimaryKey {
  readonly kind: 'createPrimaryKey'
  readonly name: string
  readonly table: string
  readonly columns: readonly string[]
}
export interface CreateUniqueConstraint {
  readonly kind: 'createUniqueConstraint'
  readonly name: string
  readonly table: string
  readonly columns: readonly string[]
  /** PostgreSQL 15: UNIQUE NULLS NOT DISTINCT, for which NULLs are equal. */
  readonly nullsNotDistinct?: boolean
}
export interface ForeignKeyOptions {
  readonly onDelete?: ReferentialAction
  readonly onUpdate?: ReferentialAction
  /** PostgreSQL and SQLite: DEFERRABLE, checked at commit when initiallyDeferred (as Django writes every key). */
  readonly deferrable?: boolean
  readonly initiallyDeferred?: boolean
}
export interface CreateForeignKey extends ForeignKeyOptions {
  readonly kind: 'createForeignKey'
  readonly name: string
  readonly table: string
  readonly referent: string
  readonly columns: readonly string[]
  readonly referentColumns: readonly string[]
}
export interface CreateCheckConstraint {
  readonly kind: 'createCheckConstraint'
  readonly name: string
  readonly table: string
  readonly condition: string
}
export type ConstraintType = 'check' | 'foreignkey' | 'primary' | 'unique'
export interface DropConstraint {
  readonly kind: 'dropConstraint'
  readonly name: string
  readonly table: string
  readonly type?: ConstraintType
}
export interface Execute {
  readonly kind: 'execute'
  readonly sql: string
  readonly params?: readonly unknown[]
  /** false: the text is one statement, sent whole (a statement a `.sql` revision's split already gave). */
  readonly split?: false
}
export interface BulkInsert {
  readonly kind: 'bulkInsert'
  readonly table: string
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
}

/**
 * An UPDATE of many rows in batches by primary-key range, each batch its own
 * transaction, resumable after a kill (online); offline, one UPDATE.
 */
export interface Backfill {
  readonly kind: 'backfill'
  readonly table: string
  /** Column -> new value: a JS value (a literal) or op.sql(...) (an expression, e.g. of other columns). */
  readonly set: Readonly<Record<string, unknown>>
  /** Which rows: a SQL condition; absent, every row. */
  readonly where?: string
  readonly batchSize: number
  /** Milliseconds to wait between two batches (to let replicas and vacuum catch up). */
  readonly pauseMs: number
}

/** A PostgreSQL enum type (CREATE TYPE ... AS ENUM). */
export interface CreateEnumType {
  readonly kind: 'createEnumType'
  readonly name: string
  readonly values: readonly string[]
}
export interface DropEnumType {
  readonly kind: 'dropEnumType'
  readonly name: string
}
/** ALTER TYPE ... ADD VALUE, at the end or before/after an existing value. */
export interface AddEnumValue {
  readonly kind: 'addEnumValue'
  readonly name: string
  readonly value: string
  readonly before?: string
  readonly after?: string
}

/**
 * PostgreSQL: an enum type given values PostgreSQL cannot add in place (one
 * removed, or the order changed): renamed aside, created anew, each column of
 * it converted through text (its default dropped and set again), the old
 * type dropped. A row holding a value no longer listed makes it fail.
 */
export interface RecreateEnumType {
  readonly kind: 'recreateEnumType'
  readonly name: string
  readonly values: readonly string[]
  readonly columns: ReadonlyArray<EnumColumn>
}
/** A column of an enum type, or of an array of it, and the default it has. */
export interface EnumColumn {
  readonly table: string
  readonly column: string
  readonly array?: boolean
  readonly default?: DefaultValue
}

/** PostgreSQL: ALTER DOMAIN: a new default (null drops it), NOT NULL or not, checks dropped (by name) and added. */
export interface AlterDomain {
  readonly kind: 'alterDomain'
  readonly name: string
  readonly default?: DefaultValue
  readonly nullable?: boolean
  readonly dropChecks?: readonly string[]
  readonly addChecks?: ReadonlyArray<{readonly name?: string; readonly condition: string}>
}

/** A PostgreSQL domain: a base type with NOT NULL, a default and checks. */
export interface CreateDomain {
  readonly kind: 'createDomain'
  readonly name: string
  readonly type: string
  readonly nullable?: boolean
  readonly default?: DefaultValue
  /** Each a full `CHECK (...)` definition, optionally named. */
  readonly checks?: ReadonlyArray<{readonly name?: string; readonly condition: string}>
}
export interface DropDomain {
  readonly kind: 'dropDomain'
  readonly name: string
}

/** What may stand inside a batchAlterTable: the operations on one table. */
export type BatchOperation =
  | AddColumn
  | AlterColumn
  | CreateCheckConstraint
  | CreateForeignKey
  | CreateIndex
  | CreatePrimaryKey
  | CreateUniqueConstraint
  | DropColumn
  | DropConstraint
  | DropIndex

export interface BatchAlterTable {
  readonly kind: 'batchAlterTable'
  readonly table: string
  readonly operations: readonly BatchOperation[]
}

export type Operation =
  | AlterPartition
  | CreateExtension
  | DropExtension
  | AddEnumValue
  | BatchAlterTable
  | BatchOperation
  | BulkInsert
  | Backfill
  | CreateDomain
  | CreateEnumType
  | CreateTable
  | DropDomain
  | DropEnumType
  | DropTable
  | AlterDomain
  | AlterTableOptions
  | Execute
  | RecreateEnumType
  | RenameTable

/**
 * A string that reads as SQL the server computes (CURRENT_TIMESTAMP, now(), gen_random_uuid()), not as text to store.
 */
export function looksLikeSql(text: string): boolean {
  const t = text.trim()
  return (
    /^(current_timestamp|current_date|current_time|localtimestamp|localtime|current_user|session_user|null)$/i.test(
      t,
    ) || /^[a-z_][\w.]*\(.*\)$/is.test(t)
  )
}

/**
 * A string default that reads as SQL is almost always a mistake: the column
 * would default to that text. One clear line instead, naming both spellings.
 */
export function checkDefault(where: string, value: DefaultValue | undefined): void {
  if (typeof value !== 'string' || !looksLikeSql(value)) return
  const text = value.replaceAll("'", "''")
  throw new UsageError(
    `${where}: default '${value}' reads as SQL but is a string, so the column would default to that text; write sql('${value}') (op.sql in a migration script) for what the server computes, or sql("'${text}'") if the text is meant`,
  )
}

/** Deep-freeze a node so nothing downstream can change what a script asked for. */
export function freeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) freeze(v)
    Object.freeze(value)
  }

  return value
}
