import type {Connection} from '../dialects/connection.js'
import type {Dialect} from '../dialects/dialect.js'
import type {DomainSchema, EnumSchema, TableSchema, VirtualTableSchema} from '../model/table-schema.js'
import type {Backfill, Operation} from '../operations/nodes.js'
import {drainOperations, Operations, type OperationSink} from '../operations/operations.js'
import {loadScript} from '../runtime/load-script.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {brief} from '../sql/brief.js'
import {leadingWords} from '../sql/statement-kind.js'
import {describeDriverError} from '../dialects/driver-error.js'
import {ScriptError} from '../util/errors.js'

/** A schema as autogenerate reads it: what a squash compares between two points of the chain. */
export interface Reflection {
  readonly tables: TableSchema[]
  readonly enums: EnumSchema[]
  readonly domains: DomainSchema[]
  readonly virtualTables: VirtualTableSchema[]
  readonly extensions: string[]
  /** Views, functions, triggers, ... by kind: not compared, but counted, so a squash that would lose one refuses. */
  readonly uncompared: Record<string, number>
}

/** A step of a revision that moves rows, not schema: copied into a squash as it ran. */
export type DataStep =
  | {
      readonly kind: 'bulkInsert'
      readonly file: string
      readonly table: string
      readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
    }
  | {readonly kind: 'execute'; readonly file: string; readonly sql: string; readonly params?: readonly unknown[]}
  | {readonly kind: 'backfill'; readonly file: string; readonly operation: Backfill}

/** A step a squash cannot carry over, and why. */
export interface Refusal {
  readonly file: string
  readonly statement: string
  readonly why: string
}

/** A rename a script made: the squash's diff renames too, rather than drop and create (and lose the rows). */
export type Rename =
  | {readonly kind: 'column'; readonly table: string; readonly from: string; readonly to: string}
  | {readonly kind: 'table'; readonly from: string; readonly to: string}

/**
 * What one direction of a range did besides its schema changes: its data steps, each with the schema it ran on and
 * the renames made since the step before it, and the renames after the last.
 */
export interface Recording {
  readonly steps: Array<{readonly at: Reflection; readonly step: DataStep; readonly renames: readonly Rename[]}>
  readonly refusals: Refusal[]
  /** Session statements (SET, PRAGMA, ANALYZE, ...) a squash leaves out. */
  readonly leftOut: Refusal[]
  /** The renames since the last data step (all of them, when there is none). */
  renames: Rename[]
}

export function newRecording(): Recording {
  return {leftOut: [], refusals: [], renames: [], steps: []}
}

/** The renames an operation makes. */
function renamesOf(operation: Operation): Rename[] {
  if (operation.kind === 'renameTable') return [{from: operation.table, kind: 'table', to: operation.newName}]
  const column = (o: Operation): Rename[] =>
    o.kind === 'alterColumn' && o.newName !== undefined && o.newName !== o.column
      ? [{from: o.column, kind: 'column', table: o.table, to: o.newName}]
      : []
  if (operation.kind === 'batchAlterTable') return operation.operations.flatMap((o) => column(o))
  return column(operation)
}

/** How a squash treats a raw statement. */
export type StatementClass = 'data' | 'other' | 'schema' | 'session'

const DATA = new Set(['CALL', 'COPY', 'DELETE', 'INSERT', 'MERGE', 'REPLACE', 'SELECT', 'TRUNCATE', 'UPDATE', 'UPSERT'])
const DATA_WITH = new Set(['VALUES', 'WITH', 'TABLE'])
const SESSION = new Set([
  'ANALYZE',
  'BEGIN',
  'CHECKPOINT',
  'COMMIT',
  'DISCARD',
  'END',
  'EXPLAIN',
  'LISTEN',
  'LOCK',
  'NOTIFY',
  'OPTIMIZE',
  'PRAGMA',
  'RELEASE',
  'RESET',
  'ROLLBACK',
  'SAVEPOINT',
  'SET',
  'SHOW',
  'START',
  'UNLOCK',
  'VACUUM',
])
/** What autogenerate compares: a statement that makes or changes one of these is rebuilt by the squash's diff. */
const COMPARED = new Set(['DOMAIN', 'EXTENSION', 'INDEX', 'SEQUENCE', 'TABLE', 'TYPE'])
/** Words between CREATE/ALTER/DROP and the kind of object. */
const MODIFIERS = new Set([
  'GLOBAL',
  'LOCAL',
  'OR',
  'REPLACE',
  'TEMP',
  'TEMPORARY',
  'UNIQUE',
  'UNLOGGED',
  'VIRTUAL',
  'ONLINE',
  'OFFLINE',
  'IGNORE',
  'FULLTEXT',
  'SPATIAL',
])

/**
 * A raw statement as a squash sees it, by its leading words (the SQL statement-kind reader's): `data` (DML: copied,
 * or refused), `schema` (tables, indexes, types, ...: what the squash's diff rebuilds), `session` (SET, PRAGMA,
 * ANALYZE: left out) or `other` (views, functions, triggers, grants: what autogenerate does not compare).
 */
export function classifyStatement(sql: string, dialect: Dialect['name']): StatementClass {
  const words = leadingWords(sql, dialect, 6)
  const [first, second] = words
  if (first === undefined) return 'session'
  if (DATA.has(first) || DATA_WITH.has(first)) return 'data'
  if (SESSION.has(first)) return 'session'
  if (first === 'RENAME') return second === 'TABLE' ? 'schema' : 'other'
  if (first === 'COMMENT') return words[2] === 'TABLE' || words[2] === 'COLUMN' ? 'schema' : 'other'
  if (first === 'CREATE' || first === 'ALTER' || first === 'DROP') {
    const kind = words.slice(1).find((w) => !MODIFIERS.has(w))
    // CREATE TABLE ... AS SELECT fills the table it makes: the diff would make it empty.
    if (first === 'CREATE' && kind === 'TABLE' && words.includes('AS')) return 'other'
    return kind !== undefined && COMPARED.has(kind) ? 'schema' : 'other'
  }

  return 'other'
}

/**
 * Runs a chain's scripts on a scratch connection as plain statements (no version table, no transactions: nothing
 * of a run's bookkeeping), reading the schema when asked. With a recording, it notes each data step with the
 * schema it runs on, read just before it, and what a squash cannot copy.
 */
export class ChainRunner {
  constructor(
    private readonly dialect: Dialect,
    private readonly connection: Connection,
    private readonly keep: (table: string) => boolean,
  ) {}

  async reflect(): Promise<Reflection> {
    const reader = this.dialect.introspector(this.connection)
    return {
      domains: await reader.domains(),
      enums: await reader.enums(),
      extensions: await reader.extensions(),
      tables: (await reader.schema()).filter((t) => this.keep(t.name)),
      uncompared: await reader.uncompared(),
      virtualTables: (await reader.virtualTables()).filter((t) => this.keep(t.name)),
    }
  }

  /** Run one script's upgrade or downgrade. */
  async run(script: ScriptRevision, direction: 'downgrade' | 'upgrade', recording?: Recording): Promise<void> {
    const loaded = await loadScript(script, this.dialect.name)
    const fn = loaded[direction]
    if (!fn) throw new ScriptError(`${script.fileName} has no ${direction}()`)
    const op = new Operations(this.sink(script.fileName, recording))
    try {
      await fn(op)
      await drainOperations(op)
    } catch (error) {
      if (error instanceof ScriptError) throw error
      throw new ScriptError(
        `${script.fileName}: its ${direction} failed on the scratch database: ${describeDriverError(error)}`,
      )
    }
  }

  private sink(file: string, recording?: Recording): OperationSink {
    const {compiler, name} = this.dialect
    const introspector = this.dialect.introspector(this.connection)
    const {connection} = this
    const note = async (step: DataStep) => {
      const at = await this.reflect()
      recording!.steps.push({at, renames: recording!.renames, step})
      recording!.renames = []
    }

    return {
      dialect: name,
      async query(sql, params) {
        if (recording) {
          const cls = classifyStatement(sql, name)
          // DML whose result cannot drive the script's code is a data step like op.execute's; anything that
          // returns rows (a SELECT, RETURNING) feeds code a squash cannot copy.
          if (
            cls === 'data' &&
            !/^(SELECT|WITH|VALUES|TABLE|CALL)$/.test(leadingWords(sql, name, 1)[0] ?? '') &&
            !/\bRETURNING\b/i.test(sql)
          ) {
            await note({file, kind: 'execute', params, sql})
          } else if (cls !== 'session') {
            recording.refusals.push({
              file,
              statement: `op.query(${JSON.stringify(brief(sql, 80))})`,
              why: "its rows feed the script's own code, which a squash cannot copy",
            })
          }
        }

        return (await connection.query(sql, params)).rows
      },
      async run(operation) {
        const statements = await compiler.compile(operation, {introspector})
        if (recording) recording.renames.push(...renamesOf(operation))
        if (recording && operation.kind === 'bulkInsert' && operation.rows.length > 0)
          await note({file, kind: 'bulkInsert', rows: operation.rows, table: operation.table})
        // A backfill is copied as the backfill it is (its batches, online); on the scratch database, one UPDATE.
        if (recording && operation.kind === 'backfill') await note({file, kind: 'backfill', operation})
        for (const statement of statements) {
          if (recording && operation.kind === 'execute') {
            const cls = classifyStatement(statement.sql, name)
            const described = {file, statement: brief(statement.sql, 80)}
            if (cls === 'data') await note({file, kind: 'execute', params: statement.params, sql: statement.sql})
            else if (cls === 'session') recording.leftOut.push({...described, why: 'a session statement'})
            else if (cls === 'other')
              recording.refusals.push({
                ...described,
                why:
                  /^\s*CREATE\b/i.test(statement.sql) && /\bTABLE\b[^(]*\bAS\b/i.test(statement.sql)
                    ? 'it fills the table it makes, which a squash cannot rebuild'
                    : 'it makes or changes what autogenerate does not compare, which a squash cannot rebuild',
              })
          }

          await connection.query(statement.sql, statement.params)
        }
      },
    }
  }
}
