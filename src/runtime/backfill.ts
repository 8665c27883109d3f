import type {DdlCompiler, Statement} from '../dialects/ddl-compiler.js'
import type {DialectName} from '../util/dialect-names.js'
import type {Introspector} from '../model/table-schema.js'
import type {Backfill, CreateTable} from '../operations/nodes.js'
import {ScriptError} from '../util/errors.js'
import {checkInterrupt} from './interrupt.js'
import type {SqlExecutor} from './executor.js'

/**
 * Where a backfill stands, as its table keeps it: one row per backfill of a
 * step in progress (revision, direction, its place among the step's
 * backfills), written in the same transaction as each batch, so a killed run
 * resumes at the first row no batch has updated.
 */
export interface BackfillPlace {
  /**
   * The backfill's place among the step's operations (0: the first): the ones before it committed when it began, and
   * a resumed step skips them.
   */
  readonly ordinal: number
  /** The primary key of the last row of the last batch; null before the first. */
  readonly lastKey: unknown[] | null
  readonly rows: number
  readonly done: boolean
  /** The script's checksum when the backfill ran: a changed script is not resumed. */
  readonly checksum: null | string
}

/** The step a backfill belongs to, as its rows name it. */
export interface BackfillOwner {
  readonly revision: string
  readonly direction: string
  readonly checksum?: string
}

function progressTable(table: string): CreateTable {
  return {
    columns: [
      {name: 'revision', nullable: false, type: 'string(32)'},
      {name: 'direction', nullable: false, type: 'string(16)'},
      {name: 'ordinal', nullable: false, type: 'integer'},
      {name: 'checksum', type: 'string(64)'},
      {name: 'last_key', type: 'text'},
      {name: 'row_count', nullable: false, type: 'bigint'},
      {name: 'done', nullable: false, type: 'integer'},
      {name: 'updated_at', nullable: false, type: 'timestamp'},
    ],
    ifNotExists: true,
    kind: 'createTable',
    primaryKey: {columns: ['revision', 'direction', 'ordinal']},
    table,
  }
}

/** The backfill table's statements, for one dialect. */
export class BackfillStore {
  /** Beside the history table: db_manage_history -> db_manage_backfill. */
  readonly table: string

  constructor(
    historyTable: string,
    private readonly compiler: DdlCompiler,
  ) {
    this.table = /_history$/.test(historyTable)
      ? historyTable.replace(/_history$/, '_backfill')
      : `${historyTable}_backfill`
  }

  private literal(value: unknown): string {
    return this.compiler.literal(value)
  }

  private owned(owner: BackfillOwner): string {
    return `revision = ${this.literal(owner.revision)} AND direction = ${this.literal(owner.direction)}`
  }

  async create(executor: SqlExecutor): Promise<void> {
    for (const statement of await this.compiler.compile(progressTable(this.table))) await executor.execute(statement)
  }

  /** The places of `owner`'s backfills, by ordinal; none when the table is absent. */
  async read(
    query: (statement: Statement) => Promise<Array<Record<string, unknown>>>,
    owner: BackfillOwner,
  ): Promise<BackfillPlace[]> {
    let rows: Array<Record<string, unknown>>
    try {
      rows = await query({
        sql: `SELECT ordinal, last_key, row_count, done, checksum FROM ${this.table} WHERE ${this.owned(owner)} ORDER BY ordinal`,
      })
    } catch {
      return []
    }

    return rows.map((r) => ({
      checksum: r.checksum === null || r.checksum === undefined ? null : String(r.checksum),
      done: Number(r.done) === 1,
      lastKey: r.last_key === null || r.last_key === undefined ? null : (JSON.parse(String(r.last_key)) as unknown[]),
      ordinal: Number(r.ordinal),
      rows: Number(r.row_count),
    }))
  }

  begin(owner: BackfillOwner, place: BackfillPlace): Statement {
    const values = [
      this.literal(owner.revision),
      this.literal(owner.direction),
      String(place.ordinal),
      owner.checksum === undefined ? 'NULL' : this.literal(owner.checksum),
      'NULL',
      '0',
      '0',
      'CURRENT_TIMESTAMP',
    ]
    return {
      sql:
        `INSERT INTO ${this.table} (revision, direction, ordinal, checksum, last_key, row_count, done, updated_at)` +
        ` VALUES (${values.join(', ')})`,
    }
  }

  advance(owner: BackfillOwner, ordinal: number, lastKey: unknown[] | null, rows: number, done: boolean): Statement {
    const key = lastKey === null ? 'NULL' : this.literal(JSON.stringify(lastKey))
    return {
      sql:
        `UPDATE ${this.table} SET last_key = ${key}, row_count = ${rows}, done = ${done ? 1 : 0},` +
        ` updated_at = CURRENT_TIMESTAMP WHERE ${this.owned(owner)} AND ordinal = ${ordinal}`,
    }
  }

  /** When the step's version update commits: its backfills are finished (`ordinal`: one, a stale place). */
  clear(owner: BackfillOwner, ordinal?: number): Statement {
    const one = ordinal === undefined ? '' : ` AND ordinal = ${ordinal}`
    return {sql: `DELETE FROM ${this.table} WHERE ${this.owned(owner)}${one}`}
  }
}

/** What a backfill needs of the run. */
export interface BackfillRun {
  readonly compiler: DdlCompiler
  readonly executor: SqlExecutor
  readonly beginSql: string
  readonly store: BackfillStore
  readonly owner: BackfillOwner
  /** Where it starts: a new place (last key null), or where a killed run left it. */
  readonly place: BackfillPlace
  /** Told after each batch commits: rows so far, the last key. */
  readonly progress?: (rows: number, batches: number, lastKey: unknown[]) => void
}

/** A primary-key value as it is kept in the backfill table and bound again on resume. */
function keyValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return value.toISOString()
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    throw new ScriptError('op.backfill: a binary primary key cannot be kept as a place to resume from')
  return value
}

/**
 * The batches of one backfill: the next batch's upper key is the
 * batchSize-th selected row after the last key (an index range read of the
 * primary key); its UPDATE covers (last, upper] and commits with the
 * backfill's place, so a kill loses at most the batch in flight.
 */
/**
 * The columns a backfill's batches are ranges of: the table's primary key (a
 * SQLite table without one: its rowid). Asked before anything commits.
 */
export async function backfillKey(op: Backfill, dialect: DialectName, introspector: Introspector): Promise<string[]> {
  const schema = await introspector.table(op.table)
  if (!schema) throw new ScriptError(`op.backfill("${op.table}"): there is no table ${op.table}`)
  const key = [...(schema.primaryKey?.columns ?? [])]
  if (key.length === 0 && dialect === 'sqlite' && !schema.withoutRowid) return ['rowid']
  if (key.length === 0)
    throw new ScriptError(
      `op.backfill("${op.table}"): ${op.table} has no primary key, and batches are ranges of it;` +
        ' add one, or update it with op.execute in one statement',
    )
  return key
}

export async function runBackfill(op: Backfill, key: readonly string[], run: BackfillRun): Promise<number> {
  const {compiler, executor, owner, place, store} = run
  const columns = key.map((c) => (c === 'rowid' ? c : compiler.quote(c)))
  const tuple = columns.length === 1 ? columns[0] : `(${columns.join(', ')})`
  const placeholders = (from: number) =>
    columns.length === 1
      ? compiler.placeholder(from)
      : `(${columns.map((_, i) => compiler.placeholder(from + i)).join(', ')})`
  const table = compiler.table(op.table)
  const condition = op.where === undefined ? undefined : `(${op.where})`
  let last = place.lastKey
  let rows = place.rows
  let batches = 0
  for (;;) {
    await checkInterrupt()
    const after = last === null ? undefined : `${tuple} > ${placeholders(0)}`
    const filter = [after, condition].filter(Boolean).join(' AND ')
    const next = await executor.execute({
      params: last ?? [],
      sql:
        `SELECT ${columns.join(', ')} FROM ${table}${filter ? ` WHERE ${filter}` : ''}` +
        ` ORDER BY ${columns.join(', ')} LIMIT 1 OFFSET ${op.batchSize - 1}`,
    })
    const upperRow = next.rows[0]
    const upper = upperRow ? key.map((c) => keyValue(upperRow[c])) : undefined
    const range = [after, upper && `${tuple} <= ${placeholders(last?.length ?? 0)}`].filter(Boolean).join(' AND ')
    await executor.execute({sql: run.beginSql})
    try {
      const updated = await executor.execute({
        params: [...(last ?? []), ...(upper ?? [])],
        sql: compiler.backfillUpdate(op, range || undefined),
      })
      rows += updated.rowCount ?? 0
      batches++
      // The last batch has no upper key: it takes every row after the last one, and the backfill is done.
      await executor.execute(store.advance(owner, place.ordinal, upper ?? last, rows, upper === undefined))
      await executor.execute({sql: 'COMMIT'})
    } catch (error) {
      await executor.execute({sql: 'ROLLBACK'}).catch(() => {})
      throw error
    }

    if (!upper) return rows
    last = upper
    run.progress?.(rows, batches, upper)
    if (op.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, op.pauseMs))
  }
}
