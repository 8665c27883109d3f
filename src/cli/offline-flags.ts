import * as Flags from '@oclif/core/flags'
import {DIALECT_NAMES} from '../config/database-url.js'

export const offlineFlags = {
  dialect: Flags.string({
    dependsOn: ['sql'],
    helpGroup: 'OFFLINE',
    options: [...DIALECT_NAMES],
    summary: 'With --sql: the SQL dialect to write (default: the connection URL\'s).',
  }),
  'no-version-table': Flags.boolean({
    dependsOn: ['sql'],
    helpGroup: 'OFFLINE',
    env: 'DB_MANAGE_NO_VERSION_TABLE',
    summary: 'With --sql: leave out every version-table statement (clean SQL for replicated tables).',
  }),
  'output-file': Flags.string({char: 'o', dependsOn: ['sql'], helpGroup: 'OFFLINE', summary: 'With --sql: write the SQL to this file instead of stdout.'}),
  sql: Flags.boolean({
    env: 'DB_MANAGE_SQL',
    helpGroup: 'OFFLINE',
    summary: 'Write the SQL instead of running it (offline mode; no connection is made).',
  }),
}

/** Write offline SQL to stdout, or to the --output-file with a note on stderr. */
export async function writeSql(sql: string, file: string | undefined, log: (text: string) => void): Promise<void> {
  if (file === undefined) {
    if (sql) log(sql.replace(/\n$/, ''))
    return
  }

  const {writeFile} = await import('node:fs/promises')
  await writeFile(file, sql)
  process.stderr.write(`Wrote ${Buffer.byteLength(sql)} bytes of SQL to ${file}\n`)
}
