import {existsSync} from 'node:fs'
import path from 'node:path'

import type {Config, DatabaseConfig} from '../config/config.js'
import {dropAllFor, type Dropped} from '../dialects/drop-all.js'
import {type SessionOptions} from '../runtime/session.js'
import type {StepResult} from '../runtime/step.js'
import {withMigrator} from '../runtime/migrator.js'
import {readSeeds} from '../script/object-scripts.js'
import {ConfigError} from '../util/errors.js'
import {eachDatabase} from './fleet.js'
import {scriptsWithRepeatables} from './scripts.js'

export interface SeedOptions extends SessionOptions {
  /** Run every seed, applied or not (`--all`). */
  readonly all?: boolean
  /** Called as each seed (and, for reset, each step) completes. */
  readonly onStep?: (database: string, step: StepResult) => void
}

export interface SeedResult {
  readonly database: string
  /** The seeds' folder. */
  readonly location: string
  /** How many seeds it holds. */
  readonly seeds: number
  readonly steps: readonly StepResult[]
}

/** The seeds of one database, with the folder they came from (seed_location, or `seeds` beside the scripts). */
function seedsOf(database: DatabaseConfig) {
  return {location: database.seedLocation, seeds: readSeeds(database.seedLocation)}
}

/**
 * `seed`: each database's seeds (`seeds/`, or seed_location) that did not run as they are now (`all`: every one),
 * in file-name order or the order their `-- depends:` lines give, under the migration lock, each in its own
 * transaction and recorded in the history table (direction `seed`), so that a seed runs again only once it changed.
 */
export async function seed(config: Config, options: SeedOptions = {}): Promise<SeedResult[]> {
  return eachDatabase(config, async (database) => {
    const {location, seeds} = seedsOf(database)
    if (!existsSync(location))
      throw new ConfigError(
        `no seeds folder: ${location} does not exist (seed_location sets it, relative to the config file; by default` +
          ` "seeds" beside ${path.basename(database.scriptLocation)}/)`,
      )
    const scripts = await scriptsWithRepeatables(config, database)
    const steps = await withMigrator(config, database, scripts, options, (migrator) =>
      migrator.seed(seeds, {all: options.all, onStep: (step) => options.onStep?.(database.name, step)}),
    )
    return {location, seeds: seeds.length, steps}
  })
}

export interface ResetResult {
  readonly database: string
  readonly dropped: Dropped
  readonly steps: readonly StepResult[]
  readonly to: null | string
}

/**
 * `reset`: a developer's database emptied (every object of it dropped), upgraded to head (repeatables included)
 * and seeded, under the migration lock. Refused, before connecting, unless the database is SQLite or its section
 * says `dev = true`.
 */
export async function reset(
  config: Config,
  options: Omit<SeedOptions, 'all'> & {onDropped?: (database: string, dropped: Dropped) => void} = {},
): Promise<ResetResult[]> {
  for (const database of config.databases) allowedToReset(database)
  return eachDatabase(config, async (database) => {
    const {seeds} = seedsOf(database)
    const scripts = await scriptsWithRepeatables(config, database)
    const dropAll = await dropAllFor(database.url!.dialect)
    const done = await withMigrator(config, database, scripts, options, (migrator) =>
      migrator.reset(
        seeds,
        async (session) => {
          const dropped = await dropAll(session.connection, (name) => session.dialect.compiler.quote(name))
          options.onDropped?.(database.name, dropped)
          return dropped
        },
        {onStep: (step) => options.onStep?.(database.name, step)},
      ),
    )
    return {dropped: done.dropped, steps: [...done.upgrade.steps, ...done.seeds], to: done.upgrade.to}
  })
}

/** A reset drops everything: only a SQLite file, or a database whose own section says `dev = true`. */
function allowedToReset(database: DatabaseConfig): void {
  const {url} = database
  if (!url)
    throw new ConfigError(
      `reset needs a database: no connection configured for ${database.devKey.replace(/ dev$/, '')}`,
    )
  if (url.dialect === 'sqlite' || database.dev) return
  if (database.devOverriddenBy)
    throw new ConfigError(
      `reset refused: ${database.devKey} = true vouches for the connection in the file, and ${database.devOverriddenBy}` +
        ` replaced it with ${url.masked}`,
    )
  throw new ConfigError(
    `reset refused: it drops every object of ${url.masked}, and ${database.devKey} is not true` +
      ' (set dev = true there for a developer database; a SQLite database needs none)',
  )
}
