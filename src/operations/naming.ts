import {UsageError} from '../util/errors.js'

/**
 * The names a constraint gets when nobody named it: PostgreSQL's own
 * spelling, given on every dialect so a chain names its constraints alike
 * everywhere and a later migration can drop them by name. The one place
 * they are spelled.
 */
export const defaultConstraintName = {
  check: (table: string): string => `${bare(table)}_check`,
  foreignKey: (table: string, columns: readonly string[]): string => `${bare(table)}_${columns.join('_')}_fkey`,
  primaryKey: (table: string): string => `${bare(table)}_pkey`,
  unique: (table: string, columns: readonly string[]): string => `${bare(table)}_${columns.join('_')}_key`,
}

/** A table's name without the schema a `billing.invoices` gives it: its constraints are named by the table alone. */
function bare(table: string): string {
  return table.slice(table.indexOf('.') + 1)
}

/** `table.column` of a column's `references`, split at its last dot. */
export function splitReference(reference: string, column: string): [string, string] {
  const dot = reference.lastIndexOf('.')
  if (dot <= 0 || dot === reference.length - 1)
    throw new UsageError(`column ${column}: references must be "table.column", got "${reference}"`)
  return [reference.slice(0, dot), reference.slice(dot + 1)]
}
