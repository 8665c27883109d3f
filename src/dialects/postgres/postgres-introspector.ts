import type {Connection} from '../connection.js'
import type {IndexElement} from '../../operations/nodes.js'
import type {ObjectSchema} from '../../model/object-schema.js'
import {readPostgresObjects} from './postgres-objects.js'
import {CatalogReader, type DomainSchema, type EnumSchema, groupBy, type TableSchema} from '../../model/table-schema.js'

const ACTIONS: Record<string, string | undefined> = {
  a: undefined,
  c: 'CASCADE',
  d: 'SET DEFAULT',
  n: 'SET NULL',
  r: 'RESTRICT',
}

/**
 * Tables compared: not an extension's (postgis' spatial_ref_sys), and not one
 * that inherits another (INHERITS, the partitions of old), except a partition.
 */
const OWN_TABLE = `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
  AND (c.relispartition OR NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid))`

const COLUMNS = `SELECT c.relname AS tbl, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
  pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity <> '' AS identity, a.attidentity = 'a' AS always, a.attgenerated = 's' AS generated,
  CASE WHEN a.attcollation NOT IN (0, (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)) THEN (SELECT collname FROM pg_collation WHERE oid = a.attcollation) END AS collation,
  cd.description AS comment, td.description AS table_comment,
  pg_get_partkeydef(c.oid) AS partition_key, pg_get_expr(c.relpartbound, c.oid) AS partition_bound,
  (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE c.relispartition AND i.inhrelid = c.oid) AS partition_parent,
  EXISTS (SELECT 1 FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
    WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum AND dep.deptype = 'a') AS owns_sequence,
  -- classid::int8: see 'unowned sequence' in UNCOMPARED.
  EXISTS (SELECT 1 FROM pg_depend dd JOIN pg_class sq ON sq.oid = dd.refobjid AND sq.relkind = 'S'
    WHERE dd.classid = 'pg_attrdef'::regclass AND dd.objid = d.oid
      AND NOT EXISTS (SELECT 1 FROM pg_depend o WHERE o.classid = 'pg_class'::regclass AND o.objid = sq.oid AND o.deptype IN ('a', 'i'))
      AND (SELECT count(*) FROM pg_depend u JOIN pg_attrdef ad ON ad.oid = u.objid JOIN pg_class uc ON uc.oid = ad.adrelid
        WHERE u.refclassid = 'pg_class'::regclass AND u.refobjid = sq.oid AND u.classid::int8 = 'pg_attrdef'::regclass::int8 AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = uc.oid)) = 1) AS private_sequence,
  (SELECT json_build_object('name', sq.relname, 'type', format_type(ps.seqtypid, NULL), 'owned', EXISTS (SELECT 1 FROM pg_depend o
      WHERE o.classid = 'pg_class'::regclass AND o.objid = sq.oid AND o.deptype = 'a' AND o.refobjid = c.oid AND o.refobjsubid = a.attnum))
    FROM pg_depend dd JOIN pg_class sq ON sq.oid = dd.refobjid AND sq.relkind = 'S' JOIN pg_sequence ps ON ps.seqrelid = sq.oid
    WHERE dd.classid = 'pg_attrdef'::regclass AND dd.objid = d.oid LIMIT 1) AS seq
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
-- Comments joined, not col_description()/obj_description(): those are SQL functions run once per column (at 1,000
-- tables, 14,000 calls: most of the query's time). pg_description's key is (objoid, classoid, objsubid): one row at most.
LEFT JOIN pg_description cd ON cd.objoid = c.oid AND cd.classoid = 'pg_class'::regclass AND cd.objsubid = a.attnum
LEFT JOIN pg_description td ON td.objoid = c.oid AND td.classoid = 'pg_class'::regclass AND td.objsubid = 0
WHERE c.relkind IN ('r', 'p') AND ${OWN_TABLE} AND n.nspname = current_schema()
ORDER BY c.relname, a.attnum`

const CONSTRAINTS = `SELECT c.relname AS tbl, con.conname AS name, con.contype AS type,
  ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
  -- A table of another schema (schemas = public, billing) is named with it.
  CASE WHEN fc.relnamespace = c.relnamespace THEN fc.relname ELSE (SELECT nspname FROM pg_namespace WHERE oid = fc.relnamespace) || '.' || fc.relname END AS referent,
  ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_cols,
  con.confdeltype AS on_delete, con.confupdtype AS on_update, con.condeferrable AS deferrable, con.condeferred AS deferred,
  CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS check_expr,
  -- indnullsnotdistinct is PostgreSQL 15's: read through to_jsonb, so older servers give NULL.
  (SELECT (to_jsonb(i) ->> 'indnullsnotdistinct')::boolean FROM pg_index i WHERE i.indexrelid = con.conindid) AS nulls_not_distinct
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c') AND ${OWN_TABLE}
  -- A partition's own: not those its parent gives it (cloned keys, inherited checks).
  AND con.conparentid = 0 AND con.coninhcount = 0
ORDER BY c.relname, con.conname`

/**
 * Indexes that no constraint owns, each key element with what
 * pg_get_indexdef would add to it: a non-default collation or operator
 * class, DESC, NULLS FIRST/LAST; then the INCLUDE columns and the method.
 */
const INDEXES = `SELECT t.relname AS tbl, i.relname AS name, ix.indisunique AS is_unique, am.amname AS method,
  ARRAY(SELECT json_build_object('col', a.attname, 'key', pg_get_indexdef(ix.indexrelid, k.i, true),
      'desc', (ix.indoption[k.i - 1] & 1) = 1, 'nulls_first', (ix.indoption[k.i - 1] & 2) = 2,
      'opclass', CASE WHEN NOT opc.opcdefault THEN opc.opcname END,
      'collation', CASE WHEN ix.indcollation[k.i - 1] NOT IN (0, coalesce(a.attcollation, 100)) THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = ix.indcollation[k.i - 1]) END)
    FROM generate_series(1, ix.indnkeyatts) k(i)
    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ix.indkey[k.i - 1] AND a.attnum > 0
    LEFT JOIN pg_opclass opc ON opc.oid = ix.indclass[k.i - 1]
    ORDER BY k.i) AS elements,
  ARRAY(SELECT a.attname::text FROM generate_series(ix.indnkeyatts + 1, ix.indnatts) k(i)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ix.indkey[k.i - 1] ORDER BY k.i) AS include,
  pg_get_expr(ix.indpred, ix.indrelid) AS pred, i.reloptions AS options, (to_jsonb(ix) ->> 'indnullsnotdistinct')::boolean AS nulls_not_distinct
-- Each table's indexes read by pg_index_indrelid_index (LATERAL ... OFFSET 0, which the planner cannot flatten): as a
-- plain join, the planner compared every table with every index (a million rows at 1,000 tables).
FROM pg_class t CROSS JOIN LATERAL (SELECT * FROM pg_index WHERE indrelid = t.oid OFFSET 0) ix
JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_am am ON am.oid = i.relam
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p') AND ${OWN_TABLE.replaceAll('c.', 't.')}
  -- NOT IN (a hashed set, conindid is never null), not NOT EXISTS: pg_constraint has no index on conindid, and the
  -- planner's nested anti-join read it once per index (quadratic: 4.3 million rows at 1,000 tables).
  AND ix.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))
  -- A partition's index made by its parent's (attached to it) is the parent's.
  AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = ix.indexrelid)
ORDER BY t.relname, i.relname`

interface IndexElementRow {
  col: null | string
  key: string
  desc: boolean
  nulls_first: boolean
  opclass: null | string
  collation: null | string
}

/**
 * A column name, or the element as SQL when it is an expression or has a collation, operator class or order of its own.
 */
function indexElement(e: IndexElementRow): IndexElement {
  const order = `${e.desc ? ' DESC' : ''}${e.desc && !e.nulls_first ? ' NULLS LAST' : ''}${!e.desc && e.nulls_first ? ' NULLS FIRST' : ''}`
  const extra = `${e.collation ? ` COLLATE ${e.collation}` : ''}${e.opclass ? ` ${e.opclass}` : ''}${order}`
  if (e.col !== null && extra === '') return e.col
  // An expression needs its own parentheses unless it is a column or a bare function call.
  const key = e.col !== null || parenthesized(e.key) ? e.key : `(${e.key})`
  return {kind: 'sql', sql: `${key}${extra}`}
}

/** `f(x)` or `(x)`: whether the text ends with the parenthesis its first one opens. */
function parenthesized(sql: string): boolean {
  const open = /^[\w."]*\(/.exec(sql)
  if (!open) return false
  let depth = 0
  let quoted = false
  for (let i = open[0].length - 1; i < sql.length; i++) {
    const ch = sql[i]
    if (ch === "'") quoted = !quoted
    else if (!quoted && ch === '(') depth++
    else if (!quoted && ch === ')' && --depth === 0) return i === sql.length - 1
  }

  return false
}

/**
 * Objects of the current schema that are not tables, counted by kind; an extension's own objects are the extension's.
 */
const UNCOMPARED = `WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname = current_schema()),
ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e'),
cols AS (SELECT a.attoptions IS NOT NULL AS options, a.attstattarget >= 0 AS stats, a.attstorage <> t.typstorage AS storage
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid
  WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped),
-- Objects of the catalogs below that live in the schema compared, as pg_depend ties them to it.
named AS (SELECT classid FROM pg_depend WHERE refclassid = 'pg_namespace'::regclass AND refobjid IN (SELECT oid FROM ns) AND deptype = 'n'
  AND objid NOT IN (SELECT objid FROM ext)),
other AS (SELECT oid, nspname FROM pg_namespace WHERE oid NOT IN (SELECT oid FROM ns) AND nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'),
elsewhere AS (SELECT relkind FROM pg_class WHERE relnamespace IN (SELECT oid FROM other) AND oid NOT IN (SELECT objid FROM ext))
-- Views, routines and triggers are compared (postgres-objects.ts), but for the aggregates CREATE AGGREGATE's plain form does not make.
SELECT 'ordered-set or moving aggregate' AS kind, count(*) AS n FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
  WHERE p.pronamespace IN (SELECT oid FROM ns) AND p.oid NOT IN (SELECT objid FROM ext) AND (a.aggkind <> 'n' OR a.aggmtransfn <> 0)
UNION ALL SELECT 'inheriting table', count(*) FROM pg_class c WHERE relnamespace IN (SELECT oid FROM ns) AND NOT relispartition AND relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid)
UNION ALL SELECT 'unowned sequence', count(*) FROM pg_class s WHERE s.relnamespace IN (SELECT oid FROM ns) AND s.relkind = 'S'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i'))
  -- One that a single table's nextval() default uses (pg_dump's Pagila style) is that column's autoincrement, compared as such.
  -- (A sequence's uses found by pg_depend_reference_index: classid compared as int8, which no index serves, since
  -- in a database just made, as the scratch one, the planner read every default's row by classid for each sequence.)
  AND (SELECT count(*) <> 1 OR bool_or(pg_get_expr(ad.adbin, ad.adrelid) NOT LIKE 'nextval(%') FROM pg_depend u JOIN pg_attrdef ad ON ad.oid = u.objid JOIN pg_class uc ON uc.oid = ad.adrelid
    WHERE u.refclassid = 'pg_class'::regclass AND u.refobjid = s.oid AND u.classid::int8 = 'pg_attrdef'::regclass::int8 AND NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = uc.oid))
UNION ALL SELECT 'table storage setting', count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND relkind IN ('r', 'p') AND reloptions IS NOT NULL
UNION ALL SELECT 'tablespace placement', count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND relkind IN ('r', 'p', 'i') AND reltablespace <> 0
UNION ALL SELECT 'exclusion constraint', count(*) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE c.relnamespace IN (SELECT oid FROM ns) AND con.contype = 'x'
UNION ALL SELECT 'unvalidated constraint', count(*) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE c.relnamespace IN (SELECT oid FROM ns) AND NOT con.convalidated
UNION ALL SELECT 'deferrable key', count(*) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
  WHERE c.relnamespace IN (SELECT oid FROM ns) AND con.contype IN ('p', 'u') AND con.condeferrable
UNION ALL SELECT 'match full foreign key', count(*) FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
  WHERE c.relnamespace IN (SELECT oid FROM ns) AND con.contype = 'f' AND con.confmatchtype = 'f'
UNION ALL SELECT 'rule', count(*) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace IN (SELECT oid FROM ns) AND r.rulename <> '_RETURN'
UNION ALL SELECT 'sequence option', count(*) FROM pg_sequence q JOIN pg_class s ON s.oid = q.seqrelid WHERE s.relnamespace IN (SELECT oid FROM ns)
  AND (q.seqincrement <> 1 OR q.seqcache <> 1 OR q.seqcycle OR q.seqstart <> 1 OR q.seqmin <> 1
    OR q.seqmax <> CASE q.seqtypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647 ELSE 9223372036854775807 END)
UNION ALL SELECT 'column option', count(*) FROM cols WHERE options
UNION ALL SELECT 'column statistics target', count(*) FROM cols WHERE stats
UNION ALL SELECT 'column storage', count(*) FROM cols WHERE storage
UNION ALL SELECT 'extended statistics object', count(*) FROM pg_statistic_ext WHERE stxnamespace IN (SELECT oid FROM ns)
UNION ALL SELECT 'row security setting', count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND (relrowsecurity OR relforcerowsecurity)
UNION ALL SELECT 'policy', count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
UNION ALL SELECT 'replica identity', count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND relkind IN ('r', 'p') AND relreplident <> 'd'
UNION ALL SELECT 'unlogged table', count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND relkind IN ('r', 'p') AND relpersistence = 'u'
UNION ALL SELECT 'foreign table', count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND relkind = 'f'
UNION ALL SELECT 'type', count(*) FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns) AND t.oid NOT IN (SELECT objid FROM ext) AND t.typcategory <> 'A'
  AND (t.typtype IN ('b', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
UNION ALL SELECT 'collation', count(*) FROM named WHERE classid = 'pg_collation'::regclass
UNION ALL SELECT 'operator', count(*) FROM named WHERE classid = 'pg_operator'::regclass
UNION ALL SELECT 'operator class', count(*) FROM named WHERE classid = 'pg_opclass'::regclass
UNION ALL SELECT 'text search configuration', count(*) FROM named WHERE classid = 'pg_ts_config'::regclass
UNION ALL SELECT 'conversion', count(*) FROM named WHERE classid = 'pg_conversion'::regclass
-- Comments on what is compared without its comment: constraints, indexes, sequences, types, views, routines, triggers.
UNION ALL SELECT 'other comment', count(*) FROM pg_description d WHERE d.objsubid = 0 AND (
  (d.classoid = 'pg_constraint'::regclass AND d.objoid IN (SELECT con.oid FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid WHERE c.relnamespace IN (SELECT oid FROM ns)))
  OR (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT oid FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND relkind IN ('i', 'I', 'S')))
  OR (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT oid FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND relkind IN ('v', 'm'))
    AND d.objoid NOT IN (SELECT objid FROM ext))
  OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN (SELECT oid FROM pg_proc WHERE pronamespace IN (SELECT oid FROM ns)) AND d.objoid NOT IN (SELECT objid FROM ext))
  OR (d.classoid = 'pg_trigger'::regclass AND d.objoid IN (SELECT t.oid FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace IN (SELECT oid FROM ns)))
  OR (d.classoid = 'pg_type'::regclass AND d.objoid IN (SELECT oid FROM pg_type WHERE typnamespace IN (SELECT oid FROM ns))))
UNION ALL SELECT 'privilege grant', count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM ns) AND relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND relacl IS NOT NULL
  AND oid NOT IN (SELECT objid FROM ext)
UNION ALL SELECT 'default privilege', count(*) FROM pg_default_acl
UNION ALL SELECT 'event trigger', count(*) FROM pg_event_trigger WHERE oid NOT IN (SELECT objid FROM ext)
UNION ALL SELECT 'publication', count(*) FROM pg_publication
-- Schemas besides the one compared, and what they hold (extensions' own aside).
UNION ALL SELECT 'other schema', count(*) FROM other WHERE nspname <> 'public' AND oid NOT IN (SELECT objid FROM ext)
UNION ALL SELECT 'table in another schema', count(*) FROM elsewhere WHERE relkind IN ('r', 'p')
UNION ALL SELECT 'view in another schema', count(*) FROM elsewhere WHERE relkind IN ('v', 'm')
UNION ALL SELECT 'function in another schema', count(*) FROM pg_proc WHERE pronamespace IN (SELECT oid FROM other) AND oid NOT IN (SELECT objid FROM ext)`

/** `{fillfactor=70}` as {fillfactor: '70'}, in the catalog's order. */
function storageParameters(options: readonly string[]): Record<string, string> {
  return Object.fromEntries(options.map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]))
}

/** The current schema from pg_catalog: three queries for any number of tables. */
export class PostgresIntrospector extends CatalogReader {
  protected readonly uncomparedSql = UNCOMPARED

  constructor(protected readonly connection: Connection) {
    super()
  }

  async domains(): Promise<DomainSchema[]> {
    const {rows} = await this.connection
      .query(`SELECT t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS type, NOT t.typnotnull AS nullable, t.typdefault AS dflt,
        coalesce((SELECT json_agg(json_build_object('name', c.conname, 'def', pg_get_constraintdef(c.oid)) ORDER BY c.conname) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c'), '[]') AS checks
      FROM pg_type t
      WHERE t.typtype = 'd' AND t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
      ORDER BY t.typname`)
    return rows.map((r) => ({
      checks: (r.checks as Array<{name: string; def: string}>).map((k) => ({
        condition: k.def.replace(/^CHECK \((.*)\)$/s, '$1'),
        name: k.name,
      })),
      default: r.dflt === null ? undefined : String(r.dflt),
      name: String(r.name),
      nullable: r.nullable === true,
      type: String(r.type),
    }))
  }

  async extensions(): Promise<string[]> {
    return (
      await this.connection.query("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname")
    ).rows.map((r) => String(r.extname))
  }

  async objects(): Promise<ObjectSchema[]> {
    return readPostgresObjects(this.connection)
  }

  async enums(): Promise<EnumSchema[]> {
    const {rows} = await this.connection
      .query(`SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
      GROUP BY t.typname ORDER BY t.typname`)
    return rows.map((r) => ({name: String(r.name), values: r.labels as string[]}))
  }

  /**
   * Runs `fn` with the session's JIT off, then puts back what it was. The catalog queries' estimated cost is far above
   * jit_above_cost, so with JIT on PostgreSQL spends longer compiling them than running them (on 1,000 tables: 1.45 s
   * of JIT against 0.5 s without, for the columns query).
   */
  private async withoutJit<T>(fn: () => Promise<T>): Promise<T> {
    // current_setting(..., true) is null where there is no JIT to turn off (before PostgreSQL 11).
    const {rows} = await this.connection.query(
      "SELECT current_setting('jit', true) AS jit, CASE WHEN current_setting('jit', true) IS NOT NULL " +
        "THEN set_config('jit', 'off', false) END AS now",
    )
    const jit = rows[0].jit
    try {
      return await fn()
    } finally {
      // In a transaction that failed meanwhile this fails too, and the rollback restores the setting itself.
      if (jit !== null)
        await this.connection.query("SELECT set_config('jit', $1, false)", [String(jit)]).catch(() => {})
    }
  }

  protected async read(): Promise<TableSchema[]> {
    const [columns, constraints, indexes] = await this.withoutJit(
      async () =>
        [
          (await this.connection.query(COLUMNS)).rows,
          groupBy((await this.connection.query(CONSTRAINTS)).rows, (r) => String(r.tbl)),
          groupBy((await this.connection.query(INDEXES)).rows, (r) => String(r.tbl)),
        ] as const,
    )
    return [...groupBy(columns, (r) => String(r.tbl))].map(([name, cols]) => {
      const cons = constraints.get(name) ?? []
      const pk = cons.find((c) => c.type === 'p')
      const [{partition_bound: bound, partition_key: key, partition_parent: parent}] = cols
      return {
        ...(cols[0].table_comment === null ? {} : {comment: String(cols[0].table_comment)}),
        ...(key === null ? {} : {partitionBy: String(key)}),
        // A partition's columns are its parent's.
        ...(parent === null ? {} : {partitionOf: {parent: String(parent), bound: String(bound)}}),
        checks: cons
          .filter((c) => c.type === 'c')
          .map((c) => ({condition: String(c.check_expr), name: String(c.name)})),
        columns:
          parent !== null
            ? []
            : cols.map((c) => {
                // serial, bigserial, smallserial: nextval() of a sequence the column owns is autoincrement, as identity
                // is; so is nextval() of a sequence nothing owns and no other default uses (pg_dump's Pagila style).
                const serial =
                  (c.owns_sequence === true || c.private_sequence === true) && /^nextval\(/i.test(String(c.dflt))
                return {
                  autoincrement: c.identity === true || serial,
                  ...(c.collation === null ? {} : {collation: String(c.collation)}),
                  ...(c.comment === null ? {} : {comment: String(c.comment)}),
                  ...(c.always === true ? {identity: 'always' as const} : {}),
                  ...(serial && c.seq !== null
                    ? {sequence: c.seq as {name: string; type: string; owned: boolean}}
                    : {}),
                  default: c.dflt === null || serial || c.generated === true ? undefined : String(c.dflt),
                  ...(c.generated === true ? {generated: {expression: String(c.dflt), stored: true}} : {}),
                  name: String(c.name),
                  nullable: c.nullable === true,
                  type: String(c.type),
                }
              }),
        foreignKeys: cons
          .filter((c) => c.type === 'f')
          .map((c) => ({
            columns: c.cols as string[],
            name: String(c.name),
            onDelete: ACTIONS[String(c.on_delete)],
            onUpdate: ACTIONS[String(c.on_update)],
            ...(c.deferrable === true ? {deferrable: true} : {}),
            ...(c.deferred === true ? {initiallyDeferred: true} : {}),
            referent: String(c.referent),
            referentColumns: c.ref_cols as string[],
          })),
        indexes: (indexes.get(name) ?? []).map((i) => ({
          columns: (i.elements as IndexElementRow[]).map((e) => indexElement(e)),
          ...((i.include as string[]).length > 0 ? {include: i.include as string[]} : {}),
          name: String(i.name),
          ...(i.nulls_not_distinct === true ? {nullsNotDistinct: true} : {}),
          unique: i.is_unique === true,
          ...(i.method === 'btree' ? {} : {using: String(i.method)}),
          ...(i.pred === null ? {} : {where: String(i.pred)}),
          ...(i.options === null ? {} : {with: storageParameters(i.options as string[])}),
        })),
        name,
        primaryKey: pk ? {columns: pk.cols as string[], name: String(pk.name)} : undefined,
        uniques: cons
          .filter((c) => c.type === 'u')
          .map((c) => ({
            columns: c.cols as string[],
            name: String(c.name),
            ...(c.nulls_not_distinct === true ? {nullsNotDistinct: true} : {}),
          })),
      }
    })
  }
}
