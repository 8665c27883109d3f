/**
 * The CLI's entry, bundled by scripts/bundle.mjs with @oclif/core into one
 * CommonJS file, dist/bundle/main.cjs, which bin/run.js loads through V8's
 * code cache and starts (boot/bundle-loader.ts; see docs/start-up.md); oclif
 * finds the commands in COMMANDS (package.json oclif.commands, strategy
 * explicit: the list itself is commands/index.ts, which the manifest reads
 * through this bundle too) and the hooks by their identifiers, in this same
 * module.
 */
import {execute} from '@oclif/core/execute'

import {type Handoff, hoistGlobalFlags, takeHandoff} from './boot/index.js'
import {add, annotate, resetPhases} from './runtime/phases.js'

export {default as commandNotFound} from './hooks/command-not-found.js'
/** oclif's help with db-manage's order of flag groups (package.json oclif.helpClass). */
export {DbManageHelp as Help} from './cli/help.js'

export {COMMANDS} from './commands/index.js'

/**
 * Run the CLI on `argv` (process.argv without node and the script); `root` is
 * the package's folder (or a file in it); `handoff` is what the bundle's
 * loader hands in.
 */
export async function main(argv: string[], root: string, handoff: Handoff = {}): Promise<void> {
  resetPhases()
  // From the process's start to here: Node itself and loading the bundle.
  add('start-up', performance.now())
  if (handoff.codeCache) annotate('start-up', `code cache ${handoff.codeCache}`)
  takeHandoff(handoff)
  await execute({args: hoistGlobalFlags(argv), dir: root})
}
