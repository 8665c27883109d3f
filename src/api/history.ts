import type {Config} from '../config/config.js'
import {RevisionError} from '../util/errors.js'
import type {HistoryRow} from '../runtime/version-store.js'
import type {Revision} from '../script/revision.js'
import {requireChain, type ScriptDirectory, type ScriptRevision} from '../script/script-directory.js'
import {appliedRecords} from '../runtime/checksums.js'
import {type ObjectState, objectStatus} from '../runtime/object-status.js'
import {readRepeatables} from '../script/object-scripts.js'
import {eachDatabase} from './fleet.js'
import {scriptsOf} from './scripts.js'

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

/** A repeatable object as `history` lists it: its file, what it depends on, and where it stands when known. */
export interface RepeatableInfo {
  readonly file: string
  readonly path: string
  readonly depends: readonly string[]
  /** With the database's history rows: applied as it is, or due at the next upgrade to head. */
  readonly state?: ObjectState
  /** When it last ran, by whom and how long it took. */
  readonly applied?: {readonly at: string; readonly by: null | string; readonly ms: null | number}
}

export interface HistoryOptions {
  /** `START:END`, either side optional. */
  readonly range?: string
  /** The database's revision, when known, to mark it and resolve `current`. */
  readonly current?: (database: string) => Promise<null | string | undefined>
  /** The database's history rows, when known, to say when and by whom each applied revision was applied. */
  readonly history?: (database: string) => Promise<readonly HistoryRow[] | undefined>
  /** The history rows for the repeatables' states, asked only when there are repeatables (`history` otherwise). */
  readonly objectRows?: (database: string) => Promise<readonly HistoryRow[] | undefined>
}

/** The repeatables of a database's chain, in the order they run, with their states when the rows are known. */
async function repeatablesOf(
  location: string,
  rows: (() => Promise<readonly HistoryRow[] | undefined>) | undefined,
): Promise<RepeatableInfo[] | undefined> {
  const repeatables = readRepeatables(location)
  if (repeatables.length === 0) return undefined
  const known = await rows?.()
  const statuses = known ? objectStatus(repeatables, 'repeatable', known) : undefined
  return repeatables.map((script, i) => {
    const status = statuses?.[i]
    return {
      depends: script.depends,
      file: script.fileName,
      path: script.path,
      ...(status && {state: status.state}),
      ...(status?.last && {
        applied: {at: status.last.appliedAt, by: status.last.appliedBy, ms: status.last.durationMs},
      }),
    }
  })
}

/** When an applied revision was applied, by whom, how long it took, and whether its script is still as it was. */
function withApplied(
  info: RevisionInfo,
  rev: Revision,
  applied: ReadonlyMap<string, HistoryRow> | undefined,
): RevisionInfo {
  if (!applied) return info
  const row = applied.get(rev.id)
  if (!row) return info
  const checksum = (rev as ScriptRevision).checksum
  return {
    ...info,
    applied: {
      at: row.appliedAt,
      by: row.appliedBy,
      checksum: row.checksum === null ? 'unknown' : row.checksum === checksum ? 'matches' : 'differs',
      ms: row.durationMs,
    },
  }
}

/** A chain that branched (two revisions on one parent) is still listed whole; anything worse is an error. */
function isBranched(dir: ScriptDirectory): boolean {
  return dir.unreadable.length === 0 && dir.map.heads.length > 1
}

function graphMarks(dir: ScriptDirectory, current?: null | string): RevisionMarks {
  return {branchPoints: dir.map.branchPoints(), current, heads: new Set(dir.map.heads.map((r) => r.id))}
}

/**
 * The chain newest first, as Alembic prints it; a range START:END includes
 * both ends. A branched chain is listed whole, each branch point marked.
 */
export async function history(
  config: Config,
  options: HistoryOptions = {},
): Promise<Array<{database: string; revisions: RevisionInfo[]; repeatables?: RepeatableInfo[]}>> {
  return eachDatabase(config, async (database) => {
    const dir = await scriptsOf(config, database)
    const current = await options.current?.(database.name)
    const rowsOf = options.objectRows ?? options.history
    // A range is a part of the chain; the repeatables, which follow its head, are listed with the whole of it.
    const repeatables = options.range
      ? undefined
      : await repeatablesOf(database.scriptLocation, rowsOf && (() => rowsOf(database.name)))
    const listed = repeatables ? {repeatables} : {}
    if (isBranched(dir)) {
      const walk = dir.map.graph()
      if (options.range)
        throw new RevisionError(
          `a range needs a linear chain, and this one has ${dir.map.heads.length} heads: run "db-manage renumber" first`,
        )
      const marks = graphMarks(dir, current)
      return {...listed, revisions: walk.map((rev) => revisionInfo(rev, marks))}
    }

    const chain = requireChain(dir)
    const {from, to} = options.range ? dir.map.range(options.range, current) : {from: 0, to: chain.length}
    if (from > to)
      throw new RevisionError(
        `history -r ${options.range}: its start comes after its end in the chain; write the older revision first`,
      )
    // As in Alembic, a history range includes its start revision.
    const marks = linearMarks(chain, current)
    const rows = await options.history?.(database.name)
    // Only what was recorded for the revisions the database holds now: a later downgrade undid an earlier row.
    const applied = rows && current !== undefined ? appliedRecords(chain, current, rows) : undefined
    const revisions = dir.map
      .between(Math.max(0, from - 1), to)
      .map((rev) => withApplied(revisionInfo(rev, marks), rev, applied))
      .reverse()
    return {...listed, revisions}
  })
}

/** Every head; on a branched chain there are several, which is when they matter. */
export async function heads(config: Config): Promise<Array<{database: string; heads: RevisionInfo[]}>> {
  return eachDatabase(config, async (database) => {
    const {map} = await scriptsOf(config, database)
    const marks = {heads: new Set(map.heads.map((r) => r.id))}
    return {heads: map.heads.map((rev) => revisionInfo(rev, marks))}
  })
}

export async function show(config: Config, spec: string): Promise<Array<{database: string; revision: RevisionInfo}>> {
  return eachDatabase(config, async (database) => {
    const dir = await scriptsOf(config, database)
    if (isBranched(dir)) {
      dir.map.graph()
      const rev = dir.map.find(spec)
      if (!rev) throw new RevisionError(`unknown revision "${spec}"; on a branched chain only a revision's id names it`)
      return {revision: revisionInfo(rev, graphMarks(dir))}
    }

    const chain = requireChain(dir)
    const id = dir.map.resolve(spec)
    if (id === null) throw new RevisionError('"base" is the empty database, not a revision to show')
    return {revision: revisionInfo(dir.map.get(id)!, linearMarks(chain))}
  })
}
