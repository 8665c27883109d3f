// The catalog as each database reports it, and its own command-line client:
// what the offline invariant compares and how offline SQL is applied.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {connected, type TestDatabase} from './databases.js'

/** The tables a database holds, by name, in name order. */
export const TABLES: Record<string, string> = {
  mysql: 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME',
  postgresql:
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
}

const CATALOG: Record<string, string[]> = {
  mysql: [
    'SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION, COLLATION_NAME, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION',
    "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'alembic_version' ORDER BY 1",
    'SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, INDEX_TYPE, SUB_PART, COLLATION FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2, 3',
    'SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2',
    'SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1',
    'SELECT CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1',
  ],
  postgresql: [
    "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default, is_identity, identity_generation, is_generated, generation_expression, collation_name, col_description(format('%I', table_name)::regclass, ordinal_position) AS comment FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    "SELECT relname, obj_description(oid, 'pg_class') AS comment FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY 1",
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
    "SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
  ],
  sqlite: [
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name",
  ],
}

export interface Snapshot {
  catalog: unknown[]
  version: unknown[]
  /** The history rows, without what differs by run (when, by whom, how long). */
  history: unknown[]
}

export async function snapshot(db: TestDatabase): Promise<Snapshot> {
  return connected(db, async (c) => {
    const catalog = []
    for (const sql of CATALOG[db.dialect]) catalog.push((await c.query(sql)).rows)
    const version = await c.query('SELECT version_num FROM alembic_version').then(
      (r) => r.rows,
      () => ['no version table'],
    )
    const history = await c
      .query('SELECT revision, direction, from_revision, to_revision, checksum FROM db_manage_history ORDER BY id')
      .then(
        (r) => r.rows,
        () => ['no history table'],
      )
    return {catalog, history, version}
  })
}

/**
 * The catalog without the text of the statements that made it: SQLite keeps
 * each CREATE as written, so a schema applied by hand and the same schema
 * made by db-manage differ there in quoting alone. The pragmas say what is built.
 */
const STRUCTURE: Record<string, string[]> = {
  ...CATALOG,
  sqlite: [
    'SELECT m.name, p.cid, p.name AS col, p.type, p."notnull", p.dflt_value, p.pk, p.hidden FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE m.type = \'table\' ORDER BY 1, 2',
    'SELECT m.name, l.name AS idx, l."unique", l.origin, l.partial, x.seqno, x.cid, x.name AS col, x."desc", x.coll, x.key FROM sqlite_master m JOIN pragma_index_list(m.name) l JOIN pragma_index_xinfo(l.name) x WHERE m.type = \'table\' ORDER BY 1, 2, 6',
    // Keys by what they are, not by their place in CREATE TABLE (a rebuild that re-adds one puts it last).
    'SELECT m.name, f."from", f."table", f."to", f.seq, f.on_update, f.on_delete, f.match FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = \'table\' ORDER BY 1, 2, 3, 4',
  ],
}

/** What is built, table by table, whatever statements built it; the version and history tables left out. */
export async function structure(db: TestDatabase): Promise<unknown[]> {
  return connected(db, async (c) => {
    const out = []
    for (const sql of STRUCTURE[db.dialect])
      out.push(
        (await c.query(sql)).rows.filter(
          (r) =>
            !Object.values(r).some(
              (v) =>
                v === 'alembic_version' ||
                v === 'db_manage_history' ||
                (typeof v === 'string' && /^(sqlite_autoindex_)?db_manage_history/.test(v)),
            ),
        ),
      )
    return out
  })
}

/** Run a SQL file with the database's own command-line client. */
export function applyWithClient(db: TestDatabase, file: string): void {
  if (db.dialect === 'sqlite') {
    execFileSync('sqlite3', ['-bail', parseDatabaseUrl(db.url).filename!], {input: readFileSync(file)})
  } else if (db.dialect === 'postgresql') {
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, db.url], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
  } else {
    const u = parseDatabaseUrl(db.url)
    execFileSync(
      'mariadb',
      ['--no-defaults', '-h', u.host!, '-P', String(u.port), '-u', u.user!, `-p${u.password}`, u.database!],
      {input: readFileSync(file)},
    )
  }
}
