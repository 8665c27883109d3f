import {CommandHelp, Help} from '@oclif/core/help'
import type {Command} from '@oclif/core/command'

import {nearest} from '../util/nearest.js'

/**
 * The order of the flag groups in a command's help: its own flags first
 * (oclif's ungrouped FLAGS), then these, so what matters to the command is
 * read before what every command takes.
 */
export const FLAG_GROUPS = ['OFFLINE', 'GLOBAL', 'MULTI-DATABASE'] as const

class DbManageCommandHelp extends CommandHelp {
  protected groupFlags(flags: Array<Command.Flag.Any>): {
    flagGroups: Record<string, Array<Command.Flag.Any>>
    mainFlags: Array<Command.Flag.Any>
  } {
    const {flagGroups, mainFlags} = super.groupFlags(flags)
    const rank = (name: string): number => {
      const i = (FLAG_GROUPS as readonly string[]).indexOf(name)
      return i === -1 ? FLAG_GROUPS.length : i
    }

    const ordered = Object.entries(flagGroups).sort(([a], [b]) => rank(a) - rank(b))
    return {flagGroups: Object.fromEntries(ordered), mainFlags}
  }
}

/** oclif's help, with the flag groups in db-manage's order and a nearest-command hint for an unknown one. */
export class DbManageHelp extends Help {
  CommandHelpClass = DbManageCommandHelp

  async showHelp(argv: string[]): Promise<void> {
    const subject = argv.find((a) => !a.startsWith('-'))
    if (subject !== undefined && !this.config.findCommand(subject)) {
      throw Object.assign(new Error(unknownCommandLine(subject, this.config.commands)), {oclif: {exit: 2}})
    }

    return super.showHelp(argv)
  }
}

/** `unknown command "upgrad": did you mean "upgrade"?`, or the list of the commands when none is near. */
export function unknownCommandLine(
  id: string,
  commands: ReadonlyArray<{aliases: string[]; hidden: boolean; id: string}>,
): string {
  const aliases = new Set(commands.flatMap((c) => c.aliases))
  const visible = commands.filter((c) => !c.hidden)
  const names = [...new Set(visible.flatMap((c) => [c.id, ...c.aliases]))]
  const near = nearest(id, names)
  if (near) return `unknown command "${id}": did you mean "${near}"? (db-manage help lists the commands)`
  const known = [...new Set(visible.filter((c) => !aliases.has(c.id)).map((c) => c.id))].sort()
  return `unknown command "${id}" (the commands: ${known.join(', ')}; db-manage help COMMAND explains one)`
}
