// Everything a SQL file can leave in a database, as sorted facts: the catalog
// (tables, columns, types, defaults, nullability, indexes, constraints,
// triggers, routines, views, sequences, rules, comments) and the rows of every
// table. Two databases built from one file by two clients must give equal facts.
// db-manage's own tables (alembic_version, db_manage_history) are left out.
import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {connected, type TestDatabase} from './databases.js'

/** Schemas a file made, in the SQL of each database: the system's own are left out. */
const PG_USER = "n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
const PG_USER_VIEW = PG_USER.replaceAll('n.nspname', 'n.schemaname')

/** MySQL: columns of an information_schema table, of this database, in an order. */
function mysql(table: string, columns: string, schema: string, order: string): string {
  return `SELECT ${columns} FROM information_schema.${table} WHERE ${schema} = DATABASE() ORDER BY ${order}`
}

const CATALOG: Record<string, Record<string, string>> = {
  mysql: {
    checks: mysql('CHECK_CONSTRAINTS', 'TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE', 'CONSTRAINT_SCHEMA', '1, 2'),
    columns: mysql(
      'COLUMNS',
      'TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, ' +
        'EXTRA, GENERATION_EXPRESSION, CHARACTER_SET_NAME, COLLATION_NAME, COLUMN_COMMENT',
      'TABLE_SCHEMA',
      '1, 2',
    ),
    constraints: mysql(
      'TABLE_CONSTRAINTS',
      'TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE',
      'CONSTRAINT_SCHEMA',
      '1, 2, 3',
    ),
    events: mysql(
      'EVENTS',
      'EVENT_NAME, EVENT_DEFINITION, EVENT_TYPE, INTERVAL_VALUE, INTERVAL_FIELD, STATUS, ' +
        'ON_COMPLETION, EVENT_COMMENT, SQL_MODE, DEFINER',
      'EVENT_SCHEMA',
      '1',
    ),
    foreignKeys: mysql(
      'REFERENTIAL_CONSTRAINTS',
      'TABLE_NAME, CONSTRAINT_NAME, UNIQUE_CONSTRAINT_NAME, MATCH_OPTION, ' +
        'UPDATE_RULE, DELETE_RULE, REFERENCED_TABLE_NAME',
      'CONSTRAINT_SCHEMA',
      '1, 2',
    ),
    indexes: mysql(
      'STATISTICS',
      'TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, INDEX_TYPE, ' +
        'SUB_PART, COLLATION, INDEX_COMMENT',
      'TABLE_SCHEMA',
      '1, 2, 3',
    ),
    keyColumns: mysql(
      'KEY_COLUMN_USAGE',
      'TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION, COLUMN_NAME, ' + 'REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME',
      'TABLE_SCHEMA',
      '1, 2, 3',
    ),
    parameters: mysql(
      'PARAMETERS',
      'SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION, PARAMETER_MODE, PARAMETER_NAME, ' + 'DTD_IDENTIFIER',
      'SPECIFIC_SCHEMA',
      '1, 2, 3',
    ),
    routines: mysql(
      'ROUTINES',
      'ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_BODY, ROUTINE_DEFINITION, ' +
        'IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT, DEFINER, CHARACTER_SET_CLIENT, ' +
        'COLLATION_CONNECTION',
      'ROUTINE_SCHEMA',
      '1, 2',
    ),
    tables: mysql(
      'TABLES',
      'TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT',
      'TABLE_SCHEMA',
      '1',
    ),
    triggers: mysql(
      'TRIGGERS',
      'TRIGGER_NAME, EVENT_OBJECT_TABLE, EVENT_MANIPULATION, ACTION_TIMING, ACTION_ORDER, ' +
        'ACTION_STATEMENT, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION',
      'TRIGGER_SCHEMA',
      '1',
    ),
    views: mysql(
      'VIEWS',
      'TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, IS_UPDATABLE, DEFINER, SECURITY_TYPE, ' +
        'CHARACTER_SET_CLIENT, COLLATION_CONNECTION',
      'TABLE_SCHEMA',
      '1',
    ),
  },
  postgresql: {
    columns: [
      'SELECT n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,',
      'a.attnotnull, pg_get_expr(d.adbin, d.adrelid) AS "default", a.attidentity, a.attgenerated, co.collname',
      'FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace',
      'LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum',
      'LEFT JOIN pg_collation co ON co.oid = a.attcollation',
      `WHERE a.attnum > 0 AND NOT a.attisdropped AND ${PG_USER} ORDER BY 1, 2, 3`,
    ].join(' '),
    comments:
      'SELECT pg_describe_object(classoid, objoid, objsubid) AS object, description FROM pg_description ' +
      'WHERE objoid >= 16384 ORDER BY 1',
    constraints: [
      'SELECT n.nspname, c.conrelid::regclass::text AS rel, c.contypid::regtype::text AS domain, c.conname,',
      'c.contype, pg_get_constraintdef(c.oid) AS def',
      `FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE ${PG_USER} ORDER BY 1, 2, 3, 4`,
    ].join(' '),
    extensions: 'SELECT extname, extversion FROM pg_extension ORDER BY 1',
    indexes:
      'SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes n ' + `WHERE ${PG_USER_VIEW} ORDER BY 1, 2, 3`,
    relations: [
      'SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relispartition, c.reloptions::text AS options,',
      'c.relacl::text AS acl, pg_get_userbyid(c.relowner) AS owner,',
      "CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view,",
      'CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,',
      'pg_get_partkeydef(c.oid) AS partkey FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace',
      `WHERE c.relkind <> 'i' AND c.relkind <> 'I' AND ${PG_USER} ORDER BY 1, 2`,
    ].join(' '),
    routines: [
      'SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) AS args, p.prokind,',
      "CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE pg_get_function_result(p.oid) END AS def",
      `FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${PG_USER} ORDER BY 1, 2, 3`,
    ].join(' '),
    rules: `SELECT schemaname, tablename, rulename, definition FROM pg_rules n WHERE ${PG_USER_VIEW} ORDER BY 1, 2, 3`,
    schemas: `SELECT n.nspname, pg_get_userbyid(n.nspowner) AS owner FROM pg_namespace n WHERE ${PG_USER} ORDER BY 1`,
    sequences: [
      'SELECT schemaname, sequencename, data_type::text, start_value, min_value, max_value, increment_by, cycle,',
      `cache_size, last_value FROM pg_sequences n WHERE ${PG_USER_VIEW} ORDER BY 1, 2`,
    ].join(' '),
    triggers:
      'SELECT t.tgrelid::regclass::text AS rel, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid) AS def ' +
      'FROM pg_trigger t WHERE NOT t.tgisinternal ORDER BY 1, 2',
    types: [
      'SELECT n.nspname, t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull,',
      "t.typdefault, (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e",
      'WHERE e.enumtypid = t.oid) AS labels FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace',
      `WHERE t.typtype IN ('c', 'd', 'e', 'm', 'r') AND ${PG_USER} ORDER BY 1, 2`,
    ].join(' '),
  },
  sqlite: {
    master: 'SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name',
    userVersion: 'PRAGMA user_version',
  },
}

/** The tables whose rows are compared, each as a query for all its rows. */
const TABLES: Record<string, {list: string; rows: (row: Record<string, unknown>) => string}> = {
  mysql: {
    list:
      'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ' +
      "AND TABLE_TYPE = 'BASE TABLE'",
    rows: (r) => `SELECT * FROM \`${String(r.name).replaceAll('`', '``')}\``,
  },
  postgresql: {
    list:
      "SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c " +
      `JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND ${PG_USER}`,
    rows: (r) => `SELECT to_jsonb(x)::text AS row FROM ONLY ${String(r.name)} x`,
  },
  sqlite: {
    list: "SELECT name FROM sqlite_master WHERE type = 'table'",
    rows: (r) => `SELECT * FROM "${String(r.name).replaceAll('"', '""')}"`,
  },
}

/** A name of db-manage's own tables, or of their indexes, keys and sequences. */
const OWN = /^(?:public\.)?(?:alembic_version|db_manage_history)(?:_\w+)?$/

/** A catalog row about db-manage's own tables: one of its values is such a name. */
function own(row: Record<string, unknown>): boolean {
  return Object.values(row).some((v) => typeof v === 'string' && OWN.test(v))
}

function text(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))
}

export interface DatabaseFacts {
  /** Catalog facts by kind, each a list of rows in a fixed order. */
  readonly catalog: Record<string, Array<Record<string, unknown>>>
  /** Each table's rows, as sorted JSON lines. */
  readonly rows: Record<string, string[]>
}

/** The database's name where MySQL writes it (a view's definition), made the same for any two databases. */
function anonymous(row: Record<string, unknown>, name: string | undefined): Record<string, unknown> {
  if (!name) return row
  const qualifier = `\`${name}\`.`
  const strip = (v: unknown) => (typeof v === 'string' ? v.replaceAll(qualifier, '') : v)
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, strip(v)]))
}

/** The facts of a database, db-manage's own tables left out. */
export async function databaseFacts(db: TestDatabase): Promise<DatabaseFacts> {
  const name = db.dialect === 'mysql' ? parseDatabaseUrl(db.url).database : undefined
  return connected(db, async (c) => {
    const catalog: Record<string, Array<Record<string, unknown>>> = {}
    for (const [kind, sql] of Object.entries(CATALOG[db.dialect])) {
      catalog[kind] = (await c.query(sql)).rows.filter((r) => !own(r)).map((r) => anonymous(r, name))
    }

    const rows: Record<string, string[]> = {}
    const tables = TABLES[db.dialect]
    for (const table of (await c.query(tables.list)).rows) {
      const name = String(table.name)
      if (OWN.test(name)) continue
      rows[name] = (await c.query(tables.rows(table))).rows
        .filter((r) => !own(r))
        .map(text)
        .sort()
    }

    return {catalog, rows}
  })
}
