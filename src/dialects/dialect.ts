import type {DatabaseUrl, DialectName} from '../config/database-url.js'
import type {Connection} from './connection.js'
import type {DdlCompiler} from './ddl-compiler.js'
import type {Introspector, SchemaReader} from './table-schema.js'

/** What differs between databases beyond SQL spelling: capabilities and the lock. */
export interface Adapter {
  /** DDL runs inside a transaction and rolls back with it (PostgreSQL, SQLite). */
  readonly supportsTransactionalDdl: boolean
  /** Offline SQL wraps revisions in BEGIN;/COMMIT; (Alembic does so only for PostgreSQL). */
  readonly offlineTransactions: boolean
  /** The statement that opens a migration transaction. */
  readonly beginSql: string
  /**
   * Serialise concurrent runs with a lock held for the whole run (advisory
   * lock, GET_LOCK, SQLite's lock file), so the version read before planning
   * stays true; throws a DatabaseError on timeout.
   */
  acquireLock(connection: Connection, key: string, timeoutSeconds: number): Promise<void>
  releaseLock(connection: Connection, key: string): Promise<void>
  /**
   * statement_lock_timeout: make each statement of the session give up after
   * waiting `seconds` for a lock, rather than queue behind a long transaction
   * (and block every reader queued behind it). Absent where a statement does
   * not queue so (SQLite's writer waits for the busy timeout).
   */
  limitLockWaits?(connection: Connection, seconds: number): Promise<void>
  tableExists(connection: Connection, table: string): Promise<boolean>
  /**
   * Where autogenerate builds a target: `memory` (SQLite), or a temporary
   * database on a server, created by `create` on a connection to it (MySQL's
   * copies the default collation of the database that connection names, so
   * tables the target leaves to the default get the collation the live
   * database gives them) and dropped by `drop`.
   */
  readonly scratch: 'memory' | {
    create(admin: Connection, name: string): Promise<string>
    drop(name: string): string
  }
  /**
   * Changes to an existing table's columns and constraints need a table
   * rebuild (batchAlterTable) on SQLite, which also checks foreign keys only
   * when rows arrive, so a key that closes a cycle among new tables stays inline.
   */
  readonly altersNeedBatch: boolean
  /**
   * How dbgate-query-splitter reads this dialect's SQL files: its options by
   * name, and text it would misread swapped for text it reads right while
   * splitting (`protect`), then swapped back in each statement (`restore`).
   */
  readonly splitter: {
    readonly options: 'mysqlSplitterOptions' | 'postgreSplitterOptions' | 'sqliteSplitterOptions'
    readonly protect?: (sql: string) => string
    readonly restore?: (statement: string) => string
  }
  /**
   * A target .sql file as a dump tool writes it, made ready for the scratch
   * database: tool-only lines dropped (psql's meta-commands), statements the
   * server refuses to take from a file skipped (SQLite's own tables), and what
   * to run before and after it (MySQL: foreign key checks off, as mysqldump
   * assumes; PostgreSQL: pg_dump's emptied search_path restored before reading).
   */
  readonly dumpFile: {
    readonly prepare: (text: string) => string
    readonly skip: (statement: string) => boolean
    readonly before: readonly string[]
    readonly after: readonly string[]
  }
  /** Why a target's statement failed, where the server's words do not point at the cause (PostgreSQL: an extension). */
  readonly explainFailure?: (error: unknown, connection: Connection) => Promise<string | undefined>
}

/** A database kind: four parts, each in a same-named file of its folder. */
export interface Dialect {
  readonly name: DialectName
  readonly compiler: DdlCompiler
  readonly adapter: Adapter
  connect(url: DatabaseUrl, timeoutMs: number): Promise<Connection>
  introspector(connection: Connection): Introspector & SchemaReader
}
