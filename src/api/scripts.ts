import {existsSync} from 'node:fs'

import type {Config, DatabaseConfig} from '../config/config.js'
import type {MigratorScripts} from '../runtime/migrator.js'
import {annotate, timed} from '../runtime/phases.js'
import {readRepeatables} from '../script/object-scripts.js'
import {
  readScriptDirectory,
  requireChain,
  type ScriptDirectory,
  type ScriptRevision,
} from '../script/script-directory.js'
import {ConfigError, UsageError} from '../util/errors.js'

/**
 * db-manage's own tables, which no schema comparison looks at: the version and history tables, and a batch's leftover
 * copy.
 */
export function isOwnTable(database: DatabaseConfig, name: string): boolean {
  return name === database.versionTable || name === database.historyTable || name.startsWith('_db_manage_tmp_')
}

/** Read the script directory of one database (`forImport`: the command will import its scripts). */
export async function scriptsOf(
  config: Config,
  database: DatabaseConfig,
  options: {forImport?: boolean} = {},
): Promise<ScriptDirectory> {
  if (database.missingScripts && !existsSync(database.scriptLocation)) throw new ConfigError(database.missingScripts)
  const dir = await timed('headers', () => readScriptDirectory(database.scriptLocation, config.revisionDigits, options))
  annotate('headers', `${dir.cached} of ${dir.scripts.length} from the cache`)
  return dir
}

/** The sound chain of one database's scripts, or a typed error naming the defect. */
export async function chainOf(
  config: Config,
  database: DatabaseConfig,
  options: {forImport?: boolean} = {},
): Promise<{dir: ScriptDirectory; chain: readonly ScriptRevision[]}> {
  const dir = await scriptsOf(config, database, options)
  return {chain: requireChain(dir), dir}
}

/** The sound chain of one database as a run plans over it (runtime/migrator.ts). */
export async function scriptsFor(
  config: Config,
  database: DatabaseConfig,
  options: {forImport?: boolean} = {},
): Promise<MigratorScripts> {
  const {chain, dir} = await chainOf(config, database, options)
  return {chain, location: database.scriptLocation, map: dir.map}
}

/** The chain of one database with its repeatable objects (`repeatable/` in script_location): what an upgrade runs. */
export async function scriptsWithRepeatables(
  config: Config,
  database: DatabaseConfig,
  options: {forImport?: boolean} = {},
): Promise<MigratorScripts> {
  return {...(await scriptsFor(config, database, options)), repeatables: readRepeatables(database.scriptLocation)}
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
