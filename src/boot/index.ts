/**
 * Start-up machinery: how the CLI's bundle is built and loaded, how scripts
 * and target schemas are imported with no build step, and the caches that
 * keep both fast (docs/start-up.md). The rest of db-manage uses this file
 * only; nothing outside src/boot/ uses Node's internals (node:vm, node:v8,
 * node:module) or the loader's hand-off.
 *
 * A low layer: it imports util/ only. bin/run.js calls runCli()
 * (boot/bundle-loader.ts, built apart into dist/bundle/load.cjs) and
 * scripts/bundle.mjs calls bundleCli() (boot/bundle.ts).
 */
// The CLI's entry (src/main.ts).
export {hoistGlobalFlags} from './argv.js'
export {discardCodeCache, type Handoff, importUrl, takeHandoff} from './handoff.js'
// Scripts and modules.
export {importScript, beginSharedRun} from './shared-run.js'
export {
  prepareScripts,
  recordScriptFacts,
  saveScriptCaches,
  scriptFacts,
  scriptRan,
  type ScriptSource,
} from './import-script.js'
export {
  compiledByEarlyWorker,
  scriptsCompiledByWorker,
  waitedForCompileWorker,
  warmUpCompiling,
  WORKER_FROM,
} from './compile-worker.js'
export {importModule, requireExternal} from './module-loader.js'
// Cache files.
export {CacheFile, type CacheKind, folderKey} from './cache-file.js'
export {type Stamp, StampCache} from './stamp-cache.js'
