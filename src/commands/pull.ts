import * as Flags from '@oclif/core/flags'

import {pull, type PullResult} from '../api/pull.js'
import {BaseCommand} from '../cli/base-command.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {describeUncompared} from '../model/table-schema.js'

export default class Pull extends BaseCommand {
  static description =
    "Reads the database's tables, columns, keys, indexes, unique, foreign key and check constraints, enum types, domains, extensions, views, functions, procedures and triggers with autogenerate's catalog queries, and writes them as a defineSchema module (the version and history tables left out, include_tables / exclude_tables applied), in the spelling autogenerate writes, so that the file as target_schema makes autogenerate find nothing to do. What autogenerate does not compare (PostgreSQL rules, INHERITS children) is not written: a line on stderr counts it. Needs no config file: a URL (--url or DATABASE_URL) is enough."
  static examples = [
    '<%= config.bin %> pull > src/db/schema.ts',
    '<%= config.bin %> pull --url postgresql://app@db/app -o src/db/schema.ts',
  ]
  static flags = {
    force: Flags.boolean({summary: 'With -o: replace the file if it exists.'}),
    output: Flags.string({char: 'o', summary: 'Write the module to FILE instead of stdout (refused if it exists).'}),
  }

  static summary = "Write the database's schema as a defineSchema TypeScript module."
  protected readonly worksWithoutConfig = true

  async run(): Promise<PullResult> {
    const {flags} = await this.parse(Pull)
    const config = await this.loadConfig(flags)
    const result = await pull(config, {debug: sqlDebug(flags.debug), force: flags.force, output: flags.output})
    const notPulled = describeUncompared(result.notPulled)
    if (notPulled) process.stderr.write(`not pulled: ${notPulled}\n`)
    if (result.path === undefined) {
      if (!this.jsonEnabled()) process.stdout.write(result.source)
    } else {
      const counts = [
        `${result.tables} table${result.tables === 1 ? '' : 's'}`,
        ...(result.enums > 0 ? [`${result.enums} enum type${result.enums === 1 ? '' : 's'}`] : []),
        ...(result.domains > 0 ? [`${result.domains} domain${result.domains === 1 ? '' : 's'}`] : []),
      ]
      process.stderr.write(`Wrote ${result.path}: ${counts.join(', ')}\n`)
    }

    return result
  }
}
