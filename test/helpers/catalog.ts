// The catalog as each database reports it, and its own command-line client:
// what the offline invariant compares and how offline SQL is applied.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import type {TestDatabase} from './databases.js'

const CATALOG: Record<string, string[]> = {
  mysql: [
    'SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION',
    'SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2, 3',
    'SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2',
    'SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1',
    'SELECT CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1',
  ],
  postgresql: [
    "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default, is_identity FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
    "SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
  ],
  sqlite: ["SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name"],
}

export interface Snapshot {
  catalog: unknown[]
  version: unknown[]
}

export async function snapshot(db: TestDatabase): Promise<Snapshot> {
  const c = await db.connect()
  try {
    const catalog = []
    for (const sql of CATALOG[db.dialect]) catalog.push((await c.query(sql)).rows)
    const version = await c.query('SELECT version_num FROM alembic_version').then((r) => r.rows, () => ['no version table'])
    return {catalog, version}
  } finally {
    await c.close()
  }
}

/** Run a SQL file with the database's own command-line client. */
export function applyWithClient(db: TestDatabase, file: string): void {
  if (db.dialect === 'sqlite') {
    execFileSync('sqlite3', ['-bail', parseDatabaseUrl(db.url).filename!], {input: readFileSync(file)})
  } else if (db.dialect === 'postgresql') {
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, db.url], {stdio: ['ignore', 'ignore', 'pipe']})
  } else {
    const u = parseDatabaseUrl(db.url)
    execFileSync('mariadb', ['--no-defaults', '-h', u.host!, '-P', String(u.port), '-u', u.user!, `-p${u.password}`, u.database!], {input: readFileSync(file)})
  }
}

