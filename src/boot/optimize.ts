import {setFlagsFromString} from 'node:v8'

/**
 * TurboFan, V8's optimising compiler, is off unless a run is long. On a run of a second or less (most commands,
 * chains up to a few thousand revisions) it costs more than it wins: its compile jobs take more CPU than the code
 * they optimise saves, and it adds ~16 MB of peak RSS at 1,000 revisions (its own code in the node binary, ~4 MB,
 * touched on first use, and its compile zones, ~12 MB, which malloc keeps; bench/README.md, "mem2"). It is on for
 * a plan of LONG_RUN steps or more (at 10,000 revisions, without it, `upgrade head` took 16% more CPU and `--sql`
 * 22%) and while a compile worker runs sucrase over a first run's scripts (a third more CPU without it).
 *
 * V8 checks a code cache against the flags it was made under: the loader (boot/bundle-loader.ts) turns TurboFan
 * off before it reads the bundle's, and turns it off again before it writes one at exit. The scripts' code caches
 * are read and made under the flag of the run's steps: on for a long plan, off otherwise (a compile worker is
 * stopped before the steps start). Nothing here changes a flag that NODE_OPTIONS or node's own flags name.
 */
export const LONG_RUN = 2000

/** Set by the loader (a module of its own: boot/bundle-loader.ts is built apart), read by the bundle's copy. */
const LOADER_TURNED_OFF = Symbol.for('db-manage.turbofan-off')

function namedByUser(): boolean {
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`
  return /(^|\s)--(no-)?(opt|turbofan)(\s|=|$)/.test(given)
}

let long = false
let compiling = false
let on = false

function apply(): void {
  const wanted = long || compiling
  // Only a process the loader started with TurboFan off (not the library's, nor tests run in-process).
  if (wanted === on || !(globalThis as Record<symbol, unknown>)[LOADER_TURNED_OFF]) return
  on = wanted
  setFlagsFromString(wanted ? '--opt' : '--no-opt')
}

/** TurboFan off (the loader: before the bundle's code cache is read, and before one is written at exit). */
export function optimizeLater(): void {
  if (namedByUser()) return
  setFlagsFromString('--no-opt')
  ;(globalThis as Record<symbol, unknown>)[LOADER_TURNED_OFF] = true
}

/** TurboFan on for the rest of the run: a plan of LONG_RUN steps or more. */
export function optimizeFromNowOn(): void {
  long = true
  apply()
}

/** TurboFan on while a compile worker runs sucrase (boot/compile-worker.ts), unless the run is long anyway. */
export function optimizeWhileCompiling(running: boolean): void {
  compiling = running
  apply()
}
