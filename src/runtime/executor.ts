import {batchIndex, type Connection, type QueryResult} from '../dialects/connection.js'
import type {Statement} from '../dialects/ddl-compiler.js'

/**
 * The one place all migration SQL goes through, version-table updates
 * included: online it runs on the connection; offline (--sql) it is written
 * out. Offline therefore equals online by construction.
 */
export interface SqlExecutor {
  execute(statement: Statement): Promise<QueryResult>
  /**
   * Online, while a run batches and where the connection takes several
   * statements in one round trip: queue a statement whose result nobody
   * reads; it runs with the next statement that is executed, or at `flush`.
   * `check` sees its result then, and may throw. False: nothing was queued,
   * execute it.
   */
  defer?(statement: Statement, check?: (result: QueryResult) => void, guarded?: Guarded): boolean
  /** Run what was deferred (a step's end, before anything reads the database). */
  flush?(): Promise<void>
  /** Drop what was deferred: the transaction is rolled back anyway. */
  discard?(): void
}

/**
 * The same statement made to fail on the server where `check` would throw
 * (PostgreSQL: `... SELECT 1 / count(*)`, division by zero when nothing
 * moved). Nothing then waits on the client for its result, so what follows
 * it (the COMMIT) goes in the same round trip; `error` is what its failure says.
 */
export interface Guarded {
  readonly sql: string
  readonly error: () => Error
}

/** PostgreSQL's division_by_zero, which a guarded statement raises when its check fails. */
const GUARD_FAILED = '22012'

/** A statement that failed, kept on the driver's error, so a failure names it exactly. */
export function failedStatement(error: unknown): string | undefined {
  const statement = (error as {statement?: unknown})?.statement
  return typeof statement === 'string' ? statement : undefined
}

function naming(error: unknown, sql: string): unknown {
  if (error && typeof error === 'object' && failedStatement(error) === undefined) Object.assign(error, {statement: sql})
  return error
}

interface Deferred {
  readonly sql: string
  readonly check?: (result: QueryResult) => void
  readonly guard?: () => Error
}

export class OnlineExecutor implements SqlExecutor {
  /** Statements run since the last mark, for reporting what a failed MySQL revision left behind. */
  executed: string[] = []
  private pending: Deferred[] = []
  /**
   * Set by a migration run (PostgreSQL, inside its transaction): a step's
   * statements and its version update go in one round trip.
   */
  batching = false
  /**
   * Set with batching where a COMMIT follows each step: a statement with a
   * server-side form (Guarded) is sent so, and the COMMIT joins its round
   * trip. Elsewhere the client checks (the server's check costs more than it saves).
   */
  guarding = false

  constructor(readonly connection: Connection, private readonly debug?: (line: string) => void) {}

  defer(statement: Statement, check?: (result: QueryResult) => void, guarded?: Guarded): boolean {
    if (!this.batching || !this.connection.batch || statement.params?.length) return false
    if (guarded && this.guarding) {
      this.trace({sql: guarded.sql})
      this.pending.push({guard: guarded.error, sql: guarded.sql})
    } else {
      this.trace(statement)
      this.pending.push({check, sql: statement.sql})
    }

    return true
  }

  private trace(statement: Statement): void {
    this.debug?.(`SQL: ${statement.sql}${statement.params?.length ? ` -- params: ${JSON.stringify(statement.params)}` : ''}`)
  }

  async execute(statement: Statement): Promise<QueryResult> {
    // Not after a checked statement: the check must see its result before anything else (a COMMIT) runs.
    if (this.pending.length > 0 && !statement.params?.length && !this.pending.some((d) => d.check)) {
      this.trace(statement)
      const results = await this.runPending({sql: statement.sql})
      return results.at(-1)!
    }

    await this.flush()
    this.trace(statement)
    try {
      const result = await this.connection.query(statement.sql, statement.params)
      this.executed.push(statement.sql)
      return result
    } catch (error) {
      throw naming(error, statement.sql)
    }
  }

  discard(): void {
    this.pending = []
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.runPending()
  }

  /** The deferred statements, and `last` after them, in one round trip; each deferred check sees its result. */
  private async runPending(last?: Deferred): Promise<QueryResult[]> {
    const batch = last ? [...this.pending, last] : this.pending
    this.pending = []
    const sqls = batch.map((d) => d.sql)
    this.debug?.(`round trip: ${sqls.length} statement(s) in one query, the last ${sqls.at(-1)!.length > 60 ? `${sqls.at(-1)!.slice(0, 60)}...` : sqls.at(-1)}`)
    let results: QueryResult[]
    try {
      results = await this.connection.batch!(sqls)
    } catch (error) {
      const index = batchIndex(error) ?? 0
      this.executed.push(...sqls.slice(0, index))
      const guard = batch[index]?.guard
      if (guard && (error as {code?: unknown})?.code === GUARD_FAILED) throw guard()
      throw naming(error, sqls[index])
    }

    this.executed.push(...sqls)
    // A last statement that held several returns several results: the deferred ones come first.
    for (const [i, deferred] of batch.entries()) deferred.check?.(results[i] ?? {rows: []})
    return last ? [results.at(-1)!] : results
  }
}
