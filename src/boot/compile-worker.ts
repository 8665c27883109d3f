import {type CompileWorkers, spawnCompileWorkers} from './compile-thread.js'
import {takeCompileWorkers} from './handoff.js'
import {type Compiled, compileSource} from './module-loader.js'

/**
 * Compiling a run's scripts on a second thread, when they are missing from the
 * compiled-script cache (the first run after an install, or with that cache
 * off). sucrase is most of such a run's extra time: loaded, warmed up and run
 * on 1,000 scripts it took ~260 ms of the main thread's CPU in `upgrade head`,
 * before the first step. A worker started as soon as the chain is read
 * (prepareScripts in boot/import-script.ts, called when a command will import
 * the chain's scripts) compiles them in chain order while this thread reads
 * the rest of what the run needs (the database's revision, the plan); each
 * import then takes its script's code from the worker, and this thread loads
 * no sucrase at all. The worker stops when the run's scripts are loaded
 * (saveScriptCaches): what it compiled beyond them is kept in the cache for
 * the next run. When a first run is likely it starts earlier, so that its own
 * start and sucrase's warm-up are over before the scripts are needed: on the
 * first upgrade or downgrade after an install, the bundle's loader starts it
 * before compiling the bundle (it warms sucrase up on a sample meanwhile,
 * boot/compile-thread.ts); with few headers cached, it is given the folder's
 * TypeScript files as the headers start being read (warmUpCompiling).
 *
 * Each file is claimed once, in shared memory, by the thread that compiles it.
 * An import asks the worker for its file first (`wanted`), and the worker
 * carries on from there in the direction the imports go. The worker reads each
 * file itself; its code is taken only when the checksum of the text it
 * compiled is the one the script is imported under. A file edited meanwhile, a
 * file the worker could not compile, a worker that does not start or answer:
 * that script is compiled on this thread, as without a worker. It only costs
 * time.
 */

/** Fewer missing scripts than this are compiled on this thread: a worker's start (~70 ms of its own) is not won. */
export const WORKER_FROM = 64

let current: CompileWorkers | undefined

/** The worker the bundle's loader started (the first upgrade or downgrade after an install), once taken over. */
let early: CompileWorkers | undefined

function adopt(): CompileWorkers | undefined {
  early ??= takeCompileWorkers()
  return early
}

/** The worker the bundle's loader started, else one started now. */
function spawn(): CompileWorkers | undefined {
  return adopt() ?? spawnCompileWorkers()
}

/**
 * Start the worker before the chain's scripts are known, so that its own start (a thread, and sucrase loaded there)
 * is over by then: called as a first run starts reading the chain's headers (script/script-directory.ts), with the
 * folder's TypeScript files in name order, which it compiles meanwhile. startCompiling then lets it go on, when the
 * chain's missing scripts are among them, and stops it when too few are missing.
 */
export function warmUpCompiling(files: readonly string[] = []): void {
  current ??= spawn()
  if (current && !current.begun && files.length >= WORKER_FROM) current.begin(files)
}

/**
 * Start compiling `files` (a chain's scripts missing from the compiled-script cache, in chain order) on a worker,
 * when there are enough of them to pay for it; a worker already compiling other files is stopped first, and one
 * warmed up is given them. Whether a worker has them.
 */
export function startCompiling(files: readonly string[]): {rest: Map<string, Compiled>; started: boolean} {
  // The loader's, started before the bundle was compiled: given these files, or stopped below.
  current ??= adopt()
  const waiting = current && !current.begun ? current : undefined
  if (waiting && files.length >= WORKER_FROM) {
    waiting.begin(files)
    return {rest: new Map(), started: true}
  }

  // Given the folder's files as the headers were read (warmUpCompiling): it goes on with them.
  const going = current?.begun ? current : undefined
  if (going && files.length >= WORKER_FROM && files.every((file) => going.has(file)))
    return {rest: new Map(), started: true}
  const rest = stopCompiling()
  if (files.length < WORKER_FROM) return {rest, started: false}
  current = spawnCompileWorkers()
  current?.begin(files)
  return {rest, started: current !== undefined}
}

/** A TypeScript script missing from the compiled-script cache, compiled: by the worker when it has it. */
export async function compileScript(file: string, checksum: string, source: () => Promise<string>): Promise<Compiled> {
  return current?.take(file, checksum) ?? compileSource(await source(), file)
}

/** Stop the worker (the run's scripts are loaded); what it compiled that this run did not take, by checksum. */
export function stopCompiling(): Map<string, Compiled> {
  const rest = current?.stop() ?? new Map<string, Compiled>()
  if (current) {
    compiledByWorker += current.taken
    waitedForWorker += current.waited
  }
  current = undefined
  return rest
}

let compiledByWorker = 0

/** How many scripts this process took from a compile worker (for --debug's phase line). */
export function scriptsCompiledByWorker(): number {
  return compiledByWorker + (current?.taken ?? 0)
}

let waitedForWorker = 0

/** How long, in ms, this thread waited for a compile worker's scripts (for --debug's phase line). */
export function waitedForCompileWorker(): number {
  return waitedForWorker + (current?.waited ?? 0)
}

/** Whether scripts were taken from a worker the bundle's loader started (for --debug's phase line). */
export function compiledByEarlyWorker(): boolean {
  return (early?.taken ?? 0) > 0
}
