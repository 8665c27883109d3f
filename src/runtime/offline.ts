import type {DatabaseConfig} from '../config/config.js'
import type {QueryResult} from '../dialects/connection.js'
import type {DdlCompiler, Statement} from '../dialects/ddl-compiler.js'
import type {Dialect} from '../dialects/dialect.js'
import {SchemaTracker} from '../dialects/schema-tracker.js'
import {Operations} from '../operations/operations.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {ScriptError} from '../util/errors.js'
import type {SqlExecutor} from './executor.js'
import {MigrationSink} from './migration-sink.js'
import {loadSteps, planSteps} from './runner.js'
import {versionTable} from './version-table.js'

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
      ?? (compiler.dialect === 'postgresql' ? /^(\$\w*\$)[\s\S]*?\1/.exec(rest) : null)
    if (skip) {
      out += skip[0]
      i += skip[0].length
      continue
    }

    const numbered = compiler.dialect === 'postgresql' ? /^\$(\d+)/.exec(rest) : null
    if (numbered) {
      out += compiler.literal(params[Number(numbered[1]) - 1])
      i += numbered[0].length
    } else if (ch === '?' && compiler.dialect !== 'postgresql') {
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

/**
 * Render the steps between two positions as SQL, without a connection. The
 * scripts before the range are run against a SchemaTracker only, so batch
 * mode and MySQL's column restatement know the tables they change.
 */
export async function renderSteps(dialect: Dialect, database: DatabaseConfig, chain: readonly ScriptRevision[], options: RenderOptions): Promise<string> {
  const {adapter, compiler} = dialect
  const tracker = new SchemaTracker(compiler)
  const steps = planSteps(chain, options.from, options.to)
  const functions = await loadSteps(steps)

  const prior = planSteps(chain, 0, options.from)
  const priorFunctions = await loadSteps(prior)
  // The scripts before the range only feed the tracker: their SQL is discarded.
  const silent: SqlExecutor = {execute: async () => ({rows: []})}
  for (const step of prior) {
    const sink = new MigrationSink({beginSql: adapter.beginSql, compiler, dialect: dialect.name, executor: silent, introspector: tracker, async query() {
      tracker.lose(step.script.fileName)
      return []
    }, tracker})
    await priorFunctions.get(step)!(new Operations(sink))
  }

  const writer = new OfflineWriter(compiler)
  const table = database.versionTable
  const transactional = adapter.offlineTransactions
  const whole = transactional && !options.transactionPerMigration
  if (whole) await writer.execute({sql: 'BEGIN'})
  if (options.versionTable && options.from === 0 && options.to > 0) await writer.execute(versionTable.create(table))
  for (const step of steps) {
    const sink = new MigrationSink({beginSql: 'BEGIN', compiler, dialect: dialect.name, executor: writer, introspector: tracker, async query() {
      throw new ScriptError(`${step.script.fileName} calls op.query, which needs a live database: it cannot be rendered with --sql`)
    }, tracker})
    if (transactional && !whole) {
      await writer.execute({sql: 'BEGIN'})
      sink.inTransaction = true
    }

    sink.inTransaction ||= whole
    writer.comment(`Running ${step.direction} ${step.from ?? ''} -> ${step.to ?? ''}`)
    await functions.get(step)!(new Operations(sink))
    const move = versionTable.move(table, step.from, step.to)
    if (options.versionTable && move) await writer.execute(move)
    if (transactional && !whole) await writer.execute({sql: 'COMMIT'})
  }

  if (whole) await writer.execute({sql: 'COMMIT'})
  return writer.text()
}

/** `stamp --sql`: only the version table's statements. */
export async function renderStamp(dialect: Dialect, database: DatabaseConfig, from: null | string, to: null | string): Promise<string> {
  const writer = new OfflineWriter(dialect.compiler)
  const table = database.versionTable
  const transactional = dialect.adapter.offlineTransactions
  if (transactional) await writer.execute({sql: 'BEGIN'})
  if (from === null && to !== null) await writer.execute(versionTable.create(table))
  const move = versionTable.move(table, from, to)
  if (move) await writer.execute(move)
  if (transactional) await writer.execute({sql: 'COMMIT'})
  return writer.text()
}
