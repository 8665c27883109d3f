import type {Connection} from '../dialects/connection.js'
import type {LockBlocker} from '../dialects/dialect.js'
import {brief} from '../sql/brief.js'
import type {Session} from './session.js'

/**
 * Who a revision waits behind: while it runs under statement_lock_timeout, a
 * second connection (opened at the first look, so a run that never waits
 * long opens none) asks the server, every half timeout (at most every
 * second), which sessions block the migration's session. The last sessions
 * seen are what a lock-timeout message names.
 */
export class LockWatch {
  private monitor?: Promise<Connection>
  private timer?: NodeJS.Timeout
  private waiter?: string
  private looking = false
  /** The sessions seen blocking the run's session since start(), the last look that found any. */
  blockers: LockBlocker[] = []

  private constructor(
    private readonly session: Session,
    private readonly periodMs: number,
  ) {}

  /** A watch for `session`, where its dialect can name blockers; none with no statement_lock_timeout. */
  static of(session: Session, timeoutSeconds: number): LockWatch | undefined {
    const {adapter} = session.dialect
    if (timeoutSeconds <= 0 || !adapter.lockBlockers || !adapter.sessionId || !session.database.url) return undefined
    return new LockWatch(session, Math.max(200, Math.min(1000, timeoutSeconds * 500)))
  }

  /** Look every period from now on, forgetting what earlier looks found. */
  async start(): Promise<void> {
    this.stop()
    this.blockers = []
    this.waiter ??= await this.session.dialect.adapter.sessionId!(this.session.connection)
    this.timer = setInterval(() => void this.look(), this.periodMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  private async look(): Promise<void> {
    if (this.looking || !this.waiter) return
    this.looking = true
    try {
      const {dialect, database} = this.session
      // Under --debug its statements are traced as the run's are: every statement db-manage sends is shown.
      this.monitor ??= dialect.connect(database.url!, 5000, this.session.connection.trace)
      const found = await dialect.adapter.lockBlockers!(await this.monitor, this.waiter)
      if (found.length > 0) this.blockers = found
    } catch {
      // A look that fails (no right to read the processlist, say) only leaves the message without names.
    } finally {
      this.looking = false
    }
  }

  async close(): Promise<void> {
    this.stop()
    const monitor = this.monitor
    this.monitor = undefined
    if (monitor) await (await monitor.catch(() => undefined))?.close().catch(() => {})
  }
}

/** `pid 123 (psql, query started 2026-12-07T01:02:03.000Z, idle in transaction: SELECT count(*) FROM t)`. */
export function describeBlockers(blockers: readonly LockBlocker[], dialect: string): string {
  if (blockers.length === 0) return 'a session the server did not name'
  const id = dialect === 'postgresql' ? 'pid' : 'connection'
  const since = dialect === 'postgresql' ? 'query started' : 'transaction started'
  return blockers
    .map((b) => {
      const parts = [b.application || 'no application_name', b.since && `${since} ${b.since}`]
      const what = [b.state, b.query && brief(b.query)].filter(Boolean).join(': ')
      return `${id} ${b.id} (${[...parts, what].filter(Boolean).join(', ')})`
    })
    .join(', ')
}
