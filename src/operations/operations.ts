import type {DialectName} from '../util/dialect-names.js'
import {UsageError} from '../util/errors.js'
import {
  type AlterColumnOptions,
  type AlterDomain,
  type AlterTableOptions,
  type BatchOperation,
  type CreateTableOptions,
  type Column,
  type ColumnOptions,
  type ConstraintType,
  checkDefault,
  looksLikeSql,
  type DefaultValue,
  type EnumColumn,
  type ForeignKeyOptions,
  freeze,
  type IndexElement,
  type IndexOptions,
  type Operation,
  type SqlExpression,
} from './nodes.js'

/** Where the `op` object sends its nodes: the runner, online or offline. */
export interface OperationSink {
  readonly dialect: DialectName
  run(operation: Operation): Promise<void>
  /** Rows of a query; offline sinks throw. */
  query(sql: string, params?: readonly unknown[]): Promise<Array<Record<string, unknown>>>
  /** Told of each operation as the script calls it, before it runs (the lint reads the script's line off the stack). */
  called?(operation: Operation): void
}

function column(name: string, type: string, options: ColumnOptions = {}): Column {
  if (!name) throw new UsageError('op.column needs a name')
  // '' is a column without a type, which SQLite has (and the other dialects refuse by name).
  if (typeof type !== 'string') throw new UsageError(`op.column("${name}") needs a type`)
  checkDefault(`column ${name}`, options.default)
  return freeze({name, type, ...options})
}

/**
 * The promise an operation returns, which records whether the script looked
 * at it (awaited it, or attached then/catch): a failure nobody looked at is
 * the step's failure all the same, never lost nor an unhandled rejection.
 */
class OperationPromise extends Promise<void> {
  static get [Symbol.species]() {
    return Promise
  }

  observed = false

  override then<A = void, B = never>(
    onFulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.observed = true
    return super.then(onFulfilled, onRejected)
  }
}

/** What one Operations object has started: the end of the last call, and the calls that failed. */
interface Calls {
  last: Promise<void>
  readonly failed: Array<{call: OperationPromise; error: unknown}>
}

const calls = new WeakMap<Operations, Calls>()
const noop = () => {}

/**
 * Wait for every operation a script started, awaited or not. A call the
 * script never awaited that failed fails the step with its own error (a
 * forgotten `await` must not turn into a crash, nor into a step that
 * "succeeded"); a failure the script awaited and caught was its choice.
 */
export async function drainOperations(op: Operations): Promise<void> {
  const state = calls.get(op)!
  await state.last
  const lost = state.failed.find((f) => !f.call.observed)
  if (lost) throw lost.error
}

/** The operations that may stand inside batchAlterTable, recorded for one table. */
export class BatchOperations {
  readonly operations: BatchOperation[] = []

  constructor(readonly table: string) {}

  addColumn(col: Column): void {
    this.push({column: col, kind: 'addColumn', table: this.table})
  }

  alterColumn(name: string, options: AlterColumnOptions): void {
    checkDefault(`column ${name}`, options.default)
    this.push({column: name, kind: 'alterColumn', table: this.table, ...options})
  }

  createCheckConstraint(name: string, condition: string): void {
    this.push({condition, kind: 'createCheckConstraint', name, table: this.table})
  }

  createForeignKey(
    name: string,
    referent: string,
    columns: string[],
    referentColumns: string[],
    options: ForeignKeyOptions = {},
  ): void {
    this.push({columns, kind: 'createForeignKey', name, referent, referentColumns, table: this.table, ...options})
  }

  createIndex(name: string, columns: IndexElement[], options: IndexOptions = {}): void {
    this.push({columns, kind: 'createIndex', name, table: this.table, ...options})
  }

  createPrimaryKey(name: string, columns: string[]): void {
    this.push({columns, kind: 'createPrimaryKey', name, table: this.table})
  }

  createUniqueConstraint(name: string, columns: string[], options: {nullsNotDistinct?: boolean} = {}): void {
    this.push({columns, kind: 'createUniqueConstraint', name, table: this.table, ...options})
  }

  dropColumn(name: string): void {
    this.push({column: name, kind: 'dropColumn', table: this.table})
  }

  dropConstraint(name: string, options: {type?: ConstraintType} = {}): void {
    this.push({kind: 'dropConstraint', name, table: this.table, type: options.type})
  }

  dropIndex(name: string): void {
    this.push({kind: 'dropIndex', name, table: this.table})
  }

  private push(operation: BatchOperation): void {
    this.operations.push(freeze(operation))
  }
}

/**
 * The `op` object a revision script's upgrade() and downgrade() receive.
 * Each method builds a frozen node and hands it to the sink, which renders
 * it for the dialect and executes it or writes it out.
 */
export class Operations {
  constructor(private readonly sink: OperationSink) {
    calls.set(this, {failed: [], last: Promise.resolve()})
  }

  /** Where the script runs: 'postgresql', 'mysql' or 'sqlite'. */
  get dialect(): DialectName {
    return this.sink.dialect
  }

  addColumn(table: string, col: Column): Promise<void> {
    return this.run({column: col, kind: 'addColumn', table})
  }

  alterColumn(table: string, name: string, options: AlterColumnOptions): Promise<void> {
    checkDefault(`column ${table}.${name}`, options.default)
    return this.run({column: name, kind: 'alterColumn', table, ...options})
  }

  /** Alembic's batch mode: on SQLite a move-and-copy of the table, elsewhere plain ALTERs. */
  async batchAlterTable(table: string, fn: (batch: BatchOperations) => Promise<void> | void): Promise<void> {
    const batch = new BatchOperations(table)
    await fn(batch)
    return this.run({kind: 'batchAlterTable', operations: batch.operations, table})
  }

  /**
   * Update many rows in batches by primary-key range, each batch its own transaction: `set` maps columns to values
   * (op.sql(...) for an expression), `where` selects the rows (SQL). Online it steps out of the revision's
   * transaction, keeps its place in db_manage_backfill and resumes there after a kill; offline it is one UPDATE.
   */
  backfill(
    table: string,
    change: {set: Record<string, unknown>; where?: string},
    options: {batchSize?: number; pauseMs?: number} = {},
  ): Promise<void> {
    const what = `op.backfill("${table}")`
    if (!change || typeof change !== 'object' || !change.set || Object.keys(change.set).length === 0)
      throw new UsageError(`${what} needs {set: {column: value, ...}}`)
    if (change.where !== undefined && (typeof change.where !== 'string' || change.where.trim() === ''))
      throw new UsageError(`${what}: where must be a SQL condition`)
    const batchSize = options.batchSize ?? 1000
    const pauseMs = options.pauseMs ?? 0
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new UsageError(`${what}: batchSize must be a positive integer, not ${batchSize}`)
    if (!Number.isFinite(pauseMs) || pauseMs < 0) throw new UsageError(`${what}: pauseMs must be 0 or more`)
    for (const [column, value] of Object.entries(change.set)) {
      if (typeof value === 'string' && looksLikeSql(value))
        throw new UsageError(
          `${what}: set ${column} to '${value}' reads as SQL but is a string, so every row would get that text;` +
            ` write op.sql('${value}') for an expression`,
        )
    }

    return this.run({batchSize, kind: 'backfill', pauseMs, set: change.set, table, where: change.where})
  }

  bulkInsert(table: string, rows: Array<Record<string, unknown>>): Promise<void> {
    return this.run({kind: 'bulkInsert', rows, table})
  }

  column(name: string, type: string, options?: ColumnOptions): Column {
    return column(name, type, options)
  }

  createCheckConstraint(name: string, table: string, condition: string): Promise<void> {
    return this.run({condition, kind: 'createCheckConstraint', name, table})
  }

  createForeignKey(
    name: string,
    table: string,
    referent: string,
    columns: string[],
    referentColumns: string[],
    options: ForeignKeyOptions = {},
  ): Promise<void> {
    return this.run({columns, kind: 'createForeignKey', name, referent, referentColumns, table, ...options})
  }

  createIndex(name: string, table: string, columns: IndexElement[], options: IndexOptions = {}): Promise<void> {
    return this.run({columns, kind: 'createIndex', name, table, ...options})
  }

  createPrimaryKey(name: string, table: string, columns: string[]): Promise<void> {
    return this.run({columns, kind: 'createPrimaryKey', name, table})
  }

  /**
   * A new table; options may hold its table-level constraints (a composite primary key, uniques, foreign keys, checks).
   */
  createTable(table: string, columns: Column[], options: CreateTableOptions = {}): Promise<void> {
    if (!Array.isArray(columns))
      throw new UsageError(
        `op.createTable("${table}") takes its columns as an array: op.createTable("${table}", [op.column(...), ...])`,
      )
    return this.run({...options, columns, kind: 'createTable', table})
  }

  createUniqueConstraint(
    name: string,
    table: string,
    columns: string[],
    options: {nullsNotDistinct?: boolean} = {},
  ): Promise<void> {
    return this.run({columns, kind: 'createUniqueConstraint', name, table, ...options})
  }

  dropColumn(table: string, name: string): Promise<void> {
    return this.run({column: name, kind: 'dropColumn', table})
  }

  dropConstraint(name: string, table: string, options: {type?: ConstraintType} = {}): Promise<void> {
    return this.run({kind: 'dropConstraint', name, table, type: options.type})
  }

  dropIndex(name: string, table?: string): Promise<void> {
    return this.run({kind: 'dropIndex', name, table})
  }

  dropTable(table: string, options: {sequences?: string[]} = {}): Promise<void> {
    return this.run({kind: 'dropTable', table, ...options})
  }

  /**
   * Raw SQL, split into statements as the dialect's client would; with params
   * (bound with the driver's own placeholders: $1 on PostgreSQL, ? elsewhere)
   * or `{split: false}`, one statement sent whole.
   */
  execute(sql: string, params?: unknown[], options: {split?: boolean} = {}): Promise<void> {
    return this.run({kind: 'execute', params, sql, ...(options.split === false ? {split: false as const} : {})})
  }

  /** A default of CURRENT_TIMESTAMP. */
  now(): SqlExpression {
    return freeze({kind: 'sql', sql: 'CURRENT_TIMESTAMP'})
  }

  /** A SQL expression as a default, written as is: op.sql("gen_random_uuid()"). */
  sql(expression: string): SqlExpression {
    return freeze({kind: 'sql', sql: expression})
  }

  /** Rows of a query, for data migrations; a clear error in offline (--sql) mode. */
  query(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.sink.query(sql, params)
  }

  /** PostgreSQL: CREATE TYPE name AS ENUM (values). */
  createEnumType(name: string, values: string[]): Promise<void> {
    return this.run({kind: 'createEnumType', name, values})
  }

  /** PostgreSQL: DROP TYPE name. */
  dropEnumType(name: string): Promise<void> {
    return this.run({kind: 'dropEnumType', name})
  }

  /** PostgreSQL: ALTER TYPE name ADD VALUE value [BEFORE | AFTER existing]. */
  addEnumValue(name: string, value: string, options: {before?: string; after?: string} = {}): Promise<void> {
    return this.run({...options, kind: 'addEnumValue', name, value})
  }

  /**
   * PostgreSQL: give an enum type values in an order ADD VALUE cannot reach
   * (one removed, or reordered): it is created anew and `columns` (those of
   * its type, with their defaults) are converted to it through text.
   */
  recreateEnumType(name: string, values: string[], columns: EnumColumn[]): Promise<void> {
    return this.run({columns, kind: 'recreateEnumType', name, values})
  }

  /** PostgreSQL: ALTER DOMAIN name SET/DROP DEFAULT, SET/DROP NOT NULL, DROP CONSTRAINT, ADD CONSTRAINT ... CHECK. */
  alterDomain(name: string, options: Omit<AlterDomain, 'kind' | 'name'>): Promise<void> {
    return this.run({...options, kind: 'alterDomain', name})
  }

  /** PostgreSQL: CREATE DOMAIN name AS type [NOT NULL] [DEFAULT x] [CONSTRAINT c CHECK (...)]. */
  createDomain(
    name: string,
    type: string,
    options: {nullable?: boolean; default?: DefaultValue; checks?: Array<{name?: string; condition: string}>} = {},
  ): Promise<void> {
    return this.run({...options, kind: 'createDomain', name, type})
  }

  /** PostgreSQL: DROP DOMAIN name. */
  dropDomain(name: string): Promise<void> {
    return this.run({kind: 'dropDomain', name})
  }

  /** A table's comment (PostgreSQL, MySQL) and MySQL's collation, engine and ROW_FORMAT. */
  /** PostgreSQL: give a partition of `table` another bound (DETACH, then ATTACH PARTITION ... `bound`). */
  alterPartition(table: string, partition: string, options: {bound: string; existingBound: string}): Promise<void> {
    const {bound, existingBound} = options
    return this.run({bound, existingBound, kind: 'alterPartition', partition, table})
  }

  /** PostgreSQL: CREATE EXTENSION IF NOT EXISTS name (in the current schema). */
  createExtension(name: string): Promise<void> {
    return this.run({kind: 'createExtension', name})
  }

  dropExtension(name: string): Promise<void> {
    return this.run({kind: 'dropExtension', name})
  }

  alterTableOptions(table: string, options: Omit<AlterTableOptions, 'kind' | 'table'>): Promise<void> {
    return this.run({...options, kind: 'alterTableOptions', table})
  }

  renameTable(table: string, newName: string): Promise<void> {
    return this.run({kind: 'renameTable', newName, table})
  }

  private run(operation: Operation): Promise<void> {
    const node = freeze(operation)
    this.sink.called?.(node)
    const state = calls.get(this)!
    // Operations run one at a time in the order called, even when the script does not await them.
    const result = state.last.then(() => this.sink.run(node))
    const call = new OperationPromise((resolve, reject) => {
      result.then(resolve, reject)
    })
    // The next call waits for this one, whatever its end. Its failure is handled here without marking
    // the call observed: drainOperations reports it if the script never looks at it.
    state.last = Promise.prototype.then.call(call, noop, (error: unknown) => {
      state.failed.push({call, error})
    }) as Promise<void>
    return call
  }
}

export type {DefaultValue}
