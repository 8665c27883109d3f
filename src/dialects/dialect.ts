import type {DatabaseUrl} from '../config/database-url.js'
import type {DialectName} from '../util/dialect-names.js'
import type {Connection, Trace} from './connection.js'
import type {DdlCompiler} from './ddl-compiler.js'
import type {ColumnSchema, Introspector, SchemaReader} from '../model/table-schema.js'

/** What a migration lock guards: one version table, in a tenant's schema when it has one. */
export interface LockTarget {
  readonly versionTable: string
  readonly schema?: string
}

/** What differs between databases beyond SQL spelling: capabilities and the lock. */
export interface Adapter {
  /** DDL runs inside a transaction and rolls back with it (PostgreSQL, SQLite). */
  readonly supportsTransactionalDdl: boolean
  /** Offline SQL wraps revisions in BEGIN;/COMMIT; (Alembic does so only for PostgreSQL). */
  readonly offlineTransactions: boolean
  /** The statement that opens a migration transaction. */
  readonly beginSql: string
  /**
   * The name of the migration lock that serialises the runs on one version
   * table (an advisory lock key, a GET_LOCK name, a lock file): the same for
   * every run on that table, by whatever path or URL it came, and different
   * for every other table, database or tenant schema.
   */
  lockName(connection: Connection, target: LockTarget): Promise<string>
  /**
   * Take the named lock for the whole run, so the version read before
   * planning stays true; throws a DatabaseError after `timeoutSeconds`. When
   * `signal` aborts, the wait ends within a fraction of a second and this
   * rejects (with whatever error); the caller says why.
   */
  acquireLock(connection: Connection, name: string, timeoutSeconds: number, signal?: AbortSignal): Promise<void>
  releaseLock(connection: Connection, name: string): Promise<void>
  /**
   * statement_lock_timeout: make each statement of the session give up after
   * waiting `seconds` for a lock, rather than queue behind a long transaction
   * (and block every reader queued behind it); SQLite's busy_timeout.
   */
  limitLockWaits?(connection: Connection, seconds: number): Promise<void>
  /** statement_timeout: make each statement of the session give up after running `seconds`. */
  limitStatements?(connection: Connection, seconds: number): Promise<void>
  /** The server's id of this session (PostgreSQL's backend pid, MySQL's connection id), for lockBlockers. */
  sessionId?(connection: Connection): Promise<string>
  /**
   * The sessions that hold what session `waiter` waits for, asked on another connection while it waits
   * (PostgreSQL's pg_blocking_pids; MySQL's open transactions while it waits for a metadata lock).
   */
  lockBlockers?(monitor: Connection, waiter: string): Promise<LockBlocker[]>
  tableExists(connection: Connection, table: string): Promise<boolean>
  /**
   * Where autogenerate builds a target: `memory` (SQLite), or a temporary
   * database on a server, created by `create` on a connection to it (MySQL's
   * copies the default collation of the database that connection names, so
   * tables the target leaves to the default get the collation the live
   * database gives them) and dropped by `drop`.
   */
  readonly scratch:
    | 'memory'
    | {
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
   * A foreign key needs an index on its columns, makes one (named as the
   * key) when there is none, and leaves it behind when dropped (MySQL):
   * autogenerate then states that index, and orders index changes around the key.
   */
  readonly foreignKeysNeedIndexes?: boolean
  /** Bytes a column takes toward the row-size limit (MySQL): autogenerate frees room before it takes some. */
  columnBytes?(column: ColumnSchema): number
  /**
   * A target .sql file as a dump tool writes it, made ready for the scratch
   * database: statements the server refuses to take from a file skipped
   * (SQLite's own tables), and what
   * to run before and after it (MySQL: foreign key checks off, as mysqldump
   * assumes; PostgreSQL: pg_dump's emptied search_path restored before reading).
   */
  readonly dumpFile: {
    readonly skip: (statement: string) => boolean
    readonly before: readonly string[]
    readonly after: readonly string[]
    /**
     * Whether a statement that failed made nothing the schema lacks (SQLite:
     * `.schema` lists a virtual table's shadow tables as CREATE TABLE IF NOT
     * EXISTS, which the module made already and a defensive connection refuses).
     */
    readonly madeAlready?: (connection: Connection, statement: string, error: unknown) => Promise<boolean>
  }
  /** Why a target's statement failed, where the server's words do not point at the cause (PostgreSQL: an extension). */
  readonly explainFailure?: (error: unknown, connection: Connection) => Promise<string | undefined>
}

/** A database kind: four parts, each in a same-named file of its folder. */
export interface Dialect {
  readonly name: DialectName
  readonly compiler: DdlCompiler
  readonly adapter: Adapter
  /** `trace`: report every statement the connection sends, its own set-up included (--debug). */
  connect(url: DatabaseUrl, timeoutMs: number, trace?: Trace): Promise<Connection>
  introspector(connection: Connection): Introspector & SchemaReader
}

/** A session that holds a lock a migration statement waits for. */
export interface LockBlocker {
  readonly id: string
  /** application_name (PostgreSQL), user@host (MySQL). */
  readonly application: string
  /** When its query (PostgreSQL) or transaction (MySQL) started. */
  readonly since?: string
  readonly state?: string
  readonly query?: string
}
