import type {Config, DatabaseConfig} from '../config/config.js'
import type {Dialect} from '../dialects/dialect.js'
import {describeDriverError} from '../dialects/driver-error.js'
import {SchemaTracker} from '../model/schema-tracker.js'
import type {ObjectScript} from '../script/object-scripts.js'
import type {RevisionMap} from '../script/revision-map.js'
import {appliedCount} from '../script/revision.js'
import {squashedMessage} from '../script/squashed.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {ChainError, DatabaseError, DbManageError, LockWaitError, RevisionError, ScriptError} from '../util/errors.js'
import {drainOperations} from '../operations/operations.js'
import {brief} from '../sql/brief.js'
import {connectionLost, lockWaitTimedOut} from '../dialects/driver-error.js'
import {failedStatement} from './executor.js'
import {type Callback, type CallbackContext, type CallbackPoint, Callbacks, loadCallbacks} from './callbacks.js'
import {compareChecksums} from './checksums.js'
import {Interrupted, interruption, waiting} from './interrupt.js'
import {describeBlockers, LockWatch} from './lock-watch.js'
import {loadObjectScript} from './load-object-script.js'
import {knownFacts, loadScript, type MigrationFunction, saveScriptCaches, scriptRan} from './load-script.js'
import {BackfillStore} from './backfill.js'
import {type MigrationContext, onlineContext, type Resume, type RunOptions} from './migration-context.js'
import {dueObjects, objectStatus} from './object-status.js'
import {planObjectSteps} from './object-steps.js'
import {enterSchema, offlineContext, type OfflineWriter, trackSteps} from './offline.js'
import {add, timed} from './phases.js'
import {readCurrent, type Session, type SessionOptions, withSession} from './session.js'
import {planSteps, type Step, type StepResult, unfinishedHint} from './step.js'
import {type HistoryRow, STARTED} from './version-store.js'

/** The chain a run plans over: its scripts in order, the map that resolves identifiers, and where they are. */
export interface MigratorScripts {
  readonly chain: readonly ScriptRevision[]
  readonly map: RevisionMap
  /** script_location, for messages. */
  readonly location: string
  /** The repeatable objects (`repeatable/` in script_location), in the order they run after the chain. */
  readonly repeatables?: readonly ObjectScript[]
}

/** What a run is allowed: the configured values, a command's flags over them. */
export interface MigratorSettings {
  readonly transactionPerMigration: boolean
  /** Online: seconds to wait for another run's migration lock. */
  readonly lockTimeout: number
  /** Online: seconds a statement may wait for a table lock; 0 waits as the server does. */
  readonly statementLockTimeout: number
  /** Online: how many times a revision that gave up waiting for a lock is tried again. */
  readonly statementLockRetries: number
  /** Online: seconds a statement may run; 0, no limit. */
  readonly statementTimeout: number
  /** Online: refuse an upgrade over applied scripts edited since (Flyway's validate on migrate). */
  readonly validateOnMigrate: boolean
}

/** What a command's flags may set over the configured values. */
export interface SettingsOverrides {
  readonly lockTimeout?: number
  readonly statementLockTimeout?: number
  readonly statementLockRetries?: number
  readonly statementTimeout?: number
}

/** The settings of `config`, with a command's --lock-timeout, --statement-lock-timeout, ... over them. */
export function settingsOf(
  config: Config,
  options: SettingsOverrides = {},
  database?: DatabaseConfig,
): MigratorSettings {
  return {
    lockTimeout: options.lockTimeout ?? config.lockTimeout,
    statementLockRetries: options.statementLockRetries ?? database?.statementLockRetries ?? config.statementLockRetries,
    statementLockTimeout: options.statementLockTimeout ?? database?.statementLockTimeout ?? config.statementLockTimeout,
    statementTimeout: options.statementTimeout ?? database?.statementTimeout ?? config.statementTimeout,
    transactionPerMigration: config.transactionPerMigration,
    validateOnMigrate: config.validateOnMigrate,
  }
}

/** What a migration did: where the database was and is, and each step. */
export interface MigrationDone {
  readonly from: null | string
  readonly to: null | string
  readonly steps: readonly StepResult[]
}

/**
 * The database's bookkeeping, read once under the lock and kept current as
 * the run changes it: which of the version and history tables exist, the
 * version (read when first needed: `stamp --purge` never reads it), and the
 * history rows (read when first needed).
 */
interface VersionState {
  versionTable: boolean
  historyTable: boolean
  current?: null | string
  history?: HistoryRow[]
}

/** Object scripts' steps (repeatables, seeds), planned and loaded. */
interface PlannedObjects {
  readonly steps: readonly Step[]
  readonly functions: Map<Step, MigrationFunction>
  readonly autocommit: Set<Step>
}

/** Online, a connected session; offline (--sql), the writer the SQL goes to and the tables it has built. */
type Side =
  | {readonly online: true; readonly session: Session}
  | {readonly online: false; readonly writer: OfflineWriter; readonly tracker: SchemaTracker}

/**
 * Check every script of the plan before anything changes, so a missing function stops the run cleanly: a revision
 * whose facts the compiled-script cache knows (knownFacts) is checked from them and imported only when its step
 * runs, so a long chain's modules are not all held at once (issue 32); any other script is imported now.
 */
async function loadSteps(
  steps: readonly Step[],
  dialect: Dialect,
): Promise<{functions: Map<Step, MigrationFunction>; autocommit: Set<Step>}> {
  const functions = new Map<Step, MigrationFunction>()
  const autocommit = new Set<Step>()
  const missing = (step: Step) => `${step.script.fileName} has no ${step.direction}() function`
  for (const step of steps) {
    const known = step.rerun ? undefined : knownFacts(step.script)
    if (known) {
      if (!known[step.direction]) throw new ScriptError(`${missing(step)}; nothing was changed`)
      functions.set(step, async (op) => {
        const started = performance.now()
        const loaded = await timed('script import', () => loadScript(step.script, dialect.name))
        // The import is timed as such, not as the step's SQL.
        add('steps', started - performance.now())
        const fn = loaded[step.direction]
        if (!fn) throw new ScriptError(missing(step))
        await fn(op)
        scriptRan(step.script)
      })
      if (!known.transaction) autocommit.add(step)
      continue
    }

    const loaded = await timed('script import', () =>
      step.rerun ? loadObjectScript(step.script as ObjectScript, dialect.name) : loadScript(step.script, dialect.name),
    )
    const fn = loaded[step.direction]
    if (!fn) throw new ScriptError(`${missing(step)}; nothing was changed`)
    functions.set(step, async (op) => {
      await fn(op)
      scriptRan(step.script)
    })
    if (!loaded.transaction) autocommit.add(step)
  }

  saveScriptCaches()
  return {autocommit, functions}
}

/** Wait `ms` before a revision is tried again; a signal ends the wait, and the run with it. */
async function pauseFor(ms: number, at: null | string): Promise<void> {
  const until = performance.now() + ms
  while (performance.now() < until) {
    if (interruption())
      throw new Interrupted(
        `interrupted by ${interruption()} before a revision was tried again: the database is at ${at ?? 'base'}`,
      )
    await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - performance.now())))
  }
}

function waitInterrupted(): Interrupted {
  return new Interrupted(`interrupted by ${interruption()} while waiting for the migration lock; nothing was changed`)
}

/**
 * One database's run, online or offline (`--sql`), from start to end: the
 * migration lock, the version-table state read once (and kept current as
 * steps complete), the step a killed run left unfinished, the plan, each
 * step (through one MigrationContext: the step loop and its transactions),
 * the history rows, and the lock's release. Online and offline share the
 * plan and the step loop; only where the SQL goes differs (the session's
 * connection, or the writer of --sql). The verbs (api/migrate.ts,
 * api/offline.ts) only resolve their arguments and call one method.
 */
export class Migrator {
  private state?: VersionState
  /** The chain's callbacks (`callbacks/`), loaded when a run starts. */
  private callbacks = Callbacks.none

  private constructor(
    private readonly side: Side,
    private readonly dialect: Dialect,
    private readonly database: DatabaseConfig,
    private readonly givenScripts: MigratorScripts | undefined,
    private readonly settings: MigratorSettings,
    private readonly context: MigrationContext,
  ) {}

  /**
   * On a connected session (openSession). Without `scripts` (`current` on a
   * URL alone, with no scripts beside it) it only reads the version.
   */
  static online(session: Session, scripts: MigratorScripts | undefined, settings: MigratorSettings): Migrator {
    return new Migrator(
      {online: true, session},
      session.dialect,
      session.database,
      scripts,
      settings,
      onlineContext(session, settings.transactionPerMigration),
    )
  }

  /**
   * Writing SQL (--sql): no connection; `versionTable` false leaves out every version-table statement; with a
   * `spool`, the SQL goes there as it is written (render() then returns '').
   */
  static offline(
    dialect: Dialect,
    database: DatabaseConfig,
    scripts: MigratorScripts,
    settings: Pick<MigratorSettings, 'transactionPerMigration'> & {
      readonly versionTable: boolean
      readonly spool?: {write(text: string): void}
    },
  ): Migrator {
    const tracker = new SchemaTracker(dialect.compiler, dialect.compiler.readsTables)
    const {context, writer} = offlineContext(dialect, database, {
      spool: settings.spool,
      tracker,
      transactionPerMigration: settings.transactionPerMigration,
      versionTable: settings.versionTable,
    })
    return new Migrator(
      {online: false, tracker, writer},
      dialect,
      database,
      scripts,
      {
        lockTimeout: 0,
        statementLockRetries: 0,
        statementLockTimeout: 0,
        statementTimeout: 0,
        transactionPerMigration: settings.transactionPerMigration,
        validateOnMigrate: false,
      },
      context,
    )
  }

  private get scripts(): MigratorScripts {
    if (!this.givenScripts) throw new Error('Migrator: a run needs the scripts')
    return this.givenScripts
  }

  private get session(): Session {
    if (!this.side.online) throw new Error('Migrator: an online step on a --sql run')
    return this.side.session
  }

  /**
   * Online: hold the migration lock around `fn` and read which bookkeeping
   * tables exist once it is held; the lock is released however `fn` ends.
   * A first signal while waiting ends the wait within a fraction of a second: nothing has changed yet.
   */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    const {connection, dialect} = this.session
    const {adapter} = dialect
    const {schema, versionTable} = this.database
    let name: string
    const stop = new AbortController()
    try {
      if (interruption()) throw waitInterrupted()
      name = await waiting(
        async () => {
          const lock = await adapter.lockName(connection, {schema, versionTable})
          await adapter.acquireLock(connection, lock, this.settings.lockTimeout, stop.signal)
          return lock
        },
        () => stop.abort(),
      )
    } catch (error) {
      if (interruption()) throw waitInterrupted()
      if (error instanceof DbManageError) throw error
      throw new DatabaseError(`cannot take the migration lock: ${describeDriverError(error)}`)
    }

    try {
      if (interruption()) throw waitInterrupted()
      const hasVersionTable = await adapter.tableExists(connection, versionTable)
      const hasHistoryTable = await adapter.tableExists(connection, this.database.historyTable)
      this.state = {historyTable: hasHistoryTable, versionTable: hasVersionTable}
      return await fn()
    } finally {
      this.state = undefined
      await adapter.releaseLock(connection, name).catch(() => {})
    }
  }

  private get held(): VersionState {
    if (!this.state) throw new Error('Migrator: the version state is read under the lock (locked())')
    return this.state
  }

  /** The version row, null at base (no version table yet included); read once, then kept as the run moves it. */
  private async current(): Promise<null | string> {
    const state = this.held
    if (state.current === undefined) {
      const {connection, versions} = this.session
      state.current = state.versionTable ? await versions.read(connection) : null
    }

    return state.current
  }

  /** The history rows, read once; none without a history table (a database Alembic managed). */
  private async history(): Promise<HistoryRow[]> {
    const state = this.held
    if (state.history === undefined) {
      const {connection, versions} = this.session
      state.history = state.historyTable ? await versions.historyRows(connection) : []
    }

    return state.history
  }

  /**
   * The version and history tables, created when missing (upgrade, stamp); a tenant's schema first, as Flyway's
   * createSchemas does.
   */
  private async ensureTables(): Promise<void> {
    const {dialect, executor, versions} = this.session
    const state = this.held
    const {schema} = this.database
    if (schema !== undefined)
      await executor.execute({sql: `CREATE SCHEMA IF NOT EXISTS ${dialect.compiler.quote(schema)}`})
    // `schemas`: a listed schema is created when missing, as Flyway's createSchemas does (CREATE SCHEMA needs a right
    // on the database even when the schema is there: only a missing one is created).
    const {schemas} = this.database
    if (schemas.length > 0) {
      const sql = 'SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = ANY($1)'
      const there = new Set((await executor.execute({params: [schemas], sql})).rows.map((r) => String(r.nspname)))
      for (const name of schemas.filter((s) => !there.has(s)))
        await executor.execute({sql: `CREATE SCHEMA ${dialect.compiler.quote(name)}`})
    }
    await versions.ensure(state)
    state.versionTable = true
    state.historyTable = true
  }

  /**
   * `current`: the version row (null at base), read without the lock, as a
   * read that must not wait behind a run; it must be one of the scripts.
   */
  async version(): Promise<null | string> {
    const current = await readCurrent(this.session)
    this.declared(current)
    return current
  }

  /** The revision the database is at must be one of the scripts. */
  private declared(current: null | string): void {
    if (this.givenScripts && current !== null && !this.givenScripts.map.get(current)) {
      const squashed = squashedMessage(this.givenScripts.map.revisions, current, this.scripts.location)
      if (squashed) throw new RevisionError(squashed)
      throw new RevisionError(
        `the database is at revision ${current}, which no script in ${this.scripts.location} declares`,
      )
    }
  }

  /**
   * A version table dropped while the history table says the database was at
   * a revision: upgrading from base would run the chain again over the
   * schema. The run refuses, and says how to restore it.
   */
  private async versionTableKept(): Promise<void> {
    const state = this.held
    if (state.versionTable || !state.historyTable) return
    const {connection, versions} = this.session
    const last = await versions.lastMove(connection)
    if (last?.toRevision) {
      throw new RevisionError(
        `${versions.table} is missing, but ${versions.historyTable} says the database was at ${last.toRevision}` +
          ` (its last ${last.direction}, ${last.appliedAt} UTC by ${last.appliedBy ?? 'unknown'}):` +
          ` the version table was dropped; if the schema is at ${last.toRevision},` +
          ` restore it with "db-manage stamp ${last.toRevision}"`,
      )
    }
  }

  /** The step a run left marked in progress, where DDL commits as it runs (MySQL, a transaction = false revision). */
  private async openMark(): Promise<HistoryRow | undefined> {
    return (await this.history()).filter((row) => row.direction === STARTED).at(-1)
  }

  /**
   * Where DDL commits as it runs (MySQL), a step a killed or failed run left
   * marked in progress is named, and the run refuses to guess: a stamp
   * resolves it. A mark whose step moved the version (the run died between
   * the version update and its history row) finished: its row is completed.
   */
  private async unfinishedStep(running?: 'downgrade' | 'upgrade'): Promise<Resume | undefined> {
    const mark = await this.openMark()
    if (!mark) return undefined
    const current = await this.current()
    const direction = mark.revision === mark.toRevision ? 'upgrade' : 'downgrade'
    if (current === mark.toRevision && current !== mark.fromRevision) {
      await this.session.versions.finishMark(direction)
      this.held.history = this.held.history!.map((row) => (row === mark ? {...row, direction} : row))
      return undefined
    }

    const script = this.scripts.chain.find((r) => r.id === mark.revision)
    const fileName = script?.fileName ?? `revision ${mark.revision}`
    const resume = script && (await this.backfillResume(mark, direction, script))
    if (resume && running === direction) return resume
    throw new RevisionError(
      `${direction} ${mark.fromRevision ?? '<base>'} -> ${mark.toRevision ?? '<base>'} (${fileName})` +
        ` started at ${mark.appliedAt} UTC by ${mark.appliedBy ?? 'unknown'} and did not finish` +
        ' (the run was killed or failed part-way): ' +
        (this.dialect.adapter.supportsTransactionalDdl
          ? `${fileName} runs outside a transaction (transaction = false), each statement committing as it runs,`
          : 'MySQL commits DDL as it goes,') +
        ' so some of its statements may have' +
        ` been applied while the version table says ${current ?? 'base'}; check the schema,` +
        ` then ${unfinishedHint(fileName, mark.fromRevision, mark.toRevision)}` +
        (resume ? `; or run "db-manage ${direction}" to resume its backfill` : ''),
    )
  }

  /**
   * A step killed in its backfill resumes there: the operations before it
   * committed and are skipped, and the backfill goes on after its last
   * committed batch. Only while the script is the one that ran, and only
   * where nothing after the backfill can have committed (it stopped in the
   * backfill, or what followed ran in the step's own transaction).
   */
  private async backfillResume(
    mark: HistoryRow,
    direction: string,
    script: ScriptRevision,
  ): Promise<Resume | undefined> {
    const {connection, dialect, versions} = this.session
    const store = new BackfillStore(versions.historyTable, dialect.compiler)
    const places = await store.read(async (statement) => (await connection.query(statement.sql)).rows, {
      direction,
      revision: mark.revision,
    })
    const last = places.at(-1)
    if (!last || places.some((p) => p.checksum !== script.checksum)) return undefined
    if (last.done) {
      const {transaction} = await loadScript(script, dialect.name)
      if (!dialect.adapter.supportsTransactionalDdl || !transaction) return undefined
    }

    return {direction, places, revision: mark.revision}
  }

  /**
   * Before anything is applied, the applied scripts are compared with the
   * checksums recorded when they ran (Flyway's validate on migrate): a script
   * edited after it ran means the database no longer holds what the chain
   * says, and what comes next would build on it unseen.
   */
  private async validateApplied(current: string): Promise<void> {
    const {edited} = compareChecksums(this.scripts.chain, current, await this.history())
    if (edited.length === 0) return
    throw new ChainError(
      `upgrade refused, nothing was applied: ${edited.join('; ')}` +
        ' (validate_on_migrate = false in [db_manage] skips this check)',
    )
  }

  /**
   * The plan from one position of the chain to another, its scripts loaded,
   * run through the step loop: online on the connection, offline into the
   * writer (after the scripts before the range fed the tracker).
   */
  private async runPlan(fromPos: number, toPos: number, options: RunOptions): Promise<StepResult[]> {
    const {chain} = this.scripts
    const steps = planSteps(chain, fromPos, toPos)
    const {autocommit, functions} = await loadSteps(steps, this.dialect)
    this.eachCallbacks(steps, functions)
    if (this.side.online) return this.context.run(steps, functions, {...options, autocommit})
    // The scripts before the range tell the tracker the tables they built, where an operation may read one.
    if (this.dialect.compiler.readsTables) {
      const prior = planSteps(chain, 0, fromPos)
      await trackSteps(this.dialect, this.side.tracker, prior, (await loadSteps(prior, this.dialect)).functions)
    }
    const fromBase = fromPos === 0 && toPos > 0
    await enterSchema(this.side.writer, this.dialect, this.database, fromBase)
    const tables = {createVersionTable: fromBase, ensureHistory: !fromBase && steps.length > 0}
    const before = this.callbacks.of(toPos >= fromPos ? 'upgrade' : 'downgrade', 'before')
    if (before.length === 0) return this.context.run(steps, functions, {...options, autocommit, ...tables})
    // The version table first, as online, where upgrade creates it before anything runs; then beforeMigrate.
    await this.context.run([], new Map(), tables)
    await this.aroundCallbacks(before, {offline: true})
    return this.context.run(steps, functions, {...options, autocommit})
  }

  /**
   * Each step's function with the beforeEach/afterEach callbacks around it: inside the step's transaction, so a
   * failing callback rolls its revision back (as Flyway runs them).
   */
  private eachCallbacks(steps: readonly Step[], functions: Map<Step, MigrationFunction>): void {
    for (const step of steps) {
      const before = this.callbacks.of(step.direction, 'beforeEach')
      const after = this.callbacks.of(step.direction, 'afterEach')
      if (before.length + after.length === 0) continue
      const fn = functions.get(step)!
      const {direction, from, script, to} = step
      const about = {direction, fileName: script.fileName, from, message: script.message, revision: script.id, to}
      const offline = !this.side.online
      functions.set(step, async (op) => {
        for (const callback of before) await this.callback(callback, {event: callback.event, offline, step: about})
        await fn(op)
        await drainOperations(op)
        for (const callback of after) await this.callback(callback, {event: callback.event, offline, step: about})
      })
    }
  }

  /** One callback inside a step; a failure names the callback, the step's error says which step. */
  private async callback(callback: Callback, context: CallbackContext): Promise<void> {
    if (!this.side.online) this.side.writer.comment(`Running ${callback.label}`)
    const op = this.context.operations(callback.label)
    try {
      await callback.run(op, context)
      await drainOperations(op)
    } catch (error) {
      throw callbackError(callback.label, error)
    }
  }

  /** The callbacks around a run (beforeMigrate, afterMigrate, ...), each in its own transaction where there is one. */
  private async aroundCallbacks(
    callbacks: readonly Callback[],
    context: Omit<CallbackContext, 'event'>,
  ): Promise<void> {
    for (const callback of callbacks) {
      try {
        await this.context.callback(
          callback.label,
          async (op) => {
            await callback.run(op, {...context, event: callback.event})
          },
          callback.transaction,
        )
      } catch (error) {
        throw callbackError(callback.label, error)
      }
    }
  }

  /** The callbacks of `point` (before, after) for a run in `direction`. */
  private around(direction: 'downgrade' | 'upgrade', point: CallbackPoint, context: Omit<CallbackContext, 'event'>) {
    return this.aroundCallbacks(this.callbacks.of(direction, point), context)
  }

  /** upgrade / downgrade to `spec` (head, base, an id, +N, -N, ...), online, under the lock (locked()). */
  async migrate(
    direction: 'downgrade' | 'upgrade',
    spec: string,
    options: {onStep?: (step: StepResult) => void; onRetry?: (line: string) => void} = {},
  ): Promise<MigrationDone> {
    const {chain, map} = this.scripts
    this.callbacks = await loadCallbacks(this.scripts.location, this.dialect.name)
    await this.versionTableKept()
    if (direction === 'upgrade') await this.ensureTables()
    const current = await this.current()
    this.declared(current)
    const resume = await this.unfinishedStep(direction)
    if (resume) {
      const place = resume.places.at(-1)!
      options.onRetry?.(
        `resuming ${direction} of revision ${resume.revision}: the operations before its backfill committed and are` +
          ` not run again; ${place.done ? 'the backfill had finished' : `the backfill goes on after ${place.rows} rows`}`,
      )
    }

    if (direction === 'upgrade' && this.settings.validateOnMigrate && current !== null)
      await this.validateApplied(current)
    const {session, settings} = this
    const {adapter} = session.dialect
    if (settings.statementLockTimeout > 0)
      await adapter.limitLockWaits?.(session.connection, settings.statementLockTimeout)
    if (settings.statementTimeout > 0) await adapter.limitStatements?.(session.connection, settings.statementTimeout)
    const fromPos = appliedCount(chain, current)
    const toPos = map.position(spec, current)
    if (direction === 'upgrade' && toPos < fromPos) {
      throw new RevisionError(`upgrade ${spec}: that is below the current revision ${current}; use downgrade`)
    }

    if (direction === 'downgrade' && toPos > fromPos) {
      throw new RevisionError(`downgrade ${spec}: that is above the current revision ${current ?? 'base'}; use upgrade`)
    }

    // Repeatable objects follow an upgrade that reaches head; loaded now, so one that cannot load changes nothing.
    const objects =
      direction === 'upgrade' && toPos === chain.length
        ? await this.planRepeatables(toPos === 0 ? null : chain[toPos - 1].id)
        : undefined
    const steps: StepResult[] = []
    const watch = LockWatch.of(session, settings.statementLockTimeout)
    await this.around(direction, 'before', {offline: false}).catch((error: unknown) => {
      throw withState(error, `nothing was run: the database is at ${current ?? 'base'}`)
    })
    try {
      for (let attempt = 1, at = fromPos; ; attempt++) {
        await watch?.start()
        try {
          await this.runPlan(at, toPos, {
            // Only the first try resumes: a retry starts where the rollback left the database.
            resume: attempt === 1 ? resume : undefined,
            onStep: (step) => {
              this.held.current = step.to
              steps.push(step)
              options.onStep?.(step)
            },
          })
          break
        } catch (error) {
          if (!(error instanceof LockWaitError)) throw error
          watch?.stop()
          const blockers = describeBlockers(watch?.blockers ?? [], this.dialect.name)
          const tries = settings.statementLockRetries + 1
          if (!error.retryable || attempt >= tries) {
            const gaveUp = error.retryable
              ? `gave up after ${attempt} ${attempt === 1 ? 'try' : 'tries'}` +
                ` (statement_lock_timeout = ${settings.statementLockTimeout} s, statement_lock_retries =` +
                ` ${settings.statementLockRetries})`
              : 'not tried again: some of its statements had committed'
            throw new LockWaitError(`${error.message}; ${gaveUp}; blocked by ${blockers}`, error.retryable)
          }

          // Rolled back: what the steps before it committed stays (with one transaction for the run, nothing).
          this.held.current = await this.session.versions.read(this.session.connection)
          at = appliedCount(chain, this.held.current)
          const pause = Math.min(30, 2 ** (attempt - 1))
          options.onRetry?.(
            `${error.message}; blocked by ${blockers}; try ${attempt} of ${tries}, trying again in ${pause} s`,
          )
          await pauseFor(pause * 1000, this.held.current)
        }
      }
    } catch (error) {
      throw await this.afterError(direction, error)
    } finally {
      await watch?.close()
    }

    // After the chain, in their own transactions: a repeatable that fails leaves the revisions applied.
    if (objects) await this.runObjects(objects, {onStep: (step) => (steps.push(step), options.onStep?.(step))})
    const to = toPos === 0 ? null : chain[toPos - 1].id
    // afterMigrate after the repeatables, as Flyway runs it.
    await this.around(direction, 'after', {offline: false}).catch((error: unknown) => {
      throw withState(error, `the ${direction} itself completed: the database is at ${to ?? 'base'}`)
    })
    return {from: current, steps, to}
  }

  /** The repeatables due on a database at `version` (new, changed, or after a downgrade), planned and loaded. */
  private async planRepeatables(version: null | string): Promise<PlannedObjects | undefined> {
    const {repeatables = []} = this.scripts
    if (repeatables.length === 0) return undefined
    const due = dueObjects(objectStatus(repeatables, 'repeatable', await this.history()))
    const steps = planObjectSteps(due, version)
    return {steps, ...(await loadSteps(steps, this.dialect))}
  }

  /** Run object scripts' steps (repeatables, seeds) through the step loop, each in its own transaction. */
  private async runObjects(
    objects: PlannedObjects,
    options: {onStep?: (step: StepResult) => void; ensureHistory?: boolean},
  ): Promise<StepResult[]> {
    if (objects.steps.length === 0) return []
    return this.context.run(objects.steps, objects.functions, {...options, autocommit: objects.autocommit})
  }

  /**
   * `seed`, online under the lock: the seeds not applied as they are now (`all`: every one), in their order, each
   * recorded in the history table; the version stays.
   */
  async seed(
    seeds: readonly ObjectScript[],
    options: {all?: boolean; onStep?: (step: StepResult) => void} = {},
  ): Promise<StepResult[]> {
    await this.versionTableKept()
    await this.ensureTables()
    const current = await this.current()
    this.declared(current)
    await this.unfinishedStep()
    const steps = planObjectSteps(dueObjects(objectStatus(seeds, 'seed', await this.history()), options.all), current)
    const loaded = await loadSteps(steps, this.dialect)
    return this.runObjects({steps, ...loaded}, {onStep: options.onStep})
  }

  /**
   * `reset`, online under the lock: every object of the database dropped (its version and history tables with
   * them), then upgraded to head (repeatables included) and seeded. The caller checked that the database may be
   * reset (api/seed.ts).
   */
  async reset(
    seeds: readonly ObjectScript[],
    dropAll: (session: Session) => Promise<Record<string, number>>,
    options: {onStep?: (step: StepResult) => void} = {},
  ): Promise<{dropped: Record<string, number>; upgrade: MigrationDone; seeds: StepResult[]}> {
    const dropped = await dropAll(this.session)
    this.state = {historyTable: false, versionTable: false}
    const upgrade = await this.migrate('upgrade', 'head', options)
    return {dropped, seeds: await this.seed(seeds, options), upgrade}
  }

  /**
   * A failed run's afterMigrateError (afterUndoError) callbacks, then its error, which a failing callback only adds
   * to. A run stopped by a signal runs none: it was asked to stop.
   */
  private async afterError(direction: 'downgrade' | 'upgrade', error: unknown): Promise<unknown> {
    const callbacks = this.callbacks.of(direction, 'error')
    if (callbacks.length === 0 || error instanceof Interrupted || interruption()) return error
    const line = error instanceof Error ? error.message : String(error)
    try {
      await this.aroundCallbacks(callbacks, {error: line, offline: false})
    } catch (failure) {
      return withState(error, `then ${failure instanceof Error ? failure.message : String(failure)}`)
    }

    return error
  }

  /**
   * `upgrade --sql` / `downgrade --sql`: the steps between two positions of the chain (0 is base), as SQL, with the
   * callbacks around them and each (afterMigrateError has no place in a file: nothing fails there). An upgrade that
   * reaches head renders every repeatable after the chain: offline, no database says which changed.
   */
  async render(fromPos: number, toPos: number, options: {repeatables?: boolean} = {}): Promise<string> {
    if (this.side.online) throw new Error('Migrator: render() is for a --sql run')
    this.callbacks = await loadCallbacks(this.scripts.location, this.dialect.name)
    const {chain, repeatables = []} = this.scripts
    const chainSteps = await this.runPlan(fromPos, toPos, {})
    if (options.repeatables && toPos === chain.length && toPos >= fromPos && repeatables.length > 0) {
      const steps = planObjectSteps(
        repeatables.map((script) => ({script, state: 'new'})),
        toPos === 0 ? null : chain[toPos - 1].id,
      )
      // The history table is there when the range started at base or ran a step; otherwise it may be new.
      const tablesMade = (fromPos === 0 && toPos > 0) || chainSteps.length > 0
      await this.runObjects({steps, ...(await loadSteps(steps, this.dialect))}, {ensureHistory: !tablesMade})
    }

    await this.around(toPos >= fromPos ? 'upgrade' : 'downgrade', 'after', {offline: true})
    return this.side.writer.text()
  }

  /** The checksum a stamp to `to` records: its script's. */
  private checksumOf(to: null | string): string | undefined {
    return to === null ? undefined : (this.scripts.map.get(to) as ScriptRevision).checksum
  }

  /**
   * Set the version to `spec` without running anything, online under the
   * lock; `purge` empties the version table first. A stamp resolves a step
   * a run left unfinished (MySQL): its mark stays in the history as interrupted.
   */
  async stamp(spec: string, options: {purge?: boolean} = {}): Promise<{from: null | string; to: null | string}> {
    await this.ensureTables()
    const from = options.purge ? null : await this.current()
    const to = this.scripts.map.resolve(spec, from)
    const abandonMark = (await this.openMark()) !== undefined
    await this.context.stamp(from, to, {abandonMark, checksum: this.checksumOf(to), purge: options.purge})
    this.held.current = to
    return {from, to}
  }

  /** `stamp --sql`: the version table's statements from `from` to `to`. */
  async renderStamp(from: null | string, to: null | string): Promise<string> {
    if (this.side.online) throw new Error('Migrator: renderStamp() is for a --sql run')
    const create = from === null && to !== null
    await enterSchema(this.side.writer, this.dialect, this.database, create)
    await this.context.stamp(from, to, {checksum: this.checksumOf(to), create})
    return this.side.writer.text()
  }

  /**
   * `stamp --accept-edit REV`, under the lock: a deliberate edit of an
   * applied script is accepted: its new checksum is recorded, and by whom,
   * as Flyway's repair does.
   */
  async acceptEdit(spec: string): Promise<ScriptRevision> {
    const {chain, map} = this.scripts
    await this.ensureTables()
    const current = await this.current()
    const id = map.resolve(spec, current)
    if (id === null) throw new RevisionError('--accept-edit needs a revision, not base')
    const position = chain.findIndex((r) => r.id === id) + 1
    if (position > appliedCount(chain, current))
      throw new RevisionError(
        `${id} is not applied (the database is at ${current ?? 'base'}): there is no edit to accept`,
      )
    const script = chain[position - 1]
    await this.session.versions.acceptEdit(id, script.checksum)
    this.held.history = undefined
    return script
  }
}

/**
 * Open a session on `database` and run `fn` with its Migrator under the
 * migration lock; the lock is released and the session closed however `fn` ends.
 */
export async function withMigrator<T>(
  config: Config,
  database: DatabaseConfig,
  scripts: MigratorScripts,
  options: SessionOptions & SettingsOverrides,
  fn: (migrator: Migrator) => Promise<T>,
): Promise<T> {
  return withSession(config, database, options, (session) => {
    const migrator = Migrator.online(session, scripts, settingsOf(config, options, database))
    return migrator.locked(() => fn(migrator))
  })
}

/** A callback's error with where the run left the database. */
function withState(error: unknown, state: string): unknown {
  if (!(error instanceof DbManageError)) return error
  return Object.defineProperty(error, 'message', {
    configurable: true,
    value: `${error.message}; ${state}`,
    writable: true,
  })
}

/** A callback's failure, naming it: a database error as the step's would read, the connection's loss left as it is. */
function callbackError(label: string, error: unknown): unknown {
  if (error instanceof Interrupted || error instanceof LockWaitError) return error
  if (error instanceof DbManageError)
    return error.message.startsWith(label) ? error : new ScriptError(`${label}: ${error.message}`)
  if (connectionLost(error) || lockWaitTimedOut(error)) return error
  const statement = failedStatement(error)
  return new DatabaseError(
    `${label} failed: ${describeDriverError(error)}${statement ? ` [SQL: ${brief(statement)}]` : ''}`,
  )
}
