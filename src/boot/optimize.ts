import {setV8Flag} from './v8-flags.js'

/**
 * TurboFan, V8's optimising compiler, is off but while a compile worker runs sucrase over a first run's scripts (a
 * third more CPU without it there). On a run of a second or less (most commands, chains up to a few thousand
 * revisions) it costs more than it wins: its compile jobs take more CPU than the code they optimise saves, and it
 * adds ~16 MB of peak RSS at 1,000 revisions (its own code in the node binary, ~4 MB, touched on first use, and its
 * compile zones, ~12 MB, which malloc keeps; bench/README.md, "mem2"). On longer chains it is kept off for memory:
 * at 10,000 revisions on it saved 15% of `upgrade head`'s CPU (whose wall time the server sets) and 25% of `--sql`'s,
 * for 16-20 MB more peak RSS (bench/README.md, "Issue 32: each goal").
 *
 * V8 checks a code cache against the flags it was made under: the loader (boot/bundle-loader.ts) turns TurboFan
 * off before it reads the bundle's, and turns it off again before it writes one at exit. The scripts' code caches
 * are read and made with it off (a compile worker is stopped before the steps start). The flag goes through
 * boot/v8-flags.ts, so a worker's start does not undo it.
 * Nothing here changes a flag that NODE_OPTIONS or node's own flags name, nor acts in a process the loader did not
 * start (the library's, tests run in-process).
 */
interface State {
  /** The loader turned TurboFan off. */
  off: boolean
  workers: number
  on: boolean
}

/** The loader and the bundle each have a copy of this module (boot/bundle-loader.ts is built apart): one state. */
const KEY = Symbol.for('db-manage.turbofan')
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= {
  off: false,
  on: false,
  workers: 0,
} satisfies State) as State

function namedByUser(): boolean {
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`
  return /(^|\s)--(no-)?(opt|turbofan)(\s|=|$)/.test(given)
}

function apply(): void {
  const wanted = state.workers > 0
  if (!state.off || wanted === state.on) return
  state.on = wanted
  setV8Flag(wanted ? '--opt' : '--no-opt')
}

/** TurboFan off (the loader: before the bundle's code cache is read, and before one is written at exit). */
export function optimizeLater(): void {
  if (namedByUser()) return
  state.off = true
  state.on = false
  setV8Flag('--no-opt')
}

/** A compile worker started (+1) or stopped (-1): TurboFan is on while one runs sucrase (boot/compile-thread.ts). */
export function compileWorkerRunning(change: 1 | -1): void {
  state.workers = Math.max(0, state.workers + change)
  apply()
}
