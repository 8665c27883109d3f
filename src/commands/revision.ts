import * as Flags from '@oclif/core/flags'

import {autogenerate} from '../api/autogenerate.js'
import {revision} from '../api/revision.js'
import {autogenerateFlags} from '../cli/autogenerate-flags.js'
import {BaseCommand} from '../cli/base-command.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {notComparedLine, perDatabase} from '../cli/format.js'

export default class Revision extends BaseCommand {
  static description =
    'Writes <next id>_<slug>.ts (or .sql with --template sql) after the current head, ids zero-padded to revision_digits. Refuses when the chain has more than one head: run renumber first. With --autogenerate, compares the database (which must be at head) with target_schema and writes the operations that make it match, with the exact inverse as downgrade; drops are marked DATA LOSS, and renames are only what --rename-table / --rename-column say.'
  static examples = [
    '<%= config.bin %> revision -m "add user email"',
    '<%= config.bin %> revision -m "backfill events" --template sql',
    '<%= config.bin %> revision -m "model changes" --autogenerate --rename-column users.mail=email',
  ]
  static flags = {
    ...autogenerateFlags,
    autogenerate: Flags.boolean({
      summary: 'Write the operations that make the database (at head) match target_schema, and their exact inverse.',
    }),
    message: Flags.string({char: 'm', required: true, summary: 'What the revision does; also names the file.'}),
    'rename-column': Flags.string({
      dependsOn: ['autogenerate'],
      multiple: true,
      summary: 'With --autogenerate: TABLE.OLD=NEW is a rename, not a drop and an add.',
    }),
    'rename-table': Flags.string({
      dependsOn: ['autogenerate'],
      multiple: true,
      summary: 'With --autogenerate: OLD=NEW is a rename, not a drop and a create.',
    }),
    template: Flags.string({default: 'ts', options: ['ts', 'sql'], summary: 'Script kind to write.'}),
  }

  static summary = 'Create a new revision script.'

  async run(): Promise<Awaited<ReturnType<typeof autogenerate>> | Awaited<ReturnType<typeof revision>>> {
    const {flags} = await this.parse(Revision)
    const config = await this.loadConfig(flags)
    if (flags.autogenerate) {
      const result = await autogenerate(config, {
        allowEmptyTarget: flags['allow-empty-target'],
        debug: sqlDebug(flags.debug),
        message: flags.message,
        renameColumns: flags['rename-column'],
        renameTables: flags['rename-table'],
      })
      notComparedLine(result, config.nameEach)
      // What the downgrade cannot give back as it was, as the script's DATA LOSS comments say.
      for (const r of result) {
        const prefix = config.nameEach ? `[${r.database}] ` : ''
        for (const {direction, note} of r.narrowingNotes ?? []) process.stderr.write(`${prefix}${direction}: ${note}\n`)
        for (const note of r.downgradeNotes ?? []) process.stderr.write(`${prefix}downgrade: ${note}\n`)
      }
      this.printLines(
        perDatabase(
          result,
          (r) =>
            r.path
              ? [...r.changes.map((c) => `  ${c}`), `Generated ${r.path}`]
              : ['No changes detected: the database matches the target schema; nothing written.'],
          config.nameEach,
        ),
      )
      return result
    }

    const result = await revision(config, {message: flags.message, template: flags.template as 'sql' | 'ts'})
    this.printLines(perDatabase(result, (r) => [`Generated ${r.path}`], config.nameEach))
    return result
  }
}
