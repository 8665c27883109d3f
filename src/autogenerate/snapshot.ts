import type {ObjectSchema} from '../model/object-schema.js'
import type {DomainSchema, EnumSchema, SchemaReader, TableSchema, VirtualTableSchema} from '../model/table-schema.js'
import type {Change} from './change.js'
import {compareDomains, compareEnums, compareSchemas, type CompareOptions} from './compare.js'
import {compareObjects} from './compare-objects.js'
import {compareVirtualTables} from './compare-virtual.js'
import {compareExtensions} from './extensions.js'
import type {SchemaDefinition} from './target-schema.js'

/**
 * A schema as one database reports it: what autogenerate compares (a live
 * database with its target), what `diff` compares (any two), and what `pull`
 * writes out.
 */
export interface SchemaSnapshot {
  readonly tables: TableSchema[]
  readonly enums: EnumSchema[]
  readonly domains: DomainSchema[]
  readonly virtualTables: VirtualTableSchema[]
  /** The extensions created (PostgreSQL). */
  readonly extensions: string[]
  /** Views, functions, procedures, aggregates and triggers, as the database prints them. */
  readonly objects: ObjectSchema[]
  /** What the database holds that is not compared (views, functions, ...), counted by kind. */
  readonly uncompared: Record<string, number>
  /** The declared tables, when the schema came from a defineSchema module: added things are rendered from them. */
  readonly declared?: SchemaDefinition['tables']
}

/** Objects in scope where tables are: a view as a table of its name would be, a trigger as its table is. */
export function objectInScope(keep: (table: Pick<TableSchema, 'name'>) => boolean): (object: ObjectSchema) => boolean {
  return (o) =>
    o.kind === 'trigger' ? keep({name: o.table ?? ''}) : o.kind.endsWith('view') ? keep({name: o.name}) : true
}

/** Read a whole schema with the reader's fixed handful of catalog queries; `keep` narrows its tables. */
export async function readSnapshot(
  reader: SchemaReader,
  keep: (table: Pick<TableSchema, 'name'>) => boolean = () => true,
): Promise<SchemaSnapshot> {
  return {
    domains: await reader.domains(),
    enums: await reader.enums(),
    extensions: await reader.extensions(),
    objects: (await reader.objects()).filter(objectInScope(keep)),
    tables: (await reader.schema()).filter(keep),
    uncompared: await reader.uncompared(),
    virtualTables: (await reader.virtualTables()).filter(keep),
  }
}

/**
 * The changes that turn `from` into `to`, each with its inverse, in the
 * order a revision runs them: extensions, then types before the tables that
 * use them (enums before domains, which may be over them), dropped after.
 * New kinds of object (views, functions) are compared here, so that
 * autogenerate and diff both see them.
 */
export function compareSnapshots(
  from: Omit<SchemaSnapshot, 'uncompared'>,
  to: Omit<SchemaSnapshot, 'uncompared'>,
  options: CompareOptions,
): Change[] {
  const enums = compareEnums(from.enums, to.enums, from.tables)
  const domains = compareDomains(from.domains, to.domains)
  const virtual = compareVirtualTables(from.virtualTables, to.virtualTables)
  const extensions = compareExtensions(from.extensions, to.extensions)
  const tables = compareSchemas(from.tables, to.tables, {declared: to.declared, ...options})
  // Views, routines and triggers: dropped before anything changes under them, made once it has (compare-objects.ts).
  // Enums recreated count as changes under a view too (their columns change type).
  const objects = compareObjects(from.objects, to.objects, [...enums.before, ...tables])
  return [
    ...extensions,
    ...objects.before,
    ...virtual.before,
    ...enums.before,
    ...domains.before,
    ...objects.beforeTables,
    ...tables,
    ...objects.afterTables,
    ...domains.after,
    ...enums.after,
    ...virtual.after,
    ...objects.after,
  ]
}
