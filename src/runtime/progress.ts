import {brief} from '../sql/brief.js'

/**
 * What the running revision is doing, for a long one: which step, how many
 * of its statements have started (of how many, when the script says: a SQL
 * script does), and since when. The runtime records it; the CLI reads it on
 * a timer (cli/progress-line.ts) and prints nothing for a step that is quick.
 */
export interface StepProgress {
  /** `upgrade 002 -> 003 (003_backfill.sql)` */
  readonly label: string
  /** performance.now() when the step started. */
  readonly started: number
  statement: number
  total?: number
  /** The statement running, on one line. */
  sql?: string
}

let current: StepProgress | undefined

export function stepStarted(label: string): void {
  current = {label, started: performance.now(), statement: 0}
}

export function statementStarted(sql: string): void {
  if (!current) return
  current.statement++
  current.sql = brief(sql, 60)
}

/** What a long operation is doing, in place of its statement (a backfill's rows so far). */
export function progressNote(text: string): void {
  if (current) current.sql = text
}

/** A script that knows how many statements it runs (a SQL script) says so. */
export function statementsExpected(total: number): void {
  if (current) current.total = current.statement + total
}

export function stepEnded(): void {
  current = undefined
}

/** The step running now, if any. */
export function runningStep(): Readonly<StepProgress> | undefined {
  return current
}
