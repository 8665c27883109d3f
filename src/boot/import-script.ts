import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {compileScript, startCompiling, stopCompiling, WORKER_FROM} from './compile-worker.js'
import {importModule, importThroughLoader} from './module-loader.js'
import {type CompiledScript, ScriptCache} from './script-cache.js'

/** A revision script to import: its file, and the checksum of its text, which keys its compiled code. */
export interface ScriptSource {
  readonly path: string
  readonly checksum: string
  /** Its text, when already read (the header cache leaves a cached script unread). */
  readonly source?: string
}

const caches = new Map<string, ScriptCache>()

function cacheOf(location: string): ScriptCache {
  let cache = caches.get(location)
  if (!cache) caches.set(location, (cache = new ScriptCache(location)))
  return cache
}

/** The folder whose scripts the compile worker has (boot/compile-worker.ts). */
let compiling: string | undefined

/** What the worker compiled and the run did not take, into the cache of its folder, to be written with it. */
function keep(rest: Map<string, CompiledScript>): void {
  const cache = compiling === undefined ? undefined : caches.get(compiling)
  if (cache) for (const [hash, compiled] of rest) if (!cache.get(hash)) cache.set(hash, compiled)
}

/**
 * The scripts a command is about to import (a chain, in chain order): when many of them are missing from the
 * compiled-script cache (a first run), they start compiling on a second thread (boot/compile-worker.ts).
 */
export function prepareScripts(scripts: readonly ScriptSource[]): void {
  const ts = scripts.filter((s) => /\.m?ts$/.test(s.path))
  const location = ts.length > 0 ? path.dirname(ts[0].path) : undefined
  // Already compiling them (databases sharing one chain, run in parallel).
  if (location !== undefined && compiling === location) return
  const cache = location === undefined || ts.length < WORKER_FROM ? undefined : cacheOf(location)
  const missing = cache
    ? ts.filter((s) => path.dirname(s.path) === location && !cache.get(s.checksum)).map((s) => s.path)
    : []
  const {rest, started} = startCompiling(missing)
  keep(rest)
  compiling = started ? location : undefined
}

/**
 * Write back the compiled-script caches this process added to: once a run's
 * scripts are loaded, and again when the command is over, with `code`, V8's
 * code of what ran.
 */
export function saveScriptCaches(options: {code?: boolean} = {}): void {
  keep(stopCompiling())
  compiling = undefined
  for (const cache of caches.values()) cache.save(options)
  // The command is over: the next one reads the files again (as they are now).
  if (options.code) caches.clear()
}

/**
 * What recordScriptFacts() noted of `script` when it last ran with this text, read without importing it; undefined
 * for a script not in the compiled-script cache, not TypeScript, or one that imports other files.
 */
export function scriptFacts(script: ScriptSource): unknown {
  return /\.m?ts$/.test(script.path) ? cacheOf(path.dirname(script.path)).facts(script.checksum) : undefined
}

/** Note `facts` (JSON) of a script just imported, in its compiled-script cache entry (see scriptFacts). */
export function recordScriptFacts(script: ScriptSource, facts: unknown): void {
  if (/\.m?ts$/.test(script.path)) cacheOf(path.dirname(script.path)).note(script.checksum, facts)
}

/** `script` has run (its step is over): what was compiled of it is let go (ScriptCache.ran). */
export function scriptRan(script: ScriptSource): void {
  if (/\.m?ts$/.test(script.path)) caches.get(path.dirname(script.path))?.ran(script.checksum)
}

/**
 * A revision script. TypeScript comes from the compiled-script cache when
 * its text is there: code that requires nothing (a script whose only import
 * is `import type`) runs as it is, with no loader; anything else goes
 * through jiti, which resolves its imports. JavaScript is imported by Node.
 */
export async function importScript(script: ScriptSource): Promise<Record<string, unknown>> {
  if (!/\.m?ts$/.test(script.path)) return importModule(script.path)
  const location = path.dirname(script.path)
  const cache = cacheOf(location)
  // The checksum (also the script's history row's) keys it: text that differs only in line endings or a BOM runs alike.
  const hash = script.checksum
  let compiled = cache.get(hash)
  if (!compiled) {
    compiled = await compileScript(script.path, hash, async () => script.source ?? readFile(script.path, 'utf8'))
    cache.set(hash, compiled)
  }

  if (!compiled.plain) return importThroughLoader(script.path)

  const module = {exports: {} as Record<string, unknown>}
  const run = cache.compile(hash, compiled.code, script.path)
  const noRequire = (id: string) => {
    throw new Error(`require(${JSON.stringify(id)}) in a script compiled as needing nothing`)
  }

  run(module.exports, noRequire, module, script.path, location)
  return module.exports
}
