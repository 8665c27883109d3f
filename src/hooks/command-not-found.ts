import type {Hook} from '@oclif/core/interfaces'

import {discardCodeCache} from '../boot/index.js'
import {unknownCommandLine} from '../cli/help.js'

/**
 * An unknown command gets the one-line error every other mistake gets, the
 * nearest command when one is near ("did you mean upgrade?"), exit 2 (usage),
 * and leaves no code cache behind.
 */
const hook: Hook.CommandNotFound = async function (options) {
  discardCodeCache()
  process.stderr.write(`Error: ${unknownCommandLine(options.id, this.config.commands)}\n`)
  this.exit(2)
}

export default hook
