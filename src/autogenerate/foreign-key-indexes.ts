import type {ForeignKeySchema, IndexSchema} from '../model/table-schema.js'
import type {BatchOperation, CreateForeignKey} from '../operations/nodes.js'

/*
 * MySQL's foreign keys and their indexes. InnoDB needs an index whose first
 * columns are a key's columns, in order (no prefix): when there is none,
 * CREATE TABLE and ADD FOREIGN KEY make one, named as the constraint, which
 * stays when the key is dropped; DROP INDEX refuses to take the last index a
 * key needs (ER_DROP_INDEX_FK), and a new index that serves the key replaces
 * the one the key made.
 */

const sameList = (a: readonly unknown[], b: readonly unknown[]) =>
  a.length === b.length && a.every((x, i) => x === b[i])

/** The index CREATE TABLE makes for one of its foreign keys: named as the key, on its columns alone, plain. */
export function madeForForeignKey(index: IndexSchema, keys: readonly ForeignKeySchema[]): boolean {
  return (
    !index.unique &&
    !index.fulltext &&
    !index.spatial &&
    index.lengths === undefined &&
    keys.some((k) => k.name === index.name && sameList(k.columns, index.columns))
  )
}

/** Whether an index, unique constraint or primary key (its columns) serves a foreign key on `columns`. */
function serves(op: BatchOperation | readonly string[], columns: readonly string[]): boolean {
  if (Array.isArray(op)) return sameList(op.slice(0, columns.length), columns)
  const index = op as BatchOperation
  if (index.kind === 'createUniqueConstraint') return sameList(index.columns.slice(0, columns.length), columns)
  if (index.kind !== 'createIndex' || index.fulltext || index.spatial) return false
  return (
    sameList(index.columns.slice(0, columns.length), columns) && columns.every((c) => index.lengths?.[c] === undefined)
  )
}

/**
 * Whether a change takes away every index of a table that serves the
 * foreign key `fk`: `extras` are the table's indexes and constraints,
 * `removed` those the change drops, `primaryKey` the key's columns unless
 * the change drops it too.
 */
export function leavesUnserved(
  fk: CreateForeignKey,
  extras: Iterable<BatchOperation>,
  removed: ReadonlySet<BatchOperation>,
  primaryKey: readonly string[] | undefined,
): boolean {
  if (primaryKey && serves(primaryKey, fk.columns)) return false
  return ![...extras].some((op) => !removed.has(op) && serves(op, fk.columns))
}
