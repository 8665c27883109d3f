import {setImmediate as nextTurn} from 'node:timers/promises'

import {DbManageError} from '../util/errors.js'

/**
 * SIGINT and SIGTERM, as a deploy system or a terminal sends them. While a
 * database session is open, the first signal asks the run to stop after the
 * statement that is running (a transaction that is open is cancelled on the
 * server where that is safe, then rolled back), to release the lock and to
 * say where the database is; the process then exits 130 (SIGINT) or 143
 * (SIGTERM). A run that is only waiting for the migration lock has changed
 * nothing: its wait ends within a fraction of a second, and its error line
 * alone says so. A second signal, or one that comes while no session is
 * open, exits at once.
 */
const EXIT_CODES = {SIGINT: 130, SIGTERM: 143} as const
type Signal = keyof typeof EXIT_CODES

let received: Signal | undefined
let installed = false

/** A part of a run that a first signal must let end: an open session, a wait for the lock inside one, or a step. */
interface Guard {
  /** What to do on the first signal: cancel a statement whose transaction will be rolled back anyway, end a wait. */
  readonly cancel?: () => void
  readonly role?: 'lock-wait' | 'session'
}

const guards = new Set<Guard>()

/** Some part of the run is doing more than wait for the lock: a step runs, or a session has not reached its wait. */
function changing(): boolean {
  let open = 0
  for (const guard of guards) {
    if (guard.role === undefined) return true
    open += guard.role === 'session' ? 1 : -1
  }

  return open > 0
}

/** The run stopped because of a signal; the exit code is the signal's. */
export class Interrupted extends DbManageError {
  override readonly exitCode: number = EXIT_CODES[received ?? 'SIGTERM']
}

export function installSignalHandlers(write: (text: string) => void = (text) => process.stderr.write(text)): void {
  if (installed) return
  installed = true
  for (const signal of Object.keys(EXIT_CODES) as Signal[]) {
    process.on(signal, () => {
      if (received || guards.size === 0) process.exit(EXIT_CODES[signal])
      received = signal
      if (changing()) {
        write(`db-manage: ${signal} received: stopping after the current statement (${signal} again exits at once)\n`)
      }

      for (const guard of guards) guard.cancel?.()
    })
  }
}

/** The signal received, if any. */
export function interruption(): Signal | undefined {
  return received
}

/** The exit code for a run that a signal stopped, undefined when none came. */
export function interruptExitCode(): number | undefined {
  return received && EXIT_CODES[received]
}

/**
 * Between statements: give the event loop a turn (better-sqlite3 runs
 * statements synchronously, so a signal is only seen between them), then
 * stop if a signal came.
 */
export async function checkInterrupt(): Promise<void> {
  if (installed) await nextTurn()
  if (received) throw new Interrupted(`interrupted by ${received}`)
}

/** Keep the process alive on the first signal while `fn` runs; `cancel` is called on that signal. */
export async function guarded<T>(fn: () => Promise<T>, cancel?: () => void, role?: Guard['role']): Promise<T> {
  const guard: Guard = {cancel, role}
  guards.add(guard)
  try {
    return await fn()
  } finally {
    guards.delete(guard)
  }
}

/** `fn` waits for the migration lock, inside a session; `stop` ends the wait on the first signal. */
export function waiting<T>(fn: () => Promise<T>, stop: () => void): Promise<T> {
  return guarded(fn, stop, 'lock-wait')
}
