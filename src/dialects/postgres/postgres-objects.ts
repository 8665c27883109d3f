import type {Connection} from '../connection.js'
import {type ObjectKind, objectKey, type ObjectSchema, type TableUse} from '../../model/object-schema.js'

/** The compared schema and what is not an extension's own. */
const SCOPE = `ns AS (SELECT oid, quote_ident(nspname) AS q FROM pg_namespace WHERE nspname = current_schema()),
ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e')`

/**
 * Views and materialized views, as pg_get_viewdef prints them, with a materialized view's indexes (which go with
 * it when it is dropped) and options (security_barrier, check_option).
 */
const VIEWS = `WITH ${SCOPE}
SELECT c.oid::text AS oid, c.relname AS name, quote_ident(c.relname) AS qname, c.relkind = 'm' AS materialized, c.relispopulated AS populated,
  pg_get_viewdef(c.oid) AS def, array_to_string(c.reloptions, ', ') AS options, (SELECT q FROM ns) AS nsp,
  coalesce((SELECT json_agg(pg_get_indexdef(i.indexrelid) ORDER BY ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indrelid = c.oid), '[]') AS indexes
FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('v', 'm') AND c.oid NOT IN (SELECT objid FROM ext)
ORDER BY c.relname`

/**
 * Functions, procedures and the aggregates CREATE AGGREGATE's plain form makes (an ordered-set or moving aggregate
 * stays on the "not compared" line): pg_get_functiondef's text, the identity arguments that tell overloads apart,
 * and what CREATE OR REPLACE cannot change. A range type's constructors are the type's.
 */
export const ROUTINES = `WITH ${SCOPE}
SELECT p.oid::text AS oid, p.proname AS name, quote_ident(p.proname) AS qname, p.prokind AS kind, pg_get_function_identity_arguments(p.oid) AS args,
  pg_get_function_arguments(p.oid) AS full_args, pg_get_function_result(p.oid) AS result, (SELECT q FROM ns) AS nsp,
  CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS def,
  a.aggtransfn::regproc::text AS sfunc, format_type(a.aggtranstype, NULL) AS stype, nullif(a.aggfinalfn::regproc::text, '-') AS finalfunc,
  a.aggfinalextra AS finalextra, nullif(a.aggcombinefn::regproc::text, '-') AS combinefunc, nullif(a.aggserialfn::regproc::text, '-') AS serialfunc,
  nullif(a.aggdeserialfn::regproc::text, '-') AS deserialfunc, a.agginitval AS initcond,
  CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::regoperator::text END AS sortop, p.proparallel AS parallel,
  -- A function a column default, a check or an index calls: made before the tables change.
  EXISTS (SELECT 1 FROM pg_depend u WHERE u.refclassid = 'pg_proc'::regclass AND u.refobjid = p.oid
    AND u.classid IN ('pg_attrdef'::regclass, 'pg_constraint'::regclass, 'pg_class'::regclass)) AS used_by_tables
FROM pg_proc p LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
WHERE p.pronamespace IN (SELECT oid FROM ns) AND p.oid NOT IN (SELECT objid FROM ext)
  AND p.oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'i')
  AND (p.prokind <> 'a' OR (a.aggkind = 'n' AND a.aggmtransfn = 0))
ORDER BY p.proname, 5`

/** Triggers a user made (not a constraint's internal ones, nor a partition's clone of its parent's). */
const TRIGGERS = `WITH ${SCOPE}
SELECT t.oid::text AS oid, t.tgname AS name, quote_ident(t.tgname) AS qname, c.relname AS tbl, quote_ident(c.relname) AS qtbl, pg_get_triggerdef(t.oid) AS def, t.tgenabled AS enabled,
  (SELECT q FROM ns) AS nsp
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace IN (SELECT oid FROM ns) AND NOT t.tgisinternal AND coalesce((to_jsonb(t) ->> 'tgparentid')::oid, 0) = 0
ORDER BY c.relname, t.tgname`

/**
 * What each view, routine and trigger depends on, as pg_depend records it: relations (with the column, for a view's
 * columns and a trigger's UPDATE OF / WHEN), a relation's row type, functions.
 */
const DEPENDENCIES = `WITH ${SCOPE},
deps AS (SELECT CASE WHEN d.classid = 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = d.objid) ELSE d.objid END AS oid,
    d.refclassid, d.refobjid, d.refobjsubid
  FROM pg_depend d WHERE d.classid IN ('pg_rewrite'::regclass, 'pg_proc'::regclass, 'pg_trigger'::regclass) AND d.deptype IN ('n', 'a'))
SELECT DISTINCT x.oid::text AS oid, c.relname::text AS rel, c.relkind::text AS relkind, a.attname::text AS col, NULL::text AS proc
FROM deps x JOIN pg_class c ON x.refclassid = 'pg_class'::regclass AND c.oid = x.refobjid AND c.relnamespace IN (SELECT oid FROM ns)
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.refobjsubid AND x.refobjsubid > 0
WHERE c.oid <> x.oid
UNION
SELECT x.oid::text, c.relname::text, c.relkind::text, NULL, NULL
FROM deps x JOIN pg_type t ON x.refclassid = 'pg_type'::regclass AND t.oid = x.refobjid
  JOIN pg_class c ON c.oid = t.typrelid AND c.relnamespace IN (SELECT oid FROM ns)
UNION
SELECT x.oid::text, NULL, NULL, NULL, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
FROM deps x JOIN pg_proc p ON x.refclassid = 'pg_proc'::regclass AND p.oid = x.refobjid AND p.pronamespace IN (SELECT oid FROM ns)
WHERE p.oid <> x.oid`

const ROUTINE_KINDS: Record<string, ObjectKind> = {a: 'aggregate', f: 'function', p: 'procedure', w: 'function'}

type Row = Record<string, unknown>

/** `text` without the schema qualifier that follows `before` (`FUNCTION public.f` -> `FUNCTION f`). */
function unqualified(text: string, before: RegExp, nsp: string): string {
  const escaped = nsp.replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`)
  return text.replace(new RegExp(`(${before.source})${escaped}\\.`, before.flags), '$1')
}

const withoutSemicolon = (sql: string) => sql.trim().replace(/;$/, '')

/** The aggregate's CREATE AGGREGATE, from pg_aggregate. */
function createAggregate(r: Row): string {
  const options = [
    `SFUNC = ${String(r.sfunc)}`,
    `STYPE = ${String(r.stype)}`,
    r.finalfunc ? `FINALFUNC = ${String(r.finalfunc)}` : '',
    r.finalextra ? 'FINALFUNC_EXTRA' : '',
    r.combinefunc ? `COMBINEFUNC = ${String(r.combinefunc)}` : '',
    r.serialfunc ? `SERIALFUNC = ${String(r.serialfunc)}` : '',
    r.deserialfunc ? `DESERIALFUNC = ${String(r.deserialfunc)}` : '',
    r.initcond === null ? '' : `INITCOND = '${String(r.initcond).replaceAll("'", "''")}'`,
    r.sortop ? `SORTOP = ${String(r.sortop).replace(/\(.*$/, '')}` : '',
    r.parallel === 'u' ? '' : `PARALLEL = ${r.parallel === 's' ? 'SAFE' : 'RESTRICTED'}`,
  ].filter(Boolean)
  return `CREATE AGGREGATE ${String(r.qname)}(${String(r.args) || '*'}) (${options.join(', ')})`
}

/** The views, routines and triggers of the current schema, in five queries whatever their number. */
export async function readPostgresObjects(connection: Connection): Promise<ObjectSchema[]> {
  const rows = async (sql: string) => (await connection.query(sql)).rows
  const [views, routines, triggers, deps] = [
    await rows(VIEWS),
    await rows(ROUTINES),
    await rows(TRIGGERS),
    await rows(DEPENDENCIES),
  ]
  const keys = new Map<string, string>()
  const viewKinds = new Map<string, ObjectKind>()
  for (const v of views) {
    const kind: ObjectKind = v.materialized === true ? 'materialized view' : 'view'
    keys.set(String(v.oid), objectKey({kind, name: String(v.name)}))
    viewKinds.set(String(v.name), kind)
  }

  const routineKeys = new Map<string, string>()
  for (const r of routines) {
    const key = objectKey({kind: ROUTINE_KINDS[String(r.kind)], name: `${String(r.name)}(${String(r.args)})`})
    keys.set(String(r.oid), key)
    routineKeys.set(`${String(r.name)}(${String(r.args)})`, key)
  }

  const usesOf = new Map<string, {objects: Set<string>; tables: Map<string, Set<string>>}>()
  for (const d of deps) {
    const uses = usesOf.get(String(d.oid)) ?? {objects: new Set<string>(), tables: new Map()}
    usesOf.set(String(d.oid), uses)
    if (d.proc !== null) {
      const key = routineKeys.get(String(d.proc))
      if (key) uses.objects.add(key)
      continue
    }

    const rel = String(d.rel)
    const viewKind = viewKinds.get(rel)
    if (viewKind) {
      uses.objects.add(objectKey({kind: viewKind, name: rel}))
      continue
    }

    // Only a column stands in the way of a table's change (ALTER COLUMN TYPE, DROP COLUMN): a table's row type or a
    // trigger's own table does not.
    if ((d.relkind !== 'r' && d.relkind !== 'p') || d.col === null) continue
    uses.tables.set(rel, (uses.tables.get(rel) ?? new Set<string>()).add(String(d.col)))
  }

  const dependencies = (oid: unknown): {objects: string[]; tables: TableUse[]} => {
    const uses = usesOf.get(String(oid))
    if (!uses) return {objects: [], tables: []}
    return {
      objects: [...uses.objects].sort(),
      tables: [...uses.tables].map(([table, columns]) => ({columns: [...columns].sort(), table})),
    }
  }

  const objects: ObjectSchema[] = []
  for (const v of views) {
    const name = String(v.name)
    const qname = String(v.qname)
    const materialized = v.materialized === true
    const nsp = String(v.nsp)
    const query = withoutSemicolon(String(v.def))
    const indexes = (v.indexes as string[]).map((i) => unqualified(i, / ON (?:ONLY )?/, nsp))
    const options = v.options ? ` WITH (${String(v.options)})` : ''
    const kind = materialized ? 'MATERIALIZED VIEW' : 'VIEW'
    const data = materialized ? (v.populated === false ? '\nWITH NO DATA' : '\nWITH DATA') : ''
    objects.push({
      create: [`CREATE ${kind} ${qname}${options} AS\n${query}${data}`, ...indexes].join(';\n'),
      definition: [`${kind}${options} AS\n${query}`, ...indexes].join(';\n'),
      drop: `DROP ${kind} ${qname}`,
      kind: materialized ? 'materialized view' : 'view',
      name,
      ...dependencies(v.oid),
    })
  }

  for (const r of routines) {
    const kind = ROUTINE_KINDS[String(r.kind)]
    const nsp = String(r.nsp)
    const signature = `${String(r.qname)}(${String(r.args)})`
    // A new one is made by CREATE (it fails, rather than replace one made meanwhile); a changed one replaced.
    const replace =
      kind === 'aggregate'
        ? undefined
        : unqualified(String(r.def), /^CREATE OR REPLACE (?:FUNCTION|PROCEDURE) /, nsp).trimEnd()
    const create = replace?.replace(/^CREATE OR REPLACE /, 'CREATE ') ?? createAggregate(r)
    objects.push({
      create,
      definition: create,
      drop: `DROP ${kind.toUpperCase()} ${signature}`,
      kind,
      name: `${String(r.name)}(${String(r.args)})`,
      ...(replace === undefined ? {} : {replace, replaceable: `${String(r.full_args)} -> ${String(r.result)}`}),
      ...(r.used_by_tables === true ? {usedByTables: true} : {}),
      ...dependencies(r.oid),
    })
  }

  for (const t of triggers) {
    const name = String(t.name)
    const table = String(t.tbl)
    const def = unqualified(String(t.def), / ON /, String(t.nsp))
    const [qname, qtable] = [String(t.qname), String(t.qtbl)]
    const disabled = t.enabled === 'D' ? `;\nALTER TABLE ${qtable} DISABLE TRIGGER ${qname}` : ''
    objects.push({
      create: `${def}${disabled}`,
      definition: `${def}${disabled}`,
      drop: `DROP TRIGGER ${qname} ON ${qtable}`,
      kind: 'trigger',
      name: `${name} on ${table}`,
      table,
      ...dependencies(t.oid),
    })
  }

  return objects
}
