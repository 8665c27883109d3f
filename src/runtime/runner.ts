import type {Config, DatabaseConfig} from '../config/config.js'
import type {Connection} from '../dialects/connection.js'
import type {Dialect} from '../dialects/dialect.js'
import {getDialect} from '../dialects/registry.js'
import {Operations} from '../operations/operations.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {ConfigError, DatabaseError, DbManageError, errorMessage, ScriptError} from '../util/errors.js'
import {OnlineExecutor} from './executor.js'
import {loadScript, type MigrationFunction} from './load-script.js'
import {MigrationSink} from './migration-sink.js'
import {versionTable} from './version-table.js'

export interface Session {
  readonly dialect: Dialect
  readonly connection: Connection
  readonly executor: OnlineExecutor
  readonly database: DatabaseConfig
}

export interface SessionOptions {
  readonly lockTimeout?: number
  readonly debug?: (line: string) => void
}

/** Open a connection to one configured database; errors name the (masked) URL. */
export async function openSession(config: Config, database: DatabaseConfig, options: SessionOptions = {}): Promise<Session> {
  const {url} = database
  if (!url) {
    throw new ConfigError(`no database connection configured for [${database.name === 'default' ? 'database' : `database:${database.name}`}] in ${config.file}: set "connection", DATABASE_URL or --url`)
  }

  const dialect = await getDialect(url.dialect)
  let connection: Connection
  try {
    connection = await dialect.connect(url, (options.lockTimeout ?? config.lockTimeout) * 1000)
  } catch (error) {
    throw new DatabaseError(`cannot connect to ${url.masked}: ${describeDriverError(error)}`)
  }

  return {connection, database, dialect, executor: new OnlineExecutor(connection, options.debug)}
}

/** A driver error in one line, without the password it may quote. */
export function describeDriverError(error: unknown): string {
  const e = error as {code?: string; message?: string; errors?: unknown[]}
  if (e?.errors?.length && !e.message) return describeDriverError(e.errors[0])
  const message = errorMessage(error).split('\n')[0] || String(e?.code ?? 'unknown error')
  return e?.code && !message.includes(e.code) && /^[A-Z]/.test(e.code) ? `${message} (${e.code})` : message
}

export async function closeSession(session: Session): Promise<void> {
  await session.connection.close().catch(() => {})
}

/** Open a session for `fn` and close it however `fn` ends. */
export async function withSession<T>(config: Config, database: DatabaseConfig, options: SessionOptions, fn: (session: Session) => Promise<T>): Promise<T> {
  const session = await openSession(config, database, options)
  try {
    return await fn(session)
  } finally {
    await closeSession(session)
  }
}

/** The version row, null at base; a clear error when the table holds several. */
export async function readCurrent(session: Session): Promise<null | string> {
  const table = session.database.versionTable
  if (!(await session.dialect.adapter.tableExists(session.connection, table))) return null
  return readVersion(session)
}

/** readCurrent for when the version table is known to exist: one round trip. */
async function readVersion(session: Session): Promise<null | string> {
  const table = session.database.versionTable
  const {rows} = await session.connection.query(versionTable.select(table).sql)
  if (rows.length > 1) {
    throw new DatabaseError(`${table} holds ${rows.length} rows (${rows.map((r) => r.version_num).join(', ')}): db-manage keeps one linear chain; fix it with "db-manage stamp REV --purge"`)
  }

  return rows.length === 0 ? null : String(rows[0].version_num)
}

export async function ensureVersionTable(session: Session): Promise<void> {
  const table = session.database.versionTable
  if (await session.dialect.adapter.tableExists(session.connection, table)) return
  await session.executor.execute(versionTable.create(table, true))
}

/** Hold the migration lock around `fn`, released in finally. */
export async function withLock<T>(session: Session, timeoutSeconds: number, fn: () => Promise<T>): Promise<T> {
  const {adapter} = session.dialect
  const key = `db-manage:${session.database.versionTable}`
  try {
    await adapter.acquireLock(session.connection, key, timeoutSeconds)
  } catch (error) {
    if (error instanceof DbManageError) throw error
    throw new DatabaseError(`cannot take the migration lock: ${describeDriverError(error)}`)
  }

  try {
    return await fn()
  } finally {
    await adapter.releaseLock(session.connection, key).catch(() => {})
  }
}

export interface Step {
  readonly direction: 'downgrade' | 'upgrade'
  readonly script: ScriptRevision
  /** Version before and after the step; null is base. */
  readonly from: null | string
  readonly to: null | string
}

export interface StepResult {
  readonly direction: 'downgrade' | 'upgrade'
  readonly from: null | string
  readonly to: null | string
  readonly message: string
  readonly ms: number
  /** True when a concurrent run had already applied this step. */
  readonly skipped?: boolean
}

/** The steps from the current position to the target, in the order they run. */
export function planSteps(chain: readonly ScriptRevision[], fromPos: number, toPos: number): Step[] {
  if (toPos >= fromPos) {
    return chain.slice(fromPos, toPos).map((script, i) => ({direction: 'upgrade', from: i + fromPos === 0 ? null : chain[i + fromPos - 1].id, script, to: script.id}))
  }

  return chain.slice(toPos, fromPos).reverse().map((script) => ({direction: 'downgrade', from: script.id, script, to: script.downRevision}))
}

/** Import every script of the plan before anything changes, so a missing function stops the run cleanly. */
export async function loadSteps(steps: readonly Step[]): Promise<Map<Step, MigrationFunction>> {
  const functions = new Map<Step, MigrationFunction>()
  for (const step of steps) {
    const loaded = await loadScript(step.script)
    const fn = loaded[step.direction]
    if (!fn) throw new ScriptError(`${step.script.fileName} has no ${step.direction}() function; nothing was changed`)
    functions.set(step, fn)
  }

  return functions
}

/** The sink a script's operations go through online. */
export function onlineSink(session: Session): MigrationSink {
  const {adapter, compiler, name} = session.dialect
  return new MigrationSink({
    beginSql: adapter.beginSql, compiler, dialect: name, executor: session.executor, introspector: session.dialect.introspector(session.connection),
  })
}

export interface RunStepsOptions {
  readonly transactionPerMigration: boolean
  readonly onStep?: (result: StepResult) => void
}

/**
 * Run the steps, each revision and its version update in one transaction
 * where the database allows (or all in one with transactionPerMigration
 * false). Inside each transaction the version is read again, so a racing run
 * that got there first is noticed and the step skipped, never applied twice.
 */
export async function runSteps(session: Session, steps: readonly Step[], functions: Map<Step, MigrationFunction>, options: RunStepsOptions): Promise<StepResult[]> {
  const {adapter} = session.dialect
  const {executor} = session
  const transactional = adapter.supportsTransactionalDdl
  const table = session.database.versionTable
  const sink = onlineSink(session)
  const op = new Operations(sink)
  const results: StepResult[] = []
  // A statement that runs outside the transaction (CREATE INDEX CONCURRENTLY) commits what came before it:
  // the version as it then stood, and the statements of the revision running then, are kept whatever follows.
  let steppedOut: StepOut | undefined
  let running: Step | undefined
  sink.onStepOut = (sql) => {
    steppedOut = {partial: running!, sql, version: committed}
  }

  const begin = async () => {
    await executor.execute({sql: adapter.beginSql})
    sink.inTransaction = true
    if (!whole) steppedOut = undefined
  }

  const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
    sink.inTransaction = false
    await executor.execute({sql})
  }

  const whole = transactional && !options.transactionPerMigration
  let committed = steps[0]?.from ?? null
  if (whole) await begin()
  try {
    for (const step of steps) {
      const started = performance.now()
      if (transactional && !whole) await begin()
      const current = adapter.lockSpansRun ? committed : await readVersion(session)
      if (current !== step.from) {
        if (transactional && !whole) await end('ROLLBACK')
        if (racedPast(steps, step, current)) {
          results.push({direction: step.direction, from: step.from, message: step.script.message, ms: 0, skipped: true, to: step.to})
          continue
        }

        throw new DatabaseError(`the database moved to ${current ?? 'base'} while this run expected ${step.from ?? 'base'}; run again`)
      }

      executor.executed = []
      running = step
      try {
        await functions.get(step)!(op)
        const move = versionTable.move(table, step.from, step.to)
        if (move && (await executor.execute(move)).rowCount === 0) {
          throw new DatabaseError(`${table} did not hold ${step.from} when this revision finished; another tool changed it`)
        }
      } catch (error) {
        if (transactional && !whole) await end('ROLLBACK').catch(() => {})
        throw stepError(session, step, error, whole ? steps[0].from : committed, executor.executed, whole, steppedOut)
      }

      if (transactional && !whole) await end('COMMIT')
      committed = step.to
      const result = {direction: step.direction, from: step.from, message: step.script.message, ms: Math.round(performance.now() - started), to: step.to}
      results.push(result)
      options.onStep?.(result)
    }

    if (whole) await end('COMMIT')
  } catch (error) {
    if (whole) await end('ROLLBACK').catch(() => {})
    throw error
  }

  return results
}

/** Where a step out of the transaction left things: the version then, and the revision whose statements were committed with it. */
interface StepOut {
  readonly version: null | string
  readonly partial: Step
  readonly sql: string
}

function racedPast(steps: readonly Step[], step: Step, current: null | string): boolean {
  const later = steps.slice(steps.indexOf(step))
  return later.some((s) => s.to === current)
}

/** `committed` is where the rollback leaves the database: the run's start when it was one transaction (`whole`). */
function stepError(session: Session, step: Step, error: unknown, committed: null | string, executed: readonly string[], whole: boolean, out?: StepOut): DbManageError {
  const what = `${step.direction} ${step.from ?? '<base>'} -> ${step.to ?? '<base>'} (${step.script.fileName}) failed`
  const reason = error instanceof DbManageError ? error.message : describeDriverError(error)
  if (out) {
    const statement = out.sql.replaceAll(/\s+/g, ' ').slice(0, 120)
    return new DatabaseError(`${what}: ${reason}; rolled back only to where ${out.partial.script.fileName} stepped out of the transaction for ${statement}, which committed what came before it: `
      + `the version table says ${out.version ?? 'base'}, and ${out.partial.script.fileName}'s statements up to that one were kept: undo or finish them by hand, then "db-manage stamp ${out.partial.to ?? 'base'}" or run again`)
  }

  if (whole) return new DatabaseError(`${what}: ${reason}; the whole run was rolled back (transaction_per_migration = false): the database is at ${committed ?? 'base'}`)
  if (session.dialect.adapter.supportsTransactionalDdl) {
    return new DatabaseError(`${what}: ${reason}; rolled back, the database is at ${committed ?? 'base'}`)
  }

  const done = executed.length
  const partly = done === 0
    ? 'none of its statements had run'
    : `${done} of its statements had already committed (MySQL commits DDL as it goes; the last: ${executed.at(-1)!.replaceAll(/\s+/g, ' ').slice(0, 120)})`
  return new DatabaseError(`${what}: ${reason}; the version table still says ${committed ?? 'base'} and ${partly}: undo or finish them by hand, then "db-manage stamp ${step.to ?? 'base'}" or run again`)
}

