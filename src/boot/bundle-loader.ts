/**
 * Loads the CLI's bundle (dist/bundle/main.cjs) through V8's code cache, so
 * that start-up deserializes compiled code instead of parsing and compiling
 * a megabyte of JavaScript on every run (docs/start-up.md; Node 20 has no
 * `module.enableCompileCache()`, which does this from Node 22 on), and starts
 * the CLI.
 *
 * bin/run.js requires this module, built apart from the bundle into
 * dist/bundle/load.cjs (CommonJS, as bin/run.js is: Node's ES module loader
 * would cost start-up time), and calls runCli().
 *
 * - One cache file per command (`code-<key>-<command>.bin`), written when the
 *   process exits after a run that had none: it then holds the functions that
 *   command compiled, not only the bundle's top level. A chunk the bundle
 *   requires beside it (mysql2.cjs) has its own, keyed by its text too
 *   (`code-<key>-<command>.mysql2-<its key>.bin`).
 * - The key is a hash of the bundle's text, Node's version and the platform:
 *   a rebuilt or upgraded db-manage never reads an older file (and removes
 *   other builds' files of its folder, an hour old, when it writes its own). V8 also refuses
 *   data made by another V8 or other flags; the file carries its own sha1, so a
 *   damaged file is refused before V8 sees it.
 * - It lives where the compiled scripts do (boot/cache-file.ts);
 *   `DB_MANAGE_SCRIPT_CACHE=off` (or `DB_MANAGE_CACHES_OFF=bundle-code`) turns
 *   it off, and the bundle is then required as any CommonJS file. Anything
 *   that goes wrong only costs time.
 */
import {isAscii} from 'node:buffer'
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, statSync, unlinkSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import path from 'node:path'
import {Script} from 'node:vm'

import {hoistGlobalFlags} from './argv.js'
import {CacheFile, cacheDirectories, cacheTurnedOff, NODE_BUILD} from './cache-file.js'
import {type CompileWorkers, spawnCompileWorkers} from './compile-thread.js'
import type {CodeCacheUse, Handoff} from './handoff.js'
import {optimizeLater} from './optimize.js'
import {setV8Flag, setV8FlagsAgain} from './v8-flags.js'

interface LoadedBundle {
  readonly exports: Record<string, unknown>
  readonly codeCache: CodeCacheUse
  readonly compileWorkers?: CompileWorkers
}

/**
 * The commands that import a chain's scripts. Their first run after an install (no code cache of the bundle for
 * them) is most likely a first run of the chain too: the compile worker is started before the bundle is compiled,
 * so that its own start and sucrase's warm-up are over by the time the chain's files are known
 * (boot/compile-worker.ts). When the scripts turn out to be cached, it is stopped unused.
 */
const IMPORTING = new Set(['downgrade', 'upgrade'])

let discarded = false

/** Node's CommonJS internals this needs (public in practice, untyped in @types/node). */
interface ModuleInternals {
  _cache: Record<string, unknown>
  _nodeModulePaths(dir: string): string[]
  wrap(code: string): string
  new (id: string): {exports: Record<string, unknown>; filename: string; loaded: boolean; paths: string[]}
}

const SHA1_BYTES = 20

/** The command's name, for the cache file's: a word, or "other" (help, --version, a typo). */
function commandName(argv: readonly string[]): string {
  const [first] = hoistGlobalFlags(argv)
  return first !== undefined && /^[a-z][a-z_]{0,30}$/.test(first) ? first : 'other'
}

function sha1(data: string | Uint8Array): Buffer {
  return createHash('sha1').update(data).digest()
}

/** The payload of a cache file whose checksum holds, else undefined. */
function checked(data: Buffer): Buffer | undefined {
  const payload = data.subarray(SHA1_BYTES)
  return payload.length > 0 && sha1(payload).equals(data.subarray(0, SHA1_BYTES)) ? payload : undefined
}

/**
 * Another build's files are removed once they are this old: two builds sharing a folder (the OS temporary one) do not
 * undo each other's.
 */
const STALE_MS = 3_600_000
const CACHE_FILE = /^code-[0-9a-f]{16}-[\w.-]+\.bin$/

/**
 * Remove the cache files of other builds in `dir`, unless one was written within the hour (this build's own, of other
 * commands, stay).
 */
function removeOthers(dir: string, key: string): void {
  try {
    for (const name of readdirSync(dir)) {
      if (!CACHE_FILE.test(name) || name.startsWith(`code-${key}-`)) continue
      const file = path.join(dir, name)
      if (Date.now() - statSync(file).mtimeMs > STALE_MS) unlinkSync(file)
    }
  } catch {
    // Only disk space is at stake.
  }
}

function keyOf(bytes: Buffer): string {
  return createHash('sha1').update(`${NODE_BUILD}\n`).update(bytes).digest('hex').slice(0, 16)
}

/**
 * Run the CommonJS file `file` (its text `bytes`) as Node would require it,
 * compiled with the code cache `name` from the first of `directories` that
 * has a sound one; at exit, when there was none, the cache is written with
 * what the run compiled. `build` is the bundle's key: other builds' files go.
 */
function runCached(
  file: string,
  bytes: Buffer,
  name: string,
  directories: readonly string[],
  build: string,
  absent?: () => void,
): {exports: Record<string, unknown>; use: CodeCacheUse} {
  // boot/bundle.ts writes plain ASCII, which decodes faster as Latin-1.
  const source = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8')
  const cache = new CacheFile('bundle-code', name, directories)
  const cachedData = cache.read(checked)
  if (!cachedData) absent?.()

  const internals = Module as unknown as ModuleInternals
  const script = new Script(internals.wrap(source), {cachedData, filename: file})
  const module = new internals(file)
  module.filename = file
  module.paths = internals._nodeModulePaths(path.dirname(file))
  // oclif requires the bundle for the commands and hooks (package.json oclif): it finds this module.
  internals._cache[file] = module
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void
  wrapper.call(
    module.exports,
    module.exports,
    requireFor(file, directories, build, name),
    module,
    file,
    path.dirname(file),
  )
  module.loaded = true
  const use: CodeCacheUse = cachedData ? (script.cachedDataRejected ? 'refused' : 'read') : 'absent'
  if (use !== 'read') {
    // At exit, the cache holds what this command compiled too.
    process.once('exit', () => {
      if (discarded) return
      try {
        // A worker thread's start may have put them back (boot/v8-flags.ts): the next run's V8 refuses a cache
        // written under other flags. TurboFan off, as the next run starts (boot/optimize.ts: a long run turned it on).
        setV8FlagsAgain()
        optimizeLater()
        const data = script.createCachedData()
        // In two parts: a copy of the data (megabytes) would add to the run's peak memory.
        const written = cache.write([sha1(data), data])
        if (written) removeOthers(path.dirname(written), build)
      } catch {
        // Only time is lost.
      }
    })
  }

  return {exports: module.exports, use}
}

/**
 * The bundle's require: Node's, except for the bundle's own chunks
 * (`./<name>.cjs` beside it: mysql2, bundled apart so that only commands on
 * MySQL read it), which go through the code cache too.
 */
function requireFor(file: string, directories: readonly string[], build: string, name: string): NodeJS.Require {
  const plain = createRequire(file)
  const chunk = (id: string): unknown => {
    if (!/^\.\/[\w-]+\.cjs$/.test(id)) return plain(id)
    const chunkFile = path.join(path.dirname(file), id)
    const cached = plain.cache[chunkFile] as undefined | {exports: unknown}
    if (cached) return cached.exports
    const bytes = readFileSync(chunkFile)
    return runCached(
      chunkFile,
      bytes,
      `${name.slice(0, -'.bin'.length)}.${path.basename(id, '.cjs')}-${keyOf(bytes)}.bin`,
      directories,
      build,
    ).exports
  }

  return Object.assign(chunk, plain) as NodeJS.Require
}

/** Load the bundle at `file` (an absolute path) for a run with `argv`. */
function loadBundle(file: string, argv: readonly string[]): LoadedBundle {
  const directories = cacheDirectories()
  if (directories.length === 0 || cacheTurnedOff('bundle-code'))
    return {codeCache: 'off', exports: createRequire(file)(file) as Record<string, unknown>}
  const bytes = readFileSync(file)
  const key = keyOf(bytes)
  const command = commandName(argv)
  let compileWorkers: CompileWorkers | undefined
  const {exports, use} = runCached(file, bytes, `code-${key}-${command}.bin`, directories, key, () => {
    if (IMPORTING.has(command)) compileWorkers = spawnCompileWorkers()
  })
  return {codeCache: use, compileWorkers, exports}
}

type Main = (argv: string[], root: string, handoff: Handoff) => Promise<void>

/**
 * V8's young generation doubles (up to 16 MB a semi-space, 32 MB in all) while a run allocates fast, and a
 * command's allocations are mostly short-lived (statements, rows, a script's operations): kept at its first size it
 * costs a few more scavenges and about 15 MB less peak RSS (bench/README.md, "mem"). Set before the bundle loads,
 * unless NODE_OPTIONS or node's own flags name it.
 */
function keepYoungGenerationSmall(): void {
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`
  if (!/semi[-_]space/.test(given)) setV8Flag('--semi-space-growth-factor=1')
}

/** Run the CLI on `argv` (process.argv without node and the script); `root` is the package's folder. */
export async function runCli(root: string, argv: string[]): Promise<void> {
  keepYoungGenerationSmall()
  // TurboFan off until a run proves long (boot/optimize.ts), set before V8's code caches are read.
  optimizeLater()
  const bundle = loadBundle(path.join(root, 'dist', 'bundle', 'main.cjs'), argv)
  await (bundle.exports.main as Main)(argv, root, {
    codeCache: bundle.codeCache,
    compileWorkers: bundle.compileWorkers,
    discardCodeCache: () => {
      discarded = true
    },
    // A file Node loaded, this module has a loader behind import(): boot/bundle.ts keeps it here.
    importUrl: (url) => import(url),
  })
}
