import type {TableSchema} from '../model/table-schema.js'
import type {TablePartitioning} from '../operations/nodes.js'
import {UsageError} from '../util/errors.js'
import type {Change} from './change.js'

/** A table's partitioning as createTable states it (PostgreSQL). */
export function partitioning(table: TableSchema): TablePartitioning {
  return {
    ...(table.partitionBy === undefined ? {} : {partitionBy: table.partitionBy}),
    ...(table.partitionOf ? {partitionOf: table.partitionOf} : {}),
  }
}

/**
 * How a table's partitioning changes (PostgreSQL). A partition given another
 * bound is detached and attached again with it. Partitioning a table, changing
 * its key, or making a table a partition of another has no ALTER: the
 * migration is written by hand, and autogenerate says so.
 */
export function partitionChanges(live: TableSchema, target: TableSchema): Change[] {
  const name = target.name
  const by = (t: TableSchema) => t.partitionBy ?? '(none)'
  const of = (t: TableSchema) => (t.partitionOf ? `a partition of ${t.partitionOf.parent}` : 'not a partition')
  if (by(live) !== by(target) || live.partitionOf?.parent !== target.partitionOf?.parent) {
    const what = by(live) === by(target) ? `${of(live)} -> ${of(target)}` : `partition by ${by(live)} -> ${by(target)}`
    throw new UsageError(
      `table ${name} changes its partitioning (${what}): PostgreSQL cannot do that in place;` +
        ' write this migration by hand (a new table, the rows moved, the old one dropped;' +
        ' or ATTACH / DETACH PARTITION)',
    )
  }

  const [was, is] = [live.partitionOf, target.partitionOf]
  if (!was || !is || was.bound === is.bound) return []
  return [
    {
      description: `change partition ${name} of ${is.parent}: ${was.bound} -> ${is.bound}`,
      table: name,
      downgrade: {bound: was.bound, existingBound: is.bound, kind: 'alterPartition', partition: name, table: is.parent},
      upgrade: {bound: is.bound, existingBound: was.bound, kind: 'alterPartition', partition: name, table: is.parent},
    },
  ]
}
