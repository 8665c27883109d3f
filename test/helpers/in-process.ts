/**
 * db-manage's commands run inside the mocha process (issue 29: a spawned
 * `node bin/run.js` cost ~0.1-0.3 s a call, ~450 calls a suite).
 *
 * The built bundle (package.json oclif.commands.target, dist/bundle/main.cjs,
 * what bin/run.js loads) is required once, and each run calls its `main()` as
 * bin/run.js does: the same argv handling, oclif's own parse, help, hooks and
 * error handler (`handle()`, which ends with process.exit(code): here that
 * call is recorded as the exit code). oclif's Config is loaded by each run,
 * as in the binary (about 3 ms).
 *
 * For the length of a run: the working directory is the run's, process.env
 * is the run's environment (exactly: nothing else), process.argv is what the
 * binary's would be, stdout and stderr are not terminals (as a spawned
 * process's pipes are not), what the run writes to them is captured, and
 * performance.now() counts from the run's start (a process's counts from its
 * start: the --debug phase line's start-up and total).
 * Runs take turns: the working directory and environment are the process's.
 * Afterwards everything is put back, and any listener the run left on the
 * process or its streams (signal handlers, unhandledRejection, a `drain` of
 * oclif's flush) is removed, so that one run cannot affect the next.
 *
 * A run's writes are told apart by an AsyncLocalStorage context: test code
 * running meanwhile (a mocha reporter line, a worker of sql-corpus) writes to
 * the real streams.
 *
 * What one process keeps between runs, as any long-running program that
 * runs db-manage twice would: modules loaded once (jiti, sucrase, pg,
 * mysql2) and the bundle's own module state: the compiled-script cache and
 * jiti's loaders in memory (the tests of the start-up caches spawn the binary
 * instead), the folders known to have db-manage installed, and the signal
 * handlers, installed by the first run (removed after it: no signal reaches
 * a run in this process; the signal tests spawn the binary). The phases of
 * the --debug line start anew with each run (src/main.ts).
 */
import {AsyncLocalStorage} from 'node:async_hooks'
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import tty from 'node:tty'

import type {CliResult} from './cli.js'

type Importer = (url: string) => Promise<unknown>

interface Bundle {
  main(argv: string[], root: string, options: {importUrl?: Importer}): Promise<void>
}

/** One run: what it wrote, and the code it exited with. */
interface Run {
  stdout: string
  stderr: string
  /** The first process.exit() of the run: the binary would have ended there. */
  exit?: number
  /** Set once the run is over: whatever it writes later goes to the real streams. */
  over: boolean
  /** performance.now() when the run started: the run's clock starts there, as a process's does at its start. */
  origin: number
}

const current = new AsyncLocalStorage<Run>()

/** The run a write belongs to, while it lasts. */
function runOf(): Run | undefined {
  const run = current.getStore()
  return run && !run.over ? run : undefined
}

let installed = false

/**
 * Route the process's writes and exit through the run they come from: once,
 * for the rest of the process (outside a run, they are the real ones).
 */
function install(): void {
  if (installed) return
  installed = true
  const real = {stderr: process.stderr.write.bind(process.stderr), stdout: process.stdout.write.bind(process.stdout)}
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name]
    const write = real[name] as (...args: unknown[]) => boolean
    stream.write = function (chunk: unknown, ...rest: unknown[]): boolean {
      const run = runOf()
      if (!run) return write(chunk, ...rest)
      if (run.exit === undefined)
        run[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString()
      const callback = rest.find((a) => typeof a === 'function') as (() => void) | undefined
      if (callback) process.nextTick(callback)
      return true
    } as typeof stream.write
  }

  // The --debug phase line's start-up and total are the time since the process started: a run's, since it started.
  const now = performance.now.bind(performance)
  Object.defineProperty(performance, 'now', {
    configurable: true,
    value: () => now() - (current.getStore()?.origin ?? 0),
    writable: true,
  })

  const exit = process.exit.bind(process)
  process.exit = function (code?: number | string | null): never {
    const run = current.getStore()
    if (!run) return exit(code)
    // oclif's handle() ends with process.exit(code); the binary ends there, and so does what this run says.
    if (!run.over) run.exit ??= Number(code ?? process.exitCode ?? 0)
    else real.stderr(`db-manage (in-process): process.exit(${code}) after the run ended, ignored\n`)
    return undefined as never
  } as typeof process.exit
}

let bundle: Bundle | undefined
let runNumber = 0

function loadBundle(root: string): Bundle {
  const pjson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    oclif: {commands: {target: string}}
  }
  const file = path.join(root, pjson.oclif.commands.target)
  return createRequire(file)(file) as Bundle
}

/** A run's import() of a URL: a script file is evaluated afresh by each run (a test may rewrite it between runs). */
function importer(run: number): Importer {
  return (url) => import(url.includes('/node_modules/') ? url : `${url}${url.includes('?') ? '&' : '?'}run=${run}`)
}

/**
 * Forget, when called, the CommonJS modules loaded since outside node_modules and `root`'s dist/: a script in `.js`
 * that the test runner's loader (tsx) ran as CommonJS is evaluated afresh by the next run, as by a new process.
 */
function modulesSince(root: string): () => void {
  const cache = createRequire(import.meta.url).cache
  const before = new Set(Object.keys(cache))
  const kept = path.join(root, 'dist') + path.sep
  return () => {
    for (const file of Object.keys(cache))
      if (!before.has(file) && !file.includes(`${path.sep}node_modules${path.sep}`) && !file.startsWith(kept))
        delete cache[file]
  }
}

/**
 * Not terminals, as the pipes of a spawned process are not (colours, progress lines, help's width): neither to
 * `stream.isTTY` nor to `tty.isatty(1)`/`(2)`, which the colour libraries in oclif ask.
 */
function notTerminals(): () => void {
  const streams = [process.stdout, process.stderr]
  const saved = streams.map((s) => Object.getOwnPropertyDescriptor(s, 'isTTY'))
  for (const s of streams) Object.defineProperty(s, 'isTTY', {configurable: true, value: false, writable: true})
  const {isatty} = tty
  tty.isatty = (fd: number) => fd !== 1 && fd !== 2 && isatty(fd)
  return () => {
    tty.isatty = isatty
    for (const [i, s] of streams.entries()) {
      if (saved[i]) Object.defineProperty(s, 'isTTY', saved[i])
      else delete (s as {isTTY?: boolean}).isTTY
    }
  }
}

type Emitter = NodeJS.EventEmitter
/** Remove, when called, every listener added to the process and its streams since. */
function listenersSince(): () => void {
  const emitters: Emitter[] = [process, process.stdout, process.stderr]
  const before = emitters.map((e) => new Map(e.eventNames().map((n) => [n, new Set(e.rawListeners(n))])))
  return () => {
    for (const [i, e] of emitters.entries()) {
      for (const name of e.eventNames()) {
        const had = before[i].get(name)
        for (const l of e.rawListeners(name))
          if (!had?.has(l)) e.removeListener(name, l as (...args: unknown[]) => void)
      }
    }
  }
}

/** process.env as it is outside a run (while one runs, process.env is the run's). */
let outside: NodeJS.ProcessEnv | undefined

export function processEnv(): NodeJS.ProcessEnv {
  return outside ?? process.env
}

/** Make process.env exactly `env`; return the undo. */
function useEnv(env: Record<string, string>): () => void {
  const saved = {...process.env}
  const become = (next: NodeJS.ProcessEnv) => {
    for (const key of Object.keys(process.env)) if (!(key in next)) delete process.env[key]
    Object.assign(process.env, next)
  }

  become(env)
  outside = saved
  return () => {
    outside = undefined
    become(saved)
  }
}

let turn: Promise<unknown> = Promise.resolve()

/**
 * Run the CLI's `args` in this process, as `node bin/run.js ...args` in `cwd` with the environment `env()` returns
 * (the whole environment; asked when the run's turn comes).
 */
export function runInProcess(
  root: string,
  bin: string,
  args: readonly string[],
  options: {cwd: string; env: () => NodeJS.ProcessEnv},
): Promise<CliResult> {
  const result = turn.then(() => runOnce(root, bin, args, options))
  turn = result.catch(() => {})
  return result
}

async function runOnce(
  root: string,
  bin: string,
  args: readonly string[],
  options: {cwd: string; env: () => NodeJS.ProcessEnv},
): Promise<CliResult> {
  install()
  const env = Object.fromEntries(Object.entries(options.env()).filter((e): e is [string, string] => e[1] !== undefined))
  const undo: Array<() => void> = []
  const cwd = process.cwd()
  const {argv, exitCode} = process
  try {
    undo.push(notTerminals(), listenersSince())
    bundle ??= loadBundle(root)
    undo.push(modulesSince(root))
    undo.push(useEnv(env))
    process.chdir(options.cwd)
    process.argv = [process.execPath, bin, ...args]
    process.exitCode = undefined
    const run: Run = {origin: performance.now(), over: false, stderr: '', stdout: ''}
    const main = bundle.main
    const number = ++runNumber
    try {
      await current.run(run, () => main([...args], root, {importUrl: importer(number)}))
    } catch (error) {
      // bin/run.js does not catch main()'s promise: Node prints what it was rejected with, and exits 1.
      if (run.exit === undefined) {
        run.stderr += `${(error as Error)?.stack ?? String(error)}\n`
        run.exit = 1
      }
    }

    run.over = true
    const code = run.exit ?? Number(process.exitCode ?? 0)
    return {code, stderr: run.stderr, stdout: run.stdout}
  } finally {
    process.exitCode = exitCode
    process.argv = argv
    process.chdir(cwd)
    for (const u of undo.reverse()) u()
  }
}
