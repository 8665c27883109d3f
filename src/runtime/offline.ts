import type {DatabaseConfig} from '../config/config.js'
import type {DialectName} from '../util/dialect-names.js'
import type {QueryResult} from '../dialects/connection.js'
import {type DdlCompiler, foldIndex, type Statement} from '../dialects/ddl-compiler.js'
import type {Dialect} from '../dialects/dialect.js'
import type {SchemaTracker} from '../model/schema-tracker.js'
import {drainOperations, Operations} from '../operations/operations.js'
import {type Token, tokenize} from '../sql/lexer.js'
import {ScriptError} from '../util/errors.js'
import type {SqlExecutor} from './executor.js'
import {MigrationSink} from './migration-sink.js'
import type {MigrationFunction} from './load-script.js'
import {MigrationContext} from './migration-context.js'
import type {Step} from './step.js'
import {firstSchemaSql, schemasRefused} from './session.js'
import {VersionStore} from './version-store.js'

/**
 * Put bound parameters into the SQL as escaped literals: each parameter token
 * of the dialect's lexer (`$1` on PostgreSQL, `?` elsewhere), never a `?` or
 * `$1` inside a string, a quoted name, a comment or a dollar-quoted body.
 */
export function inlineParameters(sql: string, params: readonly unknown[] | undefined, compiler: DdlCompiler): string {
  if (!params || params.length === 0) return sql
  let out = ''
  let at = 0
  let next = 0
  for (const token of tokenize(sql, compiler.dialect)) {
    if (token.kind !== 'param') continue
    const text = sql.slice(token.start, token.end)
    const index =
      compiler.parameterStyle === 'numbered'
        ? /^\$\d+$/.test(text)
          ? Number(text.slice(1)) - 1
          : -1
        : text === '?'
          ? next++
          : -1
    if (index === -1) continue
    out += sql.slice(at, token.start) + compiler.literal(params[index])
    at = token.end
  }

  return out + sql.slice(at)
}

/**
 * A statement as a file for the dialect's client ends it: `;` after it (on a
 * line of its own when it ends in a line comment, which would swallow it);
 * on MySQL, a statement with a `;` inside (a stored program's body) between
 * DELIMITER lines, as mysqldump writes them, so the mysql client sends it whole.
 */
export function terminate(sql: string, dialect: DialectName): string {
  // Most statements (all the compilers write) hold no line comment and, on MySQL, no `;`: nothing to lex.
  const comment = sql.includes('--') || (dialect === 'mysql' && sql.includes('#'))
  if (!comment && !(dialect === 'mysql' && sql.includes(';'))) return `${sql};\n\n`
  let tokens: Token[]
  try {
    tokens = tokenize(sql, dialect)
  } catch {
    return `${sql};\n\n`
  }

  const meaningful = tokens.filter((t) => t.kind !== 'space')
  const lastComment = meaningful.at(-1)?.kind === 'comment' && /^(--|#)/.test(sql.slice(meaningful.at(-1)!.start))
  const end = lastComment && !sql.endsWith('\n') ? '\n' : ''
  if (dialect === 'mysql' && tokens.some((t) => t.kind === 'delimiter')) {
    const delimiter = ['$$', '//', ';;', '$$$', '///'].find((d) => !sql.includes(d)) ?? '$$__db_manage__$$'
    return `DELIMITER ${delimiter}\n${sql}${end}${delimiter}\nDELIMITER ;\n\n`
  }

  return `${sql}${end};\n\n`
}

/**
 * The offline executor: every statement written as Alembic writes it, `;` and a blank line after each. With a
 * spool, the text goes there as soon as retract() can no longer take it back: only the last statement and the
 * comments after it are held.
 */
export class OfflineWriter implements SqlExecutor {
  private readonly parts: string[] = []
  /** The last part, when it is a CREATE TABLE the next CREATE INDEX may be written into (foldIndex). */
  private created?: Statement

  constructor(
    private readonly compiler: DdlCompiler,
    private readonly spool?: {write(text: string): void},
  ) {}

  async execute(statement: Statement): Promise<QueryResult> {
    // As online (OnlineExecutor.defer): an index right after its table's CREATE TABLE is built with it.
    const folded = this.created && foldIndex(this.created, statement)
    if (folded) {
      this.parts[this.parts.length - 1] = terminate(folded.sql, this.compiler.dialect)
      this.created = folded
      return {rows: []}
    }

    const text = terminate(inlineParameters(statement.sql, statement.params, this.compiler), this.compiler.dialect)
    this.release()
    this.parts.push(text)
    this.created = statement.created ? statement : undefined
    return {rows: []}
  }

  /** To the spool, what is held. */
  private release(): void {
    this.created = undefined
    if (!this.spool) return
    for (const part of this.parts) this.spool.write(part)
    this.parts.length = 0
  }

  /** A comment line: any line break in `text` starts another comment line, never SQL. */
  comment(text: string): void {
    this.created = undefined
    this.parts.push(
      `${text
        .split(/\r\n|[\r\n\u2028\u2029]/)
        .map((line) => `-- ${line}`)
        .join('\n')}\n\n`,
    )
  }

  /**
   * Take back the last statement written when it was `sql` (comments after it stay): a `BEGIN` with nothing after
   * it, before a statement that steps out of the transaction, so the file holds no empty `BEGIN; COMMIT;`.
   */
  retract(sql: string): boolean {
    const written = terminate(sql, this.compiler.dialect)
    for (let i = this.parts.length - 1; i >= 0; i--) {
      if (this.parts[i].startsWith('-- ')) continue
      if (this.parts[i] !== written) return false
      this.parts.splice(i, 1)
      this.created = undefined
      return true
    }

    return false
  }

  /** The text written; with a spool, what is held goes there, and the text is empty. */
  text(): string {
    this.release()
    return this.parts.join('')
  }
}

/** A schema-per-tenant script starts in the tenant's schema, creating it when the script starts at base. */
export async function enterSchema(
  writer: OfflineWriter,
  dialect: Dialect,
  database: DatabaseConfig,
  create: boolean,
): Promise<void> {
  if (database.schemas.length > 0) {
    if (dialect.name !== 'postgresql') throw schemasRefused(database, dialect.name)
    await writer.execute({sql: firstSchemaSql(dialect.compiler, database.schemas[0])})
    if (create)
      for (const schema of database.schemas)
        await writer.execute({sql: `CREATE SCHEMA IF NOT EXISTS ${dialect.compiler.quote(schema)}`})
  }

  if (database.schema === undefined) return
  const name = dialect.compiler.quote(database.schema)
  if (create) await writer.execute({sql: `CREATE SCHEMA IF NOT EXISTS ${name}`})
  await writer.execute({sql: `SET search_path TO ${name}`})
}

/** A migration context that writes SQL: no connection, a tracker in place of the catalog. */
export function offlineContext(
  dialect: Dialect,
  database: DatabaseConfig,
  options: {
    tracker: SchemaTracker
    transactionPerMigration: boolean
    versionTable: boolean
    spool?: {write(text: string): void}
  },
): {context: MigrationContext; writer: OfflineWriter} {
  const writer = new OfflineWriter(dialect.compiler, options.spool)
  const context = new MigrationContext({
    dialect,
    executor: writer,
    introspector: options.tracker,
    query: (fileName) => async () => {
      throw new ScriptError(`${fileName} calls op.query, which needs a live database: it cannot be rendered with --sql`)
    },
    searchPathReset:
      database.schemas.length > 0
        ? firstSchemaSql(dialect.compiler, database.schemas[0], {reset: true})
        : database.schema === undefined
          ? undefined
          : `SET search_path TO ${dialect.compiler.quote(database.schema)}`,
    tracker: options.tracker,
    transactionPerMigration: options.transactionPerMigration,
    versions: new VersionStore(writer, database.versionTable, dialect.compiler, options.versionTable, {
      offline: true,
      table: database.historyTable,
    }),
  })
  return {context, writer}
}

/**
 * Offline, the scripts before a range feed only the tracker, so batch mode
 * and MySQL's column restatement know the tables the range changes: their
 * SQL is discarded.
 */
export async function trackSteps(
  dialect: Dialect,
  tracker: SchemaTracker,
  steps: readonly Step[],
  functions: ReadonlyMap<Step, MigrationFunction>,
): Promise<void> {
  const silent: SqlExecutor = {execute: async () => ({rows: []})}
  for (const step of steps) {
    const sink = new MigrationSink({
      compiler: dialect.compiler,
      dialect: dialect.name,
      executor: silent,
      introspector: tracker,
      async query() {
        tracker.lose(step.script.fileName)
        return []
      },
      tracker,
    })
    const op = new Operations(sink)
    await functions.get(step)!(op)
    await drainOperations(op)
  }
}
