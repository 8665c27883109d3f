import {existsSync} from 'node:fs'

import type {Config} from '../config/config.js'
import {readState, type SessionOptions, withSession} from '../runtime/session.js'
import type {ChainProblem} from '../script/revision-map.js'
import {errorMessage} from '../util/errors.js'
import {compareChecksums} from '../runtime/checksums.js'
import {dueObjects, type ObjectState, objectStatus} from '../runtime/object-status.js'
import {readRepeatables} from '../script/object-scripts.js'
import {findCallbacks} from '../runtime/callbacks.js'
import {appliedCount} from '../script/revision.js'
import {squashedMessage} from '../script/squashed.js'
import {chainOf, scriptsOf} from './scripts.js'
import {eachDatabase} from './fleet.js'

export interface CheckProblem {
  /** `repeatable`: a repeatable object that cannot be read or ordered (a bad name, an unknown dependency, a cycle). */
  readonly kind: ChainProblem['kind'] | 'repeatable' | 'unreadable'
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
      ...callbackProblems(database.scriptLocation),
    ]
    try {
      readRepeatables(database.scriptLocation)
    } catch (error) {
      problems.push({kind: 'repeatable', message: errorMessage(error)})
    }

    const ok = problems.length === 0
    const chain = ok ? map.linear() : []
    return {base: chain[0]?.id, head: chain.at(-1)?.id, ok, problems, revisions: map.size + unreadable.length}
  })
}

/** A callbacks/ file named for no event, or two for one callback (runtime/callbacks.ts), as upgrade refuses it. */
function callbackProblems(location: string): CheckProblem[] {
  try {
    findCallbacks(location)
    return []
  } catch (error) {
    return [{kind: 'unreadable', message: errorMessage(error)}]
  }
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
  /**
   * Repeatable objects the next upgrade to head applies (new, edited, or after a downgrade), with why: reported,
   * never a problem (an edited repeatable is how one is changed).
   */
  readonly pendingRepeatables?: ReadonlyArray<{readonly file: string; readonly state: ObjectState}>
  readonly problems: readonly string[]
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
        problems: [
          squashedMessage(dir.map.revisions, current, database.scriptLocation) ??
            `the database is at revision ${current}, which no script in ${database.scriptLocation} declares`,
        ],
      }
    }

    const position = appliedCount(chain, current)
    const {edited, matching, unknownChecksums} = compareChecksums(chain, current, history)
    const problems = [...edited]
    const pending = chain.slice(position).map((r) => r.id)
    if (options.failOnPending && pending.length > 0)
      problems.push(`${pending.length} revision(s) pending: ${pending.join(', ')} (--fail-on-pending)`)
    const pendingRepeatables = dueObjects(objectStatus(readRepeatables(database.scriptLocation), 'repeatable', history))
    if (options.failOnPending && pendingRepeatables.length > 0)
      problems.push(
        `${pendingRepeatables.length} repeatable(s) pending: ${pendingRepeatables.map((o) => o.script.fileName).join(', ')} (--fail-on-pending)`,
      )
    return {
      current,
      matching,
      pending,
      problems,
      unknownChecksums,
      ...(pendingRepeatables.length > 0 && {
        pendingRepeatables: pendingRepeatables.map((o) => ({file: o.script.fileName, state: o.state})),
      }),
    }
  })
}
