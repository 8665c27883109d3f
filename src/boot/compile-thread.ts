import {createRequire} from 'node:module'
import {availableParallelism} from 'node:os'
import type {MessagePort, Worker} from 'node:worker_threads'

import {compileWorkerRunning} from './optimize.js'
import {setV8FlagsAgain} from './v8-flags.js'

/**
 * The compile worker's thread (boot/compile-worker.ts says when and why): started, it loads sucrase and warms it up
 * while it waits for its files, then compiles them. Node's modules only, so that the bundle's loader
 * (boot/bundle-loader.ts, built apart) can start it too, before the bundle is compiled, and hand it over.
 */

type Threads = typeof import('node:worker_threads')
let loaded: Threads | undefined

/** node:worker_threads, required when a worker is started: loading it costs every command 2-4 ms. */
function threads(): Threads {
  return (loaded ??= createRequire(import.meta.url)('node:worker_threads') as Threads)
}

/** A TypeScript script compiled for the compiled-script cache (boot/script-cache.ts's CompiledScript). */
export interface Compiled {
  readonly code: string
  /** Requires nothing: runs as it is, with no loader. false: through jiti (an import resolved, or Babel's transform) */
  readonly plain: boolean
}

/** A top-level await (an unindented statement using await) or import.meta needs jiti's own, slower transform. */
export const TOP_LEVEL_AWAIT = /^(?:export\s+)?(?:(?:const|let|var)\s[^\n=]*=\s*)?await\b/m

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

/**
 * How long a worker started before its files are known warms sucrase up meanwhile, at most. Its first hundred
 * scripts take ~1 ms each, the rest ~0.2 ms (V8 optimising sucrase's code as it runs): ~100 ms of a first run.
 */
const WARM_UP_MS = 150

/** What it warms up on: a revision script as `db-manage revision` writes one, with a few more TypeScript forms. */
const WARM_UP_SAMPLE = `import type {Operations} from 'db-manage'

export const revision = 'a1b2c3d4e5f6'
export const downRevision: string | null = null
export const message = 'create table account'
export const createdAt = '2026-01-01T00:00:00Z'

interface Row {
  readonly id: number
  name?: string
}

type Columns = Array<[name: string, type: string]>

export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('account', [
    op.column('id', 'integer', {primaryKey: true, autoincrement: true}),
    op.column('name', 'string(100)', {nullable: false}),
    op.column('created_at', 'timestamp', {default: op.now()}),
  ])
  await op.createIndex('ix_account_name', 'account', ['name'])
  const columns: Columns = [['note', 'text']]
  for (const [name, type] of columns) await op.addColumn('account', op.column(name, type, {nullable: true}))
  await op.batchAlterTable('account', (batch) => {
    batch.alterColumn('note', {nullable: false, existingType: 'text'})
  })
  const rows = [{id: 1, name: \`first \${1 + 1}\`}] as Row[]
  await op.execute(\`INSERT INTO account (id, name) VALUES (\${rows[0].id}, '\${rows[0].name ?? ''}')\`)
}

export async function downgrade(op: Operations): Promise<void> {
  await op.dropIndex('ix_account_name', 'account')
  await op.dropTable('account')
}
`

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
const {receiveMessageOnPort, workerData} = require('node:worker_threads')
const {readFileSync} = require('node:fs')
const {createHash} = require('node:crypto')
const {port, babel, sample, sucrasePath} = workerData
const topLevelAwait = new RegExp(babel, 'm')
// Loaded while it waits for its files.
let sucrase
try {
  sucrase = require(sucrasePath)
} catch {}
// Started before its files are known (by the bundle's loader, while the bundle compiles), it warms sucrase up on a
// sample until they come, for at most WARM_UP_MS: V8 runs sucrase's code slowly until it has optimised it.
let first
if (sucrase) {
  const until = Date.now() + ${WARM_UP_MS}
  while (!(first = receiveMessageOnPort(port)) && Date.now() < until) {
    try {
      sucrase.transform(sample, {filePath: 'warm-up.ts', transforms: ['typescript', 'imports']})
    } catch {}
  }
}
if (first) compileAll(first.message.files, new Int32Array(first.message.shared))
else port.once('message', (message) => compileAll(message.files, new Int32Array(message.shared)))
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
export class CompileWorkers {
  private readonly workers: Worker[] = []
  private readonly ports: MessagePort[] = []
  private shared = new Int32Array(new SharedArrayBuffer(8))
  private index = new Map<string, number>()
  private readonly posted = new Map<number, Posted>()
  /** Given up on (they did not answer in time): every script is compiled on this thread from then on. */
  private failed = false
  /** How many scripts this run took from the workers. */
  taken = 0
  /** How long this thread waited for them, in ms. */
  waited = 0

  /** Started, they load sucrase and wait for their files (begin). */
  constructor(count: number) {
    const sucrasePath = createRequire(import.meta.url).resolve('sucrase')
    // sucrase over a chain's scripts is a long job: V8's optimising compiler, off for short runs, pays there.
    compileWorkerRunning(1)
    this.running = true
    for (let k = 0; k < count; k++) {
      const {MessageChannel, Worker} = threads()
      const {port1, port2} = new MessageChannel()
      const worker = new Worker(WORKER_CODE, {
        eval: true,
        // Its output is its own: nothing it could print reaches the command's.
        stderr: true,
        stdout: true,
        transferList: [port2],
        workerData: {babel: TOP_LEVEL_AWAIT.source, port: port2, sample: WARM_UP_SAMPLE, sucrasePath},
      })
      // It never keeps the process alive, and a worker that fails only leaves its files to the others.
      worker.unref()
      worker.on('error', () => {})
      // Its start puts the V8 flags set at run time back to their defaults, for this thread too (boot/v8-flags.ts).
      worker.once('online', setV8FlagsAgain)
      this.workers.push(worker)
      this.ports.push(port1)
    }
  }

  /** Whether they have their files. */
  get begun(): boolean {
    return this.index.size > 0
  }

  /** Whether `file` is one of their files. */
  has(file: string): boolean {
    return this.index.has(file)
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
    const started = performance.now()
    const until = started + PATIENCE_MS
    for (;;) {
      this.drain()
      const posted = this.posted.get(i)
      if (posted) {
        this.posted.delete(i)
        this.waited += performance.now() - started
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
      const {receiveMessageOnPort} = threads()
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const posted = m.message as Posted
        this.posted.set(posted.i, posted)
        // A worker that posts has started: the flags its start put back are set again, should 'online' not have
        // been seen yet (this thread has not given the event loop a turn since).
        if (!this.flagsSet) setV8FlagsAgain()
        this.flagsSet = true
      }
    }
  }

  private flagsSet = false
  /** Counted by boot/optimize.ts until stopped. */
  private running = false

  /** Stop it; what it compiled and this run did not take, by checksum. */
  stop(): Map<string, Compiled> {
    if (this.running) compileWorkerRunning(-1)
    this.running = false
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

/** Workers for this process's machine, started: on one core a worker only adds its own start to the same work. */
export function spawnCompileWorkers(): CompileWorkers | undefined {
  if (availableParallelism() < 2) return undefined
  try {
    return new CompileWorkers(WORKERS)
  } catch {
    // No worker (none allowed, or none could start): this thread compiles.
    return undefined
  }
}
