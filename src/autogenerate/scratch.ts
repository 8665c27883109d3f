import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'

import type {DatabaseConfig} from '../config/config.js'
import {type DatabaseUrl, hidingPassword, parseDatabaseUrl} from '../config/database-url.js'
import type {Connection} from '../dialects/connection.js'
import {splitReference} from '../operations/naming.js'
import type {Dialect} from '../dialects/dialect.js'
import type {DomainSchema, EnumSchema, TableSchema, VirtualTableSchema} from '../model/table-schema.js'
import type {BatchOperation, Column} from '../operations/nodes.js'
import {Operations} from '../operations/operations.js'
import type {OperationSink} from '../operations/operations.js'
import {importModule} from '../boot/index.js'
import {describeDriverError} from '../dialects/driver-error.js'
import {splitSql} from '../sql/split.js'
import {ConfigError, DatabaseError, errorMessage, ScriptError} from '../util/errors.js'
import {runStatements} from './scratch-batch.js'
import type {SchemaDefinition} from './target-schema.js'
import {defaultConstraintName} from '../operations/naming.js'

export interface TargetSchema {
  readonly tables: TableSchema[]
  /** What the target holds that is not compared (views, functions, ...), counted by kind. */
  readonly uncompared: Record<string, number>
  readonly enums: EnumSchema[]
  readonly domains: DomainSchema[]
  readonly virtualTables: VirtualTableSchema[]
  /** The extensions it creates (PostgreSQL). */
  readonly extensions: string[]
  /** The declared tables, when the target is a module. */
  readonly declared?: SchemaDefinition['tables']
}

/**
 * Build the target in a scratch database of the same dialect and read it back,
 * so the database itself interprets types and defaults and the comparison is
 * between two schemas spelled by the same server. SQLite: in memory;
 * PostgreSQL and MySQL: a temporary database on the configured server (or
 * scratch_url's), created and dropped here.
 */
export async function reflectTarget(
  dialect: Dialect,
  database: DatabaseConfig,
  timeoutMs: number,
  debug?: (line: string) => void,
): Promise<TargetSchema> {
  const file = database.targetSchema!
  let declared: SchemaDefinition['tables'] | undefined
  let statements: string[] | undefined
  if (file.endsWith('.sql')) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new ConfigError(
        `target_schema ${file}: ${(error as NodeJS.ErrnoException).code ?? describeDriverError(error)}`,
      )
    }

    // A dump's client commands (psql's \\connect, \\restrict) are the dump tool's, not the schema's.
    statements = splitSql(text, dialect.name, `target_schema ${file}`, {directives: 'skip'})
      .map((s) => s.sql)
      .filter((sql) => !dialect.adapter.dumpFile.skip(sql))
  } else {
    let module: Record<string, unknown>
    try {
      module = await importModule(file)
    } catch (error) {
      throw new ScriptError(`target_schema ${file}: cannot load: ${describeDriverError(error)}`)
    }

    const schema = (module.default ?? module.schema) as SchemaDefinition | undefined
    if (!schema || typeof schema.tables !== 'object')
      throw new ScriptError(`target_schema ${file} must export (default or "schema") defineSchema({tables: {...}})`)
    declared = schema.tables
  }

  return withScratch(dialect, database, timeoutMs, debug, async (connection) => {
    if (statements) {
      for (const sql of dialect.adapter.dumpFile.before) await connection.query(sql)
      await runStatements(connection, statements, dialect.adapter.supportsTransactionalDdl, async (i, sql, error) => {
        if (await dialect.adapter.dumpFile.madeAlready?.(connection, sql, error)) return
        const why = await dialect.adapter.explainFailure?.(error, connection).catch(() => undefined)
        const statement = `target_schema ${file}: statement ${i + 1}`
        throw new ScriptError(`${statement} failed in the scratch database: ${why ?? describeDriverError(error)}`)
      })

      for (const sql of dialect.adapter.dumpFile.after) await connection.query(sql)
    } else {
      await buildDeclared(dialect, connection, declared!)
    }

    const reader = dialect.introspector(connection)
    return {
      declared,
      domains: await reader.domains(),
      enums: await reader.enums(),
      extensions: await reader.extensions(),
      tables: await reader.schema(),
      uncompared: await reader.uncompared(),
      virtualTables: await reader.virtualTables(),
    }
  })
}

/** Create the declared tables: first bare (no foreign keys), then their indexes and constraints. */
async function buildDeclared(
  dialect: Dialect,
  connection: Connection,
  tables: SchemaDefinition['tables'],
): Promise<void> {
  // The dialect's compiler and connection, nothing of a migration run: no history, no transaction to manage.
  const introspector = dialect.introspector(connection)
  const sink: OperationSink = {
    dialect: dialect.name,
    async query(sql, params) {
      return (await connection.query(sql, params)).rows
    },
    async run(operation) {
      for (const statement of await dialect.compiler.compile(operation, {introspector}))
        await connection.query(statement.sql, statement.params)
    },
  }
  const op = new Operations(sink)
  for (const [name, table] of Object.entries(tables)) {
    await op.createTable(
      name,
      table.columns.map((c): Column => ({...c, onDelete: undefined, onUpdate: undefined, references: undefined})),
    )
  }

  for (const [name, table] of Object.entries(tables)) {
    const extras: BatchOperation[] = [
      ...(table.uniques ?? []).map((u): BatchOperation => ({...u, kind: 'createUniqueConstraint', table: name})),
      ...table.columns
        .filter((c) => c.references)
        .map((c): BatchOperation => {
          const [referent, referentColumn] = splitReference(c.references!, c.name)
          return {
            columns: [c.name],
            kind: 'createForeignKey',
            name: defaultConstraintName.foreignKey(name, [c.name]),
            onDelete: c.onDelete,
            onUpdate: c.onUpdate,
            referent,
            referentColumns: [referentColumn],
            table: name,
          }
        }),
      ...(table.foreignKeys ?? []).map((f): BatchOperation => ({...f, kind: 'createForeignKey', table: name})),
      ...(table.checks ?? []).map((c): BatchOperation => ({
        condition: c.condition,
        kind: 'createCheckConstraint',
        name: c.name,
        table: name,
      })),
      ...(table.indexes ?? []).map((i): BatchOperation => ({...i, kind: 'createIndex', table: name})),
    ]
    if (extras.length === 0) continue
    // A dialect that adds constraints only by rebuilding the table (SQLite): one batch for all of them.
    if (dialect.adapter.altersNeedBatch) await sink.run({kind: 'batchAlterTable', operations: extras, table: name})
    else for (const extra of extras) await sink.run(extra)
  }
}

/** scratch_url parsed, its error naming the setting. */
function scratchServer(text: string): DatabaseUrl {
  try {
    return parseDatabaseUrl(text)
  } catch (error) {
    throw new ConfigError(`scratch_url: ${errorMessage(error)}`)
  }
}

/**
 * A scratch database of the dialect for `fn`: SQLite in memory, else a
 * temporary database on the server, dropped after. `debug`: every statement
 * sent on its connections, as a session's under --debug.
 */
export async function withScratch<T>(
  dialect: Dialect,
  database: DatabaseConfig,
  timeoutMs: number,
  debug: ((line: string) => void) | undefined,
  fn: (connection: Connection) => Promise<T>,
): Promise<T> {
  const {scratch} = dialect.adapter
  if (scratch === 'memory') {
    const connection = await dialect.connect(
      {dialect: dialect.name, filename: ':memory:', masked: `${dialect.name}:///:memory:`, params: {}},
      timeoutMs,
      debug,
    )
    try {
      return await fn(connection)
    } finally {
      await connection.close()
    }
  }

  const server: DatabaseUrl = database.scratchUrl ? scratchServer(database.scratchUrl) : database.url!
  const name = `db_manage_scratch_${randomBytes(4).toString('hex')}`
  const trace = debug && hidingPassword(server, debug)
  let admin: Connection
  try {
    admin = await dialect.connect(server, timeoutMs, trace)
    await admin.query(await scratch.create(admin, name))
  } catch (error) {
    throw new DatabaseError(
      `autogenerate needs a scratch database: cannot create ${name} on ${server.masked}: ${describeDriverError(error)} (set scratch_url to a server where it may)`,
    )
  }

  try {
    const connection = await dialect.connect({...server, database: name}, timeoutMs, trace)
    try {
      return await fn(connection)
    } finally {
      await connection.close()
    }
  } finally {
    await admin.query(scratch.drop(name)).catch(() => {})
    await admin.close()
  }
}
