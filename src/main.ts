/**
 * The CLI's entry, bundled by scripts/bundle.mjs with @oclif/core into one
 * CommonJS file, dist/bundle/main.cjs, which bin/run.js loads through V8's
 * code cache (cli/code-cache.ts; see bench/README.md, start-up); oclif finds
 * the commands in COMMANDS (package.json oclif.commands, strategy explicit:
 * the list itself is commands/index.ts, which the manifest reads through this
 * bundle too) and the hooks by their identifiers, in this same module.
 */
import {execute} from '@oclif/core/execute'

import {add, annotate, resetPhases} from './runtime/phases.js'
import {type Importer, useImporter} from './util/import-url.js'
import {hoistGlobalFlags} from './cli/argv.js'
import {useCodeCacheDiscard} from './cli/code-cache-control.js'

export {default as commandNotFound} from './hooks/command-not-found.js'
/** oclif's help with db-manage's order of flag groups (package.json oclif.helpClass). */
export {DbManageHelp as Help} from './cli/help.js'

export {COMMANDS} from './commands/index.js'

export interface MainOptions {
  /** What loading the bundle did with V8's code cache (cli/code-cache.ts), for --debug. */
  readonly codeCache?: string
  /** Tell the loader to write no code cache for this run (a mistyped command). */
  readonly discardCodeCache?: () => void
  /** import() from outside the bundle, which runs where it has none (util/import-url.ts). */
  readonly importUrl?: Importer
}

/**
 * Run the CLI on `argv` (process.argv without node and the script); `root` is the package's folder (or a file in it).
 */
export async function main(argv: string[], root: string, options: MainOptions = {}): Promise<void> {
  resetPhases()
  // From the process's start to here: Node itself and loading the bundle.
  add('start-up', performance.now())
  if (options.codeCache) annotate('start-up', `code cache ${options.codeCache}`)
  if (options.importUrl) useImporter(options.importUrl)
  if (options.discardCodeCache) useCodeCacheDiscard(options.discardCodeCache)
  await execute({args: hoistGlobalFlags(argv), dir: root})
}
