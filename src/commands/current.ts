import * as Flags from '@oclif/core/flags'

import {current} from '../api/migrate.js'
import {BaseCommand} from '../cli/base-command.js'
import {perDatabase} from '../cli/format.js'
import {sqlDebug} from '../cli/migrate-flags.js'

export default class Current extends BaseCommand {
  static description =
    'Prints the revision recorded in the version table ("<base>" when none is), marked (head) when nothing is pending, then a line for each repeatable object the next upgrade to head applies ("repeatable/x.sql: pending (changed)"; with -v the applied ones too). It needs no config file: with --url or DATABASE_URL alone it reads the version table (and, when a migrations folder is there or --script-location names one, checks the revision against its scripts).'
  static flags = {
    verbose: Flags.boolean({char: 'v', summary: 'Also show the connection (password masked) and the version table.'}),
  }

  static summary = 'Show the current revision of the database.'
  protected readonly worksWithoutConfig = true

  async run(): Promise<Awaited<ReturnType<typeof current>>> {
    const {flags} = await this.parse(Current)
    const config = await this.loadConfig(flags)
    const result = await current(config, {debug: sqlDebug(flags.debug)})
    this.printLines(
      perDatabase(
        result,
        (r) => [
          ...(flags.verbose ? [`Current revision for ${r.url} (table ${r.versionTable}):`] : []),
          r.current === null
            ? '<base>'
            : `${r.current}${r.isHead ? ' (head)' : ''}${flags.verbose && r.message ? `, ${r.message}` : ''}`,
          // Repeatables the next upgrade to head runs (with -v, the applied ones too).
          ...(r.repeatables ?? [])
            .filter((o) => flags.verbose || o.state !== 'applied')
            .map((o) => `${o.file}: ${o.state === 'applied' ? 'applied' : `pending (${o.state})`}`),
        ],
        config.nameEach,
      ),
    )
    return result
  }
}
