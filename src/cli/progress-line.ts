import {runningStep} from '../runtime/progress.js'

export interface ProgressLineOptions {
  /** A terminal gets one live line, rewritten in place; a log gets a line every `every` seconds. */
  readonly tty: boolean
  /** Seconds a step runs before a terminal shows its line (DB_MANAGE_PROGRESS_AFTER, 3). */
  readonly after: number
  /** Seconds between two lines in a log (DB_MANAGE_PROGRESS_EVERY, 30). */
  readonly every: number
  readonly write: (text: string) => void
}

function seconds(env: string | undefined, fallback: number): number {
  const n = Number(env)
  return env !== undefined && env !== '' && Number.isFinite(n) && n > 0 ? n : fallback
}

/** The settings for this process: stderr's kind, and the two intervals from the environment. */
export function progressOptions(env: NodeJS.ProcessEnv = process.env): ProgressLineOptions {
  return {
    after: seconds(env.DB_MANAGE_PROGRESS_AFTER, 3),
    every: seconds(env.DB_MANAGE_PROGRESS_EVERY, 30),
    tty: Boolean(process.stderr.isTTY),
    write: (text) => process.stderr.write(text),
  }
}

/**
 * A long revision's progress on stderr: on a terminal a live line once a step
 * has run `after` seconds (`upgrade 002 -> 003 (003_x.sql): statement 4 of 7,
 * 12 s: UPDATE ...`), cleared when the step ends; in a log, one line every
 * `every` seconds of a step. A quick step prints nothing. Read on a timer,
 * so a driver that blocks the process (better-sqlite3) updates it between
 * statements only.
 */
export class ProgressLine {
  private timer?: NodeJS.Timeout
  private shown = false
  private logged = {count: 0, started: -1}

  constructor(private readonly options: ProgressLineOptions) {}

  start(): this {
    const tick = Math.max(100, Math.min(1000, this.options.after * 1000, this.options.every * 1000))
    this.timer = setInterval(() => this.tick(), tick)
    this.timer.unref()
    return this
  }

  private tick(): void {
    const step = runningStep()
    if (!step) {
      this.clear()
      return
    }

    const elapsed = (performance.now() - step.started) / 1000
    const what = `${step.label}: statement ${step.statement}${step.total ? ` of ${step.total}` : ''}, ${Math.floor(elapsed)} s${step.sql ? `: ${step.sql}` : ''}`
    if (this.options.tty) {
      if (elapsed < this.options.after) return
      this.options.write(`\r\u001B[2K${what}`)
      this.shown = true
      return
    }

    if (this.logged.started !== step.started) this.logged = {count: 0, started: step.started}
    if (elapsed >= this.options.every * (this.logged.count + 1)) {
      this.logged.count = Math.floor(elapsed / this.options.every)
      this.options.write(`db-manage: still running ${what}\n`)
    }
  }

  /** Take the live line away (before a step's line is printed, and at the end). */
  clear(): void {
    if (!this.shown) return
    this.options.write('\r\u001B[2K')
    this.shown = false
  }

  stop(): void {
    clearInterval(this.timer)
    this.clear()
  }
}
