import {existsSync} from 'node:fs'

import type {Config} from '../config/config.js'
import {readState, type SessionOptions, withSession} from '../runtime/session.js'
import type {HistoryRow} from '../runtime/version-store.js'
import type {ChainProblem} from '../script/revision-map.js'
import type {Revision} from '../script/revision.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {errorMessage} from '../util/errors.js'
import {appliedCount, chainOf, scriptsOf} from './scripts.js'
import {eachDatabase} from './fleet.js'

export interface CheckProblem {
  readonly kind: ChainProblem['kind'] | 'unreadable'
  readonly message: string
}

export interface CheckResult {
  readonly database: string
  readonly ok: boolean
  readonly revisions: number
  readonly base?: string
  readonly head?: string
  readonly problems: readonly CheckProblem[]
}

/** The static half of check_migration: everything that needs no database. */
export async function checkMigration(config: Config): Promise<CheckResult[]> {
  return eachDatabase(config, async (database) => {
    const {map, unreadable} = await scriptsOf(config, database)
    const problems: CheckProblem[] = [
      ...unreadable.map((u) => ({kind: 'unreadable' as const, message: u.message})),
      ...map.problems().map(({kind, message}) => ({kind, message})),
    ]
    const ok = problems.length === 0
    const chain = ok ? map.linear() : []
    return {base: chain[0]?.id, head: chain.at(-1)?.id, ok, problems, revisions: map.size + unreadable.length}
  })
}

/** What the database says about the chain: where it is, what is pending, which applied scripts changed. */
export interface DatabaseCheck {
  readonly database: string
  /** Why the database was not asked (no connection configured, its variables unset), when it was not. */
  readonly skipped?: string
  readonly current?: null | string
  readonly pending: readonly string[]
  /** Applied revisions with no history row to compare with (applied by Alembic, or before the history table). */
  readonly unknownChecksums: readonly string[]
  /** Applied revisions whose script matches the checksum recorded when it was applied. */
  readonly matching: number
  readonly problems: readonly string[]
}

const RECORDS_SCRIPT = new Set(['accept-edit', 'stamp', 'upgrade'])

/**
 * For each revision the database holds now (the first `appliedCount` of the
 * chain), the latest row that recorded its checksum: what the script looked
 * like when it was applied, stamped or accepted.
 */
export function appliedRecords(
  chain: readonly Revision[],
  current: null | string,
  rows: readonly HistoryRow[],
): Map<string, HistoryRow> {
  const applied = new Set(chain.slice(0, appliedCount(chain, current)).map((r) => r.id))
  const latest = new Map<string, HistoryRow>()
  // A downgrade's row, or a step's in-progress mark (MySQL), says nothing of what is applied now.
  for (const row of rows)
    if (row.checksum !== null && RECORDS_SCRIPT.has(row.direction) && applied.has(row.revision))
      latest.set(row.revision, row)
  return latest
}

/**
 * The applied scripts of `chain` (the database is at `current`) against the
 * checksums `history` recorded: one line for each edited script, naming it,
 * when and by whom it was applied, and the command that accepts the edit.
 */
export function compareChecksums(
  chain: readonly ScriptRevision[],
  current: null | string,
  history: readonly HistoryRow[],
): {edited: string[]; matching: number; unknownChecksums: string[]} {
  const recorded = appliedRecords(chain, current, history)
  const edited: string[] = []
  const unknownChecksums: string[] = []
  let matching = 0
  for (const script of chain.slice(0, appliedCount(chain, current))) {
    const row = recorded.get(script.id)
    if (!row) {
      unknownChecksums.push(script.id)
    } else if (row.checksum === script.checksum) {
      matching++
    } else {
      edited.push(
        `${script.fileName} was edited after it was ${row.direction === 'upgrade' ? 'applied' : row.direction === 'stamp' ? 'stamped' : 'accepted'} (${row.appliedAt} UTC by ${row.appliedBy ?? 'unknown'}): its checksum was ${row.checksum!.slice(0, 12)}, it is ${script.checksum.slice(0, 12)} now; undo the edit, or accept it with "db-manage stamp --accept-edit ${script.id}"`,
      )
    }
  }

  return {edited, matching, unknownChecksums}
}

/**
 * The half of check_migration that asks the database: it fails when the
 * database is at a revision no script declares, or when an applied script was
 * edited after it was applied (Flyway's validate); pending revisions are
 * reported, and fail only with `failOnPending`.
 */
export async function checkDatabase(
  config: Config,
  options: SessionOptions & {failOnPending?: boolean} = {},
): Promise<DatabaseCheck[]> {
  return eachDatabase(config, async (database) => {
    const none = {matching: 0, pending: [], problems: [], unknownChecksums: []}
    if (!database.hasConnection) return {...none, skipped: 'no database connection configured'}
    let url
    try {
      url = database.url!
    } catch (error) {
      return {...none, skipped: errorMessage(error)}
    }

    const {chain, dir} = await chainOf(config, database)
    // A database file not made yet is a database at base; asking would create it.
    const {current, history} =
      url.filename && url.filename !== ':memory:' && !existsSync(url.filename)
        ? {current: null, history: []}
        : await withSession(config, database, {lockTimeout: options.lockTimeout ?? 10, ...options}, readState)
    if (current !== null && !dir.map.get(current)) {
      return {
        ...none,
        current,
        problems: [`the database is at revision ${current}, which no script in ${database.scriptLocation} declares`],
      }
    }

    const position = appliedCount(chain, current)
    const {edited, matching, unknownChecksums} = compareChecksums(chain, current, history)
    const problems = [...edited]
    const pending = chain.slice(position).map((r) => r.id)
    if (options.failOnPending && pending.length > 0)
      problems.push(`${pending.length} revision(s) pending: ${pending.join(', ')} (--fail-on-pending)`)
    return {current, matching, pending, problems, unknownChecksums}
  })
}
