import {Flags} from '@oclif/core'

import {checkAutogenerate} from '../api/autogenerate.js'
import {checkMigration} from '../api/check.js'
import {autogenerateFlags} from '../cli/autogenerate-flags.js'
import {BaseCommand} from '../cli/base-command.js'
import {notComparedLine} from '../cli/format.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {ChainError} from '../util/errors.js'

export default class CheckMigration extends BaseCommand {
  static aliases = ['check-migration']
  static description = `Exits non-zero, naming the files, when the chain has more than one head or base, a duplicate id, a downRevision that does not exist, a cycle, an id that is not the next number, a file name that does not match its id, or a header that cannot be read. Prints one summary line and exits 0 when the chain is sound.`
  static flags = {
    ...autogenerateFlags,
    autogenerate: Flags.boolean({summary: 'Also fail when the database at head differs from target_schema (a model change without its migration).'}),
  }

  static summary = 'Check the revision chain (for CI).'

  async run(): Promise<Awaited<ReturnType<typeof checkMigration>> | {autogenerate: Awaited<ReturnType<typeof checkAutogenerate>>; chain: Awaited<ReturnType<typeof checkMigration>>}> {
    const {flags} = await this.parse(CheckMigration)
    const config = await this.loadConfig(flags)
    const results = await checkMigration(config)
    const many = results.length > 1
    for (const r of results) {
      const prefix = many ? `[${r.database}] ` : ''
      if (r.ok) {
        this.log(`${prefix}OK: ${r.revisions} revision(s)${r.revisions ? `, ${r.base} -> ${r.head}` : ''}, one linear sequential chain`)
      } else {
        for (const p of r.problems) this.log(`${prefix}${p.message}`)
      }
    }

    const failed = results.filter((r) => !r.ok)
    let drift: Awaited<ReturnType<typeof checkAutogenerate>> | undefined
    if (flags.autogenerate && failed.length === 0) {
      drift = await checkAutogenerate(config, {allowEmptyTarget: flags['allow-empty-target'], debug: sqlDebug(flags.debug)})
      notComparedLine(drift)
      for (const d of drift) {
        const prefix = many ? `[${d.database}] ` : ''
        this.log(d.changes.length === 0 ? `${prefix}OK: the database at head matches the target schema` : d.changes.map((c) => `${prefix}${c}`).join('\n'))
      }

      const count = drift.reduce((n, d) => n + d.changes.length, 0)
      if (count > 0) {
        throw new ChainError(`check_migration --autogenerate found ${count} difference(s) between the database and the target schema: run "db-manage revision --autogenerate"`, {data: {autogenerate: drift, chain: results}})
      }
    }

    if (failed.length > 0) {
      const count = failed.reduce((n, r) => n + r.problems.length, 0)
      throw new ChainError(`check_migration found ${count} problem(s) in the revision chain`, {data: results})
    }

    // With --autogenerate, --json carries the comparison too (its notCompared counts included).
    return drift ? {autogenerate: drift, chain: results} : results
  }
}
