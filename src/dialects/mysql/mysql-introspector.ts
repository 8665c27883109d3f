import type {Connection} from '../connection.js'
import type {IndexElement} from '../../operations/nodes.js'
import {MYSQL_QUOTED, mysqlStringLiteral} from './mysql-literal.js'
import type {ObjectSchema} from '../../model/object-schema.js'
import {readMysqlObjects} from './mysql-objects.js'
import {
  CatalogReader,
  type ColumnSchema,
  groupBy,
  type IndexSchema,
  type TableSchema,
} from '../../model/table-schema.js'

const scope = (filter: boolean, alias = '') =>
  `${alias}TABLE_SCHEMA = DATABASE()${filter ? ` AND ${alias}TABLE_NAME = ?` : ''}`

type Row = Record<string, unknown>

/** `on update current_timestamp()` (MariaDB) or `DEFAULT_GENERATED on update CURRENT_TIMESTAMP(3)` (MySQL) in EXTRA. */
function onUpdate(extra: string): {onUpdateDefault?: string} {
  const m = /\bon update (\S+)/i.exec(extra)
  return m ? {onUpdateDefault: m[1]} : {}
}

/** A key part that is a column in ascending order: what a UNIQUE constraint can name. */
const plainPart = (r: Row) => r.sub_part === null && r.ord !== 'D' && (r.expr ?? null) === null
const plainKey = (rows: readonly Row[]) => rows.every(plainPart)

/**
 * An index from its STATISTICS rows: FULLTEXT and SPATIAL kinds, prefix
 * lengths (SPATIAL reports one of its own, which no statement can set),
 * descending parts and MySQL 8's functional key parts as SQL.
 */
function index(name: string, rows: readonly Row[]): IndexSchema {
  const method = String(rows[0].method)
  const lengths: Record<string, number> = {}
  const columns = rows.map((r): IndexElement => {
    if (r.expr !== null && r.expr !== undefined)
      return {kind: 'sql', sql: `(${String(r.expr)})${r.ord === 'D' ? ' DESC' : ''}`}
    const col = String(r.col)
    const length = method === 'SPATIAL' || r.sub_part === null ? undefined : Number(r.sub_part)
    if (r.ord !== 'D') {
      if (length !== undefined) lengths[col] = length
      return col
    }

    return {kind: 'sql', sql: `\`${col.replaceAll('`', '``')}\`${length === undefined ? '' : `(${length})`} DESC`}
  })
  return {
    columns,
    ...(method === 'FULLTEXT' ? {fulltext: true} : {}),
    ...(Object.keys(lengths).length > 0 ? {lengths} : {}),
    name,
    ...(method === 'SPATIAL' ? {spatial: true} : {}),
    unique: Number(rows[0].non_unique) === 0,
  }
}

/**
 * Tables from information_schema: eight queries for any number of tables.
 * MariaDB reports COLUMN_DEFAULT as SQL (quoted literals, NULL for none);
 * MySQL reports the bare value and marks expressions DEFAULT_GENERATED:
 * both become SQL text here.
 */
export class MysqlIntrospector extends CatalogReader {
  private mariadb?: boolean

  // Views, functions, procedures and triggers are compared (mysql-objects.ts); MariaDB's packages are not.
  protected readonly uncomparedSql = `SELECT LOWER(ROUTINE_TYPE) AS kind, COUNT(*) AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
      AND ROUTINE_TYPE NOT IN ('FUNCTION', 'PROCEDURE') GROUP BY ROUTINE_TYPE
    UNION ALL SELECT 'event', COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()
    UNION ALL SELECT IF(TABLE_TYPE = 'SEQUENCE', 'sequence', 'system-versioned table'), COUNT(*) FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('SEQUENCE', 'SYSTEM VERSIONED') GROUP BY TABLE_TYPE
    UNION ALL SELECT 'partitioned table', COUNT(DISTINCT TABLE_NAME) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL
    UNION ALL SELECT 'index comment', COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_COMMENT <> '' AND SEQ_IN_INDEX = 1
    UNION ALL SELECT 'privilege grant', COUNT(*) FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE()`

  constructor(protected readonly connection: Connection) {
    super()
  }

  async objects(): Promise<ObjectSchema[]> {
    return readMysqlObjects(this.connection)
  }

  /** An alterColumn reads its column online: two queries, not the whole table's seven. */
  async columnsOf(name: string): Promise<TableSchema | undefined> {
    return (await this.read(name, true)).find((t) => t.name === name)
  }

  /** `columnsOnly`: the tables and their columns, nothing else read (no indexes, constraints nor keys). */
  protected async read(only?: string, columnsOnly = false): Promise<TableSchema[]> {
    const filter = only !== undefined
    const q = async (sql: string) => (await this.connection.query(sql, filter ? [only] : [])).rows
    // What is not a column: not read with columnsOnly.
    const other = columnsOnly ? {query: async () => ({rows: [] as Row[]})} : this.connection
    const qOther = async (sql: string) => (await other.query(sql, filter ? [only] : [])).rows
    this.mariadb ??= /mariadb/i.test(String((await this.connection.query('SELECT VERSION() AS v')).rows[0]?.v))
    // Each information_schema table is read on its own, filtered by constants, and joined here: MariaDB
    // answers a join of two of them by opening every table of the schema (~10 ms a query at 400 tables,
    // against ~1 ms alone), and an alterColumn on MySQL reads its table online.
    // Collations are absolute (a table's or column's, whatever the server's default); the engine is said when it is not
    // the default.
    const tables = new Map(
      (
        await q(`SELECT TABLE_NAME AS tbl, TABLE_COLLATION AS table_collation, TABLE_COMMENT AS table_comment, CREATE_OPTIONS AS create_options,
        CASE WHEN ENGINE <> @@default_storage_engine THEN ENGINE END AS engine, CASE WHEN ENGINE <> @@default_storage_engine THEN @@default_storage_engine END AS default_engine
      FROM information_schema.TABLES WHERE ${scope(filter)} AND TABLE_TYPE = 'BASE TABLE'`)
      ).map((t) => [String(t.tbl), t]),
    )
    // The table's row is looked up once a table, not copied into each of its columns' (1,000 tables: 7,000 copies).
    const columns = (
      await q(`SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra,
        COLLATION_NAME AS collation, COLUMN_COMMENT AS comment, GENERATION_EXPRESSION AS generation
      FROM information_schema.COLUMNS WHERE ${scope(filter)} ORDER BY TABLE_NAME, ORDINAL_POSITION`)
    ).filter((c) => tables.has(String(c.tbl)))
    const bytes = await this.binaryDefaults(columns)
    // MySQL 8 reports a functional key part's EXPRESSION; MariaDB has no such parts, nor the column.
    const statistics = groupBy(
      await qOther(`SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS col,
        INDEX_TYPE AS method, SUB_PART AS sub_part, COLLATION AS ord${this.mariadb ? '' : ', EXPRESSION AS expr'}
      FROM information_schema.STATISTICS WHERE ${scope(filter)} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`),
      (r) => String(r.tbl),
    )
    // A check's name is its table's on MariaDB (CHECK_CONSTRAINTS has TABLE_NAME there) and the schema's on MySQL 8.
    const checkKey = (table: unknown, name: unknown) =>
      this.mariadb ? `${String(table)}.${String(name)}` : String(name)
    const clauses = new Map(
      (
        await other.query(
          `SELECT ${this.mariadb ? 'TABLE_NAME' : 'NULL'} AS tbl, CONSTRAINT_NAME AS name, CHECK_CLAUSE AS check_clause
      FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()${filter && this.mariadb ? ' AND TABLE_NAME = ?' : ''}`,
          filter && this.mariadb ? [only] : [],
        )
      ).rows.map((c) => [checkKey(c.tbl, c.name), c.check_clause]),
    )
    const constraints = groupBy(
      (
        await qOther(`SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, CONSTRAINT_TYPE AS type
      FROM information_schema.TABLE_CONSTRAINTS WHERE ${scope(filter)} ORDER BY TABLE_NAME, CONSTRAINT_NAME`)
      ).map((c) => (c.type === 'CHECK' ? {...c, check_clause: clauses.get(checkKey(c.tbl, c.name))} : c)),
      (r) => String(r.tbl),
    )
    const rules = new Map(
      (
        await other.query(
          `SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, DELETE_RULE AS on_delete, UPDATE_RULE AS on_update
      FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()${filter ? ' AND TABLE_NAME = ?' : ''}`,
          filter ? [only] : [],
        )
      ).rows.map((r) => [`${String(r.tbl)}.${String(r.name)}`, r]),
    )
    const keys = groupBy(
      (
        await qOther(`SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, COLUMN_NAME AS col, REFERENCED_TABLE_NAME AS referent, REFERENCED_COLUMN_NAME AS ref_col
      FROM information_schema.KEY_COLUMN_USAGE WHERE ${scope(filter)} AND REFERENCED_TABLE_NAME IS NOT NULL ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`)
      ).flatMap((k) => {
        const rule = rules.get(`${String(k.tbl)}.${String(k.name)}`)
        return rule ? [{...k, on_delete: rule.on_delete, on_update: rule.on_update} as Row] : []
      }),
      (r) => String(r.tbl),
    )

    return [...groupBy(columns, (r) => String(r.tbl))].map(([name, cols]): TableSchema => {
      const table = tables.get(name)!
      const cons = constraints.get(name) ?? []
      const uniqueNames = new Set(cons.filter((c) => c.type === 'UNIQUE').map((c) => String(c.name)))
      const indexes = [...groupBy(statistics.get(name) ?? [], (r) => String(r.name))]
      const fks = [...groupBy(keys.get(name) ?? [], (r) => String(r.name))]
      const primary = indexes.find(([n]) => n === 'PRIMARY')
      const rowFormat = /\brow_format=(\w+)/i.exec(String(table.create_options ?? ''))?.[1]
      return {
        ...(table.table_comment ? {comment: String(table.table_comment)} : {}),
        ...(table.table_collation ? {mysqlCollate: String(table.table_collation)} : {}),
        ...(table.engine ? {mysqlDefaultEngine: String(table.default_engine), mysqlEngine: String(table.engine)} : {}),
        ...(rowFormat ? {mysqlRowFormat: rowFormat.toUpperCase()} : {}),
        checks: cons
          .filter((c) => c.type === 'CHECK')
          .map((c) => ({condition: String(c.check_clause ?? ''), name: String(c.name)})),
        columns: cols.map((c): ColumnSchema => {
          // EXTRA says VIRTUAL GENERATED or STORED GENERATED (MariaDB's PERSISTENT too); the expression is as the
          // server prints it.
          const generated = /\b(virtual|stored) generated\b/i.exec(String(c.extra))
          return {
            autoincrement: /auto_increment/i.test(String(c.extra)),
            ...(c.collation === null ? {} : {collation: String(c.collation)}),
            ...(c.comment === null || c.comment === '' ? {} : {comment: String(c.comment)}),
            ...onUpdate(String(c.extra)),
            default: generated
              ? undefined
              : (bytes.get(`${name}.${String(c.name)}`) ?? this.defaultSql(c.dflt as null | string, String(c.extra))),
            ...(generated
              ? {generated: {expression: String(c.generation), stored: generated[1].toLowerCase() === 'stored'}}
              : {}),
            name: String(c.name),
            nullable: c.nullable === 'YES',
            type: String(c.type),
          }
        }),
        foreignKeys: fks.map(([fk, rows]) => ({
          columns: rows.map((r) => String(r.col)),
          name: fk,
          onDelete:
            rows[0].on_delete === 'RESTRICT' || rows[0].on_delete === 'NO ACTION'
              ? undefined
              : String(rows[0].on_delete),
          onUpdate:
            rows[0].on_update === 'RESTRICT' || rows[0].on_update === 'NO ACTION'
              ? undefined
              : String(rows[0].on_update),
          referent: String(rows[0].referent),
          referentColumns: rows.map((r) => String(r.ref_col)),
        })),
        // The index MySQL made for a foreign key is an index like any other: it stays when the key goes.
        // A unique constraint is its index, kept as an index when it has what a constraint cannot say
        // (a prefix, an order, an expression).
        indexes: indexes
          .filter(([n, rows]) => n !== 'PRIMARY' && (!uniqueNames.has(n) || !plainKey(rows)))
          .map(([n, rows]) => index(n, rows)),
        name,
        primaryKey: primary ? {columns: primary[1].map((r) => String(r.col))} : undefined,
        uniques: indexes
          .filter(([n, rows]) => uniqueNames.has(n) && plainKey(rows))
          .map(([n, rows]) => ({columns: rows.map((r) => String(r.col)), name: n})),
      }
    })
  }

  /**
   * COLUMN_DEFAULT is text in utf8, so a binary column's default bytes that
   * are not UTF-8 come back as '?': where one may have (a '?' in a binary
   * column's literal default), DEFAULT() reads the bytes, one query for each
   * such table. Bytes that are not text are written X'hex'. Keyed `table.column`.
   */
  private async binaryDefaults(columns: readonly Row[]): Promise<Map<string, string>> {
    const suspect = columns.filter(
      (c) =>
        /^(var)?binary\(|blob$/i.test(String(c.type)) &&
        typeof c.dflt === 'string' &&
        c.dflt.includes('?') &&
        !/DEFAULT_GENERATED/i.test(String(c.extra)) &&
        (!this.mariadb || MYSQL_QUOTED.test(c.dflt)),
    )
    const exact = new Map<string, string>()
    for (const [table, cols] of groupBy(suspect, (c) => String(c.tbl))) {
      const q = (name: string) => `\`${name.replaceAll('`', '``')}\``
      const list = cols.map((c, i) => `HEX(DEFAULT(t.${q(String(c.name))})) AS c${i}`).join(', ')
      const {rows} = await this.connection.query(
        `SELECT ${list} FROM (SELECT 1) AS one LEFT JOIN ${q(table)} AS t ON 0`,
      )
      for (const [i, c] of cols.entries()) {
        const value = Buffer.from(String(rows[0]?.[`c${i}`] ?? ''), 'hex')
        const text = value.toString('utf8')
        const literal = Buffer.from(text, 'utf8').equals(value)
          ? mysqlStringLiteral(text)
          : `X'${value.toString('hex')}'`
        exact.set(`${table}.${String(c.name)}`, literal)
      }
    }

    return exact
  }

  private defaultSql(value: null | string, extra: string): string | undefined {
    if (value === null) return undefined
    if (this.mariadb) return value === 'NULL' ? undefined : value
    if (/DEFAULT_GENERATED/i.test(extra) || /^current_timestamp/i.test(value)) return value
    return mysqlStringLiteral(value)
  }
}
