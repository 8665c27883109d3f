import {batchIndex, type Connection, type QueryResult} from '../dialects/connection.js'
import {foldIndex, type Statement} from '../dialects/ddl-compiler.js'
import type {Step} from './step.js'

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
   * `failure`: what a division by zero from it means (a statement the server
   * checks, see DdlCompiler.guardedDml). False: nothing was queued, execute it.
   */
  defer?(statement: Statement, failure?: () => Error): boolean
  /**
   * Online, where the connection takes several statements in one round trip (MySQL): queue a statement of the
   * run's own bookkeeping (a step's in-progress mark) to go with the next statement executed, whether or not the
   * run batches. It is not one of the step's statements: a failure report does not count it among those that ran.
   * False: nothing was queued, execute it.
   */
  bookkeeping?(statement: Statement): boolean
  /**
   * Online, batching where each statement commits (MySQL): queue `statement` and a `check` after it, which fails
   * when `statement` changed nothing: the step then fails with `failure()`. False: nothing was queued.
   */
  deferChecked?(statement: Statement, check: string, failure: () => Error): boolean
  /** Run what was deferred (a step's end, before anything reads the database). */
  flush?(): Promise<void>
  /** Drop what was deferred: the transaction is rolled back anyway. */
  discard?(): void
  /** Online, batching: send what is queued without waiting (see OnlineExecutor.sendAhead). */
  sendAhead?(): Promise<boolean>
  /** Online: whether a batch sent ahead is still with the server. */
  readonly sending?: boolean
  /** Online: drop what is queued and wait for what was sent ahead, whose failure is thrown. */
  dropPending?(): Promise<void>
  /** Online: the step the statements deferred from now on belong to. */
  owner?: Step
  /** Online: the step of the last deferred statement the server ran. */
  confirmedOwner?: Step
  /** Online: whether statements are being batched (defer queues them). */
  readonly batches?: boolean
}

/**
 * What a statement the server checks raises when its check fails: PostgreSQL's division_by_zero (DdlCompiler.
 * guardedDml), MySQL's subquery-returns-more-than-one-row (OnlineExecutor.deferChecked's check).
 */
const GUARD_FAILED = new Set(['22012', 'ER_SUBQUERY_NO_1_ROW'])

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
  readonly failure?: () => Error
  /** Whose statement it is (a migration step), put on the error when it fails in a later round trip. */
  readonly owner?: Step
  /** The run's bookkeeping, not the step's own statement (see SqlExecutor.bookkeeping). */
  readonly bookkeeping?: boolean
  /** A CREATE TABLE the step's next CREATE INDEX may be written into (foldIndex). */
  readonly statement?: Statement
}

/** The statements of `batch` a step's failure report counts (its bookkeeping left out). */
function counted(batch: readonly Deferred[]): string[] {
  return batch.filter((d) => !d.bookkeeping).map((d) => d.sql)
}

/** The step whose statement an error came from, when it was sent ahead with others. */
export function failedOwner(error: unknown): Step | undefined {
  return (error as {owner?: Step})?.owner
}

export class OnlineExecutor implements SqlExecutor {
  /**
   * The statements of each step that ran, since its mark (resetExecuted), for reporting what a failed MySQL revision
   * left behind. By step: steps sent ahead (MySQL) run while the next step is prepared.
   */
  private readonly ran = new Map<Step | undefined, string[]>()
  private pending: Deferred[] = []
  /**
   * Set by a migration run (PostgreSQL, inside its transaction): a step's
   * statements and its version update go in one round trip.
   */
  batching = false
  /** The step the statements deferred from now on belong to (the step running). */
  owner?: Step
  /** The step of the last deferred statement the server ran. */
  confirmedOwner?: Step
  /** What sendAhead sent and nobody has waited for yet. */
  private inflight?: Promise<void>
  /** Batches sent ahead that the server has not answered yet. */
  private unanswered = 0

  /** `connection`: a session's, which reports what it sends under --debug (dialects/connection.ts traced). */
  constructor(readonly connection: Connection) {}

  /** The statements of `step` (the one running by default) that ran since its mark. */
  executed(step: Step | undefined = this.owner): string[] {
    return this.ran.get(step) ?? []
  }

  /** The step running starts (its mark): none of its statements ran yet. */
  resetExecuted(): void {
    this.ran.delete(this.owner)
  }

  private ranFor(step: Step | undefined, statements: string[]): void {
    if (statements.length === 0) return
    const list = this.ran.get(step)
    if (list) list.push(...statements)
    else this.ran.set(step, statements)
  }

  defer(statement: Statement, failure?: () => Error): boolean {
    if (!this.batches || statement.params?.length) return false
    const last = this.pending.at(-1)
    const folded = last?.statement && !failure && last.owner === this.owner && foldIndex(last.statement, statement)
    if (folded) this.pending[this.pending.length - 1] = {...last, sql: folded.sql, statement: folded}
    else
      this.pending.push({
        failure,
        owner: this.owner,
        sql: statement.sql,
        ...(statement.created && !failure && {statement}),
      })
    return true
  }

  /**
   * Batching where each statement commits as it runs (MySQL): queue `statement` and, right after it, `check`, a
   * statement that fails (ER_SUBQUERY_NO_1_ROW) when `statement` changed nothing; the batch then stops there and
   * the step fails with `failure()`. False: nothing was queued.
   */
  deferChecked(statement: Statement, check: string, failure: () => Error): boolean {
    if (!this.batches || statement.params?.length || this.connection.batchGuard === undefined) return false
    this.pending.push(
      {owner: this.owner, sql: statement.sql},
      {bookkeeping: true, failure, owner: this.owner, sql: check},
    )
    return true
  }

  /**
   * A read of the database (an operation compiled from the live table): it sees what was queued before it, which
   * goes with it in one round trip where the connection writes its parameters in (MySQL).
   */
  async read(sql: string, params: readonly unknown[] = []): Promise<QueryResult> {
    const {connection} = this
    if (this.pending.length > 0 && connection.batch !== undefined && connection.inline !== undefined) {
      const text = params.length > 0 ? connection.inline(sql, params) : sql
      const results = await this.runPending({bookkeeping: true, owner: this.owner, sql: text})
      return results.at(-1)!
    }

    await this.flush()
    return connection.query(sql, params)
  }

  bookkeeping(statement: Statement): boolean {
    if (this.connection.batch === undefined || statement.params?.length) return false
    this.pending.push({bookkeeping: true, owner: this.owner, sql: statement.sql})
    return true
  }

  async execute(statement: Statement): Promise<QueryResult> {
    if (this.pending.length > 0 && !statement.params?.length) {
      const results = await this.runPending({owner: this.owner, sql: statement.sql})
      return results.at(-1)!
    }

    await this.flush()
    try {
      const result = await this.connection.query(statement.sql, statement.params)
      this.ranFor(this.owner, [statement.sql])
      return result
    } catch (error) {
      throw naming(error, statement.sql)
    }
  }

  discard(): void {
    this.pending = []
    this.inflight = undefined
  }

  async flush(): Promise<void> {
    await this.awaitInflight()
    if (this.pending.length > 0) await this.runPending()
  }

  get batches(): boolean {
    return this.batching && this.connection.batch !== undefined
  }

  /**
   * Send what is queued without waiting for the server (one transaction for
   * the run): the client goes on with the next steps while the server runs
   * these. The next flush or execute waits for
   * it, and a failure surfaces there, with its statement's owner. The promise
   * says, once the server is done with them, whether they ran (it never
   * rejects: the failure is flush's to throw).
   */
  sendAhead(): Promise<boolean> {
    const batch = this.pending
    this.pending = []
    const previous = this.inflight
    const sending = (async () => {
      if (previous) await previous
      if (batch.length > 0) await this.runBatch(batch)
    })()
    this.inflight = sending
    this.unanswered++
    return sending.then(
      () => {
        this.unanswered--
        return true
      },
      () => {
        this.unanswered--
        return false
      },
    )
  }

  /** Whether a batch sent ahead is still with the server. */
  get sending(): boolean {
    return this.unanswered > 0
  }

  /** Drop what is queued (never sent) and wait for what was sent ahead; its failure is thrown here. */
  async dropPending(): Promise<void> {
    this.pending = []
    await this.awaitInflight()
  }

  /** Wait for what was sent ahead; its failure is thrown here. */
  private async awaitInflight(): Promise<void> {
    const {inflight} = this
    this.inflight = undefined
    try {
      if (inflight) await inflight
    } catch (error) {
      // The server stopped at the failure: what was queued after what it was sent never runs.
      this.pending = []
      throw error
    }
  }

  /** The deferred statements, and `last` after them, in one round trip. */
  private async runPending(last?: Deferred): Promise<QueryResult[]> {
    await this.awaitInflight()
    const batch = last ? [...this.pending, last] : this.pending
    this.pending = []
    const results = await this.runBatch(batch)
    return last ? [results.at(-1)!] : results
  }

  private async runBatch(batch: readonly Deferred[]): Promise<QueryResult[]> {
    // Where each statement commits as it runs (MySQL), a guard goes before each of the step's statements: a
    // signal stops the batch there, after the statement running (Connection.batchGuard). `sent[j]`: which
    // entry of the batch the j-th statement sent is, or guards.
    const {batchGuard} = this.connection
    const sent: Array<{entry: number; guard: boolean}> = []
    for (const [entry, d] of batch.entries()) {
      if (batchGuard !== undefined && !d.bookkeeping) sent.push({entry, guard: true})
      sent.push({entry, guard: false})
    }

    let results: QueryResult[]
    try {
      results = await this.connection.batch!(sent.map((x) => (x.guard ? batchGuard! : batch[x.entry].sql)))
    } catch (error) {
      const {entry: index, guard} = sent[batchIndex(error) ?? 0] ?? {entry: 0, guard: false}
      // The statements before the one that failed ran (and, on MySQL, committed); a guard that failed stopped
      // the batch before batch[index], on a signal.
      this.ranByOwner(batch.slice(0, index))
      const owned = {owner: batch[index]?.owner}
      if (guard) {
        const named = naming(error, batchGuard!)
        throw named && typeof named === 'object' ? Object.assign(named, owned) : named
      }

      const failure = batch[index]?.failure
      if (failure && GUARD_FAILED.has(String((error as {code?: unknown})?.code))) throw Object.assign(failure(), owned)
      const named = naming(error, batch[index].sql)
      throw named && typeof named === 'object' ? Object.assign(named, owned) : named
    }

    this.ranByOwner(batch)
    // A step with a later step's statements after its own is done: what it ran is no longer asked.
    for (const step of this.ran.keys()) if (step !== this.owner && step !== batch.at(-1)?.owner) this.ran.delete(step)
    this.confirmedOwner = batch.at(-1)?.owner ?? this.confirmedOwner
    return results.filter((_, j) => !sent[j].guard)
  }

  /** `batch` ran: its statements are counted for the step each belongs to (several, when steps went ahead). */
  private ranByOwner(batch: readonly Deferred[]): void {
    let from = 0
    for (let i = 1; i <= batch.length; i++) {
      if (i < batch.length && batch[i].owner === batch[from].owner) continue
      this.ranFor(batch[from].owner, counted(batch.slice(from, i)))
      from = i
    }
  }
}
