import {existsSync} from 'node:fs'

import {compiledByEarlyWorker, prepareScripts, scriptsCompiledByWorker, waitedForCompileWorker} from '../boot/index.js'
import type {Config} from '../config/config.js'
import {Migrator, settingsOf, withMigrator} from '../runtime/migrator.js'
import {annotate} from '../runtime/phases.js'
import {type SessionOptions, withSession} from '../runtime/session.js'
import type {StepResult} from '../runtime/step.js'
import {type ObjectState, objectStatus} from '../runtime/object-status.js'
import {readRepeatables} from '../script/object-scripts.js'
import {UsageError} from '../util/errors.js'
import {scriptsFor, scriptsWithRepeatables} from './scripts.js'
import {eachDatabase} from './fleet.js'

export interface MigrateOptions extends SessionOptions {
  /** head, base, an id, +N, -N, head-N, REV+N. */
  readonly target?: string
  /** sahara's --delta N: +N for upgrade, -N for downgrade. */
  readonly delta?: number
  /** Seconds a statement may wait for a table lock (wins over statement_lock_timeout); 0 waits as the server does. */
  readonly statementLockTimeout?: number
  /** Tries after a revision gave up waiting for a lock (wins over statement_lock_retries). */
  readonly statementLockRetries?: number
  /** Seconds a statement may run (wins over statement_timeout); 0, no limit. */
  readonly statementTimeout?: number
  /** A revision gave up waiting for a lock, rolled back, and is tried again: one line naming who held it. */
  readonly onRetry?: (database: string, line: string) => void
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
    async (database, shared) => {
      // A fleet's tenants share one reading of their chain's folder.
      const scripts = await shared.once(`${direction}:${database.scriptLocation}:${database.missingScripts}`, () =>
        direction === 'upgrade'
          ? scriptsWithRepeatables(config, database, {forImport: true})
          : scriptsFor(config, database, {forImport: true}),
      )
      // A first run compiles the chain's scripts on a second thread meanwhile (boot/compile-worker.ts).
      prepareScripts(scripts.chain)
      const result = await withMigrator(config, database, scripts, options, (migrator) =>
        migrator.migrate(direction, spec, {
          onRetry: (line) => options.onRetry?.(database.name, line),
          onStep: (step) => options.onStep?.(database.name, step),
        }),
      )
      const byWorker = scriptsCompiledByWorker()
      if (byWorker > 0)
        annotate(
          'script import',
          `${byWorker} compiled on a second thread${compiledByEarlyWorker() ? ', started with the bundle' : ''}` +
            `, waited for ${Math.round(waitedForCompileWorker())} ms`,
        )
      options.onDatabase?.({...result, database: database.name})
      return result
    },
    {onFailure: options.onFailure},
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
  /**
   * The repeatable objects, when there are any, in the order they run: `applied` as they are, or due at the next
   * upgrade to head (`new`, `changed`, `after a downgrade`).
   */
  readonly repeatables?: ReadonlyArray<{readonly file: string; readonly state: ObjectState}>
}

/** The revision each database is at (null at base). */
export async function current(config: Config, options: SessionOptions = {}): Promise<CurrentResult[]> {
  return eachDatabase(config, async (database) => {
    // On a URL alone (a job's image), with no scripts beside it, the revision is all there is to say.
    const scripts =
      config.scriptsGiven || existsSync(database.scriptLocation) ? await scriptsFor(config, database) : undefined
    const repeatables = scripts ? readRepeatables(database.scriptLocation) : []
    const {revision, rows} = await withSession(config, database, options, async (session) => ({
      revision: await Migrator.online(session, scripts, settingsOf(config, options, database)).version(),
      // The history rows only when there are repeatables to compare with them.
      rows:
        repeatables.length > 0 ? await session.versions.readHistory(session.dialect.adapter, session.connection) : [],
    }))
    const base = {url: database.url!.masked, versionTable: database.versionTable}
    if (!scripts) return {...base, current: revision, isHead: false}
    const {chain} = scripts
    return {
      current: revision,
      isHead: revision !== null && chain.at(-1)?.id === revision,
      message: chain.find((r) => r.id === revision)?.message,
      ...base,
      ...(repeatables.length > 0 && {
        repeatables: objectStatus(repeatables, 'repeatable', rows).map((s) => ({
          file: s.script.fileName,
          state: s.state,
        })),
      }),
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
  return eachDatabase(config, async (database) =>
    withMigrator(config, database, await scriptsFor(config, database), options, (migrator) =>
      migrator.stamp(spec, {purge: options.purge}),
    ),
  )
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
    const script = await withMigrator(config, database, await scriptsFor(config, database), options, (migrator) =>
      migrator.acceptEdit(spec),
    )
    return {checksum: script.checksum, fileName: script.fileName, revision: script.id}
  })
}
