import type {DatabaseConfig} from '../config/config.js'
import type {QueryResult} from '../dialects/connection.js'
import type {DdlCompiler, Statement} from '../dialects/ddl-compiler.js'
import type {Dialect} from '../dialects/dialect.js'
import {SchemaTracker} from '../dialects/schema-tracker.js'
import {Operations, settleOperations} from '../operations/operations.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {ScriptError} from '../util/errors.js'
import type {SqlExecutor} from './executor.js'
import {MigrationSink} from './migration-sink.js'
import {loadSteps, MigrationContext, planSteps} from './migration-context.js'
import {VersionStore} from './version-store.js'

/**
 * Put bound parameters into the SQL as escaped literals, skipping quoted
 * strings, quoted identifiers, comments and PostgreSQL dollar-quoted bodies.
 */
export function inlineParameters(sql: string, params: readonly unknown[] | undefined, compiler: DdlCompiler): string {
  if (!params || params.length === 0) return sql
  let out = ''
  let next = 0
  let i = 0
  while (i < sql.length) {
    const ch = sql[i]
    const rest = sql.slice(i)
    const skip = /^(?:'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|--[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest)
      ?? (compiler.dollarQuoting ? /^(\$\w*\$)[\s\S]*?\1/.exec(rest) : null)
    if (skip) {
      out += skip[0]
      i += skip[0].length
      continue
    }

    const numbered = compiler.parameterStyle === 'numbered' ? /^\$(\d+)/.exec(rest) : null
    if (numbered) {
      out += compiler.literal(params[Number(numbered[1]) - 1])
      i += numbered[0].length
    } else if (ch === '?' && compiler.parameterStyle === 'question') {
      out += compiler.literal(params[next++])
      i++
    } else {
      out += ch
      i++
    }
  }

  return out
}

/** The offline executor: every statement written as Alembic writes it, `;` and a blank line after each. */
export class OfflineWriter implements SqlExecutor {
  private readonly parts: string[] = []

  constructor(private readonly compiler: DdlCompiler) {}

  async execute(statement: Statement): Promise<QueryResult> {
    this.parts.push(`${inlineParameters(statement.sql, statement.params, this.compiler)};\n\n`)
    return {rows: []}
  }

  comment(text: string): void {
    this.parts.push(`-- ${text}\n\n`)
  }

  text(): string {
    return this.parts.join('')
  }
}

export interface RenderOptions {
  /** Positions in the chain: 0 is base. Upgrade when to >= from. */
  readonly from: number
  readonly to: number
  readonly versionTable: boolean
  readonly transactionPerMigration: boolean
}

/** A schema-per-tenant script starts in the tenant's schema, creating it when the script starts at base. */
async function enterSchema(writer: OfflineWriter, dialect: Dialect, database: DatabaseConfig, create: boolean): Promise<void> {
  if (database.schema === undefined) return
  const name = dialect.compiler.quote(database.schema)
  if (create) await writer.execute({sql: `CREATE SCHEMA IF NOT EXISTS ${name}`})
  await writer.execute({sql: `SET search_path TO ${name}`})
}

/** A migration context that writes SQL: no connection, a tracker in place of the catalog. */
function offlineContext(dialect: Dialect, database: DatabaseConfig, options: {tracker: SchemaTracker; transactionPerMigration: boolean; versionTable: boolean}): {context: MigrationContext; writer: OfflineWriter} {
  const writer = new OfflineWriter(dialect.compiler)
  const context = new MigrationContext({
    dialect, executor: writer, introspector: options.tracker,
    query: (step) => async () => {
      throw new ScriptError(`${step.script.fileName} calls op.query, which needs a live database: it cannot be rendered with --sql`)
    },
    tracker: options.tracker,
    transactionPerMigration: options.transactionPerMigration,
    versions: new VersionStore(writer, database.versionTable, dialect.compiler, options.versionTable, {offline: true, table: database.historyTable}),
  })
  return {context, writer}
}

/**
 * Render the steps between two positions as SQL, without a connection. The
 * scripts before the range are run against a SchemaTracker only, so batch
 * mode and MySQL's column restatement know the tables they change.
 */
export async function renderSteps(dialect: Dialect, database: DatabaseConfig, chain: readonly ScriptRevision[], options: RenderOptions): Promise<string> {
  const {compiler} = dialect
  const tracker = new SchemaTracker(compiler)
  const steps = planSteps(chain, options.from, options.to)
  const functions = await loadSteps(steps)

  const prior = planSteps(chain, 0, options.from)
  const priorFunctions = await loadSteps(prior)
  // The scripts before the range only feed the tracker: their SQL is discarded.
  const silent: SqlExecutor = {execute: async () => ({rows: []})}
  for (const step of prior) {
    const sink = new MigrationSink({compiler, dialect: dialect.name, executor: silent, introspector: tracker, async query() {
      tracker.lose(step.script.fileName)
      return []
    }, tracker})
    const op = new Operations(sink)
    await priorFunctions.get(step)!(op)
    await settleOperations(op)
  }

  const {context, writer} = offlineContext(dialect, database, {tracker, transactionPerMigration: options.transactionPerMigration, versionTable: options.versionTable})
  const fromBase = options.from === 0 && options.to > 0
  await enterSchema(writer, dialect, database, fromBase)
  await context.run(steps, functions, {createVersionTable: fromBase, ensureHistory: !fromBase && steps.length > 0})
  return writer.text()
}

/** `stamp --sql`: only the version table's statements. */
export async function renderStamp(dialect: Dialect, database: DatabaseConfig, from: null | string, to: null | string, checksum?: string): Promise<string> {
  const {context, writer} = offlineContext(dialect, database, {tracker: new SchemaTracker(dialect.compiler), transactionPerMigration: true, versionTable: true})
  const create = from === null && to !== null
  await enterSchema(writer, dialect, database, create)
  await context.stamp(from, to, {checksum, create})
  return writer.text()
}
