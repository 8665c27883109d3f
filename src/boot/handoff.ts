/**
 * What the bundle's loader (boot/bundle-loader.ts, built apart into
 * dist/bundle/load.cjs) hands the bundle when it starts the CLI, and the
 * bundle's ways back to it.
 *
 * - import(): the bundle is CommonJS compiled through V8's code cache, where
 *   a native import() has no loader behind it on Node 20 (boot/bundle.ts
 *   turns the bundle's own into require()); the loader, a file Node loaded,
 *   hands in its own. Everywhere else (the library's dist/, the tests)
 *   importUrl() is import() itself.
 * - Discarding the code cache: a mistyped command compiled nothing worth
 *   keeping, and its name would leave one cache file per typo.
 * - The compile worker, started by the loader before it compiled the bundle
 *   on the first run of a command that imports a chain's scripts
 *   (boot/compile-worker.ts).
 */
import type {CompileWorkers} from './compile-thread.js'

export type Importer = (url: string) => Promise<unknown>

/**
 * What the loader did with V8's code cache of the bundle, for --debug: absent and refused caches are written at exit.
 */
export type CodeCacheUse = 'absent' | 'off' | 'read' | 'refused'

export interface Handoff {
  readonly codeCache?: CodeCacheUse
  /** Write no code cache for this run. */
  readonly discardCodeCache?: () => void
  readonly importUrl?: Importer
  /** A compile worker already started (boot/compile-worker.ts takes it). */
  readonly compileWorkers?: CompileWorkers
}

let handed: Handoff = {}

/** Take what the loader handed in (once, as the CLI starts). */
export function takeHandoff(handoff: Handoff): void {
  handed = handoff
}

/** Import an ES module by its URL (a `.js`/`.mjs` script, a target schema, an ES-module oclif plugin). */
export async function importUrl(url: string): Promise<Record<string, unknown>> {
  return (await (handed.importUrl ? handed.importUrl(url) : import(url))) as Record<string, unknown>
}

/** Tell the loader to write no code cache for this run (a mistyped command). */
export function discardCodeCache(): void {
  handed.discardCodeCache?.()
}

/** The compile worker the loader started, once; undefined when it started none. */
export function takeCompileWorkers(): CompileWorkers | undefined {
  const workers = handed.compileWorkers
  if (workers) handed = {...handed, compileWorkers: undefined}
  return workers
}
