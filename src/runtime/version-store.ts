import type {Connection} from '../dialects/connection.js'
import type {DdlCompiler, Statement} from '../dialects/ddl-compiler.js'
import type {Adapter} from '../dialects/dialect.js'
import {DatabaseError} from '../util/errors.js'
import type {SqlExecutor} from './executor.js'

/**
 * Alembic's version table, spelled as Alembic writes it so a database that
 * Alembic or sahara-db-manage managed is taken over as it is, and offline
 * output reads the same. Ids are plain words (the revision map refuses any
 * other); they are still written as the dialect's escaped literals.
 */
export function versionStatements(table: string, compiler?: Pick<DdlCompiler, 'literal'>) {
  const literal = (id: string) => (compiler ? compiler.literal(id) : `'${id.replaceAll("'", "''")}'`)
  return {
    create(ifNotExists = false): Statement {
      return {sql: `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${table} (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT ${table}_pkc PRIMARY KEY (version_num)\n)`}
    },
    deleteAll(): Statement {
      return {sql: `DELETE FROM ${table}`}
    },
    /** The statement that moves the version from `from` to `to` (either may be base). */
    move(from: null | string, to: null | string): Statement | undefined {
      if (from === to) return undefined
      if (from === null) return {sql: `INSERT INTO ${table} (version_num) VALUES (${literal(to!)})`}
      if (to === null) return {sql: `DELETE FROM ${table} WHERE ${table}.version_num = ${literal(from)}`}
      return {sql: `UPDATE ${table} SET version_num=${literal(to)} WHERE ${table}.version_num = ${literal(from)}`}
    },
    select(): Statement {
      return {sql: `SELECT version_num FROM ${table}`}
    },
  }
}

/** A step as the version store records it. */
export interface AppliedStep {
  readonly direction: 'downgrade' | 'upgrade'
  readonly from: null | string
  readonly to: null | string
}

/**
 * Everything written to the version table, online or offline, goes through
 * here and only here: create, move after a step, stamp. `applied` is the one
 * place a step's bookkeeping is written, inside the step's transaction.
 * Disabled (`--no-version-table`), it writes nothing.
 */
export class VersionStore {
  private readonly sql: ReturnType<typeof versionStatements>

  constructor(private readonly executor: SqlExecutor, readonly table: string, compiler: Pick<DdlCompiler, 'literal'>, private readonly enabled = true) {
    this.sql = versionStatements(table, compiler)
  }

  async create(ifNotExists = false): Promise<void> {
    if (this.enabled) await this.executor.execute(this.sql.create(ifNotExists))
  }

  /** Online: create the table unless it is there (a database Alembic or db-manage already manages). */
  async ensure(adapter: Adapter, connection: Connection): Promise<void> {
    if (this.enabled && !(await adapter.tableExists(connection, this.table))) await this.create(true)
  }

  /** The version row, null at base; a clear error when the table holds several. */
  async read(connection: Connection): Promise<null | string> {
    const {rows} = await connection.query(this.sql.select().sql)
    if (rows.length > 1) {
      throw new DatabaseError(`${this.table} holds ${rows.length} rows (${rows.map((r) => r.version_num).join(', ')}): db-manage keeps one linear chain; fix it with "db-manage stamp REV --purge"`)
    }

    return rows.length === 0 ? null : String(rows[0].version_num)
  }

  /**
   * A step is done: move the version, in the step's own transaction (the
   * history row of the CI-gate issue belongs here, beside it).
   */
  async applied(step: AppliedStep): Promise<void> {
    const move = this.enabled ? this.sql.move(step.from, step.to) : undefined
    // Offline the writer reports no row count; online 0 rows means the version was not where this run left it.
    if (move && (await this.executor.execute(move)).rowCount === 0) {
      throw new DatabaseError(`${this.table} did not hold ${step.from} when this revision finished; another tool changed it`)
    }
  }

  /** Set the version without running anything; `purge` empties the table first. */
  async stamp(from: null | string, to: null | string, purge = false): Promise<void> {
    if (!this.enabled) return
    if (purge) await this.executor.execute(this.sql.deleteAll())
    const move = this.sql.move(purge ? null : from, to)
    if (move) await this.executor.execute(move)
  }
}
