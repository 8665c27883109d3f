import {readFile} from 'node:fs/promises'
import path from 'node:path'

import type {Config} from '../config/config.js'
import type {DialectName} from '../util/dialect-names.js'
import {checkInterrupt, guarded, Interrupted, interruption} from '../runtime/interrupt.js'
import {END_TRANSACTION} from '../runtime/migration-context.js'
import {connectionLost} from '../dialects/driver-error.js'
import {describeDriverError, type Session, type SessionOptions, withSession} from '../runtime/session.js'
import {splitSql} from '../sql/split.js'
import {leadingWords, type StatementKind, statementKind} from '../sql/statement-kind.js'
import {DatabaseError, UsageError} from '../util/errors.js'
import {eachDatabase} from './fleet.js'

export interface ExecStatement {
  readonly sql: string
  /** Rows of a statement that returned some (SELECT, RETURNING). */
  readonly rows?: Array<Record<string, unknown>>
  /** Rows changed, where the driver says. */
  readonly rowCount?: number
  /** It ran on its own, outside the file's transaction, as the server requires (CREATE INDEX CONCURRENTLY). */
  readonly outsideTransaction?: boolean
}

export interface ExecOptions extends SessionOptions {
  readonly dryRun?: boolean
  /** Run every statement on its own, each committing as it completes (`--no-transaction`). */
  readonly noTransaction?: boolean
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

/** `1 to 3, 5`: statement numbers (0-based indexes given) as a reader counts them. */
function numbers(indexes: readonly number[]): string {
  const parts: string[] = []
  for (let k = 0; k < indexes.length;) {
    let j = k
    while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) j++
    parts.push(j === k ? `${indexes[k] + 1}` : `${indexes[k] + 1} to ${indexes[j] + 1}`)
    k = j + 1
  }

  return parts.join(', ')
}

/** What became of each statement, kept as the file runs, so a failure says exactly what stays. */
class Progress {
  readonly committed: number[] = []
  /** Statements since the open transaction's BEGIN (the BEGIN included when the file wrote it). */
  open: number[] = []
  inTransaction = false
  /** The file's own BEGIN ... COMMIT blocks that committed. */
  blocksCommitted = 0

  /**
   * A transaction opens: exec's own BEGIN, or the file's at statement `i` (counting what was open as kept, as MySQL's
   * implicit commit does).
   */
  begin(i?: number): void {
    this.committed.push(...this.open)
    this.open = i === undefined ? [] : [i]
    this.inTransaction = true
  }

  /** Statement `i` ran: it stays once committed, or at once outside a transaction. */
  done(i: number): void {
    if (this.inTransaction) this.open.push(i)
    else this.committed.push(i)
  }

  /** The open transaction committed (with the file's COMMIT at `i`, a block of its own). */
  commit(i?: number): void {
    if (i !== undefined) {
      this.open.push(i)
      this.blocksCommitted++
    }

    this.committed.push(...this.open)
    this.open = []
    this.inTransaction = false
  }

  /** The file's ROLLBACK: what the block held is gone. */
  rollback(): void {
    this.open = []
    this.inTransaction = false
  }
}

/**
 * Run a raw SQL file statement by statement, as `psql -v ON_ERROR_STOP=1 -f`
 * would, stopping at the first failure:
 * - a file with its own transaction statements (BEGIN/START TRANSACTION,
 *   COMMIT/END, ROLLBACK), or `--no-transaction`: run as written, each
 *   statement outside a block committing on its own;
 * - otherwise, where DDL is transactional (PostgreSQL, SQLite): in one
 *   transaction, so a failure changes nothing, except for statements the
 *   server refuses inside one (CREATE INDEX CONCURRENTLY, VACUUM, ...), which
 *   commit what came before and run on their own;
 * - on MySQL, which commits DDL as it goes: as written.
 * A failure says which statements committed, which rolled back and which never ran.
 */
export async function execSqlFile(
  config: Config,
  file: string,
  options: ExecOptions = {},
): Promise<Array<{database: string; statements: ExecStatement[]}>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(
      `cannot read SQL file ${file}: ${(error as NodeJS.ErrnoException).code ?? describeDriverError(error)}`,
    )
  }

  return eachDatabase(config, async (database) => {
    const dialect = options.dialect ?? database.url?.dialect
    if (!dialect)
      throw new UsageError(`exec needs a dialect to split ${file}: configure a connection URL or pass --dialect`)
    let sqls = splitSql(text, dialect, file).map((s) => s.sql)
    if (options.dryRun) {
      const statements = sqls.map((sql) => ({sql}))
      for (const [i, s] of statements.entries()) options.onStatement?.(database.name, i, s)
      return {statements}
    }

    return withSession(config, database, options, async (session) =>
      guardedRun(session, async (progress) => {
        const {executor} = session
        // The mysql client reads backslashes in strings as the server's sql_mode says; so does the split.
        if (
          dialect === 'mysql' &&
          /NO_BACKSLASH_ESCAPES/i.test(
            String((await executor.execute({sql: 'SELECT @@SESSION.sql_mode AS m'})).rows[0]?.m),
          )
        ) {
          sqls = splitSql(text, dialect, file, {state: {noBackslashEscapes: true}}).map((s) => s.sql)
        }

        const version =
          dialect === 'postgresql' && sqls.some((sql) => /\bADD\s+VALUE\b/i.test(sql))
            ? await serverVersion(session.executor)
            : undefined
        const kinds = sqls.map((sql) => statementKind(sql, dialect, version))
        const ownTransactions = kinds.some((k) => k === 'begin' || k === 'commit' || k === 'rollback')
        const wrap = session.dialect.adapter.supportsTransactionalDdl && !ownTransactions && !options.noTransaction
        const statements: ExecStatement[] = []
        for (const [i, sql] of sqls.entries()) {
          const kind = kinds[i]
          if (wrap && kind === 'outside' && progress.inTransaction) {
            await executor.execute(END_TRANSACTION.commit)
            progress.commit()
          } else if (wrap && kind !== 'outside' && !progress.inTransaction) {
            await executor.execute({sql: session.dialect.adapter.beginSql})
            progress.begin()
          }

          let result
          try {
            await checkInterrupt()
            result = await executor.execute({sql})
          } catch (error) {
            const rolledBack = progress.inTransaction ? [...progress.open, i] : []
            if (progress.inTransaction) await executor.execute(END_TRANSACTION.rollback).catch(() => {})
            const signal = interruption()
            if (!signal && connectionLost(error))
              throw new DatabaseError(lostState(file, {error, progress, total: sqls.length, unsure: rolledBack}, i))
            throw new (signal ? Interrupted : DatabaseError)(
              `${file}: statement ${i + 1} of ${sqls.length} ${signal ? `stopped: interrupted by ${signal}` : `failed: ${describeDriverError(error)}`}; ${failureState({dialect, ownTransactions, progress, rolledBack, total: sqls.length}, i)}${invalidIndexHint(sql, kind, dialect)}`,
            )
          }

          if (kind === 'begin') progress.begin(i)
          else if (kind === 'commit') progress.commit(i)
          else if (kind === 'rollback') progress.rollback()
          else progress.done(i)

          const statement = {
            ...(wrap && kind === 'outside' ? {outsideTransaction: true} : {}),
            rowCount: result.rowCount,
            rows:
              result.rows.length > 0 || /^\s*(select|with|show|pragma|explain|values)\b/i.test(sql)
                ? result.rows
                : undefined,
            sql,
          }
          statements.push(statement)
          options.onStatement?.(database.name, i, statement)
        }

        if (progress.inTransaction && wrap) {
          await executor.execute(END_TRANSACTION.commit)
        } else if (progress.inTransaction) {
          // The file opened a block and never closed it: psql would roll it back at the end, and so does exec, loudly.
          const from = progress.open[0]
          await executor.execute(END_TRANSACTION.rollback).catch(() => {})
          throw new DatabaseError(
            `${file}: the file ends inside the transaction its statement ${from + 1} opened, without COMMIT: statements ${numbers(progress.open)} were rolled back${progress.committed.length > 0 ? `; statements ${numbers(progress.committed)} were committed and stay` : ''}`,
          )
        }

        return {statements}
      }),
    )
  })
}

/**
 * exec's run under a first SIGINT/SIGTERM: the statement running is cancelled
 * on the server when its transaction will roll back anyway.
 */
async function guardedRun<T>(session: Session, fn: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = new Progress()
  return guarded(
    () => fn(progress),
    () => {
      if (progress.inTransaction) session.connection.cancel?.().catch(() => {})
    },
  )
}

async function serverVersion(executor: {
  execute: (s: {sql: string}) => Promise<{rows: Array<Record<string, unknown>>}>
}): Promise<number> {
  const {rows} = await executor.execute({sql: 'SHOW server_version_num'})
  return Number(rows[0]?.server_version_num)
}

/** PostgreSQL leaves a failed CREATE INDEX CONCURRENTLY behind as an INVALID index, which blocks a rerun. */
function invalidIndexHint(sql: string, kind: StatementKind, dialect: DialectName): string {
  const words = leadingWords(sql, dialect, 4)
  return kind === 'outside' && words[0] === 'CREATE' && words.includes('CONCURRENTLY')
    ? ' (a failed CREATE INDEX CONCURRENTLY can leave an INVALID index behind: drop it before running the file again)'
    : ''
}

/** `statements 1 to 4 were committed and stay` / `statement 5 was committed and stays`. */
function these(indexes: readonly number[], what: string, stay = false): string {
  const one = indexes.length === 1
  return `${one ? `statement ${indexes[0] + 1} was` : `statements ${numbers(indexes)} were`} ${what}${stay ? (one ? ' and stays' : ' and stay') : ''}`
}

/**
 * The connection went away during statement `i`: what committed before it stays; whether it (and the
 * transaction it was in, `unsure`) committed, the server alone knows.
 */
function lostState(
  file: string,
  run: {error: unknown; progress: Progress; total: number; unsure: number[]},
  i: number,
): string {
  const {progress, total, unsure} = run
  const rest = Array.from({length: total - i - 1}, (_, k) => i + 1 + k)
  const kept =
    progress.committed.length > 0 ? these(progress.committed, 'committed', true) : 'nothing before it had committed'
  const open = unsure.length > 1 ? ` and the transaction it was in (statements ${numbers(unsure)})` : ''
  return (
    `${file}: statement ${i + 1} of ${total} failed: the connection to the server was lost (${describeDriverError(run.error)}); ${kept};` +
    ` whether statement ${i + 1}${open} committed is unknown: check the database before running the file again` +
    `${rest.length > 0 ? `; ${these(rest, 'not run')}` : ''}`
  )
}

/** After statement `i` failed: what stays, what was rolled back, what never ran. */
function failureState(
  run: {dialect: DialectName; ownTransactions: boolean; progress: Progress; rolledBack: number[]; total: number},
  i: number,
): string {
  const {dialect, progress, rolledBack, total} = run
  const rest = Array.from({length: total - i - 1}, (_, k) => i + 1 + k)
  const notRun = rest.length > 0 ? `; ${these(rest, 'not run')}` : ''
  if (dialect === 'mysql') {
    const kept =
      progress.committed.length > 0
        ? `${these(progress.committed, 'applied', true)} (MySQL commits as it goes)`
        : 'nothing was applied'
    const back =
      rolledBack.length > 0
        ? `; ${these(rolledBack, 'rolled back')} (the transaction its statement ${rolledBack[0] + 1} opened), except any DDL among them, which MySQL commits as it runs`
        : ''
    return `${kept}${back}${notRun}`
  }

  if (progress.committed.length === 0)
    return `${rolledBack.length > 0 ? 'rolled back: ' : ''}nothing in the file was applied${notRun}`
  const {blocksCommitted} = progress
  const blocks =
    run.ownTransactions && blocksCommitted > 0
      ? ` (${blocksCommitted} BEGIN ... COMMIT block${blocksCommitted === 1 ? '' : 's'} of the file)`
      : ''
  const opened =
    run.ownTransactions && progress.open.length > 0 ? ` (the block its statement ${progress.open[0] + 1} opened)` : ''
  const back = rolledBack.length > 0 ? `; ${these(rolledBack, 'rolled back')}${opened}` : ''
  return `${these(progress.committed, 'committed', true)}${blocks}${back}${notRun}`
}
