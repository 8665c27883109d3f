import {readFileSync} from 'node:fs'
import os from 'node:os'

import type {Connection, QueryResult} from '../dialects/connection.js'
import type {DdlCompiler, Statement} from '../dialects/ddl-compiler.js'
import type {Adapter} from '../dialects/dialect.js'
import type {CreateTable} from '../operations/nodes.js'
import {DatabaseError} from '../util/errors.js'
import {describeDriverError} from '../dialects/driver-error.js'
import type {SqlExecutor} from './executor.js'

/**
 * Alembic's version table, spelled as Alembic writes it so a database that
 * Alembic or sahara-db-manage managed is taken over as it is, and offline
 * output reads the same. Ids are plain words (the revision map refuses any
 * other); they are still written as the dialect's escaped literals.
 */
export function versionStatements(table: string, compiler?: Pick<DdlCompiler, 'literal'>) {
  const literal = (id: string) => (compiler ? compiler.literal(id) : `'${id.replaceAll("'", "''")}'`)
  return {
    create(ifNotExists = false): Statement {
      return {
        sql: `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${table} (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT ${table}_pkc PRIMARY KEY (version_num)\n)`,
      }
    },
    deleteAll(): Statement {
      return {sql: `DELETE FROM ${table}`}
    },
    /** The statement that moves the version from `from` to `to` (either may be base). */
    move(from: null | string, to: null | string): Statement | undefined {
      if (from === to) return undefined
      if (from === null) return {sql: `INSERT INTO ${table} (version_num) VALUES (${literal(to!)})`}
      if (to === null) return {sql: `DELETE FROM ${table} WHERE ${table}.version_num = ${literal(from)}`}
      return {sql: `UPDATE ${table} SET version_num=${literal(to)} WHERE ${table}.version_num = ${literal(from)}`}
    },
    select(): Statement {
      return {sql: `SELECT version_num FROM ${table}`}
    },
  }
}

/** A step as the version store records it. */
export interface AppliedStep {
  readonly direction: 'downgrade' | 'upgrade'
  readonly from: null | string
  readonly to: null | string
  /** The script's checksum (scriptChecksum), recorded beside the step. */
  readonly checksum?: string
  /** How long the step took until its bookkeeping, online. */
  readonly ms?: number
  /** A repeatable object or a seed: its row's direction is its kind, its revision its key; the version stays. */
  readonly rerun?: {readonly kind: string; readonly key: string}
}

/** One row of the history table. */
export interface HistoryRow {
  readonly revision: string
  /**
   * upgrade, downgrade, stamp, accept-edit (a deliberate edit of an applied script, accepted), started (a step in
   * progress, MySQL) or interrupted (one a stamp abandoned); repeatable or seed for an object script, whose
   * `revision` is its key (script/object-scripts.ts) and whose from/to revisions are the version it ran at.
   */
  readonly direction: string
  readonly fromRevision: null | string
  readonly toRevision: null | string
  readonly checksum: null | string
  readonly appliedAt: string
  readonly durationMs: null | number
  readonly appliedBy: null | string
  readonly dbManageVersion: null | string
}

/** The direction of a history row that marks a step in progress (MySQL); `interrupted` once a stamp abandoned it. */
export const STARTED = 'started'

/** A history row to write. */
interface HistoryEntry {
  readonly revision: string
  readonly direction: string
  readonly from: null | string
  readonly to: null | string
  readonly checksum?: string
  readonly ms?: number
}

/**
 * MySQL online: the session variable that holds the id of the step's in-progress mark, from its INSERT to the
 * step's end, where the mark is found by it (a primary-key lookup, not a scan of the history).
 */
const MARK_ID = '@db_manage_mark'
/**
 * MySQL online: when the server began the step (its mark's INSERT, sent with the step's first statement): the
 * step's history row records the server's time from there, the statements sent with its version update included.
 */
const MARK_STARTED = '@db_manage_step_started'

/**
 * MySQL online, batched: the statement after a step's version move, which fails (ER_SUBQUERY_NO_1_ROW) when the move
 * changed no row (the version was not where the step started); the batch stops there.
 */
const MOVED_CHECK = 'SET @db_manage_moved = (SELECT 1 UNION ALL SELECT 2 FROM DUAL WHERE ROW_COUNT() = 0)'

/** The revision a history row is about: what an upgrade applied, what a downgrade removed. */
export function stepRevision(step: Pick<AppliedStep, 'direction' | 'from' | 'to'>): string {
  return (step.direction === 'upgrade' ? step.to : step.from)!
}

const HISTORY_COLUMNS = [
  'revision',
  'direction',
  'from_revision',
  'to_revision',
  'checksum',
  'applied_at',
  'duration_ms',
  'applied_by',
  'db_manage_version',
] as const

/** The history table, as db-manage's own op model spells it for each dialect. */
function historyTable(table: string, compiler: DdlCompiler): CreateTable {
  return {
    columns: [
      {autoincrement: compiler.integerKeysAutoAssign ? undefined : true, name: 'id', primaryKey: true, type: 'integer'},
      {name: 'revision', nullable: false, type: 'string(32)'},
      {name: 'direction', nullable: false, type: 'string(16)'},
      {name: 'from_revision', type: 'string(32)'},
      {name: 'to_revision', type: 'string(32)'},
      {name: 'checksum', type: 'string(64)'},
      {name: 'applied_at', nullable: false, type: 'timestamp'},
      {name: 'duration_ms', type: 'integer'},
      {name: 'applied_by', type: 'string(255)'},
      {name: 'db_manage_version', type: 'string(32)'},
    ],
    ifNotExists: true,
    kind: 'createTable',
    table,
  }
}

function historyRow(r: Record<string, unknown>): HistoryRow {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v))
  return {
    appliedAt:
      r.applied_at instanceof Date
        ? r.applied_at
            .toISOString()
            .replace('T', ' ')
            .replace(/\.\d+Z$/, '')
        : String(r.applied_at),
    appliedBy: text(r.applied_by),
    checksum: text(r.checksum),
    dbManageVersion: text(r.db_manage_version),
    direction: String(r.direction),
    durationMs: r.duration_ms === null || r.duration_ms === undefined ? null : Number(r.duration_ms),
    fromRevision: text(r.from_revision),
    revision: String(r.revision),
    toRevision: text(r.to_revision),
  }
}

/** The OS user at the host, asked once a process: every history row of a run names it. */
let osActor: string | undefined
function osUserAtHost(): string {
  if (osActor === undefined) {
    let user: string
    try {
      user = os.userInfo().username
    } catch {
      user = `uid ${process.getuid?.() ?? '?'}`
    }

    osActor = `${user}@${os.hostname()}`
  }

  return osActor
}

/**
 * Who runs db-manage: DB_MANAGE_ACTOR as it is now (one process may run several verbs), else the OS user at the host.
 */
export function actor(): string {
  return process.env.DB_MANAGE_ACTOR || osUserAtHost()
}

let ownVersion: string | undefined
/** db-manage's own version, from its package.json. */
export function dbManageVersion(): string {
  ownVersion ??= String(
    (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version?: string}).version ??
      'unknown',
  )
  return ownVersion
}

/**
 * Everything written to the version table, online or offline, goes through
 * here and only here: create, move after a step, stamp. `applied` is the one
 * place a step's bookkeeping is written, inside the step's transaction.
 * Disabled (`--no-version-table`), it writes nothing.
 */
export class VersionStore {
  private readonly sql: ReturnType<typeof versionStatements>

  /**
   * `history`: the history table's name (history_table), and whether the
   * steps are being written out with --sql rather than run (the row then
   * says so, and has no duration).
   */
  constructor(
    private readonly executor: SqlExecutor,
    readonly table: string,
    private readonly compiler: DdlCompiler,
    private readonly enabled = true,
    private readonly history: {readonly table: string; readonly offline?: boolean} = {table: 'db_manage_history'},
  ) {
    this.sql = versionStatements(table, compiler)
  }

  get historyTable(): string {
    return this.history.table
  }

  /** Both tables: the version table as Alembic writes it, the history table beside it. */
  async create(ifNotExists = false): Promise<void> {
    if (!this.enabled) return
    await this.executor.execute(this.sql.create(ifNotExists))
    await this.createHistory()
  }

  private async createHistory(): Promise<void> {
    for (const statement of await this.compiler.compile(historyTable(this.history.table, this.compiler)))
      await this.executor.execute(statement)
  }

  /**
   * Online: create what is missing, silently: the version table (a new
   * database), the history table (a database db-manage or Alembic managed
   * before it). `present`: which of them the database has.
   */
  async ensure(present: {readonly versionTable: boolean; readonly historyTable: boolean}): Promise<void> {
    if (!this.enabled) return
    if (!present.versionTable) await this.executor.execute(this.sql.create(true))
    if (!present.historyTable) await this.createHistory()
  }

  /** Offline, a range that does not start at base: the history table may be new to that database (IF NOT EXISTS). */
  async ensureHistory(): Promise<void> {
    if (this.enabled) await this.createHistory()
  }

  /** The history, oldest first; empty when there is no history table (a database Alembic managed). */
  async readHistory(adapter: Adapter, connection: Connection): Promise<HistoryRow[]> {
    if (!(await adapter.tableExists(connection, this.history.table))) return []
    return this.historyRows(connection)
  }

  /** The history table's rows, oldest first (the caller knows the table is there). */
  async historyRows(connection: Connection): Promise<HistoryRow[]> {
    const sql = `SELECT ${HISTORY_COLUMNS.join(', ')} FROM ${this.history.table} ORDER BY id`
    let rows
    try {
      ;({rows} = await connection.query(sql))
    } catch (error) {
      // A history table another tool changed: say which table, not only the column the server missed.
      throw new DatabaseError(
        `cannot read ${this.history.table}, db-manage's history table: ${describeDriverError(error)} [SQL: ${sql}]`,
        {cause: error},
      )
    }

    return rows.map(historyRow)
  }

  /** The history's last row that moved the version (upgrade, downgrade, stamp); the caller knows the table is there. */
  async lastMove(connection: Connection): Promise<HistoryRow | undefined> {
    const {rows} = await connection.query(
      `SELECT ${HISTORY_COLUMNS.join(', ')} FROM ${this.history.table} WHERE direction IN ('upgrade', 'downgrade', 'stamp') ORDER BY id DESC LIMIT 1`,
    )
    return rows.map(historyRow)[0]
  }

  /** One history row, in the statement the executor runs or writes. */
  private async record(row: HistoryEntry): Promise<void> {
    const {compiler} = this
    const ms = this.history.offline || row.ms === undefined ? 'NULL' : compiler.literal(row.ms)
    // Sent with the step's statements, the row's duration adds what the server spent on them.
    const batched = row.ms !== undefined && compiler.batchElapsedMs ? `${ms} + ${compiler.batchElapsedMs}` : ms
    if (!this.executor.defer?.(this.insert(row, batched))) await this.executor.execute(this.insert(row, ms))
  }

  /** The INSERT of one history row; `ms`, its duration as SQL. */
  private insert(row: HistoryEntry, ms = 'NULL'): Statement {
    const {compiler} = this
    const value = (v: null | number | string | undefined) =>
      v === undefined || v === null ? 'NULL' : compiler.literal(v)
    const by = `${actor()}${this.history.offline ? ' (--sql)' : ''}`
    const values = [row.revision, row.direction, row.from, row.to, row.checksum].map(value)
    return {
      sql: `INSERT INTO ${this.history.table} (${HISTORY_COLUMNS.join(', ')}) VALUES (${[...values, compiler.utcNow, ms, value(by), value(dbManageVersion())].join(', ')})`,
    }
  }

  /** MySQL online: a step's mark is the run's bookkeeping, sent with the step's first statement (see `started`). */
  private get marksInline(): boolean {
    return this.compiler.dialect === 'mysql' && !this.history.offline
  }

  /**
   * Where the step's mark is: on MySQL online, the row whose id the session keeps (`started` sets it), found by its
   * primary key; elsewhere the last `started` row. Both find it without reading the whole history table.
   */
  private markedRow(table = this.history.table): string {
    const started = `${table}.direction = ${this.compiler.literal(STARTED)}`
    return this.marksInline ? `${table}.id = ${MARK_ID} AND ${started}` : started
  }

  /** The version row, null at base; a clear error when the table holds several. */
  async read(connection: Connection): Promise<null | string> {
    const {rows} = await connection.query(this.sql.select().sql)
    if (rows.length > 1) {
      throw new DatabaseError(
        `${this.table} holds ${rows.length} rows (${rows.map((r) => r.version_num).join(', ')}): db-manage keeps one linear chain; fix it with "db-manage stamp REV --purge"`,
      )
    }

    return rows.length === 0 ? null : String(rows[0].version_num)
  }

  /**
   * A step is done: move the version, in the step's own transaction, and
   * write its history row (or turn its in-progress marker into that row).
   */
  async applied(step: AppliedStep & {marked?: boolean}): Promise<void> {
    if (!this.enabled) return
    if (step.rerun) {
      const {checksum, from, ms, to} = step
      await this.record({checksum, direction: step.rerun.kind, from, ms, revision: step.rerun.key, to})
      return
    }

    const move = this.sql.move(step.from, step.to)
    // Offline the writer reports no row count; online 0 rows means the version was not where this run left it.
    const moved = () =>
      new DatabaseError(`${this.table} did not hold ${step.from} when this revision finished; another tool changed it`)
    const check = (result: QueryResult) => {
      if (result.rowCount === 0) throw moved()
    }

    const duration = this.history.offline
      ? 'NULL'
      : step.marked && this.marksInline
        ? `ROUND(TIMESTAMPDIFF(MICROSECOND, ${MARK_STARTED}, NOW(6)) / 1000)`
        : step.ms === undefined
          ? 'NULL'
          : this.compiler.literal(step.ms)
    const direction = this.compiler.literal(step.direction)
    if (step.marked && move?.sql.startsWith('UPDATE') && !this.history.offline && this.compiler.dialect === 'mysql') {
      // Online, where DDL commits as it goes (MySQL): the version moves and the step's mark becomes its row in
      // one statement, one round trip; neither changes when the version is not where the step started.
      const h = this.history.table
      const statement = {
        sql:
          `UPDATE ${this.table}, ${h} SET ${this.table}.version_num = ${this.compiler.literal(step.to!)}, ${h}.direction = ${direction}, ${h}.duration_ms = ${duration} ` +
          `WHERE ${this.table}.version_num = ${this.compiler.literal(step.from!)} AND ${this.markedRow(h)}`,
      }
      // Batched, the server checks the row count right after it, so nothing waits on the client for it.
      if (!this.executor.deferChecked?.(statement, MOVED_CHECK, moved)) check(await this.executor.execute(statement))
      return
    }

    if (move) {
      // From base the move is an INSERT, which always adds its row: nothing to check. An UPDATE or DELETE is
      // queued only where the server checks it (PostgreSQL), so nothing waits for its row count.
      const {compiler, executor} = this
      const queued =
        step.from === null
          ? executor.defer?.(move)
          : compiler.guardedDml !== undefined && executor.defer?.({sql: compiler.guardedDml(move.sql)}, moved)
      if (!queued) check(await this.executor.execute(move))
    }

    if (step.marked) {
      const completion = {
        sql: `UPDATE ${this.history.table} SET direction = ${direction}, duration_ms = ${duration} WHERE ${this.lastMark()}`,
      }
      if (!this.executor.defer?.(completion)) await this.executor.execute(completion)
      return
    }

    await this.record({
      checksum: step.checksum,
      direction: step.direction,
      from: step.from,
      ms: step.ms,
      revision: stepRevision(step),
      to: step.to,
    })
  }

  /**
   * Where DDL commits as it runs (MySQL), a step is marked in progress before
   * its first statement, and the mark becomes its history row when it is
   * done: a run killed or failed half-way leaves the mark, and the next run
   * names that revision and refuses to guess (runtime/migrator.ts).
   */
  async started(step: AppliedStep): Promise<void> {
    if (!this.enabled) return
    const mark = {
      checksum: step.checksum,
      direction: STARTED,
      from: step.from,
      revision: stepRevision(step),
      to: step.to,
    }
    if (!this.marksInline) {
      await this.record(mark)
      return
    }

    // MySQL online: the mark and its id, kept in the session for the step's end (markedRow), go to the server with
    // the step's first statement, in one round trip; the server runs them in order, so the mark is there before it.
    const {executor} = this
    for (const statement of [this.insert(mark), {sql: `SET ${MARK_ID} = LAST_INSERT_ID(), ${MARK_STARTED} = NOW(6)`}])
      if (!executor.bookkeeping?.(statement)) await executor.execute(statement)
  }

  /**
   * A resumed step's mark, which the killed run left: MySQL online finds a step's mark by the id its INSERT kept in
   * the session, so the new session takes it from the history.
   */
  async adoptMark(): Promise<void> {
    if (!this.enabled || !this.marksInline) return
    const table = this.history.table
    await this.executor.execute({
      sql: `SET ${MARK_ID} = (SELECT id FROM ${table} WHERE ${this.lastMark()}), ${MARK_STARTED} = NOW(6)`,
    })
  }

  /**
   * The in-progress mark, where DDL commits as it runs: the history's last `started` row. MySQL finds it by reading
   * the primary key backwards (ORDER BY ... LIMIT), not the whole table; the others have one `started` row at most
   * (a run refuses to start over one).
   */
  private lastMark(): string {
    const started = `direction = ${this.compiler.literal(STARTED)}`
    return this.compiler.dialect === 'mysql' ? `${started} ORDER BY id DESC LIMIT 1` : started
  }

  /** A failed step that committed none of its statements leaves nothing to resolve: its mark goes. */
  async unmark(): Promise<void> {
    if (this.enabled)
      await this.executor.execute({
        sql: `DELETE FROM ${this.history.table} WHERE direction = ${this.compiler.literal(STARTED)}`,
      })
  }

  /** The step of a mark finished (the version moved) but its history row was not written: it is now. */
  async finishMark(direction: 'downgrade' | 'upgrade'): Promise<void> {
    await this.executor.execute({
      sql: `UPDATE ${this.history.table} SET direction = ${this.compiler.literal(direction)} WHERE direction = ${this.compiler.literal(STARTED)}`,
    })
  }

  /** `stamp` gave up on an unfinished step: its mark stays in the history, as interrupted. */
  async abandonMark(): Promise<void> {
    if (this.enabled)
      await this.executor.execute({
        sql: `UPDATE ${this.history.table} SET direction = 'interrupted' WHERE direction = ${this.compiler.literal(STARTED)}`,
      })
  }

  /** Set the version without running anything; `purge` empties the table first. The history row says it was a stamp. */
  async stamp(
    from: null | string,
    to: null | string,
    options: {checksum?: string; purge?: boolean; abandonMark?: boolean} = {},
  ): Promise<void> {
    if (!this.enabled) return
    if (options.purge) await this.executor.execute(this.sql.deleteAll())
    const move = this.sql.move(options.purge ? null : from, to)
    if (move) await this.executor.execute(move)
    if (options.abandonMark) await this.abandonMark()
    const revision = to ?? from
    if (revision !== null && (move || options.purge || options.abandonMark))
      await this.record({
        checksum: to === null ? undefined : options.checksum,
        direction: 'stamp',
        from: options.purge ? null : from,
        revision,
        to,
      })
  }

  /** A deliberate edit of an applied script, accepted: its new checksum becomes the one to match (Flyway's repair). */
  async acceptEdit(revision: string, checksum: string): Promise<void> {
    await this.record({checksum, direction: 'accept-edit', from: revision, revision, to: revision})
  }
}
