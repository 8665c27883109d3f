import {existsSync} from 'node:fs'
import path from 'node:path'

import type {Change} from '../autogenerate/change.js'
import {BATCHABLE, INDEX_OPS, renderChanges} from '../autogenerate/render.js'
import {buildSchemaFile, readSchemaFile, withScratch} from '../autogenerate/scratch.js'
import {compareSnapshots, readSnapshot, type SchemaSnapshot} from '../autogenerate/snapshot.js'
import type {Config, DatabaseConfig} from '../config/config.js'
import {type DatabaseUrl, parseDatabaseUrl} from '../config/database-url.js'
import type {Connection} from '../dialects/connection.js'
import type {Dialect} from '../dialects/dialect.js'
import {getDialect} from '../dialects/registry.js'
import type {BatchOperation, Operation} from '../operations/nodes.js'
import {loadScript} from '../runtime/load-script.js'
import {onlineContext} from '../runtime/migration-context.js'
import {inlineParameters, terminate} from '../runtime/offline.js'
import {sessionOn, withSession} from '../runtime/session.js'
import {planSteps} from '../runtime/step.js'
import type {DialectName} from '../util/dialect-names.js'
import {ConfigError, DatabaseError, DbManageError, errorMessage, UsageError} from '../util/errors.js'
import {inScope} from './autogenerate.js'
import {chainOf, oneChain} from './scripts.js'

/** One side of a diff: a database, a schema file, or the chain at a revision. */
export type DiffSide =
  | {readonly kind: 'chain'; readonly label: string; readonly revision: string}
  | {readonly kind: 'database'; readonly label: string; readonly database: DatabaseConfig}
  | {readonly kind: 'file'; readonly label: string; readonly file: string}
  | {readonly kind: 'url'; readonly label: string; readonly url: DatabaseUrl}

export interface DiffOptions {
  /** The dialect, when neither side names a database and no connection is configured. */
  readonly dialect?: DialectName
  /** Also compile the operations to the dialect's SQL. */
  readonly sql?: boolean
  readonly debug?: (line: string) => void
}

export interface DiffResult {
  readonly from: string
  readonly to: string
  readonly dialect: DialectName
  /** No difference: diff exits 0. */
  readonly equal: boolean
  /** What differs, one line each, as revision --autogenerate lists it. */
  readonly changes: readonly string[]
  /** The operations that turn FROM into TO, as autogenerate writes a revision's upgrade(); '' when equal. */
  readonly upgrade: string
  /** With --sql: the same as the dialect's SQL, each statement ending `;` and a blank line. */
  readonly sql?: string
  /** What each side holds that is not compared (views, functions, ...), by kind. */
  readonly notCompared: {readonly from: Record<string, number>; readonly to: Record<string, number>}
}

/** FROM and TO differ (with --json: the envelope's error, its data the diff; diff(1)'s exit 1). */
export class SchemasDiffer extends DbManageError {
  constructor(result: DiffResult) {
    const n = result.changes.length
    super(`${n} difference${n === 1 ? '' : 's'} between FROM and TO`, {data: result})
  }
}

const SCHEMA_FILE = /\.(sql|ts|mts|cts|js|mjs|cjs)$/i

/**
 * A side as the command line gives it: `chain:REV`, a URL, a schema file (.ts, .js, .sql) or the name of a
 * configured database. Nothing of the text is printed where it could hold a password.
 */
export function parseSide(text: string, config: Config, which: 'FROM' | 'TO'): DiffSide {
  const t = text.trim()
  const chain = /^chain:(.*)$/i.exec(t)
  if (chain) {
    if (!chain[1].trim()) throw new UsageError(`${which} chain: needs a revision: chain:head, chain:base or chain:REV`)
    return {kind: 'chain', label: t, revision: chain[1].trim()}
  }

  if (/^[a-z][\w.+-]*:\/\//i.test(t)) {
    let url: DatabaseUrl
    try {
      url = parseDatabaseUrl(t)
    } catch (error) {
      throw new UsageError(`${which}: ${errorMessage(error)}`)
    }

    return {kind: 'url', label: url.masked, url}
  }

  if (SCHEMA_FILE.test(t)) {
    const file = path.resolve(t)
    if (!existsSync(file)) throw new UsageError(`${which} ${t}: no such file`)
    return {file, kind: 'file', label: t}
  }

  const database = config.databases.find((d) => d.name === t)
  if (database) return {database, kind: 'database', label: t}
  // Text that is none of these may be a URL mistyped, password and all: it is named only when it cannot be one.
  const shown = /[:@/]/.test(t) ? '' : ` "${t}"`
  const names = config.databases.filter((d) => d.hasConnection).map((d) => d.name)
  throw new UsageError(
    `${which}${shown} is not a database URL (scheme://...), a schema file (.ts, .js, .sql), chain:REV` +
      ` or a configured database${names.length > 0 ? ` (${names.join(', ')})` : ''}`,
  )
}

/** A side's own dialect, when it names a database. */
function sideDialect(side: DiffSide, which: string): DialectName | undefined {
  if (side.kind === 'url') return side.url.dialect
  if (side.kind !== 'database') return undefined
  const {url} = side.database
  if (!url) throw new ConfigError(`${which} ${side.label}: no connection configured for that database`)
  return url.dialect
}

interface Context {
  readonly config: Config
  readonly dialect: Dialect
  /** The configured database whose settings apply: version table, scratch server, include/exclude, chain. */
  readonly home: DatabaseConfig
  /** Where a scratch database goes (a server of the dialect, unless SQLite's in memory). */
  readonly scratchHost: DatabaseConfig
  readonly options: DiffOptions
}

type Opened = (connection: Connection, declared?: SchemaSnapshot['declared']) => Promise<DiffResult>

/** Open a side: a connection to a database that holds its schema (a scratch one for a file or the chain). */
async function withSide(side: DiffSide, which: string, c: Context, fn: Opened): Promise<DiffResult> {
  // A failure to open the side names it (FROM, TO); one after that is the other side's, or the comparison's.
  let opened = false
  const open: Opened = async (connection, declared) => {
    opened = true
    return fn(connection, declared)
  }

  try {
    return await openSide(side, which, c, open)
  } catch (error) {
    if (opened || !(error instanceof DbManageError) || errorMessage(error).startsWith(`${which} `)) throw error
    throw new DatabaseError(`${which} ${side.label}: ${errorMessage(error)}`)
  }
}

async function openSide(side: DiffSide, which: string, c: Context, fn: Opened): Promise<DiffResult> {
  const timeoutMs = c.config.lockTimeout * 1000
  switch (side.kind) {
    case 'database': {
      return withSession(c.config, side.database, {debug: c.options.debug}, (s) => fn(s.connection))
    }

    case 'url': {
      // The URL's database, with the settings of the configured one (its version table is left out).
      const database = {...c.home, schema: undefined, url: side.url} as DatabaseConfig
      return withSession(c.config, database, {debug: c.options.debug}, (s) => fn(s.connection))
    }

    case 'file': {
      const schema = await readSchemaFile(c.dialect, side.file, `${which} ${side.label}`)
      return withScratch(c.dialect, c.scratchHost, timeoutMs, c.options.debug, async (connection) => {
        await buildSchemaFile(c.dialect, connection, schema)
        return fn(connection, 'declared' in schema ? schema.declared.tables : undefined)
      })
    }

    case 'chain': {
      const {chain, dir} = await chainOf(c.config, c.home)
      const position = dir.map.position(side.revision)
      const loaded = await Promise.all(chain.slice(0, position).map((s) => loadScript(s, c.dialect.name)))
      return withScratch(c.dialect, c.scratchHost, timeoutMs, c.options.debug, async (connection) => {
        const session = sessionOn(connection, c.dialect, c.home)
        // A scratch database is new: neither table is there.
        await session.versions.ensure({historyTable: false, versionTable: false})
        const steps = planSteps(chain, 0, position)
        const bodies = new Map(steps.map((step, i) => [step, loaded[i].upgrade!]))
        await onlineContext(session, c.config.transactionPerMigration).run(steps, bodies)
        return fn(connection)
      })
    }
  }
}

/** The configured database a diff takes its settings from: the one configured, or the one --db chose. */
function homeOf(config: Config, sides: readonly DiffSide[]): DatabaseConfig {
  if (sides.some((s) => s.kind === 'chain')) return oneChain(config, 'diff chain:REV reads one chain, and so')
  return config.databases[0]
}

/** A server of `dialect` for scratch databases: scratch_url, the configured connection, or a side's. */
function scratchHost(home: DatabaseConfig, sides: readonly DiffSide[], dialect: Dialect): DatabaseConfig {
  if (dialect.adapter.scratch === 'memory') return home
  let scratch: DatabaseUrl | undefined
  try {
    scratch = home.scratchUrl ? parseDatabaseUrl(home.scratchUrl) : undefined
  } catch (error) {
    throw new ConfigError(`scratch_url: ${errorMessage(error)}`)
  }

  const candidates = [
    scratch,
    home.hasConnection ? home.url : undefined,
    ...sides.map((s) => (s.kind === 'url' ? s.url : s.kind === 'database' ? s.database.url : undefined)),
  ]
  const url = candidates.find((u) => u?.dialect === dialect.name)
  if (!url) {
    const needs = sides.filter((s) => s.kind === 'file' || s.kind === 'chain').map((s) => s.label)
    throw new UsageError(
      `diff builds ${needs.join(' and ')} on a scratch database, and no ${dialect.name} server is known:` +
        ' give the other side as a URL, or configure a connection or scratch_url',
    )
  }

  return {...home, scratchUrl: undefined, url} as DatabaseConfig
}

/**
 * The changes on SQLite (or with render_as_batch) grouped as a revision
 * groups them: each existing table's in one batchAlterTable, which rebuilds it.
 */
function batched(ops: readonly Operation[], asBatch: boolean): Operation[] {
  if (!asBatch) return [...ops]
  const out: Operation[] = []
  const batches = new Map<string, BatchOperation[]>()
  for (const op of ops) {
    const table = (op as BatchOperation).table ?? ''
    const joins = INDEX_OPS.has(op.kind) && batches.has(table)
    if (!(BATCHABLE.has(op.kind) || joins)) {
      out.push(op)
      continue
    }

    let operations = batches.get(table)
    if (!operations) {
      operations = []
      batches.set(table, operations)
      out.push({kind: 'batchAlterTable', operations, table})
    }

    operations.push(op as BatchOperation)
  }

  return out
}

/** The operations as SQL, compiled against the FROM database (which a rebuild or restatement reads). */
async function compileSql(dialect: Dialect, from: Connection, changes: readonly Change[], asBatch: boolean) {
  const introspector = dialect.introspector(from)
  const ops = changes.filter((ch) => ch.upgrade).map((ch) => ch.upgrade!)
  let sql = ''
  for (const op of batched(ops, asBatch)) {
    for (const statement of await dialect.compiler.compile(op, {introspector}))
      sql += terminate(inlineParameters(statement.sql, statement.params, dialect.compiler), dialect.name)
  }

  return sql
}

/**
 * db-manage diff FROM TO: the operations that turn FROM's schema into TO's,
 * both read by autogenerate's catalog queries from a database of one dialect
 * (a file or the chain is built on a scratch database first) and compared by
 * autogenerate's comparison. Equal: no changes.
 */
export async function diffSchemas(
  config: Config,
  from: string,
  to: string,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const sides = [parseSide(from, config, 'FROM'), parseSide(to, config, 'TO')] as const
  const [fromDialect, toDialect] = [sideDialect(sides[0], 'FROM'), sideDialect(sides[1], 'TO')]
  if (fromDialect && toDialect && fromDialect !== toDialect)
    throw new UsageError(`diff compares schemas of one dialect: FROM is ${fromDialect} and TO is ${toDialect}`)
  const home = homeOf(config, sides)
  const given = fromDialect ?? toDialect
  if (given && options.dialect && options.dialect !== given)
    throw new UsageError(`--dialect ${options.dialect}: the databases compared are ${given}`)
  let name = given ?? options.dialect
  if (!name && home.hasConnection) name = home.url?.dialect
  if (!name)
    throw new UsageError(
      'diff: neither side is a database, so the dialect is unknown: pass --dialect, or configure a connection',
    )
  const dialect = await getDialect(name)
  const context: Context = {config, dialect, home, options, scratchHost: scratchHost(home, sides, dialect)}
  const keep = inScope(home)
  return withSide(sides[0], 'FROM', context, async (fromConnection) =>
    withSide(sides[1], 'TO', context, async (toConnection, declared) => {
      const before = await readSnapshot(dialect.introspector(fromConnection), keep)
      const after = {...(await readSnapshot(dialect.introspector(toConnection), keep)), declared}
      const changes = compareSnapshots(before, after, {
        columnBytes: dialect.adapter.columnBytes,
        dialect: dialect.name,
        foreignKeysNeedIndexes: dialect.adapter.foreignKeysNeedIndexes,
        inlineCycleKeys: dialect.adapter.altersNeedBatch,
      })
      const upgrading = changes.filter((c) => c.upgrade)
      const asBatch = home.renderAsBatch || dialect.adapter.altersNeedBatch
      return {
        changes: upgrading.map((c) => c.description),
        dialect: dialect.name,
        equal: upgrading.length === 0,
        from: sides[0].label,
        notCompared: {from: before.uncompared, to: after.uncompared},
        ...(options.sql ? {sql: await compileSql(dialect, fromConnection, changes, asBatch)} : {}),
        to: sides[1].label,
        upgrade: renderChanges(changes, {asBatch}).upgrade,
      }
    }),
  )
}
