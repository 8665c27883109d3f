import {prepareScripts} from '../boot/index.js'
import type {Config, DatabaseConfig} from '../config/config.js'
import {DIALECT_NAMES} from '../util/dialect-names.js'
import {type DialectName} from '../util/dialect-names.js'
import type {Dialect} from '../dialects/dialect.js'
import {getDialect} from '../dialects/registry.js'
import {Migrator} from '../runtime/migrator.js'
import {SqlSpool} from '../runtime/sql-spool.js'
import {RevisionError, UsageError} from '../util/errors.js'
import {scriptsFor, scriptsWithRepeatables} from './scripts.js'
import {eachDatabase} from './fleet.js'

export interface OfflineOptions {
  /** TARGET, or START:END. */
  readonly revisions: string
  /** false: leave out every version-table statement (--no-version-table). */
  readonly versionTable?: boolean
  /** The dialect when no URL is configured (--dialect); wins over the URL's. */
  readonly dialect?: DialectName
  /** Write each database's SQL to a spool as it is rendered (its result's `spool`), not into `sql`. */
  readonly spool?: boolean
}

export interface OfflineResult {
  readonly database: string
  /** The SQL; empty when it went to `spool`. */
  readonly sql: string
  /** With OfflineOptions.spool: the file that holds the SQL (whoever writes it out removes it). */
  readonly spool?: SqlSpool
}

async function dialectOf(database: DatabaseConfig, name: DialectName | undefined): Promise<Dialect> {
  const chosen = name ?? database.url?.dialect
  if (!chosen)
    throw new UsageError(
      `--sql needs a dialect: configure a connection URL for [${database.name}] or pass --dialect ${DIALECT_NAMES.join('|')}`,
    )
  return getDialect(chosen)
}

/** Offline ranges: START:END, or a target from base. No database is asked, so nothing is relative to it. */
function offlineRange(spec: string): [string, string] {
  const parts = spec.split(':')
  if (parts.length === 1) return ['base', spec]
  if (parts.length === 2 && parts[0] !== '' && parts[1] !== '') return [parts[0], parts[1]]
  throw new RevisionError(`invalid range "${spec}" for --sql: expected START:END, e.g. base:head or 003:005`)
}

/** `upgrade --sql` / `downgrade --sql`: the migration as SQL text, no connection made. */
export async function renderMigration(
  config: Config,
  direction: 'downgrade' | 'upgrade',
  options: OfflineOptions,
): Promise<OfflineResult[]> {
  if (direction === 'downgrade' && !options.revisions.includes(':')) {
    throw new UsageError(
      `downgrade --sql needs a range START:END (e.g. 005:003): offline there is no database to say where it starts`,
    )
  }

  const [startSpec, endSpec] = offlineRange(options.revisions)
  return eachDatabase(config, async (database) => {
    const scripts =
      direction === 'upgrade'
        ? await scriptsWithRepeatables(config, database, {forImport: true})
        : await scriptsFor(config, database, {forImport: true})
    // A first run compiles the chain's scripts on a second thread meanwhile (boot/compile-worker.ts).
    prepareScripts(scripts.chain)
    const from = scripts.map.position(startSpec)
    const to = scripts.map.position(endSpec)
    if (direction === 'upgrade' && to < from)
      throw new RevisionError(
        `upgrade --sql ${options.revisions}: ${endSpec} is below ${startSpec}; use downgrade --sql`,
      )
    if (direction === 'downgrade' && to > from)
      throw new RevisionError(
        `downgrade --sql ${options.revisions}: ${endSpec} is above ${startSpec}; use upgrade --sql`,
      )
    const dialect = await dialectOf(database, options.dialect)
    const spool = options.spool ? new SqlSpool() : undefined
    try {
      const migrator = Migrator.offline(dialect, database, scripts, {
        spool,
        transactionPerMigration: config.transactionPerMigration,
        versionTable: options.versionTable !== false,
      })
      return {spool, sql: await migrator.render(from, to, {repeatables: direction === 'upgrade'})}
    } catch (error) {
      spool?.remove()
      throw error
    }
  })
}

/** `stamp --sql REV` (from base) or `stamp --sql FROM:TO`. */
export async function renderStampSql(
  config: Config,
  revisions: string,
  options: Omit<OfflineOptions, 'revisions'> = {},
): Promise<OfflineResult[]> {
  const [startSpec, endSpec] = offlineRange(revisions)
  return eachDatabase(config, async (database) => {
    const scripts = await scriptsFor(config, database)
    const dialect = await dialectOf(database, options.dialect)
    const to = scripts.map.resolve(endSpec)
    if (options.versionTable === false) return {sql: ''}
    const migrator = Migrator.offline(dialect, database, scripts, {
      transactionPerMigration: config.transactionPerMigration,
      versionTable: true,
    })
    return {sql: await migrator.renderStamp(scripts.map.resolve(startSpec), to)}
  })
}

/** Several databases' SQL in one text, each under a comment naming it. */
export function joinOffline(results: readonly OfflineResult[], named = results.length > 1): string {
  if (!named) return results.map((r) => r.sql).join('')
  return results.map((r) => `-- Database: ${r.database}\n\n${r.sql}`).join('')
}
