import type {Connection} from '../dialects/connection.js'
import type {Dialect} from '../dialects/dialect.js'
import type {TableSchema} from '../model/table-schema.js'
import {firstSchemaSql} from '../runtime/session.js'
import {ConfigError} from '../util/errors.js'

/**
 * The tables of each of `schemas` (PostgreSQL's `schemas = public, billing`): the first's as the introspector reads
 * the current schema, each other's read with the search_path on it alone and named `schema.table`, with their
 * foreign keys' referents named as the first schema sees them. No schemas, or one: the current schema's, as before.
 */
export async function readTables(
  dialect: Dialect,
  connection: Pick<Connection, 'query'>,
  schemas: readonly string[],
): Promise<TableSchema[]> {
  const tables = await dialect.introspector(connection as Connection).schema()
  if (schemas.length < 2) return tables
  const [home, ...others] = schemas
  const {rows} = await connection.query("SELECT pg_catalog.current_setting('search_path') AS path")
  try {
    for (const schema of others) {
      await connection.query("SELECT pg_catalog.set_config('search_path', $1, false)", [dialect.compiler.quote(schema)])
      for (const table of await dialect.introspector(connection as Connection).schema())
        tables.push(qualified(table, schema, home))
    }
  } finally {
    await connection.query("SELECT pg_catalog.set_config('search_path', $1, false)", [String(rows[0].path)])
  }

  return tables
}

/** A table read with the search_path on `schema`, named as the first schema (`home`) sees it. */
function qualified(table: TableSchema, schema: string, home: string): TableSchema {
  const name = (n: string) =>
    !n.includes('.') ? `${schema}.${n}` : n.startsWith(`${home}.`) ? n.slice(home.length + 1) : n
  return {
    ...table,
    foreignKeys: table.foreignKeys.map((f) => ({...f, referent: name(f.referent)})),
    name: `${schema}.${table.name}`,
    ...(table.partitionOf ? {partitionOf: {...table.partitionOf, parent: name(table.partitionOf.parent)}} : {}),
  }
}

/**
 * A scratch database made ready for a chain or a target over `schemas`: each created, the first put first in the
 * search_path, as the database's own sessions have it.
 */
export async function enterSchemas(
  dialect: Dialect,
  connection: Pick<Connection, 'query'>,
  schemas: readonly string[],
  create = true,
): Promise<void> {
  if (schemas.length === 0) return
  if (dialect.name !== 'postgresql')
    throw new ConfigError(`schemas: several schemas of one database are PostgreSQL's, not ${dialect.name}'s`)
  if (create)
    for (const schema of schemas)
      await connection.query(`CREATE SCHEMA IF NOT EXISTS ${dialect.compiler.quote(schema)}`)
  await connection.query(firstSchemaSql(dialect.compiler, schemas[0]))
}

/**
 * What the catalog counted as not compared, less the listed schemas and their tables, which are compared: the
 * `other schema` and `table in another schema` counts of the current schema's view.
 */
export function uncomparedBeyond(
  counts: Readonly<Record<string, number>>,
  tables: readonly TableSchema[],
  schemas: readonly string[],
): Record<string, number> {
  if (schemas.length < 2) return {...counts}
  const others = new Set(schemas.slice(1))
  const listed = [...others].filter((s) => s !== 'public').length
  const compared = tables.filter((t) => t.name.includes('.') && others.has(t.name.slice(0, t.name.indexOf('.')))).length
  const out: Record<string, number> = {...counts}
  const less = (kind: string, n: number) => {
    const left = (out[kind] ?? 0) - n
    if (left > 0) out[kind] = left
    else delete out[kind]
  }

  less('other schema', listed)
  less('table in another schema', compared)
  return out
}
