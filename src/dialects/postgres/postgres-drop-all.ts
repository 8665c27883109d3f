import type {Connection} from '../connection.js'
import {counted, type Dropped} from '../dropped.js'

/** Objects an extension owns go with the extension. */
const NOT_EXTENSION_OWNED = `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = 'e')`

/**
 * PostgreSQL: every object of the schemas on the search_path (`public`; a tenant's schema), in one transaction:
 * the extensions installed there, then materialized views, views, tables (partitions with their parent), foreign
 * tables, sequences, functions, procedures, aggregates, and types (enums, domains, composite and range types), each
 * with CASCADE and IF EXISTS, as a cascade may have taken it already (a serial's or identity's sequence goes with
 * its table). The schemas themselves stay, with their grants.
 */
export async function postgresDropAll(connection: Connection, quote: (name: string) => string): Promise<Dropped> {
  const dropped: Dropped = {}
  const q = (schema: unknown, name: unknown) => `${quote(String(schema))}.${quote(String(name))}`
  const run = async (kind: string, sql: string) => {
    await connection.query(sql)
    counted(dropped, kind)
  }

  await connection.query('BEGIN')
  try {
    const extensions = await connection.query(
      `SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE n.nspname = ANY (current_schemas(false)) ORDER BY e.extname`,
    )
    for (const r of extensions.rows)
      await run('extension', `DROP EXTENSION IF EXISTS ${quote(String(r.extname))} CASCADE`)
    const relations = await connection.query(
      `SELECT n.nspname, o.relname, o.relkind FROM pg_class o JOIN pg_namespace n ON n.oid = o.relnamespace
        WHERE n.nspname = ANY (current_schemas(false)) AND o.relkind IN ('m', 'v', 'r', 'p', 'f', 'S')
          AND NOT o.relispartition AND ${NOT_EXTENSION_OWNED}
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = o.oid AND d.deptype IN ('a', 'i'))
        ORDER BY array_position(ARRAY['m', 'v', 'r', 'p', 'f', 'S']::"char"[], o.relkind), o.relname`,
    )
    const RELATION: Record<string, [string, string]> = {
      S: ['sequence', 'SEQUENCE'],
      f: ['foreign table', 'FOREIGN TABLE'],
      m: ['materialized view', 'MATERIALIZED VIEW'],
      p: ['table', 'TABLE'],
      r: ['table', 'TABLE'],
      v: ['view', 'VIEW'],
    }
    for (const r of relations.rows) {
      const [kind, keyword] = RELATION[String(r.relkind)]
      await run(kind, `DROP ${keyword} IF EXISTS ${q(r.nspname, r.relname)} CASCADE`)
    }

    const routines = await connection.query(
      `SELECT o.oid::regprocedure::text AS signature, o.prokind FROM pg_proc o
         JOIN pg_namespace n ON n.oid = o.pronamespace
        WHERE n.nspname = ANY (current_schemas(false)) AND ${NOT_EXTENSION_OWNED}
        ORDER BY o.proname, o.oid`,
    )
    const ROUTINE: Record<string, [string, string]> = {
      a: ['aggregate', 'AGGREGATE'],
      f: ['function', 'FUNCTION'],
      p: ['procedure', 'PROCEDURE'],
      w: ['function', 'FUNCTION'],
    }
    for (const r of routines.rows) {
      const [kind, keyword] = ROUTINE[String(r.prokind)]
      await run(kind, `DROP ${keyword} IF EXISTS ${String(r.signature)} CASCADE`)
    }

    // Composite types that are not a table's row type; a range's multirange goes with it.
    const types = await connection.query(
      `SELECT n.nspname, o.typname, o.typtype FROM pg_type o JOIN pg_namespace n ON n.oid = o.typnamespace
        WHERE n.nspname = ANY (current_schemas(false)) AND o.typtype IN ('e', 'd', 'c', 'r')
          AND (o.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = o.typrelid) = 'c')
          AND ${NOT_EXTENSION_OWNED}
        ORDER BY o.typtype = 'd' DESC, o.typname`,
    )
    for (const r of types.rows) {
      const domain = r.typtype === 'd'
      await run(
        domain ? 'domain' : 'type',
        `DROP ${domain ? 'DOMAIN' : 'TYPE'} IF EXISTS ${q(r.nspname, r.typname)} CASCADE`,
      )
    }

    await connection.query('COMMIT')
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => {})
    throw error
  }

  return dropped
}
