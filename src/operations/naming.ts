import {UsageError} from '../util/errors.js'

/**
 * The names a constraint gets when nobody named it: PostgreSQL's own
 * spelling, given on every dialect so a chain names its constraints alike
 * everywhere and a later migration can drop them by name. The one place
 * they are spelled.
 */
export const defaultConstraintName = {
  check: (table: string): string => `${table}_check`,
  foreignKey: (table: string, columns: readonly string[]): string => `${table}_${columns.join('_')}_fkey`,
  primaryKey: (table: string): string => `${table}_pkey`,
  unique: (table: string, columns: readonly string[]): string => `${table}_${columns.join('_')}_key`,
}

/** `table.column` of a column's `references`, split at its last dot. */
export function splitReference(reference: string, column: string): [string, string] {
  const dot = reference.lastIndexOf('.')
  if (dot <= 0 || dot === reference.length - 1)
    throw new UsageError(`column ${column}: references must be "table.column", got "${reference}"`)
  return [reference.slice(0, dot), reference.slice(dot + 1)]
}
