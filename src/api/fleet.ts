import type {Config, DatabaseConfig} from '../config/config.js'
import {type DatabaseUrl, hidingPassword} from '../config/database-url.js'
import {type LoadConfigOptions, loadConfig as readConfig} from '../config/load-config.js'
import {getDialect} from '../dialects/registry.js'
import {beginSharedRun} from '../boot/index.js'
import {describeDriverError} from '../dialects/driver-error.js'
import {DbManageError, errorMessage, ofDatabase} from '../util/errors.js'

/**
 * A fleet's `tenants_query`: its first column, read on the control database.
 * Config never connects; this is the one place the tenant list is asked of a
 * server, while the config loads.
 */
export async function queryTenants(url: DatabaseUrl, sql: string, debug?: (line: string) => void): Promise<string[]> {
  const dialect = await getDialect(url.dialect)
  try {
    const connection = await dialect.connect(url, 10_000, debug && hidingPassword(url, debug))
    try {
      const {rows} = await connection.query(sql)
      return rows.map((row) => String(Object.values(row)[0]))
    } finally {
      await connection.close().catch(() => {})
    }
  } catch (error) {
    throw new Error(describeDriverError(error))
  }
}

/**
 * Find, read and check the configuration, a fleet's tenants_query asked on
 * its control database (its statements under `debug`, as a session's).
 */
export function loadConfig(options: LoadConfigOptions & {debug?: (line: string) => void} = {}): Promise<Config> {
  const {debug, ...rest} = options
  return readConfig({queryTenants: (url, sql) => queryTenants(url, sql, debug), ...rest})
}

/**
 * What the databases of one run share rather than each making its own: a script folder read once (`once`, keyed by
 * what the caller reads), and, with several databases, each script's module evaluated once and a heap kept near
 * what is live (boot/shared-run.ts). All of it is dropped when the run ends; a failure is not kept, so each database
 * that meets it reports its own.
 */
export class SharedRun {
  private readonly values = new Map<string, Promise<unknown>>()

  once<T>(key: string, make: () => Promise<T>): Promise<T> {
    let value = this.values.get(key) as Promise<T> | undefined
    if (!value) {
      const made = make()
      value = made
      this.values.set(key, made)
      made.catch(() => this.values.get(key) === made && this.values.delete(key))
    }

    return value
  }
}

/** Run one api step for each configured database, in file order. */
export async function eachDatabase<T>(
  config: Config,
  fn: (database: DatabaseConfig, shared: SharedRun) => Promise<T>,
  hooks: EachHooks = {},
): Promise<Array<T & {database: string}>> {
  const shared = new SharedRun()
  if (config.databases.length <= 1) return eachOf(config, (database) => fn(database, shared), hooks)
  const end = beginSharedRun()
  try {
    return await eachOf(config, (database) => fn(database, shared), hooks)
  } finally {
    end()
  }
}

async function eachOf<T>(
  config: Config,
  fn: (database: DatabaseConfig) => Promise<T>,
  hooks: EachHooks,
): Promise<Array<T & {database: string}>> {
  const {databases} = config
  if (config.parallel <= 1 && !databases.some((d) => d.fleet)) {
    // One after another, stopping at the first failure: the order is the point (subscribers first).
    const results: Array<T & {database: string}> = []
    for (const database of databases) {
      try {
        results.push({...(await fn(database)), database: database.name})
      } catch (error) {
        // With several databases, the error says which one failed (the CLI starts its line with the name).
        throw config.nameEach ? ofDatabase(error, database.name) : error
      }
    }

    return results
  }

  const results = new Map<DatabaseConfig, T & {database: string}>()
  const failed: Array<{database: string; error: unknown}> = []
  // Databases of one order run together, `parallel` at once; the next order starts when all of them are done.
  for (const group of groupsByOrder(databases)) {
    let stop = false
    let next = 0
    const worker = async () => {
      while (!stop && next < group.length) {
        const database = group[next++]
        try {
          results.set(database, {...(await fn(database)), database: database.name})
        } catch (error) {
          failed.push({database: database.name, error})
          hooks.onFailure?.(database.name, error)
          // A tenant's failure leaves the fleet going unless --fail-fast; any other database's stops the run.
          if (config.failFast || !database.fleet) stop = true
        }
      }
    }

    await Promise.all(Array.from({length: Math.min(config.parallel, group.length)}, worker))
    if (failed.length > 0) break
  }

  const done = databases.filter((d) => results.has(d)).map((d) => results.get(d)!)
  if (failed.length > 0) throw new DatabasesFailed(failed, done, databases.length)
  return done
}

export interface EachHooks {
  /** A database failed; with several, the others may go on. */
  readonly onFailure?: (database: string, error: unknown) => void
}

function groupsByOrder(databases: readonly DatabaseConfig[]): DatabaseConfig[][] {
  const groups: DatabaseConfig[][] = []
  for (const database of databases) {
    const last = groups.at(-1)
    if (last && last[0].order === database.order) last.push(database)
    else groups.push([database])
  }

  return groups
}

/** Some of several databases failed: one line naming them, and what was done (for --json and the summary). */
export class DatabasesFailed extends DbManageError {
  constructor(failed: ReadonlyArray<{database: string; error: unknown}>, done: readonly unknown[], total: number) {
    const shown = failed
      .slice(0, 3)
      .map((f) => `${f.database}: ${errorMessage(f.error)}`)
      .join('; ')
    const more = failed.length > 3 ? `; and ${failed.length - 3} more` : ''
    const notRun = total - done.length - failed.length
    const skipped = notRun > 0 ? `; ${notRun} not run` : ''
    super(`${failed.length} of ${total} databases failed${skipped}: ${shown}${more}`, {
      data: {done, failed: failed.map((f) => ({database: f.database, error: errorMessage(f.error)}))},
    })
  }
}
