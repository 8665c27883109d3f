import type {Connection} from '../connection.js'
import {CatalogReader, type ColumnSchema, groupBy, type TableSchema} from '../table-schema.js'

const scope = (filter: boolean, alias = '') => `${alias}TABLE_SCHEMA = DATABASE()${filter ? ` AND ${alias}TABLE_NAME = ?` : ''}`

/**
 * Tables from information_schema: five queries for any number of tables.
 * MariaDB reports COLUMN_DEFAULT as SQL (quoted literals, NULL for none);
 * MySQL reports the bare value and marks expressions DEFAULT_GENERATED:
 * both become SQL text here.
 */
export class MysqlIntrospector extends CatalogReader {
  private mariadb?: boolean

  protected readonly uncomparedSql = `SELECT 'view' AS kind, COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'VIEW'
    UNION ALL SELECT LOWER(ROUTINE_TYPE), COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() GROUP BY ROUTINE_TYPE
    UNION ALL SELECT 'trigger', COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
    UNION ALL SELECT 'event', COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()`

  constructor(protected readonly connection: Connection) {
    super()
  }

  protected async read(only?: string): Promise<TableSchema[]> {
    const filter = only !== undefined
    const q = async (sql: string) => (await this.connection.query(sql, filter ? [only] : [])).rows
    this.mariadb ??= /mariadb/i.test(String((await this.connection.query('SELECT VERSION() AS v')).rows[0]?.v))
    const columns = await q(`SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra
      FROM information_schema.COLUMNS WHERE ${scope(filter)}
        AND TABLE_NAME IN (SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE')
      ORDER BY TABLE_NAME, ORDINAL_POSITION`)
    const statistics = groupBy(await q(`SELECT TABLE_NAME AS tbl, INDEX_NAME AS name, NON_UNIQUE AS non_unique, COLUMN_NAME AS col
      FROM information_schema.STATISTICS WHERE ${scope(filter)} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`), (r) => String(r.tbl))
    const constraints = groupBy(await q(`SELECT tc.TABLE_NAME AS tbl, tc.CONSTRAINT_NAME AS name, tc.CONSTRAINT_TYPE AS type, cc.CHECK_CLAUSE AS check_clause
      FROM information_schema.TABLE_CONSTRAINTS tc
      LEFT JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.TABLE_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK'
      WHERE ${scope(filter, 'tc.')} ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME`), (r) => String(r.tbl))
    const keys = groupBy(await q(`SELECT k.TABLE_NAME AS tbl, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS referent,
      k.REFERENCED_COLUMN_NAME AS ref_col, r.DELETE_RULE AS on_delete, r.UPDATE_RULE AS on_update
      FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
        ON r.CONSTRAINT_SCHEMA = k.TABLE_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
      WHERE ${scope(filter, 'k.')} AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`), (r) => String(r.tbl))

    return [...groupBy(columns, (r) => String(r.tbl))].map(([name, cols]): TableSchema => {
      const cons = constraints.get(name) ?? []
      const uniqueNames = new Set(cons.filter((c) => c.type === 'UNIQUE').map((c) => String(c.name)))
      const fkNames = new Set(cons.filter((c) => c.type === 'FOREIGN KEY').map((c) => String(c.name)))
      const indexes = [...groupBy(statistics.get(name) ?? [], (r) => String(r.name))]
      const fks = [...groupBy(keys.get(name) ?? [], (r) => String(r.name))]
      const primary = indexes.find(([n]) => n === 'PRIMARY')
      return {
        checks: cons.filter((c) => c.type === 'CHECK').map((c) => ({condition: String(c.check_clause ?? ''), name: String(c.name)})),
        columns: cols.map((c): ColumnSchema => ({
          autoincrement: /auto_increment/i.test(String(c.extra)),
          default: this.defaultSql(c.dflt as null | string, String(c.extra)),
          name: String(c.name),
          nullable: c.nullable === 'YES',
          type: String(c.type),
        })),
        foreignKeys: fks.map(([fk, rows]) => ({
          columns: rows.map((r) => String(r.col)), name: fk,
          onDelete: rows[0].on_delete === 'RESTRICT' || rows[0].on_delete === 'NO ACTION' ? undefined : String(rows[0].on_delete),
          onUpdate: rows[0].on_update === 'RESTRICT' || rows[0].on_update === 'NO ACTION' ? undefined : String(rows[0].on_update),
          referent: String(rows[0].referent), referentColumns: rows.map((r) => String(r.ref_col)),
        })),
        // An index named like a foreign key is the one MySQL made for it; a unique constraint is its index.
        indexes: indexes.filter(([n]) => n !== 'PRIMARY' && !uniqueNames.has(n) && !fkNames.has(n))
          .map(([n, rows]) => ({columns: rows.map((r) => String(r.col)), name: n, unique: Number(rows[0].non_unique) === 0})),
        name,
        primaryKey: primary ? {columns: primary[1].map((r) => String(r.col))} : undefined,
        uniques: indexes.filter(([n]) => uniqueNames.has(n)).map(([n, rows]) => ({columns: rows.map((r) => String(r.col)), name: n})),
      }
    })
  }

  private defaultSql(value: null | string, extra: string): string | undefined {
    if (value === null) return undefined
    if (this.mariadb) return value === 'NULL' ? undefined : value
    if (/DEFAULT_GENERATED/i.test(extra) || /^current_timestamp/i.test(value)) return value
    return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
  }
}
