import {createRequire} from 'node:module'
import {availableParallelism} from 'node:os'
import {MessageChannel, type MessagePort, receiveMessageOnPort, Worker} from 'node:worker_threads'

import {type Compiled, compileSource, TOP_LEVEL_AWAIT} from './module-loader.js'
import {optimizeWhileCompiling} from './optimize.js'

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
 * the next run.
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

/**
 * One worker. A second (this thread waits while they compile) took 36 ms more off this thread's CPU on 1,000 scripts
 * but cost 200 ms more CPU in all and 16 MB more peak memory (each worker is an isolate of its own, with sucrase).
 */
const WORKERS = 1

/** A file's claim: nobody's yet, the worker's (being compiled), this thread's, the worker's result posted. */
const FREE = 0
const WORKER = 1
const MINE = 2
const POSTED = 3

/** How long this thread waits for the worker to take up or finish a file before compiling the file itself. */
const PATIENCE_MS = 3000

/** What a worker posts for file `i`: its code and the checksum of the text it compiled; nothing on failure. */
interface Posted {
  readonly i: number
  readonly hash?: string
  readonly compiled?: Compiled
}

/**
 * The worker (CommonJS, evaluated: it has no file of its own to be found beside the bundle). `shared` holds a claim
 * per file, then the file this thread waits for (its index + 1; 0 for none), then how many workers have ended. Its
 * checksum is the script layer's (script/script-directory.ts scriptChecksum: sha256 of the text, a BOM left out, CRLF
 * read as LF); were the two ever to differ, no result would be taken and every script would be compiled on this
 * thread.
 */
const WORKER_CODE = `
const {workerData} = require('node:worker_threads')
const {readFileSync} = require('node:fs')
const {createHash} = require('node:crypto')
const {port, babel, sucrasePath} = workerData
const topLevelAwait = new RegExp(babel, 'm')
// Loaded while it waits for its files.
let sucrase
try {
  sucrase = require(sucrasePath)
} catch {}
port.once('message', (message) => compileAll(message.files, new Int32Array(message.shared)))
function compileAll(files, shared) {
const n = files.length
// Whatever ends it, this thread is told: it compiles the files left.
try {
  if (!sucrase) return
  const claim = (i) => Atomics.compareExchange(shared, i, ${FREE}, ${WORKER}) === ${FREE}
  let cursor = 0
  let step = 1
  let last = -1
  for (let swept = false; ; ) {
    let i = -1
    const wanted = Atomics.load(shared, n) - 1
    if (wanted >= 0 && claim(wanted)) {
      if (last >= 0) step = wanted >= last ? 1 : -1
      last = wanted
      i = wanted
      cursor = wanted + step
    } else {
      while (cursor >= 0 && cursor < n && !claim(cursor)) cursor += step
      if (cursor >= 0 && cursor < n) {
        i = cursor
        cursor += step
      } else if (!swept) {
        swept = true
        cursor = step > 0 ? 0 : n - 1
        continue
      } else {
        break
      }
    }

    let posted = {i}
    try {
      const text = readFileSync(files[i], 'utf8')
      const hash = createHash('sha256').update(text.replace(/^\\uFEFF/, '').replaceAll('\\r\\n', '\\n')).digest('hex')
      if (topLevelAwait.test(text) || text.includes('import.meta')) {
        posted = {i, hash, compiled: {code: '', plain: false}}
      } else {
        const code = sucrase.transform(text, {filePath: files[i], transforms: ['typescript', 'imports']}).code
        posted = {i, hash, compiled: {code, plain: !/\\brequire\\s*\\(/.test(code)}}
      }
    } catch {}
    port.postMessage(posted)
    Atomics.store(shared, i, ${POSTED})
    Atomics.notify(shared, i)
  }
} finally {
  Atomics.add(shared, n + 1, 1)
  Atomics.notify(shared, n + 1)
  port.close()
}
}
`

/** The workers compiling one run's missing scripts, and what they have posted. */
class CompileWorkers {
  private readonly workers: Worker[] = []
  private readonly ports: MessagePort[] = []
  private shared = new Int32Array(new SharedArrayBuffer(8))
  private index = new Map<string, number>()
  private readonly posted = new Map<number, Posted>()
  /** Given up on (they did not answer in time): every script is compiled on this thread from then on. */
  private failed = false
  /** How many scripts this run took from the workers. */
  taken = 0

  /** Started, they load sucrase and wait for their files (begin). */
  constructor(count: number) {
    const sucrasePath = createRequire(import.meta.url).resolve('sucrase')
    for (let k = 0; k < count; k++) {
      const {port1, port2} = new MessageChannel()
      const worker = new Worker(WORKER_CODE, {
        eval: true,
        // Its output is its own: nothing it could print reaches the command's.
        stderr: true,
        stdout: true,
        transferList: [port2],
        workerData: {babel: TOP_LEVEL_AWAIT.source, port: port2, sucrasePath},
      })
      // It never keeps the process alive, and a worker that fails only leaves its files to the others.
      worker.unref()
      worker.on('error', () => {})
      this.workers.push(worker)
      this.ports.push(port1)
    }
  }

  /** Whether they have their files. */
  get begun(): boolean {
    return this.index.size > 0
  }

  /** Their files: a chain's scripts missing from the compiled-script cache, in chain order. */
  begin(files: readonly string[]): void {
    this.shared = new Int32Array(new SharedArrayBuffer(4 * (files.length + 2)))
    this.index = new Map(files.map((file, i) => [file, i]))
    for (const port of this.ports) port.postMessage({files, shared: this.shared.buffer})
  }

  /** `file`'s code compiled by the worker, when it is one of its files and it answers; else undefined. */
  take(file: string, checksum: string): Compiled | undefined {
    const i = this.index.get(file)
    if (i === undefined || this.failed) return undefined
    // Not taken up yet: the worker is asked for it first.
    if (Atomics.load(this.shared, i) === FREE) Atomics.store(this.shared, this.shared.length - 2, i + 1)
    const posted = this.await(i)
    if (!posted?.compiled || posted.hash !== checksum) return undefined
    this.taken += 1
    return posted.compiled
  }

  /** The worker's result for file `i`, waited for; undefined (and the worker given up on) when it takes too long. */
  private await(i: number): Posted | undefined {
    const until = performance.now() + PATIENCE_MS
    for (;;) {
      this.drain()
      const posted = this.posted.get(i)
      if (posted) {
        this.posted.delete(i)
        return posted
      }

      const state = Atomics.load(this.shared, i)
      // Posted: the message is there to drain. Free, with the workers gone: nobody else will compile it.
      if (state === POSTED) continue
      const gone = Atomics.load(this.shared, this.shared.length - 1) === this.workers.length
      if (performance.now() > until || (state === FREE && gone)) {
        // Claimed here when still free, so that the worker does not compile it too; compiled here all the same.
        Atomics.compareExchange(this.shared, i, FREE, MINE)
        this.failed = true
        return undefined
      }

      Atomics.wait(this.shared, i, state, state === FREE ? 2 : 50)
    }
  }

  private drain(): void {
    for (const port of this.ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const posted = m.message as Posted
        this.posted.set(posted.i, posted)
      }
    }
  }

  /** Stop it; what it compiled and this run did not take, by checksum. */
  stop(): Map<string, Compiled> {
    this.drain()
    const rest = new Map<string, Compiled>()
    for (const posted of this.posted.values())
      if (posted.hash && posted.compiled) rest.set(posted.hash, posted.compiled)
    this.posted.clear()
    for (const worker of this.workers) void worker.terminate()
    for (const port of this.ports) port.close()
    return rest
  }
}

let current: CompileWorkers | undefined

/** Workers for this process's machine, started: on one core a worker only adds its own start to the same work. */
function spawn(): CompileWorkers | undefined {
  if (availableParallelism() < 2) return undefined
  try {
    const workers = new CompileWorkers(WORKERS)
    // sucrase over a chain's scripts is a long job: V8's optimising compiler, off for short runs, pays there
    // (boot/optimize.ts).
    optimizeWhileCompiling(true)
    return workers
  } catch {
    // No worker (none allowed, or none could start): this thread compiles.
    return undefined
  }
}

/**
 * Start the worker before the chain's scripts are known, so that its own start (a thread, and sucrase loaded there)
 * is over by then: called while a first run reads the chain's headers (script/script-directory.ts). It waits for its
 * files (startCompiling), and is stopped unused when too few scripts are missing.
 */
export function warmUpCompiling(): void {
  current ??= spawn()
}

/**
 * Start compiling `files` (a chain's scripts missing from the compiled-script cache, in chain order) on a worker,
 * when there are enough of them to pay for it; a worker already compiling other files is stopped first, and one
 * warmed up is given them. Whether a worker has them.
 */
export function startCompiling(files: readonly string[]): {rest: Map<string, Compiled>; started: boolean} {
  const waiting = current && !current.begun ? current : undefined
  if (waiting && files.length >= WORKER_FROM) {
    waiting.begin(files)
    return {rest: new Map(), started: true}
  }

  const rest = stopCompiling()
  if (files.length < WORKER_FROM) return {rest, started: false}
  current = spawn()
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
  if (current) compiledByWorker += current.taken
  current = undefined
  optimizeWhileCompiling(false)
  return rest
}

let compiledByWorker = 0

/** How many scripts this process took from a compile worker (for --debug's phase line). */
export function scriptsCompiledByWorker(): number {
  return compiledByWorker + (current?.taken ?? 0)
}
