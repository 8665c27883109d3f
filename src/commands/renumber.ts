import * as Flags from '@oclif/core/flags'

import {currentIfReachable} from '../api/reachable.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {renumber} from '../api/renumber.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase} from '../cli/format.js'

export default class Renumber extends BaseCommand {
  static description = `After two branches each added the same id, or a script arrived with a non-sequential or Alembic-style hex id, renames the files and rewrites revision/downRevision so the chain is linear and sequential again. Order: each script follows the script its downRevision names; branches after a fork, and siblings, are ordered by the time git first committed the file (uncommitted last), then createdAt, then file name, a whole branch after the earlier one. When the configured database can be reached, revisions it has applied keep their ids, or nothing is changed.`
  static flags = {
    'dry-run': Flags.boolean({env: 'DB_MANAGE_DRY_RUN', summary: 'Print what would change and change nothing.'}),
  }

  static summary = 'Make the chain linear and sequential again.'

  async run(): Promise<Awaited<ReturnType<typeof renumber>>> {
    const {flags} = await this.parse(Renumber)
    const config = await this.loadConfig(flags)
    const result = await renumber(config, {
      applied: currentIfReachable(config, sqlDebug(flags.debug)),
      dryRun: flags['dry-run'],
    })
    this.printLines(
      perDatabase(
        result,
        (r) => {
          if (r.changes.length === 0) return ['Nothing to renumber: the chain is linear and sequential.']
          return [
            ...r.changes.map(
              (c) =>
                `${c.from.fileName} -> ${c.to.fileName} (revision ${c.from.id} -> ${c.to.id}, down ${c.from.downRevision ?? 'null'} -> ${c.to.downRevision ?? 'null'})`,
            ),
            r.dryRun
              ? `${r.changes.length} file(s) would change (dry run: nothing written)`
              : `${r.changes.length} file(s) renumbered`,
          ]
        },
        config.nameEach,
      ),
    )
    return result
  }
}
