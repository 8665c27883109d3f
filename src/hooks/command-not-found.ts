import type {Hook} from '@oclif/core/interfaces'

import {discardCodeCache} from '../boot/index.js'
import {unknownCommandLine} from '../cli/help.js'

/**
 * An unknown command gets the one-line error every other mistake gets, the
 * nearest command when one is near ("did you mean upgrade?"), exit 2 (usage),
 * and leaves no code cache behind. Only the unknown word is named: what follows may hold a password.
 */
const hook: Hook.CommandNotFound = async function (options) {
  discardCodeCache()
  // oclif joins the words after it with ':' (`dif:postgresql://app:secret@db/app`): a URL's password would show.
  process.stderr.write(`Error: ${unknownCommandLine(options.id.split(':')[0], this.config.commands)}\n`)
  this.exit(2)
}

export default hook
