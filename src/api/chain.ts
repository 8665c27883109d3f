import type {Config, DatabaseConfig} from '../config/config.js'
import {UsageError} from '../util/errors.js'
import type {Revision} from '../script/revision.js'
import {readScriptDirectory, requireChain, type ScriptDirectory, type ScriptRevision} from '../script/script-directory.js'

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
  readonly applied?: {readonly at: string; readonly by: null | string; readonly ms: null | number; readonly checksum: 'differs' | 'matches' | 'unknown'}
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
  return readScriptDirectory(database.scriptLocation, config.revisionDigits)
}

/** The sound chain of one database's scripts, or a typed error naming the defect. */
export async function chainOf(config: Config, database: DatabaseConfig): Promise<{dir: ScriptDirectory; chain: readonly ScriptRevision[]}> {
  const dir = await scriptsOf(config, database)
  return {chain: requireChain(dir), dir}
}

/** Run one api step for each configured database, in file order. */
export async function eachDatabase<T>(config: Config, fn: (database: DatabaseConfig) => Promise<T>): Promise<Array<T & {database: string}>> {
  const results: Array<T & {database: string}> = []
  for (const database of config.databases) results.push({...(await fn(database)), database: database.name})
  return results
}

/**
 * The databases a command that writes scripts acts on: one per chain. Several
 * databases sharing one script_location are one chain; several chains need --db.
 */
export function oneChain(config: Config, what: string): DatabaseConfig {
  const locations = new Set(config.databases.map((d) => d.scriptLocation))
  if (locations.size > 1) {
    throw new UsageError(`${what} writes into one chain, and ${config.databases.length} databases are configured with their own script_location: choose one with --db (${config.databases.map((d) => d.name).join(', ')})`)
  }

  return config.databases[0]
}
