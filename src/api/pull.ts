import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'

import {renderSchema} from '../autogenerate/render-schema.js'
import {readSnapshot} from '../autogenerate/snapshot.js'
import type {Config} from '../config/config.js'
import {type SessionOptions, withSession} from '../runtime/session.js'
import {ConfigError, UsageError} from '../util/errors.js'
import {inScope} from './autogenerate.js'

export interface PullResult {
  readonly database: string
  /** The defineSchema module's source. */
  readonly source: string
  /** Where it was written, with -o. */
  readonly path?: string
  readonly tables: number
  readonly enums: number
  readonly domains: number
  /** What the database holds that pull does not write (what autogenerate does not compare), by kind. */
  readonly notPulled: Readonly<Record<string, number>>
}

/**
 * db-manage pull: the database's schema as a defineSchema module, which
 * autogenerate, given it as target_schema, reads back as no difference. Its
 * tables as autogenerate sees them: not the version and history tables, and
 * as include_tables / exclude_tables say.
 */
export async function pull(
  config: Config,
  options: SessionOptions & {output?: string; force?: boolean} = {},
): Promise<PullResult> {
  if (config.databases.length !== 1) {
    throw new UsageError(
      `pull reads one database, and ${config.databases.length} are configured: choose one with --db (${config.databases
        .slice(0, 5)
        .map((d) => d.name)
        .join(', ')}${config.databases.length > 5 ? ', ...' : ''})`,
    )
  }

  const [database] = config.databases
  const exists = `-o ${options.output}: the file exists; pass --force to replace it`
  // Refused before anything is read; the write itself refuses too, should the file appear meanwhile.
  if (options.output !== undefined && !options.force && existsSync(options.output)) throw new ConfigError(exists)
  const snapshot = await withSession(config, database, options, async (session) =>
    readSnapshot(session.dialect.introspector(session.connection), inScope(database)),
  )
  const source = renderSchema(snapshot, database.url!.dialect)
  if (options.output !== undefined) {
    try {
      await writeFile(options.output, source, {flag: options.force ? 'w' : 'wx'})
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new ConfigError(code === 'EEXIST' ? exists : `-o ${options.output}: ${code ?? String(error)}`)
    }
  }

  return {
    database: database.name,
    domains: snapshot.domains.length,
    enums: snapshot.enums.length,
    notPulled: snapshot.uncompared,
    ...(options.output === undefined ? {} : {path: options.output}),
    source,
    tables: snapshot.tables.length,
  }
}
