import {readFile} from 'node:fs/promises'
import path from 'node:path'

import type {Config} from '../config/config.js'
import type {DialectName} from '../config/database-url.js'
import {splitSql} from '../runtime/load-script.js'
import {describeDriverError, type SessionOptions, withSession} from '../runtime/runner.js'
import {DatabaseError, UsageError} from '../util/errors.js'
import {eachDatabase} from './chain.js'

export interface ExecStatement {
  readonly sql: string
  /** Rows of a statement that returned some (SELECT, RETURNING). */
  readonly rows?: Array<Record<string, unknown>>
  /** Rows changed, where the driver says. */
  readonly rowCount?: number
}

export interface ExecOptions extends SessionOptions {
  readonly dryRun?: boolean
  /** For --dry-run without a connection URL. */
  readonly dialect?: DialectName
  /** Called as each statement completes, so a long file reports as it goes. */
  readonly onStatement?: (database: string, index: number, statement: ExecStatement) => void
}

/**
 * Where a SQL file given to exec is: an absolute or ./ ../ path as given;
 * a bare name in DB_MANAGE_EXEC_DIR, else exec_location, else the working
 * directory (the way a seed's runner looked in its own folder).
 */
export function resolveExecFile(file: string, execLocation: string | undefined, envDir: string | undefined): string {
  const dir = envDir || execLocation
  if (!dir || path.isAbsolute(file) || /^\.\.?[/\\]/.test(file)) return file
  return path.resolve(dir, file)
}

/**
 * Run a raw SQL file statement by statement: in one transaction where DDL is
 * transactional (PostgreSQL, SQLite), so a failure changes nothing; on MySQL
 * each statement commits as it goes, and a failure says which had run.
 */
export async function execSqlFile(config: Config, file: string, options: ExecOptions = {}): Promise<Array<{database: string; statements: ExecStatement[]}>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read SQL file ${file}: ${(error as NodeJS.ErrnoException).code ?? describeDriverError(error)}`)
  }

  return eachDatabase(config, async (database) => {
    const dialect = options.dialect ?? database.url?.dialect
    if (!dialect) throw new UsageError(`exec needs a dialect to split ${file}: configure a connection URL or pass --dialect`)
    const sqls = await splitSql(text, dialect)
    if (options.dryRun) {
      const statements = sqls.map((sql) => ({sql}))
      for (const [i, s] of statements.entries()) options.onStatement?.(database.name, i, s)
      return {statements}
    }

    return withSession(config, database, options, async (session) => {
      const transactional = session.dialect.adapter.supportsTransactionalDdl
      const statements: ExecStatement[] = []
      if (transactional) await session.executor.execute({sql: session.dialect.adapter.beginSql})
      for (const [i, sql] of sqls.entries()) {
        let result
        try {
          result = await session.executor.execute({sql})
        } catch (error) {
          if (transactional) await session.executor.execute({sql: 'ROLLBACK'}).catch(() => {})
          const state = transactional ? 'rolled back: nothing in the file was applied' : `statements 1 to ${i} were applied and stay (MySQL commits as it goes)`
          throw new DatabaseError(`${file}: statement ${i + 1} of ${sqls.length} failed: ${describeDriverError(error)}; ${state}`)
        }

        const statement = {rowCount: result.rowCount, rows: result.rows.length > 0 || /^\s*(select|with|show|pragma|explain|values)\b/i.test(sql) ? result.rows : undefined, sql}
        statements.push(statement)
        options.onStatement?.(database.name, i, statement)
      }

      if (transactional) await session.executor.execute({sql: 'COMMIT'})
      return {statements}
    })
  })
}
