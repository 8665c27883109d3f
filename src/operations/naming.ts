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
