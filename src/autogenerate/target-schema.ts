import type {Column, IndexElement, IndexOptions, ReferentialAction} from '../operations/nodes.js'

/** One table of a declared target schema. */
export interface TableDefinition {
  readonly columns: readonly Column[]
  readonly indexes?: ReadonlyArray<Omit<IndexOptions, 'concurrently'> & {name: string; columns: IndexElement[]}>
  readonly uniques?: ReadonlyArray<{name: string; columns: string[]}>
  readonly foreignKeys?: ReadonlyArray<{
    name: string; columns: string[]; referent: string; referentColumns: string[]; onDelete?: ReferentialAction; onUpdate?: ReferentialAction
  }>
  readonly checks?: ReadonlyArray<{name: string; condition: string}>
}

/** The schema an application declares; autogenerate makes the database match it. */
export interface SchemaDefinition {
  readonly tables: Readonly<Record<string, TableDefinition>>
}

/** Declare the target schema: `export default defineSchema({tables: {clusters: {columns: [...]}}})`. */
export function defineSchema(schema: SchemaDefinition): SchemaDefinition {
  return schema
}

/** A column for a declared schema: the same shape as `op.column`. */
export function column(name: string, type: string, options: Omit<Column, 'name' | 'type'> = {}): Column {
  return {name, type, ...options}
}
