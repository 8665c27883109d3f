import {importScript as importOnce, type ScriptSource} from './import-script.js'
import {setV8Flag} from './v8-flags.js'

/**
 * What a run of several databases on one chain (a fleet's tenants) shares while it goes on, begun and ended by
 * api/fleet.ts's eachDatabase:
 *
 * - Each script's module is evaluated once and its exports handed to every tenant that runs it, as Node does for a
 *   `.js` script (its ES module cache), instead of compiling and evaluating it again for each tenant. Keyed by path
 *   and checksum (an edited file is another key); at most SHARED_MODULES, the least recently asked dropped first;
 *   all of them dropped when the run ends, so a single database's run holds no module longer than before.
 * - The heap is kept near what is live: V8 lets the old generation reach several times what is live before
 *   collecting it, which made 100 tenants' run peak at 1.7x one tenant's RSS (bench/README.md, Fleets) though under
 *   11 MiB of it was live. While the run goes on a full collection comes once the old generation has grown a fifth
 *   past what the last one left (`--heap-growing-percent=20`, read by V8 at each collection; its default comes back
 *   when the run ends). The young generation is kept at its first size for every command (bundle-loader.ts).
 */
const SHARED_MODULES = 1000

let runs = 0
let modules: Map<string, Promise<Record<string, unknown>>> | undefined

/** Begin sharing; the function returned ends it (once, however many times it is called). */
export function beginSharedRun(): () => void {
  if (runs++ === 0) {
    modules = new Map()
    setV8Flag('--heap-growing-percent=20')
  }

  let ended = false
  return () => {
    if (ended) return
    ended = true
    if (--runs > 0) return
    modules = undefined
    setV8Flag('--heap-growing-percent=0')
  }
}

/** A revision script's module (import-script.ts), evaluated once per shared run. */
export function importScript(script: ScriptSource): Promise<Record<string, unknown>> {
  if (!modules) return importOnce(script)
  const key = `${script.checksum}\0${script.path}`
  const shared = modules
  let module = shared.get(key)
  if (module) {
    // The most recently asked last: the first in the map is the one dropped.
    shared.delete(key)
  } else {
    module = importOnce(script)
    // A script that failed to load is not kept: each tenant that runs it tries again and reports its own failure.
    module.catch(() => shared.get(key) === module && shared.delete(key))
    if (shared.size >= SHARED_MODULES) shared.delete(shared.keys().next().value as string)
  }

  shared.set(key, module)
  return module
}
