import type {Statement} from '../dialects/ddl-compiler.js'

/**
 * Alembic's version table, spelled as Alembic writes it so a database that
 * Alembic or sahara-db-manage managed is taken over as it is, and offline
 * output reads the same. Ids are plain words (script/header.ts checks them);
 * they are still written as escaped literals.
 */
const literal = (id: string) => `'${id.replaceAll("'", "''")}'`

export const versionTable = {
  create(table: string, ifNotExists = false): Statement {
    return {sql: `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${table} (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT ${table}_pkc PRIMARY KEY (version_num)\n)`}
  },
  delete(table: string, from: string): Statement {
    return {sql: `DELETE FROM ${table} WHERE ${table}.version_num = ${literal(from)}`}
  },
  deleteAll(table: string): Statement {
    return {sql: `DELETE FROM ${table}`}
  },
  insert(table: string, to: string): Statement {
    return {sql: `INSERT INTO ${table} (version_num) VALUES (${literal(to)})`}
  },
  select(table: string): Statement {
    return {sql: `SELECT version_num FROM ${table}`}
  },
  /** The statement that moves the version from `from` to `to` (either may be base). */
  move(table: string, from: null | string, to: null | string): Statement | undefined {
    if (from === to) return undefined
    if (from === null) return this.insert(table, to!)
    if (to === null) return this.delete(table, from)
    return {sql: `UPDATE ${table} SET version_num=${literal(to)} WHERE ${table}.version_num = ${literal(from)}`}
  },
}
