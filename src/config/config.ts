import type {DatabaseUrl} from './database-url.js'

/** What `lint_rules` makes of a rule: off, on (its own severity), or a severity. */
export type LintRuleSetting = 'error' | 'info' | 'off' | 'on' | 'warning'

/** One database the commands act on: `[database]` or `[database:NAME]`. */
export interface DatabaseConfig {
  /** `default` for a plain `[database]` section, else the NAME of `[database:NAME]`. */
  readonly name: string
  /**
   * The connection, read when first used: a command that never connects
   * (history, check_migration, revision, --sql with --dialect) needs none of
   * the variables it names. Undefined when none is configured; a ConfigError
   * when it is configured but cannot be expanded or parsed.
   */
  readonly url?: DatabaseUrl
  /** Whether a connection is configured, without expanding it. */
  readonly hasConnection: boolean
  /** Absolute folder holding the revision scripts. */
  readonly scriptLocation: string
  /** When script_location was set nowhere and no default folder exists: where it looked, and what sets it. */
  readonly missingScripts?: string
  readonly versionTable: string
  /**
   * Absolute folder of the seeds `db-manage seed` runs (`seed_location`, relative to the config file; by default
   * `seeds` beside the scripts' folder).
   */
  readonly seedLocation: string
  /** `dev = true` in the database's own section: a developer's database, which `reset` may empty. */
  readonly dev: boolean
  /** Where `dev` is set, for the message that refuses a reset: `db-manage.ini [database] dev`. */
  readonly devKey: string
  /** `dev = true` was set, but --url or DATABASE_URL (named here) replaced the connection it vouches for. */
  readonly devOverriddenBy?: string
  /** db-manage's own record of every step beside Alembic's version table (`history_table`). */
  readonly historyTable: string
  /** Lint rules allowed for the whole chain, each with its reason (`lint_allow`). */
  readonly lintAllow: ReadonlyMap<string, string>
  /** Lint rules turned off, or given another severity (`lint_rules`). */
  readonly lintRules: ReadonlyMap<string, LintRuleSetting>
  /**
   * The server versions the lint judges for (`lint_postgresql_version`, `lint_mysql_version`): PostgreSQL's
   * server_version_num, MySQL's as 80035 (MariaDB flagged); undefined: the database's, else the lint's default.
   */
  readonly lintTarget: {
    readonly postgresql?: number
    readonly mysql?: {readonly mariadb: boolean; readonly version: number}
  }
  /** Absolute path of the target schema module or `.sql` file, if configured. */
  readonly targetSchema?: string
  /** Autogenerate compares only tables matching these patterns (`*` wildcard); empty: all. */
  readonly includeTables: readonly string[]
  readonly excludeTables: readonly string[]
  /** A server where autogenerate may create and drop a scratch database for a .sql target. */
  readonly scratchUrl?: string
  /** Folder where exec looks up a bare SQL file name (exec_location). */
  readonly execLocation?: string
  /** Autogenerate writes changes to existing tables as batchAlterTable on every dialect. */
  readonly renderAsBatch: boolean
  /** `order`: databases run in ascending order (file order among equals); 0 unless set. */
  readonly order: number
  /** The `[fleet:NAME]` this database is a tenant of (its name is NAME/TENANT). */
  readonly fleet?: string
  /**
   * PostgreSQL schema a fleet's tenant lives in (`schema_template`): the
   * session's search_path is that schema alone, so the version table and
   * every object of the chain are created there.
   */
  readonly schema?: string
  /** The database's own statement_lock_timeout, statement_lock_retries, statement_timeout; absent: [db_manage]'s. */
  readonly statementLockTimeout?: number
  readonly statementLockRetries?: number
  readonly statementTimeout?: number
  /**
   * PostgreSQL schemas of one database (`schemas = public, billing`): the first is where the connection works (put
   * first in its search_path) and holds the version table; autogenerate compares the tables of each, those of the
   * others named `schema.table`. Empty: the connection's current schema alone, as before.
   */
  readonly schemas: readonly string[]
}

/** The typed configuration every api function takes. */
export interface Config {
  /** Absolute path of the config file it was read from (a description when there is none). */
  readonly file: string
  readonly transactionPerMigration: boolean
  readonly revisionDigits: number
  /** Seconds to wait for the migration lock. */
  readonly lockTimeout: number
  /**
   * Seconds each migration statement may wait for a table lock before its
   * revision gives up and rolls back (statement_lock_timeout, 5 by default);
   * 0 waits as long as the server does.
   */
  readonly statementLockTimeout: number
  /** How many times a revision that gave up waiting for a lock is tried again, with backoff (3 by default). */
  readonly statementLockRetries: number
  /** Seconds a migration statement may run (statement_timeout); 0, the default, no limit. */
  readonly statementTimeout: number
  readonly databases: readonly DatabaseConfig[]
  /** `--parallel N`: databases of one order (a fleet's tenants) run N at once. */
  readonly parallel: number
  /**
   * Output names each database (`[name] ...`): more than one is acted on, or
   * a fleet's tenants were (a shard may hold one), unless --db chose it.
   */
  readonly nameEach: boolean
  /** `--fail-fast`: a failing tenant stops its fleet; otherwise the others go on. */
  readonly failFast: boolean
  /**
   * Whether a config file or --script-location said where the scripts are;
   * false for a command run on a URL alone, whose script folder is only the
   * default `migrations` and may not exist.
   */
  readonly scriptsGiven: boolean
  /**
   * `upgrade` first compares the applied scripts with the checksums recorded
   * when they ran, and refuses when one was edited (Flyway's validateOnMigrate);
   * `validate_on_migrate = false` skips it.
   */
  readonly validateOnMigrate: boolean
}

/** A database config whose `url` is computed on first use (and then kept). */
export function databaseConfig(
  fields: Omit<DatabaseConfig, 'hasConnection' | 'url'>,
  url: (() => DatabaseUrl | undefined) | undefined,
): DatabaseConfig {
  let read: undefined | {url?: DatabaseUrl}
  const config = {...fields, hasConnection: url !== undefined}
  // A failed read is not kept: the next access fails the same way.
  Object.defineProperty(config, 'url', {enumerable: false, get: () => (read ??= {url: url?.()}).url})
  return Object.freeze(config) as DatabaseConfig
}
