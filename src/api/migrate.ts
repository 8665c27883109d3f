import {existsSync} from 'node:fs'

import type {Config} from '../config/config.js'
import {loadSteps, onlineContext, planSteps, settleHint, type StepResult} from '../runtime/migration-context.js'
import {
  ensureVersionTable,
  readCurrent,
  type Session,
  type SessionOptions,
  withLock,
  withSession,
} from '../runtime/session.js'
import {ChainError, RevisionError, UsageError} from '../util/errors.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {appliedCount, chainOf} from './scripts.js'
import {eachDatabase} from './fleet.js'
import {compareChecksums} from './check.js'

export interface MigrateOptions extends SessionOptions {
  /** head, base, an id, +N, -N, head-N, REV+N. */
  readonly target?: string
  /** sahara's --delta N: +N for upgrade, -N for downgrade. */
  readonly delta?: number
  /** Seconds a statement may wait for a table lock (wins over statement_lock_timeout); 0 waits as the server does. */
  readonly statementLockTimeout?: number
  /** Called as each step completes, for one line per step as it happens. */
  readonly onStep?: (database: string, step: StepResult) => void
  /** Called as each database is done, before the next starts: output stays in the databases' order. */
  readonly onDatabase?: (result: MigrateResult) => void
  /** Called when a database fails, while others (a fleet's tenants) may go on. */
  readonly onFailure?: (database: string, error: unknown) => void
}

export interface MigrateResult {
  readonly database: string
  readonly from: null | string
  readonly to: null | string
  readonly steps: readonly StepResult[]
}

/** Resolve TARGET / --delta into the target identifier, refusing what is ambiguous. */
export function targetSpec(
  direction: 'downgrade' | 'upgrade',
  target: string | undefined,
  delta: number | undefined,
): string {
  if (delta === undefined) {
    if (target === undefined) {
      if (direction === 'downgrade')
        throw new UsageError('downgrade needs a target: a revision, -N, base, or --delta N')
      return 'head'
    }

    return target
  }

  if (!Number.isInteger(delta) || delta <= 0)
    throw new UsageError(`--delta must be a whole number above 0, got ${delta}`)
  if (target !== undefined && !(direction === 'upgrade' && target === 'head')) {
    throw new UsageError(`give either a target (${target}) or --delta, not both`)
  }

  return direction === 'upgrade' ? `+${delta}` : `-${delta}`
}

async function migrate(
  config: Config,
  direction: 'downgrade' | 'upgrade',
  options: MigrateOptions,
): Promise<MigrateResult[]> {
  const spec = targetSpec(direction, options.target, options.delta)
  return eachDatabase(
    config,
    async (database) => {
      const {chain, dir} = await chainOf(config, database)
      const result = await withSession(config, database, options, (session) =>
        withLock(session, options.lockTimeout ?? config.lockTimeout, async () => {
          await versionTableKept(session)
          if (direction === 'upgrade') await ensureVersionTable(session)
          const current = await readCurrent(session)
          if (current !== null && !dir.map.get(current)) {
            throw new RevisionError(
              `the database is at revision ${current}, which no script in ${database.scriptLocation} declares`,
            )
          }

          await unfinishedStep(session, chain, current)
          if (direction === 'upgrade' && config.validateOnMigrate && current !== null)
            await validateApplied(session, chain, current)
          const lockWait = options.statementLockTimeout ?? config.statementLockTimeout
          if (lockWait > 0) await session.dialect.adapter.limitLockWaits?.(session.connection, lockWait)
          const fromPos = appliedCount(chain, current)
          const toPos = dir.map.position(spec, current)
          if (direction === 'upgrade' && toPos < fromPos) {
            throw new RevisionError(`upgrade ${spec}: that is below the current revision ${current}; use downgrade`)
          }

          if (direction === 'downgrade' && toPos > fromPos) {
            throw new RevisionError(
              `downgrade ${spec}: that is above the current revision ${current ?? 'base'}; use upgrade`,
            )
          }

          const steps = planSteps(chain, fromPos, toPos)
          const functions = await loadSteps(steps, session.dialect.name)
          const results = await onlineContext(session, config.transactionPerMigration).run(steps, functions, {
            onStep: (step) => options.onStep?.(database.name, step),
          })
          return {from: current, steps: results, to: toPos === 0 ? null : chain[toPos - 1].id}
        }),
      )
      options.onDatabase?.({...result, database: database.name})
      return result
    },
    {onFailure: options.onFailure},
  )
}

/**
 * A version table dropped while the history table says the database was at
 * a revision: upgrading from base would run the chain again over the
 * schema. The run refuses, and says how to restore it.
 */
async function versionTableKept(session: Session): Promise<void> {
  const {adapter} = session.dialect
  if (await adapter.tableExists(session.connection, session.versions.table)) return
  const last = await session.versions.lastMove(adapter, session.connection)
  if (last?.toRevision) {
    throw new RevisionError(
      `${session.versions.table} is missing, but ${session.versions.historyTable} says the database was at ${last.toRevision} (its last ${last.direction}, ${last.appliedAt} UTC by ${last.appliedBy ?? 'unknown'}): ` +
        `the version table was dropped; if the schema is at ${last.toRevision}, restore it with "db-manage stamp ${last.toRevision}"`,
    )
  }
}

/**
 * Before anything is applied, the applied scripts are compared with the
 * checksums recorded when they ran (Flyway's validate on migrate): a script
 * edited after it ran means the database no longer holds what the chain
 * says, and what comes next would build on it unseen.
 */
async function validateApplied(session: Session, chain: readonly ScriptRevision[], current: string): Promise<void> {
  const history = await session.versions.readHistory(session.dialect.adapter, session.connection)
  const {edited} = compareChecksums(chain, current, history)
  if (edited.length === 0) return
  throw new ChainError(
    `upgrade refused, nothing was applied: ${edited.join('; ')} (validate_on_migrate = false in [db_manage] skips this check)`,
  )
}

/**
 * Where DDL commits as it runs (MySQL), a step a killed or failed run left
 * marked in progress is named, and the run refuses to guess: a stamp settles
 * it. A mark whose step moved the version (the run died between the version
 * update and its history row) finished: its row is completed.
 */
async function unfinishedStep(
  session: Session,
  chain: readonly ScriptRevision[],
  current: null | string,
): Promise<void> {
  if (session.dialect.adapter.supportsTransactionalDdl) return
  const mark = await session.versions.openMark(session.dialect.adapter, session.connection)
  if (!mark) return
  const direction = mark.revision === mark.toRevision ? 'upgrade' : 'downgrade'
  if (current === mark.toRevision && current !== mark.fromRevision) {
    await session.versions.finishMark(direction)
    return
  }

  const fileName = chain.find((r) => r.id === mark.revision)?.fileName ?? `revision ${mark.revision}`
  throw new RevisionError(
    `${direction} ${mark.fromRevision ?? '<base>'} -> ${mark.toRevision ?? '<base>'} (${fileName}) started at ${mark.appliedAt} UTC by ${mark.appliedBy ?? 'unknown'} and did not finish (the run was killed or failed part-way): ` +
      `MySQL commits DDL as it goes, so some of its statements may have been applied while the version table says ${current ?? 'base'}; check the schema, then ${settleHint(fileName, mark.fromRevision, mark.toRevision)}`,
  )
}

export async function upgrade(config: Config, options: MigrateOptions = {}): Promise<MigrateResult[]> {
  return migrate(config, 'upgrade', options)
}

export async function downgrade(config: Config, options: MigrateOptions = {}): Promise<MigrateResult[]> {
  return migrate(config, 'downgrade', options)
}

export interface CurrentResult {
  readonly database: string
  readonly url: string
  readonly versionTable: string
  readonly current: null | string
  readonly isHead: boolean
  readonly message?: string
}

/** The revision each database is at (null at base). */
export async function current(config: Config, options: SessionOptions = {}): Promise<CurrentResult[]> {
  return eachDatabase(config, async (database) => {
    // On a URL alone (a job's image), with no scripts beside it, the revision is all there is to say.
    const scripts =
      config.scriptsGiven || existsSync(database.scriptLocation) ? await chainOf(config, database) : undefined
    const revision = await withSession(config, database, options, readCurrent)
    const base = {url: database.url!.masked, versionTable: database.versionTable}
    if (!scripts) return {...base, current: revision, isHead: false}
    const {chain, dir} = scripts
    if (revision !== null && !dir.map.get(revision)) {
      throw new RevisionError(
        `the database is at revision ${revision}, which no script in ${database.scriptLocation} declares`,
      )
    }

    return {
      current: revision,
      isHead: revision !== null && chain.at(-1)?.id === revision,
      message: chain.find((r) => r.id === revision)?.message,
      ...base,
    }
  })
}

export interface StampResult {
  readonly database: string
  readonly from: null | string
  readonly to: null | string
}

/** Set the version without running anything; --purge empties the table first. */
export async function stamp(
  config: Config,
  spec: string,
  options: SessionOptions & {purge?: boolean} = {},
): Promise<StampResult[]> {
  return eachDatabase(config, async (database) => {
    const {dir} = await chainOf(config, database)
    return withSession(config, database, options, (session) =>
      withLock(session, options.lockTimeout ?? config.lockTimeout, async () => {
        await ensureVersionTable(session)
        const from = options.purge ? null : await readCurrent(session)
        const to = dir.map.resolve(spec, from)
        // A stamp settles a step a run left unfinished (MySQL): the mark stays in the history as interrupted.
        const settle =
          !session.dialect.adapter.supportsTransactionalDdl &&
          (await session.versions.openMark(session.dialect.adapter, session.connection)) !== undefined
        await onlineContext(session, config.transactionPerMigration).stamp(from, to, {
          checksum: to === null ? undefined : (dir.map.get(to) as ScriptRevision).checksum,
          purge: options.purge,
          settle,
        })
        return {from, to}
      }),
    )
  })
}

export interface AcceptEditResult {
  readonly database: string
  readonly revision: string
  readonly fileName: string
  readonly checksum: string
}

/**
 * `stamp --accept-edit REV`: a deliberate edit of an applied script (a
 * comment, a fix that changes nothing in the schema) is accepted: its new
 * checksum is recorded, and by whom, as Flyway's repair does.
 */
export async function acceptEdit(
  config: Config,
  spec: string,
  options: SessionOptions = {},
): Promise<AcceptEditResult[]> {
  return eachDatabase(config, async (database) => {
    const {chain, dir} = await chainOf(config, database)
    return withSession(config, database, options, (session) =>
      withLock(session, options.lockTimeout ?? config.lockTimeout, async () => {
        await ensureVersionTable(session)
        const current = await readCurrent(session)
        const id = dir.map.resolve(spec, current)
        if (id === null) throw new RevisionError('--accept-edit needs a revision, not base')
        const position = chain.findIndex((r) => r.id === id) + 1
        const at = appliedCount(chain, current)
        if (position > at)
          throw new RevisionError(
            `${id} is not applied (the database is at ${current ?? 'base'}): there is no edit to accept`,
          )
        const script = chain[position - 1]
        await session.versions.acceptEdit(id, script.checksum)
        return {checksum: script.checksum, fileName: script.fileName, revision: id}
      }),
    )
  })
}
