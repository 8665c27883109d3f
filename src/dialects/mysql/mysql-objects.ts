import type {Connection} from '../connection.js'
import {DatabaseError} from '../../util/errors.js'
import {dependenciesByName, type ObjectKind, type ObjectSchema, programText} from '../../model/object-schema.js'

const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``

/** `CREATE DEFINER=`u`@`h` FUNCTION` -> `CREATE FUNCTION`: who made it is the server's account, not the schema. */
function withoutDefiner(sql: string): string {
  return sql.replace(
    /^(CREATE\s+)DEFINER\s*=\s*(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s@]+)@(?:`(?:[^`]|``)*`|'(?:[^']|'')*'|\S+)\s+/i,
    '$1',
  )
}

/**
 * The statement made under the character set and collation the object was made with, as mysqldump does: a string
 * literal in a view takes the connection's collation (a view column of `IF(active, 'active', '')` is utf8mb3 from
 * a client that speaks utf8mb3), so the offline SQL, run by whatever client, makes what the online run makes. The
 * client's own settings are put back after. (Not around a stored program: op.execute reads one to the end of
 * its text, as the server does, so nothing may follow it there.)
 */
function underCharset(sql: string, row: Record<string, unknown>, hasStrings: boolean): string {
  const charset = row.CHARACTER_SET_CLIENT
  const collation = row.COLLATION_CONNECTION
  if (!hasStrings || typeof charset !== 'string' || typeof collation !== 'string') return sql
  return [
    'SET @db_manage_client = @@character_set_client, @db_manage_connection = @@collation_connection',
    `SET character_set_client = ${charset}, collation_connection = ${collation}`,
    sql,
    'SET character_set_client = @db_manage_client, collation_connection = @db_manage_connection',
  ].join(';\n')
}

/** Whether a text holds a string literal, whose collation the connection gives. */
const holdsStrings = (sql: string) => /['"]/.test(sql)

/**
 * Views (information_schema.VIEWS: the query as the server prints it, each name qualified by the database, which
 * is left out so that two databases compare), stored functions and procedures (SHOW CREATE, DEFINER left out) and
 * triggers (information_schema.TRIGGERS) of the current database. MySQL keeps no dependencies between them: what
 * each names is read from its text.
 */
export async function readMysqlObjects(connection: Connection): Promise<ObjectSchema[]> {
  const q = async (sql: string) => (await connection.query(sql)).rows
  const database = String((await q('SELECT DATABASE() AS db'))[0].db)
  const qualifier = `${quote(database)}.`
  const views = await q(`SELECT * FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME`)
  const routines = await q(`SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES
    WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE IN ('FUNCTION', 'PROCEDURE') ORDER BY ROUTINE_NAME`)
  // EVENT_OBJECT_SCHEMA too (a trigger is always in its table's schema): MariaDB finds a schema's triggers by it, and
  // by TRIGGER_SCHEMA alone reads every table of every database on the server.
  const triggers =
    await q(`SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event,
      ACTION_STATEMENT AS body FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_SCHEMA = DATABASE()
      ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER, TRIGGER_NAME`)

  type Found = Omit<ObjectSchema, 'objects' | 'tables'> & {bare: string; text: string}
  const found: Found[] = []
  for (const v of views) {
    const name = String(v.TABLE_NAME)
    const query = String(v.VIEW_DEFINITION).replaceAll(qualifier, '')
    const algorithm = v.ALGORITHM && v.ALGORITHM !== 'UNDEFINED' ? `ALGORITHM=${String(v.ALGORITHM)} ` : ''
    const security = v.SECURITY_TYPE === 'INVOKER' ? 'SQL SECURITY INVOKER ' : ''
    const check = v.CHECK_OPTION && v.CHECK_OPTION !== 'NONE' ? ` WITH ${String(v.CHECK_OPTION)} CHECK OPTION` : ''
    const definition = `CREATE ${algorithm}${security}VIEW ${quote(name)} AS ${query}${check}`
    found.push({
      bare: name,
      create: underCharset(definition, v, holdsStrings(query)),
      definition,
      drop: `DROP VIEW ${quote(name)}`,
      kind: 'view',
      name,
      text: query,
    })
  }

  for (const r of routines) {
    const name = String(r.name)
    const type = String(r.type)
    const [row] = await q(`SHOW CREATE ${type} ${quote(name)}`)
    const text = row?.[`Create ${type === 'FUNCTION' ? 'Function' : 'Procedure'}`]
    if (typeof text !== 'string')
      throw new DatabaseError(
        `cannot read the definition of ${type.toLowerCase()} ${name}: SHOW CREATE ${type} gives it only to its definer or to a user with SELECT on mysql.proc (MariaDB) / SHOW_ROUTINE (MySQL)`,
      )
    const create = withoutDefiner(text)
    const kind: ObjectKind = type === 'FUNCTION' ? 'function' : 'procedure'
    found.push({
      bare: name,
      create,
      definition: programText(create, 'mysql'),
      drop: `DROP ${type} ${quote(name)}`,
      kind,
      name,
      text,
    })
  }

  for (const t of triggers) {
    const name = String(t.name)
    const table = String(t.tbl)
    const body = String(t.body)
    const made = `CREATE TRIGGER ${quote(name)} ${String(t.timing)} ${String(t.event)} ON ${quote(table)} FOR EACH ROW ${body}`
    found.push({
      bare: name,
      create: made,
      definition: programText(made, 'mysql'),
      drop: `DROP TRIGGER ${quote(name)}`,
      kind: 'trigger',
      name,
      table,
      text: body,
    })
  }

  return found.map(({bare: _, text, ...o}) => ({...o, ...dependenciesByName(text, o, 'mysql', found)}))
}
