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

/**
 * The foreign keys a table's columns declare inline (`references: 'table.col'`), named as the database names them
 * (`<table>_<col>_fkey`), before its table-level ones.
 */
export function inlineForeignKeys<Action>(
  table: string,
  columns: ReadonlyArray<{
    readonly name: string
    readonly references?: string
    readonly onDelete?: Action
    readonly onUpdate?: Action
  }>,
) {
  return columns
    .filter((c) => c.references)
    .map((c) => {
      const [referent, referentColumn] = splitReference(c.references!, c.name)
      return {
        columns: [c.name],
        name: defaultConstraintName.foreignKey(table, [c.name]),
        onDelete: c.onDelete,
        onUpdate: c.onUpdate,
        referent,
        referentColumns: [referentColumn],
      }
    })
}
