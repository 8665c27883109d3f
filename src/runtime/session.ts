import type {Config, DatabaseConfig} from '../config/config.js'
import type {Connection} from '../dialects/connection.js'
import type {Dialect} from '../dialects/dialect.js'
import {getDialect} from '../dialects/registry.js'
import {ConfigError, DatabaseError, DbManageError} from '../util/errors.js'
import {describeDriverError} from '../dialects/driver-error.js'
import {OnlineExecutor} from './executor.js'
import {guarded, Interrupted, interruption, waiting} from './interrupt.js'
import {type HistoryRow, VersionStore} from './version-store.js'

export {describeDriverError} from '../dialects/driver-error.js'

/** One open connection to a configured database, with what runs on it. */
export interface Session {
  readonly dialect: Dialect
  readonly connection: Connection
  readonly executor: OnlineExecutor
  readonly database: DatabaseConfig
  readonly versions: VersionStore
}

export interface SessionOptions {
  readonly lockTimeout?: number
  readonly debug?: (line: string) => void
}

/** Open a connection to one configured database; errors name the (masked) URL. */
export async function openSession(
  config: Config,
  database: DatabaseConfig,
  options: SessionOptions = {},
): Promise<Session> {
  const {url} = database
  if (!url) {
    throw new ConfigError(
      `no database connection configured for [${database.name === 'default' ? 'database' : `database:${database.name}`}] in ${config.file}: set "connection", DATABASE_URL or --url`,
    )
  }

  if (database.schema !== undefined && url.dialect !== 'postgresql') {
    throw new ConfigError(
      `[fleet:${database.fleet}] schema_template: a schema per tenant needs PostgreSQL, and ${database.name} is on ${url.dialect}`,
    )
  }

  const dialect = await getDialect(url.dialect)
  let connection: Connection
  try {
    connection = await dialect.connect(url, (options.lockTimeout ?? config.lockTimeout) * 1000)
  } catch (error) {
    throw new DatabaseError(`cannot connect to ${url.masked}: ${describeDriverError(error)}`)
  }

  // A schema-per-tenant tenant sees its schema alone: the version table, the objects the scripts
  // create and what autogenerate reads are all there. A schema not created yet reads as base.
  if (database.schema !== undefined) {
    try {
      await connection.query(`SET search_path TO ${dialect.compiler.quote(database.schema)}`)
    } catch (error) {
      await connection.close().catch(() => {})
      throw error
    }
  }

  return sessionOn(connection, dialect, database, options.debug)
}

/**
 * The version and history tables, created when missing (upgrade, stamp); a
 * tenant's schema first, as Flyway's createSchemas does.
 */
export async function ensureVersionTable(session: Session): Promise<void> {
  const {schema} = session.database
  if (schema !== undefined)
    await session.executor.execute({sql: `CREATE SCHEMA IF NOT EXISTS ${session.dialect.compiler.quote(schema)}`})
  await session.versions.ensure(session.dialect.adapter, session.connection)
}

/** A session on a connection already open (a scratch database's, say). */
export function sessionOn(
  connection: Connection,
  dialect: Dialect,
  database: DatabaseConfig,
  debug?: (line: string) => void,
): Session {
  const executor = new OnlineExecutor(connection, debug)
  return {
    connection,
    database,
    dialect,
    executor,
    versions: new VersionStore(executor, database.versionTable, dialect.compiler, true, {table: database.historyTable}),
  }
}

export async function closeSession(session: Session): Promise<void> {
  await session.connection.close().catch(() => {})
}

/** Open a session for `fn` and close it however `fn` ends; a first SIGINT/SIGTERM lets it end (interrupt.ts). */
export async function withSession<T>(
  config: Config,
  database: DatabaseConfig,
  options: SessionOptions,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const session = await openSession(config, database, options)
  try {
    return await guarded(() => fn(session), undefined, 'session')
  } finally {
    await closeSession(session)
  }
}

/** The version row, null at base (no version table yet included). */
export async function readCurrent(session: Session): Promise<null | string> {
  if (!(await session.dialect.adapter.tableExists(session.connection, session.database.versionTable))) return null
  return session.versions.read(session.connection)
}

/** The version row and the history rows, as one read of the database's bookkeeping. */
export async function readState(session: Session): Promise<{current: null | string; history: HistoryRow[]}> {
  return {
    current: await readCurrent(session),
    history: await session.versions.readHistory(session.dialect.adapter, session.connection),
  }
}

function waitInterrupted(): Interrupted {
  return new Interrupted(`interrupted by ${interruption()} while waiting for the migration lock; nothing was changed`)
}

/** Hold the migration lock around `fn`, released in finally. */
export async function withLock<T>(session: Session, timeoutSeconds: number, fn: () => Promise<T>): Promise<T> {
  const {adapter} = session.dialect
  const {schema, versionTable} = session.database
  let name: string
  // A first signal while waiting ends the wait within a fraction of a second: nothing has changed yet.
  const stop = new AbortController()
  try {
    if (interruption()) throw waitInterrupted()
    name = await waiting(
      async () => {
        const lock = await adapter.lockName(session.connection, {schema, versionTable})
        await adapter.acquireLock(session.connection, lock, timeoutSeconds, stop.signal)
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
    return await fn()
  } finally {
    await adapter.releaseLock(session.connection, name).catch(() => {})
  }
}
