import * as Flags from '@oclif/core/flags'
import {existsSync} from 'node:fs'
import path from 'node:path'

import {history} from '../api/history.js'
import {stateIfReachable} from '../api/reachable.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase, repeatableBlock, repeatableLine, revisionBlock, revisionLine} from '../cli/format.js'

export default class History extends BaseCommand {
  static description =
    'Lists revisions newest first, as "006 -> 007 (head), message", marking (current) the revision the database is at when it can be reached; with --verbose, each applied revision also says when it was applied, by whom, how long it took, and whether its script still matches the checksum recorded then. Repeatable objects (migrations/repeatable/) are listed above the chain, each applied or pending when the database can be reached. A range START:END limits the list; either side may be left out, and "current" may stand for the database\'s revision.'
  static examples = ['<%= config.bin %> history', '<%= config.bin %> history -r 003:head --verbose']
  static flags = {
    rev: Flags.string({char: 'r', summary: 'Range START:END, e.g. base:005, 003:, :head-1.'}),
    verbose: Flags.boolean({char: 'v', summary: 'Show each revision in full.'}),
  }

  static summary = 'List the revision chain.'

  async run(): Promise<Awaited<ReturnType<typeof history>>> {
    const {flags} = await this.parse(History)
    const config = await this.loadConfig(flags)
    // The history rows only for --verbose: the plain list marks the current revision alone.
    const plain = stateIfReachable(config, {debug: sqlDebug(flags.debug), history: flags.verbose})
    // Repeatables' states need the rows: without -v, they are read (in the same one read) only for a chain with some.
    const full = flags.verbose ? plain : stateIfReachable(config, {debug: sqlDebug(flags.debug), history: true})
    const state = (name: string) => {
      const database = config.databases.find((d) => d.name === name)
      return (database && existsSync(path.join(database.scriptLocation, 'repeatable')) ? full : plain)(name)
    }

    const result = await history(config, {
      current: async (name) => (await state(name))?.current,
      history: flags.verbose ? async (name) => (await state(name))?.history : undefined,
      objectRows: async (name) => (await full(name))?.history,
      range: flags.rev,
    })
    if (flags.verbose) {
      // The lint class of each revision, when the scripts load and the dialect is known; history works without it.
      // The lint (its rules and SQL readers) loads only for -v: a plain history needs none of it.
      const {lint} = await import('../api/lint.js')
      const classes = await lint(config, {noDb: true}).catch(() => [])
      for (const r of result) {
        const linted = new Map(classes.find((c) => c.database === r.database)?.revisions.map((l) => [l.revision, l]))
        r.revisions = r.revisions.map((rev) => {
          const l = linted.get(rev.id)
          const shown = (f: {rule: string; severity: string}) =>
            f.severity !== 'info' || (l?.class === 'not-analysed' && f.rule === 'DM110')
          const rules = l?.findings.filter(shown).map((f) => f.rule) ?? []
          return l
            ? {...rev, lintClass: `${l.class}${rules.length > 0 ? ` (${[...new Set(rules)].join(', ')})` : ''}`}
            : rev
        })
      }
    }

    // Repeatables run after the head: listed above it, newest first as the chain is.
    this.printLines(
      perDatabase(
        result,
        (r) => [
          ...(r.repeatables ?? []).map(flags.verbose ? repeatableBlock : repeatableLine),
          ...r.revisions.map(flags.verbose ? revisionBlock : revisionLine),
        ],
        config.nameEach,
      ),
    )
    return result
  }
}
