import type {DatabaseUrl} from './database-url.js'

/** One database the commands act on: `[database]` or `[database:NAME]`. */
export interface DatabaseConfig {
  /** `default` for a plain `[database]` section, else the NAME of `[database:NAME]`. */
  readonly name: string
  /** Undefined when no connection is configured (chain-only commands still work). */
  readonly url?: DatabaseUrl
  /** Absolute folder holding the revision scripts. */
  readonly scriptLocation: string
  readonly versionTable: string
  /** Absolute path of the target schema module or `.sql` file, if configured. */
  readonly targetSchema?: string
  /** Autogenerate compares only tables matching these patterns (`*` wildcard); empty: all. */
  readonly includeTables: readonly string[]
  readonly excludeTables: readonly string[]
  /** A server where autogenerate may create and drop a scratch database for a .sql target. */
  readonly scratchUrl?: string
}

/** The typed configuration every api function takes. */
export interface Config {
  /** Absolute path of the config file it was read from. */
  readonly file: string
  readonly transactionPerMigration: boolean
  readonly revisionDigits: number
  /** Seconds to wait for the migration lock. */
  readonly lockTimeout: number
  readonly databases: readonly DatabaseConfig[]
}
