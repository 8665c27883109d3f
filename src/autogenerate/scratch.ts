import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'

import type {DatabaseConfig} from '../config/config.js'
import {type DatabaseUrl, hidingPassword, parseDatabaseUrl} from '../config/database-url.js'
import type {Connection} from '../dialects/connection.js'
import {defaultConstraintName, inlineForeignKeys} from '../operations/naming.js'
import type {Dialect} from '../dialects/dialect.js'
import type {DomainSchema, EnumSchema, TableSchema, VirtualTableSchema} from '../model/table-schema.js'
import type {Column} from '../operations/nodes.js'
import type {ObjectSchema} from '../model/object-schema.js'
import {Operations} from '../operations/operations.js'
import type {OperationSink} from '../operations/operations.js'
import {importModule} from '../boot/index.js'
import {describeDriverError} from '../dialects/driver-error.js'
import {splitSql} from '../sql/split.js'
import {ConfigError, DatabaseError, errorMessage, ScriptError} from '../util/errors.js'
import {runStatements} from './scratch-batch.js'
import {foldIndexes} from './scratch-fold.js'
import {readSnapshot} from './snapshot.js'
import type {SchemaDefinition, TableDefinition} from './target-schema.js'
import {enterSchemas, readTables, uncomparedBeyond} from './schemas.js'

export interface TargetSchema {
  /** False for a module that declares neither `views` nor `objects`: it says nothing of them, so none are compared. */
  readonly objectsDeclared: boolean
  readonly tables: TableSchema[]
  /** What the target holds that is not compared (views, functions, ...), counted by kind. */
  readonly uncompared: Record<string, number>
  readonly enums: EnumSchema[]
  readonly domains: DomainSchema[]
  readonly virtualTables: VirtualTableSchema[]
  /** The extensions it creates (PostgreSQL). */
  readonly extensions: string[]
  /**
   * Views, functions, procedures, aggregates and triggers, as the scratch database prints them; none when the
   * target is a module that declares neither `views` nor `objects` (objectsDeclared false).
   */
  readonly objects: ObjectSchema[]
  /** The declared tables, when the target is a module. */
  readonly declared?: SchemaDefinition['tables']
}

/** A schema file read and ready to build: a .sql file's statements, or a module's declared schema. */
export type SchemaFile =
  | {readonly file: string; readonly label: string; readonly statements: readonly string[]}
  | {readonly file: string; readonly label: string; readonly declared: SchemaDefinition}

/**
 * Read a schema file (`label` names it in errors: `target_schema FILE`): a
 * `.sql` file split into statements as the dialect's client would, or a
 * module exporting defineSchema(...), loaded.
 */
export async function readSchemaFile(
  dialect: Dialect,
  file: string,
  label = `target_schema ${file}`,
): Promise<SchemaFile> {
  if (file.endsWith('.sql')) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new ConfigError(`${label}: ${(error as NodeJS.ErrnoException).code ?? describeDriverError(error)}`)
    }

    // A dump's client commands (psql's \\connect, \\restrict) are the dump tool's, not the schema's.
    const statements = splitSql(text, dialect.name, label, {directives: 'skip'})
      .map((s) => s.sql)
      .filter((sql) => !dialect.adapter.dumpFile.skip(sql))
    return {file, label, statements}
  }

  let module: Record<string, unknown>
  try {
    module = await importModule(file)
  } catch (error) {
    throw new ScriptError(`${label}: cannot load: ${describeDriverError(error)}`)
  }

  const schema = (module.default ?? module.schema) as SchemaDefinition | undefined
  if (!schema || typeof schema.tables !== 'object')
    throw new ScriptError(`${label} must export (default or "schema") defineSchema({tables: {...}})`)
  return {declared: schema, file, label}
}

/** Build what a schema file holds on `connection` (a scratch database's). */
export async function buildSchemaFile(
  dialect: Dialect,
  connection: Connection,
  schema: SchemaFile,
  schemas: readonly string[] = [],
): Promise<void> {
  if ('declared' in schema) {
    await buildDeclared(dialect, connection, schema.declared)
    await buildObjects(dialect, connection, schema.declared, schema.label)
    return
  }

  for (const sql of dialect.adapter.dumpFile.before) await connection.query(sql)
  // Many statements a round trip (scratch-batch.ts); a failing one is run alone, its error as it always was.
  await runStatements(
    connection,
    schema.statements,
    dialect.adapter.supportsTransactionalDdl,
    async (i, sql, error) => {
      if (await dialect.adapter.dumpFile.madeAlready?.(connection, sql, error)) return
      // A listed schema (`schemas`) was made first: the file's own CREATE SCHEMA finds it there.
      if (schemas.length > 0 && (error as {code?: string}).code === '42P06' && /^\s*CREATE\s+SCHEMA\b/i.test(sql))
        return
      const why = await dialect.adapter.explainFailure?.(error, connection).catch(() => undefined)
      const statement = `${schema.label}: statement ${i + 1}`
      throw new ScriptError(`${statement} failed in the scratch database: ${why ?? describeDriverError(error)}`)
    },
    // MySQL: a table's CREATE INDEX statements sent within its CREATE TABLE (each its own ALTER TABLE otherwise).
    dialect.name === 'mysql' ? foldIndexes(schema.statements) : undefined,
  )

  for (const sql of dialect.adapter.dumpFile.after) await connection.query(sql)
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
  deferDrop?: (dropping: Promise<void>) => void,
): Promise<TargetSchema> {
  const schema = await readSchemaFile(dialect, database.targetSchema!)
  const reflect = async (connection: Connection): Promise<TargetSchema> => {
    const {schemas} = database
    // `schemas`: each made first, as upgrade makes them; a .sql target's own CREATE SCHEMA then finds it there.
    await enterSchemas(dialect, connection, schemas)
    await buildSchemaFile(dialect, connection, schema, schemas)
    if (!('declared' in schema)) await enterSchemas(dialect, connection, schemas, false)
    const declared = 'declared' in schema ? schema.declared.tables : undefined
    // A module that declares neither views nor objects says nothing of them: its objects are not compared.
    const objectsDeclared =
      !('declared' in schema) || schema.declared.views !== undefined || schema.declared.objects !== undefined
    const snapshot = await readSnapshot(dialect.introspector(connection))
    // One schema: readTables would read the very tables the snapshot holds (the catalog read twice).
    const tables = schemas.length < 2 ? snapshot.tables : await readTables(dialect, connection, schemas)
    return {
      ...snapshot,
      declared,
      objects: objectsDeclared ? snapshot.objects : [],
      objectsDeclared,
      tables,
      uncompared: uncomparedBeyond(snapshot.uncompared, tables, schemas),
    }
  }

  return withScratch(dialect, database, timeoutMs, debug, reflect, deferDrop)
}

/**
 * Create a declared schema: its extensions, enum types and domains; its tables with their keys, uniques and checks
 * (and, where no ALTER adds one, as on SQLite, their foreign keys); then their indexes, then their foreign keys
 * (MySQL makes an index for a key that has none, which a declared index made later would duplicate); then its virtual
 * tables.
 */
async function buildDeclared(dialect: Dialect, connection: Connection, schema: SchemaDefinition): Promise<void> {
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
  for (const name of schema.extensions ?? []) await sink.run({kind: 'createExtension', name})
  for (const [name, values] of Object.entries(schema.enums ?? {}))
    await sink.run({kind: 'createEnumType', name, values})
  for (const [name, d] of Object.entries(schema.domains ?? {}))
    await sink.run({
      checks: d.checks,
      default: d.default,
      kind: 'createDomain',
      name,
      nullable: d.nullable,
      type: d.type,
    })
  const keysInline = dialect.adapter.altersNeedBatch
  const keysOf = (name: string, table: TableDefinition) => [
    ...inlineForeignKeys(name, table.columns),
    ...(table.foreignKeys ?? []),
  ]
  for (const [name, table] of Object.entries(schema.tables)) {
    const {checks, columns, foreignKeys: _, indexes: __, primaryKey, uniques, ...options} = table
    const keys = keysOf(name, table)
    await op.createTable(
      name,
      columns.map((c): Column => ({...c, onDelete: undefined, onUpdate: undefined, references: undefined})),
      {
        ...options,
        ...(checks?.length ? {checks} : {}),
        ...(keysInline && keys.length > 0 ? {foreignKeys: keys} : {}),
        ...(primaryKey ? {primaryKey} : {}),
        ...(uniques?.length ? {uniques} : {}),
      },
    )
  }

  for (const [name, table] of Object.entries(schema.tables)) {
    for (const index of table.indexes ?? []) await sink.run({...index, kind: 'createIndex', table: name})
  }

  if (!keysInline) {
    for (const [name, table] of Object.entries(schema.tables)) {
      for (const key of keysOf(name, table)) {
        await sink.run({
          ...key,
          kind: 'createForeignKey',
          name: key.name ?? defaultConstraintName.foreignKey(name, key.columns),
          table: name,
        })
      }
    }
  }

  for (const sql of schema.virtualTables ?? []) await connection.query(sql)
}

/**
 * Make the declared views and objects, in rounds: one that fails for want of another (a view on a view declared
 * after it, a trigger before its function) is tried again once the others are made; what still fails when a round
 * makes nothing is the error, naming the object.
 */
async function buildObjects(
  dialect: Dialect,
  connection: Connection,
  schema: SchemaDefinition,
  label: string,
): Promise<void> {
  if (schema.views !== undefined && (typeof schema.views !== 'object' || schema.views === null))
    throw new ScriptError(`${label}: views must be an object of name: 'SELECT ...'`)
  if (schema.objects !== undefined && !Array.isArray(schema.objects))
    throw new ScriptError(`${label}: objects must be an array of SQL statements`)
  let pending = [
    ...Object.entries(schema.views ?? {}).map(([name, query]) => ({
      name: `view ${name}`,
      sql: `CREATE VIEW ${dialect.compiler.quote(name)} AS ${String(query)}`,
    })),
    ...(schema.objects ?? []).map((sql, i) => ({name: `objects[${i}]`, sql: String(sql)})),
  ]
  while (pending.length > 0) {
    const failed: Array<{name: string; sql: string; error: unknown}> = []
    for (const object of pending) {
      try {
        // An entry may be several statements (MySQL's SET character_set_client ... around a routine): one by one.
        for (const statement of splitSql(object.sql, dialect.name, `${label}: ${object.name}`, {programs: true}))
          await connection.query(statement.sql)
      } catch (error) {
        failed.push({...object, error})
      }
    }

    if (failed.length === pending.length) {
      const {error, name} = failed[0]
      const why = await dialect.adapter.explainFailure?.(error, connection).catch(() => undefined)
      throw new ScriptError(`${label}: ${name} failed in the scratch database: ${why ?? describeDriverError(error)}`)
    }

    pending = failed
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
 * sent on its connections, as a session's under --debug. `deferDrop`: when
 * `fn` succeeded, the drop is started and handed to it instead of awaited, so
 * that the caller's own work overlaps the server's (the caller awaits it
 * before it ends: it settles as the awaited drop would).
 */
export async function withScratch<T>(
  dialect: Dialect,
  database: DatabaseConfig,
  timeoutMs: number,
  debug: ((line: string) => void) | undefined,
  fn: (connection: Connection) => Promise<T>,
  deferDrop?: (dropping: Promise<void>) => void,
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
      `cannot create a scratch database, ${name}, on ${server.masked}: ${describeDriverError(error)} (set scratch_url to a server where it may)`,
    )
  }

  const drop = async () => {
    await admin.query(scratch.drop(name)).catch(() => {})
    await admin.close()
  }

  let result: T
  try {
    const connection = await dialect.connect({...server, database: name}, timeoutMs, trace)
    try {
      result = await fn(connection)
    } finally {
      await connection.close()
    }
  } catch (error) {
    await drop()
    throw error
  }

  const dropping = drop()
  if (!deferDrop) await dropping
  else deferDrop(dropping)
  return result
}
