import type {Config, DatabaseConfig} from '../config/config.js'
import {hidingPassword} from '../config/database-url.js'
import type {Connection} from '../dialects/connection.js'
import type {Dialect} from '../dialects/dialect.js'
import {getDialect} from '../dialects/registry.js'
import {ConfigError, DatabaseError} from '../util/errors.js'
import {describeDriverError} from '../dialects/driver-error.js'
import {OnlineExecutor} from './executor.js'
import {guarded} from './interrupt.js'
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
  /** --debug: every statement the session sends is written here, one `SQL: ...` line each, no password in any. */
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

  if (database.schemas.length > 0 && url.dialect !== 'postgresql') throw schemasRefused(database, url.dialect)
  const dialect = await getDialect(url.dialect)
  let connection: Connection
  try {
    const trace = options.debug && hidingPassword(url, options.debug)
    connection = await dialect.connect(url, (options.lockTimeout ?? config.lockTimeout) * 1000, trace)
  } catch (error) {
    throw new DatabaseError(`cannot connect to ${url.masked}: ${describeDriverError(error)}`)
  }

  // A schema-per-tenant tenant sees its schema alone: the version table, the objects the scripts
  // create and what autogenerate reads are all there. A schema not created yet reads as base.
  if (database.schema !== undefined || database.schemas.length > 0) {
    try {
      await connection.query(
        database.schema === undefined
          ? firstSchemaSql(dialect.compiler, database.schemas[0])
          : `SET search_path TO ${dialect.compiler.quote(database.schema)}`,
      )
    } catch (error) {
      await connection.close().catch(() => {})
      throw error
    }
  }

  return sessionOn(connection, dialect, database)
}

/** `schemas` is PostgreSQL's: on MySQL a schema is a database, and SQLite has one. */
export function schemasRefused(database: DatabaseConfig, dialect: string): ConfigError {
  const section = database.name === 'default' ? 'database' : `database:${database.name}`
  return new ConfigError(
    `[${section}] schemas: several schemas of one database are PostgreSQL's, and ${database.name} is on ${dialect}` +
      (dialect === 'mysql' ? ' (where a schema is a database: give each its own [database:NAME] section)' : ''),
  )
}

/**
 * The first of `schemas` put before the search_path the connection had, as Flyway sets its default schema: the
 * version table and every unqualified name of the scripts are there, and what the path found before is still found.
 * `reset`: before the session's initial path (offline, after a step's SQL changed it).
 */
export function firstSchemaSql(
  compiler: {literal(value: unknown): string; quote(name: string): string},
  schema: string,
  options: {reset?: boolean} = {},
): string {
  const path = options.reset
    ? "(SELECT reset_val FROM pg_catalog.pg_settings WHERE name = 'search_path')"
    : "pg_catalog.current_setting('search_path')"
  return `SELECT pg_catalog.set_config('search_path', ${compiler.literal(`${compiler.quote(schema)}, `)} || ${path}, false)`
}

/** A session on a connection already open (a scratch database's, say); traced, if at all, when it was opened. */
export function sessionOn(connection: Connection, dialect: Dialect, database: DatabaseConfig): Session {
  const executor = new OnlineExecutor(connection)
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
