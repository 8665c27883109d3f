import {existsSync} from 'node:fs'

import type {Config, DatabaseConfig} from '../config/config.js'
import {ConfigError, DbManageError, errorMessage, ofDatabase, UsageError} from '../util/errors.js'
import type {Revision} from '../script/revision.js'
import {annotate, timed} from '../runtime/phases.js'
import {
  readScriptDirectory,
  requireChain,
  type ScriptDirectory,
  type ScriptRevision,
} from '../script/script-directory.js'

/** A revision as the chain commands report it. */
export interface RevisionInfo {
  readonly id: string
  readonly downRevision: null | string
  readonly message: string
  readonly createdAt?: string
  readonly path?: string
  readonly isHead: boolean
  readonly isBase: boolean
  /** Two or more revisions build on it (a chain that branched, before renumber). */
  readonly isBranchpoint?: boolean
  readonly isCurrent?: boolean
  /** What --lint makes of it (history -v): online-safe, or needs-care with the rules that fired. */
  readonly lintClass?: string
  /** For a revision the database holds, what the history table recorded when it was applied. */
  readonly applied?: {
    readonly at: string
    readonly by: null | string
    readonly ms: null | number
    readonly checksum: 'differs' | 'matches' | 'unknown'
  }
}

/** Where a revision stands: the chain's heads and branch points, the database's revision. */
export interface RevisionMarks {
  readonly heads: ReadonlySet<string>
  readonly branchPoints?: ReadonlySet<string>
  readonly current?: null | string
}

/** The marks of a sound linear chain: its last revision is the head. */
export function linearMarks(chain: readonly Revision[], current?: null | string): RevisionMarks {
  return {current, heads: new Set(chain.length > 0 ? [chain.at(-1)!.id] : [])}
}

export function revisionInfo(rev: Revision, marks: RevisionMarks): RevisionInfo {
  const {current} = marks
  return {
    createdAt: rev.createdAt,
    downRevision: rev.downRevision,
    id: rev.id,
    isBase: rev.downRevision === null,
    ...(marks.branchPoints?.has(rev.id) ? {isBranchpoint: true} : {}),
    isCurrent: current === undefined ? undefined : current === rev.id,
    isHead: marks.heads.has(rev.id),
    message: rev.message,
    path: rev.path,
  }
}

/** How far up the chain the database is: 0 at base, else the position of `current` (which the caller knows is declared). */
export function appliedCount(chain: readonly Revision[], current: null | string): number {
  return current === null ? 0 : chain.findIndex((r) => r.id === current) + 1
}

/** db-manage's own tables, which no schema comparison looks at: the version and history tables, and a batch's leftover copy. */
export function isOwnTable(database: DatabaseConfig, name: string): boolean {
  return name === database.versionTable || name === database.historyTable || name.startsWith('_db_manage_tmp_')
}

/** Read the script directory of one database. */
export async function scriptsOf(config: Config, database: DatabaseConfig): Promise<ScriptDirectory> {
  if (database.missingScripts && !existsSync(database.scriptLocation)) throw new ConfigError(database.missingScripts)
  const dir = await timed('headers', () => readScriptDirectory(database.scriptLocation, config.revisionDigits))
  annotate('headers', `${dir.cached} of ${dir.scripts.length} from the cache`)
  return dir
}

/** The sound chain of one database's scripts, or a typed error naming the defect. */
export async function chainOf(
  config: Config,
  database: DatabaseConfig,
): Promise<{dir: ScriptDirectory; chain: readonly ScriptRevision[]}> {
  const dir = await scriptsOf(config, database)
  return {chain: requireChain(dir), dir}
}

/** Run one api step for each configured database, in file order. */
export async function eachDatabase<T>(
  config: Config,
  fn: (database: DatabaseConfig) => Promise<T>,
  hooks: EachHooks = {},
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

/**
 * The databases a command that writes scripts acts on: one per chain. Several
 * databases sharing one script_location are one chain; several chains need --db.
 */
export function oneChain(config: Config, what: string): DatabaseConfig {
  const locations = new Set(config.databases.map((d) => d.scriptLocation))
  if (locations.size > 1) {
    throw new UsageError(
      `${what} writes into one chain, and ${config.databases.length} databases are configured with their own script_location: choose one with --db (${config.databases.map((d) => d.name).join(', ')})`,
    )
  }

  return config.databases[0]
}
