import type {Statement} from '../dialects/ddl-compiler.js'
import type {Dialect} from '../dialects/dialect.js'
import type {Introspector} from '../model/table-schema.js'
import type {Backfill} from '../operations/nodes.js'
import {drainOperations, Operations} from '../operations/operations.js'
import {DatabaseError, DbManageError, LockWaitError, ScriptError} from '../util/errors.js'
import {connectionLost, describeDriverError, lockWaitTimedOut} from '../dialects/driver-error.js'
import {brief} from '../sql/brief.js'
import {backfillKey, type BackfillOwner, type BackfillPlace, BackfillStore, runBackfill} from './backfill.js'
import {failedOwner, failedStatement, type SqlExecutor} from './executor.js'
import {checkInterrupt, guarded, Interrupted, interruption} from './interrupt.js'
import {timed} from './phases.js'
import type {MigrationFunction} from './load-script.js'
import {KnownTables} from './known-tables.js'
import {MigrationSink, type MigrationSinkOptions} from './migration-sink.js'
import {progressNote, statementStarted, stepEnded, stepStarted} from './progress.js'
import {describeStep, type Step, type StepResult, unfinishedHint} from './step.js'
import type {Session} from './session.js'
import {stepRevision, type VersionStore} from './version-store.js'

/** The statements that end a transaction, in one place. */
export const END_TRANSACTION = {commit: {sql: 'COMMIT'}, rollback: {sql: 'ROLLBACK'}} as const

/**
 * With one transaction for the run (PostgreSQL), how many steps go to the server in one query, sent without waiting.
 */
const AHEAD = 50

export interface RunOptions {
  /** Offline, from base: the file creates the tables first. */
  readonly createVersionTable?: boolean
  /** Offline from elsewhere: the history table is created if the database lacks it. */
  readonly ensureHistory?: boolean
  readonly onStep?: (result: StepResult) => void
  /** The steps whose script says transaction = false: each statement commits on its own. */
  readonly autocommit?: ReadonlySet<Step>
  /** Online: the first step resumes where a killed run's backfill left it (Migrator.unfinishedStep). */
  readonly resume?: Resume
}

/** A step a killed run left in the middle of a backfill: its places, the last one where it resumes. */
export interface Resume {
  readonly direction: string
  readonly revision: string
  readonly places: readonly BackfillPlace[]
}

/** The revision a step's bookkeeping rows name: what an upgrade applies, what a downgrade removes. */
export function backfillOwner(step: Step): BackfillOwner {
  return {checksum: step.script.checksum, direction: step.direction, revision: stepRevision(step)}
}

/** Where the database is asked, online; absent offline, where SQL is only written. */
export interface OnlineState {
  /** Statements of `step` (the one running by default) run since its mark, to say what a failed MySQL revision left. */
  readonly executed: (step?: Step) => readonly string[]
  readonly markExecuted: () => void
  /** Cancel the statement running on the server (PostgreSQL), on a first SIGINT/SIGTERM inside a transaction. */
  readonly cancel?: () => Promise<void>
  /**
   * Send a step's statements and its version update in one round trip, where
   * the connection can (PostgreSQL); the version move is then checked by the
   * server, so nothing waits on the client for it.
   */
  readonly batching?: (on: boolean) => void
  /**
   * Where DDL commits as it runs (MySQL): a step's statements and its version update go in one round trip too, a
   * guard between them, which `stopBatches` (a signal) makes fail: the run still stops after the statement running.
   */
  readonly guardedBatches?: boolean
  readonly stopBatches?: () => Promise<void>
}

/** The context of a connected session: its version read inside the transaction, and the statements it ran. */
export function onlineContext(session: Session, transactionPerMigration: boolean): MigrationContext {
  const {connection, dialect, executor, versions} = session
  // What a step reads (an operation compiled from the live table) sees the statements deferred before it.
  // Where the connection can, the read goes in one round trip with what was queued before it (OnlineExecutor.read).
  const reading = {...connection, query: (sql: string, params?: readonly unknown[]) => executor.read(sql, params)}
  const live = dialect.introspector(reading)
  // MySQL: an alterColumn on a table the run created restates its column from the operations (runtime/known-tables.ts).
  const known = dialect.name === 'mysql' ? new KnownTables(live, dialect.compiler) : undefined
  return new MigrationContext({
    dialect,
    executor,
    introspector: known ?? live,
    tracker: known,
    online: {
      batching(on) {
        executor.batching = on
        executor.owner = undefined
        executor.confirmedOwner = undefined
        if (!on) executor.discard()
      },
      cancel: connection.cancel && (() => connection.cancel!()),
      guardedBatches: connection.batchGuard !== undefined,
      stopBatches: connection.stopBatches && (() => connection.stopBatches!()),
      executed: (step) => executor.executed(step),
      markExecuted() {
        executor.resetExecuted()
      },
    },
    transactionPerMigration,
    versions,
  })
}

export interface MigrationContextOptions {
  readonly dialect: Dialect
  readonly executor: SqlExecutor & {comment?: (text: string) => void; retract?: (sql: string) => boolean}
  readonly versions: VersionStore
  readonly transactionPerMigration: boolean
  readonly introspector: Introspector
  /** Online only; offline runs leave it out. */
  readonly online?: OnlineState
  /**
   * Offline: the tables the operations build, in place of a database to read. Online (MySQL): the tables the run
   * built (runtime/known-tables.ts).
   */
  readonly tracker?: MigrationSinkOptions['tracker']
  /** Offline: what op.query does for a step's script or a callback, by file name (it throws). */
  readonly query?: (fileName: string) => (sql: string) => Promise<Array<Record<string, unknown>>>
  /** Offline: what puts the search_path back after a step that changed it (RESET search_path, or the tenant's SET). */
  readonly searchPathReset?: string
}

/**
 * Where a step out of the transaction left things: the version then, and the revision whose statements were committed
 * with it.
 */
interface StepOut {
  readonly version: null | string
  readonly partial: Step
  readonly sql: string
  /** It stepped out for a backfill, which keeps its place: a next run resumes it. */
  readonly backfill?: boolean
}

/**
 * One run of migrations, online or offline (`--sql`), in Alembic's shape
 * (`run_migrations` with its `HeadMaintainer`): it owns the plan's execution,
 * the transaction policy (per revision, or one for the run; a statement that
 * must run outside a transaction commits what came before it, and the
 * context remembers that) and the version store. Everything goes through the
 * one executor, which runs it on the connection or writes it out, so the
 * offline SQL is what the online run executes.
 */
export class MigrationContext {
  /**
   * Online: DDL rolls back (PostgreSQL, SQLite). Offline: the dialect's file gets BEGIN/COMMIT (PostgreSQL, as from
   * Alembic).
   */
  readonly transactional: boolean
  private readonly beginSql: string
  private inTransaction = false
  /**
   * A statement that cannot run in a transaction is running: a signal lets it finish (a cancelled CREATE INDEX
   * CONCURRENTLY leaves an INVALID index).
   */
  private runningOutside = false
  private steppedOut?: StepOut
  private running?: Step
  /** The step running says transaction = false: its statements commit one by one. */
  private autocommit = false
  /** The step running is marked in progress in the history (MySQL, transaction = false, a backfill begun). */
  private marked = false
  /** The step running resumes a killed run's backfill. */
  private resuming?: Resume
  /** The step running ran a backfill: its places are cleared with its version update. */
  private backfilled = false
  /** The backfill table exists (created, or read by a resume). */
  private backfillTable = false
  /** The version as last committed. */
  private committed: null | string = null
  /** A step's raw SQL changed the search_path (online: what it was before, to put back before the version update). */
  private searchPath?: {before?: string}

  /** Where a backfill keeps its place, beside the history table. */
  private readonly backfills: BackfillStore

  constructor(private readonly options: MigrationContextOptions) {
    this.backfills = new BackfillStore(options.versions.historyTable, options.dialect.compiler)
    const {adapter} = options.dialect
    this.transactional = options.online ? adapter.supportsTransactionalDdl : adapter.offlineTransactions
    this.beginSql = options.online ? adapter.beginSql : 'BEGIN'
  }

  /** Online: whether the run batches a step's statements (in transactions, or between guards: MySQL). */
  private get batchable(): boolean {
    return this.transactional || this.options.online?.guardedBatches === true
  }

  private get whole(): boolean {
    return this.transactional && !this.options.transactionPerMigration
  }

  private async begin(): Promise<void> {
    const {executor} = this.options
    if (!executor.defer?.({sql: this.beginSql})) await executor.execute({sql: this.beginSql})
    this.inTransaction = true
    if (!this.whole) this.steppedOut = undefined
  }

  private async end(how: 'commit' | 'rollback'): Promise<void> {
    this.inTransaction = false
    if (how === 'rollback') this.options.executor.discard?.()
    // Offline, a transaction that holds nothing is not written.
    if (this.options.executor.retract?.(this.beginSql)) return
    await this.options.executor.execute(END_TRANSACTION[how])
  }

  /**
   * A statement that must run outside a transaction: like Alembic's autocommit_block, commit, run it alone, begin
   * again.
   */
  private async outside(statement: Statement): Promise<void> {
    const {executor} = this.options
    if (!this.inTransaction) {
      await executor.execute(statement)
      return
    }

    // Offline, a BEGIN with nothing after it is taken back rather than committed empty.
    if (!executor.retract?.(this.beginSql)) await executor.execute(END_TRANSACTION.commit)
    this.steppedOut = {partial: this.running!, sql: statement.sql, version: this.committed}
    this.runningOutside = true
    try {
      await executor.execute(statement)
    } finally {
      this.runningOutside = false
    }

    await executor.execute({sql: this.beginSql})
  }

  /**
   * A step's SQL that set the search_path (a pg_dump file as a revision sets it to '') would leave the version
   * table out of reach: it is put back before the version update, as it was before the step changed it.
   */
  private async restoreSearchPath(): Promise<void> {
    const changed = this.searchPath
    if (!changed) return
    this.searchPath = undefined
    const {compiler} = this.options.dialect
    const sql =
      changed.before === undefined
        ? (this.options.searchPathReset ?? 'RESET search_path')
        : `SELECT pg_catalog.set_config('search_path', ${compiler.literal(changed.before)}, false)`
    await this.options.executor.execute({sql})
  }

  /** `step`: the revision the operations belong to (a callback's have none: its op.backfill is one UPDATE). */
  private sink(fileName: string, step?: Step): MigrationSink {
    const {dialect, executor, introspector, online, query, tracker} = this.options
    // Online, a signal stops the step before its next statement.
    // Online, each statement is counted for a long step's progress line (runtime/progress.ts).
    const checked: SqlExecutor = online
      ? {
          defer:
            executor.defer &&
            ((statement) => {
              const deferred = executor.defer!(statement)
              if (deferred) statementStarted(statement.sql)
              return deferred
            }),
          async execute(statement) {
            await checkInterrupt()
            statementStarted(statement.sql)
            return executor.execute(statement)
          },
        }
      : executor
    return new MigrationSink({
      compiler: dialect.compiler,
      dialect: dialect.name,
      executor: checked,
      introspector,
      searchPathChanging: async () => {
        if (this.searchPath) return
        const read = online ? await executor.execute({sql: "SELECT current_setting('search_path') AS path"}) : undefined
        this.searchPath = {before: read ? String(read.rows[0]?.path) : undefined}
      },
      outside: (statement) => {
        if (online) statementStarted(statement.sql)
        return this.outside(statement)
      },
      query: query?.(fileName),
      tracker,
      ...(online &&
        step && {
          backfill: (operation: Backfill, ordinal: number) => this.backfill(step, operation, ordinal),
          skip: this.resuming?.places.at(-1)?.ordinal,
        }),
    })
  }

  /**
   * op.backfill, online: out of the step's transaction (what came before it commits, and the step is marked in
   * progress), batch by batch, each batch committing with its place in the backfill table; then back in.
   */
  private async backfill(step: Step, operation: Backfill, ordinal: number): Promise<void> {
    const {dialect, executor, online, versions} = this.options
    const owner = backfillOwner(step)
    const store = this.backfills
    // Steps sent ahead (MySQL) are settled first: a failure among them is theirs, not this backfill's.
    await executor.flush?.()
    const resumed = this.resuming?.places.find((p) => p.ordinal === ordinal)
    if (resumed?.done) {
      this.backfilled = true
      return
    }

    const key = await backfillKey(operation, dialect.name, this.options.introspector)
    this.backfilled = true
    const inside = this.inTransaction
    if (inside) {
      await executor.execute(END_TRANSACTION.commit)
      this.steppedOut = {
        backfill: true,
        partial: step,
        sql: `op.backfill("${operation.table}")`,
        version: this.committed,
      }
    }

    // What the step queued before it (deferred DDL, MySQL's mark) is sent first: batching off drops the queue.
    await executor.flush?.()
    online?.batching?.(false)
    // Batching off forgets the owner: what the backfill and the step run after it are still counted as the step's.
    executor.owner = step
    this.runningOutside = true
    try {
      if (!this.marked && !step.rerun) {
        await versions.started({...step, checksum: step.script.checksum})
        this.marked = true
      }

      if (!this.backfillTable) {
        await store.create(executor)
        this.backfillTable = true
      }

      const place = resumed ?? {checksum: owner.checksum ?? null, done: false, lastKey: null, ordinal, rows: 0}
      if (!resumed) {
        await executor.execute(store.clear(owner, ordinal))
        await executor.execute(store.begin(owner, place))
      }

      const label = `backfill ${operation.table}`
      progressNote(`${label}: ${place.rows} rows so far`)
      await runBackfill(operation, key, {
        beginSql: dialect.adapter.beginSql,
        compiler: dialect.compiler,
        executor,
        owner,
        place,
        progress: (rows, batches) => progressNote(`${label}: ${rows} rows in ${batches} batches`),
        store,
      })
    } finally {
      this.runningOutside = false
      online?.batching?.(!this.autocommit && this.batchable)
      executor.owner = step
    }

    if (inside) await executor.execute({sql: this.beginSql})
  }

  /**
   * Run the steps, each revision and its version update in one transaction
   * where the database allows (or all in one with transaction_per_migration
   * false). Online, the migration lock spans the run, so the version read
   * before planning stays true (a tool that ignores the lock is caught when
   * the version row is not where the step expects it). Each function is
   * taken out of `functions` as its step runs. `createVersionTable`: offline,
   * from base, the file creates the tables first; `ensureHistory`: offline
   * from elsewhere, the history table is created if the database lacks it.
   */
  async run(
    steps: readonly Step[],
    functions: Map<Step, MigrationFunction>,
    options: RunOptions = {},
  ): Promise<StepResult[]> {
    const {online} = this.options
    if (!online) return this.runSteps(steps, functions, options)
    // Batched inside transactions (a failed batch then leaves nothing of its step behind), or between guards where
    // each statement commits (MySQL: a failed batch says exactly which of its statements ran).
    online.batching?.(this.batchable)
    try {
      // A first signal cancels a statement whose transaction will roll back anyway; any other runs to its end.
      return await guarded(
        () => this.runSteps(steps, functions, options),
        () => {
          if (this.transactional && this.inTransaction && !this.runningOutside) online.cancel?.().catch(() => {})
          else if (!this.transactional) online.stopBatches?.().catch(() => {})
        },
      )
    } finally {
      online.batching?.(false)
    }
  }

  private async runSteps(
    steps: readonly Step[],
    functions: Map<Step, MigrationFunction>,
    options: RunOptions,
  ): Promise<StepResult[]> {
    const {dialect, executor, online, versions} = this.options
    const marks = !dialect.adapter.supportsTransactionalDdl
    const results: StepResult[] = []
    this.committed = steps[0]?.from ?? null
    const {whole} = this
    const outsideStep = steps.find((step) => options.autocommit?.has(step))
    if (whole && outsideStep)
      throw new ScriptError(
        `${outsideStep.script.fileName} runs outside a transaction (transaction = false), which one transaction for` +
          ' the whole run (transaction_per_migration = false) cannot hold; nothing was changed',
      )
    // One transaction for the run, batched (PostgreSQL): steps go to the server AHEAD at a time, without
    // waiting, while the client prepares the next; each is printed once the server has run it.
    // Where each statement commits between guards (MySQL), a finished step goes the same way, as soon as the server
    // is done with what went before (else with the next steps, AHEAD at most): a failure stops the server's batch at
    // the statement that failed, so what follows it never runs, as when each step waited for the one before.
    // Not with a transaction = false step, a repeatable or a seed, or a resumed backfill among the steps.
    const guardedAhead =
      online?.guardedBatches === true &&
      !this.transactional &&
      outsideStep === undefined &&
      options.resume === undefined &&
      !steps.some((step) => step.rerun)
    const ahead =
      (whole || guardedAhead) && online !== undefined && executor.batches === true && executor.sendAhead !== undefined
    const mysqlAhead = ahead && !whole
    // Where the database is: the version after the last step the server confirmed (MySQL, steps sent ahead).
    let confirmedAt = steps[0]?.from ?? null
    const report = (result: StepResult) => {
      confirmedAt = result.to
      results.push(result)
      options.onStep?.(result)
    }

    // Steps done on the client and not yet reported: each is reported once the server has run it.
    const waiting: Array<{result: StepResult; step: Step}> = []
    let confirming: Promise<unknown> = Promise.resolve()
    let sinceSent = 0
    /**
     * Report the waiting steps before `step`, and `step` too when `inclusive`;
     * every waiting step when `step` is the one running, not yet waiting (they
     * all came before it); none when `step` was reported already.
     */
    const reportUpTo = (step: Step, inclusive: boolean, running?: Step) => {
      const found = waiting.findIndex((w) => w.step === step)
      let at = 0
      if (found !== -1) at = found + (inclusive ? 1 : 0)
      else if (step === running) at = waiting.length
      for (const w of waiting.splice(0, at)) report(w.result)
    }

    /**
     * A failure of statements sent ahead belongs to the step that sent the
     * failing one, and the steps before it ran: they are reported. Otherwise
     * (the current step's own statement, or its script) the steps through
     * the last one the server confirmed ran.
     */
    const failedAhead = async (error: unknown, current: Step): Promise<Step> => {
      await confirming
      const owner = failedOwner(error)
      if (owner) reportUpTo(owner, false, current)
      else if (executor.confirmedOwner) reportUpTo(executor.confirmedOwner, true, current)
      // MySQL: steps done on the client and never sent (a signal dropped them) did not run: the first is named.
      return owner ?? (mysqlAhead ? (waiting[0]?.step ?? current) : current)
    }

    /**
     * MySQL, steps sent ahead: the failure of `failed` (which may be a step before `current`), as the run reports
     * it; its mark goes when none of its statements committed.
     */
    const aheadFailure = async (failed: Step, error: unknown, current: Step, currentMarks: boolean) => {
      const marked = failed === current ? currentMarks : !failed.rerun
      // The failure is told first: the mark's DELETE, run as the step's, is not one of the statements it committed.
      const failure = this.stepError(failed, error, confirmedAt)
      if (marked && online?.executed(failed).length === 0) await versions.unmark().catch(() => {})
      return failure
    }

    /** MySQL, steps sent ahead, a signal between steps: what was not sent is dropped, what was sent is waited for. */
    const stopAhead = async (current: Step) => {
      try {
        await executor.dropPending!()
      } catch (error) {
        throw await aheadFailure(await failedAhead(error, current), error, current, false)
      }

      await confirming
      if (executor.confirmedOwner) reportUpTo(executor.confirmedOwner, true, current)
      return waiting[0]?.step ?? current
    }

    // The step under way, for a connection lost between its statements (its BEGIN, the run's last COMMIT).
    let current: Step | undefined
    if (whole) await this.begin()
    try {
      if (options.createVersionTable) await versions.create()
      else if (options.ensureHistory) await versions.ensureHistory()
      for (const step of steps) {
        current = step
        if (online && interruption()) {
          const next = mysqlAhead ? await stopAhead(step) : step
          throw new Interrupted(
            `interrupted by ${interruption()} before ${describeStep(next)}: ` +
              (whole
                ? 'the whole run was rolled back (transaction_per_migration = false): ' +
                  `the database is at ${steps[0].from ?? 'base'}`
                : `the database is at ${(mysqlAhead ? confirmedAt : this.committed) ?? 'base'}`),
          )
        }

        const started = performance.now()
        executor.owner = step
        if (ahead && dialect.compiler.stepStartedSql) executor.defer!({sql: dialect.compiler.stepStartedSql})
        const autocommit = options.autocommit?.has(step) === true
        this.autocommit = autocommit
        // Outside a transaction the step is marked in progress, as on MySQL: a kill half-way is named by the next run.
        const resuming = options.resume && step === steps[0] ? options.resume : undefined
        this.resuming = resuming
        this.backfilled = false
        if (resuming) this.backfillTable = true
        // A repeatable or a seed moves no version: unrecorded, it simply runs again next time.
        const stepMarks = ((marks || autocommit) && !step.rerun) || resuming !== undefined
        this.marked = stepMarks
        const inTransaction = this.transactional && !whole && !autocommit
        if (autocommit) {
          online?.batching?.(false)
          // Batching off forgets the owner: the step's statements are still counted as its own.
          executor.owner = step
          this.steppedOut = undefined
        }

        if (inTransaction) await this.begin()
        executor.comment?.(
          (step.rerun
            ? `Running ${step.rerun.kind} ${baseName(step.script.fileName)}`
            : `Running ${step.direction} ${step.from ?? ''} -> ${step.to ?? ''}`) +
            (autocommit ? ' outside a transaction (transaction = false)' : ''),
        )
        if (stepMarks && !resuming) await versions.started({...step, checksum: step.script.checksum})
        if (resuming) await versions.adoptMark()
        online?.markExecuted()
        this.running = step
        if (online) stepStarted(describeStep(step))
        try {
          const op = new Operations(this.sink(step.script.fileName, step))
          await timed('steps', async () => {
            const fn = functions.get(step)!
            // Once run, a script's function goes: on a long chain its module can be collected.
            functions.delete(step)
            await fn(op)
            await drainOperations(op)
          })
          await this.restoreSearchPath()
          if (online) await checkInterrupt()
          await timed('version update and commit', async () => {
            // After a transaction = false step's last statement, its version update and history row commit together.
            if (autocommit && this.transactional) await this.begin()
            await versions.applied({
              ...step,
              checksum: step.script.checksum,
              marked: this.marked,
              ms: Math.round(performance.now() - started),
            })
            if (this.backfilled) await executor.execute(this.backfills.clear(backfillOwner(step)))
            // The step's batch goes with its COMMIT, or alone: either way a failure in it is this step's.
            if (inTransaction || (autocommit && this.transactional)) await this.end('commit')
            else if (!ahead) await executor.flush?.()
          })
        } catch (caught) {
          let error = caught
          // What the failed step's operations were to build may not be there: the database answers from now on.
          this.options.tracker?.lose?.('a failed step')
          if (inTransaction || (autocommit && this.inTransaction)) await this.end('rollback').catch(() => {})
          else if (online && !this.transactional) error = await this.settleQueued(error)
          // Sent ahead, the statement that failed may be an earlier step's: the error says whose.
          const failed = ahead ? await failedAhead(error, step) : step
          if (mysqlAhead) throw await aheadFailure(failed, error, step, stepMarks && !resuming)
          const failure = online ? this.stepError(failed, error, whole ? steps[0].from : this.committed) : error
          // Nothing of the step committed: its mark would only block the next run.
          if (stepMarks && !resuming && online?.executed().length === 0) await versions.unmark().catch(() => {})
          throw failure
        } finally {
          if (online) stepEnded()
          if (autocommit) online?.batching?.(this.batchable)
          this.autocommit = false
          this.resuming = undefined
        }

        this.committed = step.to
        const result: StepResult = {
          direction: step.direction,
          from: step.from,
          message: step.rerun?.reason ?? step.script.message,
          ms: Math.round(performance.now() - started),
          to: step.to,
          ...(step.rerun && {rerun: {file: baseName(step.script.fileName), kind: step.rerun.kind}}),
        }
        if (ahead) {
          waiting.push({result, step})
          if (++sinceSent >= AHEAD || (mysqlAhead && !executor.sending)) {
            // MySQL: one batch at most waits behind the one the server runs. A client faster than the server (no read
            // holds it back: runtime/known-tables.ts) would otherwise queue the rest of a long chain in memory.
            if (mysqlAhead && executor.sending) await confirming
            sinceSent = 0
            confirming = executor.sendAhead!().then((ran) => ran && reportUpTo(step, true))
          }
        } else {
          report(result)
        }
      }

      if (mysqlAhead && current) {
        // What is still queued goes now; a failure of anything sent ahead comes out here.
        try {
          await executor.flush!()
        } catch (error) {
          throw await aheadFailure(await failedAhead(error, current), error, current, !current.rerun)
        }

        await confirming
        reportUpTo(steps.at(-1)!, true)
      } else if (ahead) {
        // What is still queued goes with the COMMIT; a failure of anything sent ahead comes out here.
        try {
          await this.end('commit')
        } catch (error) {
          throw this.stepError(await failedAhead(error, steps.at(-1)!), error, steps[0].from)
        }

        await confirming
        reportUpTo(steps.at(-1)!, true)
      } else if (whole) {
        await this.end('commit')
      }
    } catch (error) {
      if (whole) await this.end('rollback').catch(() => {})
      if (online && current && !(error instanceof DbManageError) && connectionLost(error) && !interruption()) {
        throw this.lostError(current, error, whole ? steps[0].from : this.committed)
      }

      throw error
    }

    return results
  }

  /**
   * Where nothing rolls back (MySQL), a step failed with statements queued for its next round trip: unless a
   * signal stops the run, they go now, as they would have run one by one before the failure (a script that
   * throws after its operations keeps what they did); a failure among them is the step's failure then.
   */
  private async settleQueued(error: unknown): Promise<unknown> {
    const {executor} = this.options
    try {
      // On a signal, what is queued is dropped; what was sent ahead is waited for (its failure is the run's then).
      if (!interruption()) await executor.flush?.()
      else await executor.dropPending?.()
    } catch (failed) {
      executor.discard?.()
      return failed
    }

    executor.discard?.()
    return error
  }

  private lostError(step: Step, error: unknown, before: null | string): DbManageError {
    const executed = this.options.online?.executed(step) ?? []
    return new DatabaseError(
      lostMessage(step, error, before, {
        autocommit: this.autocommit && this.transactional,
        executed,
        transactional: this.transactional && !this.autocommit,
        whole: this.whole,
      }),
    )
  }

  /** An op for a callback (runtime/callbacks.ts): its SQL goes where the steps' goes; offline op.query names it. */
  operations(label: string): Operations {
    return new Operations(this.sink(label))
  }

  /**
   * A callback around the run (beforeMigrate, afterMigrate, afterMigrateError, and the undo ones): in a transaction of
   * its own where DDL is transactional, as Flyway runs each callback file, unless it says transaction = false.
   */
  async callback(label: string, fn: (op: Operations) => Promise<void>, transaction: boolean): Promise<void> {
    const {executor} = this.options
    const inTransaction = this.transactional && transaction
    if (inTransaction) await this.begin()
    executor.comment?.(`Running ${label}`)
    try {
      const op = this.operations(label)
      await fn(op)
      await drainOperations(op)
      if (inTransaction) await this.end('commit')
      else await executor.flush?.()
    } catch (error) {
      if (inTransaction) await this.end('rollback').catch(() => {})
      throw error
    }
  }

  /** Set the version without running anything, in one transaction where there is one; `create`: offline from base. */
  async stamp(
    from: null | string,
    to: null | string,
    options: {checksum?: string; create?: boolean; purge?: boolean; abandonMark?: boolean} = {},
  ): Promise<void> {
    const {versions} = this.options
    if (this.transactional) await this.begin()
    try {
      if (options.create) await versions.create()
      await versions.stamp(from, to, {
        abandonMark: options.abandonMark,
        checksum: options.checksum,
        purge: options.purge,
      })
    } catch (error) {
      if (this.transactional) await this.end('rollback').catch(() => {})
      throw error
    }

    if (this.transactional) await this.end('commit')
  }

  /** `committed` is where the rollback leaves the database: the run's start when it was one transaction. */
  private stepError(step: Step, error: unknown, committed: null | string): DbManageError {
    if (connectionLost(error) && !interruption()) return this.lostError(step, error, committed)
    const what = `${describeStep(step)} failed`
    // A statement the signal cancelled fails with the server's words for it; the signal is the reason.
    const signal = interruption()
    const lockWait = !signal && lockWaitTimedOut(error)
    const statement = failedStatement(error)
    // The statement is named as Alembic users know it from SQLAlchemy: [SQL: ...].
    const reason = signal
      ? `interrupted by ${signal}`
      : error instanceof DbManageError
        ? error.message
        : `${describeDriverError(error)}${statement ? ` [SQL: ${brief(statement)}]` : ''}`
    const out = this.steppedOut
    const executed = this.options.online!.executed(step)

    // Tried again only when nothing of the revision stayed behind.
    const transactional = this.transactional && !this.autocommit
    const retryable = !out && (transactional || executed.length === 0)
    const make = (message: string): DbManageError =>
      signal ? new Interrupted(message) : lockWait ? new LockWaitError(message, retryable) : new DatabaseError(message)
    if (this.backfilled) {
      return make(
        `${what}: ${reason}; what ${step.script.fileName} ran before its backfill and the backfill's finished batches` +
          ` committed, and the step stays marked unfinished: run the same command again to resume the backfill` +
          ` after its last committed batch (or, where that cannot be known, be told what to do)`,
      )
    }
    if (out) {
      return make(
        `${what}: ${reason}; rolled back only to where ${out.partial.script.fileName} stepped out of the transaction for ${brief(out.sql)}, which committed what came before it: ` +
          `the version table says ${out.version ?? 'base'}, and ${out.partial.script.fileName}'s statements up to that one were kept: undo or finish them by hand, then "db-manage stamp ${out.partial.to ?? 'base'}" or run again`,
      )
    }

    if (this.whole && step.rerun)
      return make(
        `${what}: ${reason}; rolled back with the other ${step.rerun.kind === 'seed' ? 'seeds' : 'repeatables'} of this` +
          ` run (transaction_per_migration = false), the revisions kept: the database is at ${committed ?? 'base'}`,
      )
    if (this.whole)
      return make(
        `${what}: ${reason}; the whole run was rolled back (transaction_per_migration = false): the database is at ${committed ?? 'base'}`,
      )
    if (transactional) return make(`${what}: ${reason}; rolled back, the database is at ${committed ?? 'base'}`)
    const done = executed.length
    const at = committed ?? 'base'
    if (done === 0) return make(`${what}: ${reason}; none of its statements had run: the database is at ${at}`)
    // A repeatable or a seed moves no version and left no row: it runs again, whole, next time.
    if (step.rerun)
      return make(
        `${what}: ${reason}; ${done} of its statements had already committed (${commitsAsItGoes(this.autocommit && this.transactional)}; the last: ${brief(executed.at(-1)!)}): ` +
          `the database is at ${at}, and ${step.script.fileName} runs again at the next ${step.rerun.kind === 'seed' ? 'seed' : 'upgrade to head'}`,
      )
    return make(
      `${what}: ${reason}; the version table still says ${at} and ${done} of its statements had already committed (${commitsAsItGoes(this.autocommit && this.transactional)}; the last: ${brief(executed.at(-1)!)}): ` +
        unfinishedHint(step.script.fileName, committed, step.to),
    )
  }
}

/**
 * The connection went away while `step` ran (the server stopped, or its session was ended): whether the
 * server committed what it was given last is unknown, so the message says what db-manage read and did
 * (the version before the step, or before the run when it was one transaction; the statements that
 * committed on MySQL), and names the command that reads where the database is. It states no version it did not read.
 */
function lostMessage(
  step: Step,
  error: unknown,
  before: null | string,
  context: {whole: boolean; transactional: boolean; executed: readonly string[]; autocommit: boolean},
): string {
  const statement = failedStatement(error)
  const head =
    `${describeStep(step)} failed: the connection to the server was lost (${describeDriverError(error)})` +
    (statement ? ` [SQL: ${brief(statement)}]` : '')
  const file = step.script.fileName
  const check = 'run "db-manage current" to see where it is'
  if (context.whole) {
    return (
      `${head}; the database was at ${before ?? 'base'} before this run, and whether the run (one transaction,` +
      ` transaction_per_migration = false) committed is unknown: ${check}`
    )
  }

  if (context.transactional)
    return `${head}; the database was at ${before ?? 'base'} before ${file}, and whether ${file} committed is unknown: ${check}`
  const done = context.executed.length
  const kept =
    done === 0
      ? 'none of its statements had committed'
      : `${done} of its statements had committed (${commitsAsItGoes(context.autocommit)}; the last: ${brief(context.executed.at(-1)!)})`
  return (
    `${head}; the database was at ${before ?? 'base'} before ${file}, ${kept}, and whether the statement` +
    ` running then and its version update committed is unknown: ${check}; while ${file} is marked unfinished, upgrade and` +
    ` downgrade refuse to run: undo its statements by hand and run "db-manage stamp ${before ?? 'base'}", or finish them` +
    ` and run "db-manage stamp ${step.to ?? 'base'}"`
  )
}

/** Why a failed step's statements stayed: MySQL's DDL, or the step's own transaction = false. */
function commitsAsItGoes(autocommit: boolean): string {
  return autocommit
    ? 'it runs outside a transaction (transaction = false): each statement commits as it runs'
    : 'MySQL commits DDL as it goes'
}

/** A repeatable's or a seed's file name without its folder (`repeatable/x.sql`): what its step lines show. */
function baseName(fileName: string): string {
  return fileName.slice(fileName.lastIndexOf('/') + 1)
}
