import type {Hook} from '@oclif/core/interfaces'

/** An unknown command gets the one-line error every other mistake gets, and exit 2 (usage). */
const hook: Hook.CommandNotFound = async function (options) {
  const aliases = new Set(this.config.commands.flatMap((c) => c.aliases))
  const known = [...new Set(this.config.commands.filter((c) => !c.hidden && !aliases.has(c.id)).map((c) => c.id))].sort()
  process.stderr.write(`Error: unknown command "${options.id}" (the commands: ${known.join(', ')})\n`)
  this.exit(2)
}

export default hook
