import type {Connection} from '../connection.js'
import type {ColumnSchema, Introspector, TableSchema} from '../table-schema.js'

/**
 * Tables from information_schema. MariaDB reports COLUMN_DEFAULT as SQL
 * (quoted literals, NULL for none); MySQL reports the bare value and marks
 * expressions DEFAULT_GENERATED: both become SQL text here.
 */
export class MysqlIntrospector implements Introspector {
  private mariadb?: boolean

  constructor(private readonly connection: Connection) {}

  async table(name: string): Promise<TableSchema | undefined> {
    const q = async (sql: string) => (await this.connection.query(sql, [name])).rows
    this.mariadb ??= /mariadb/i.test(String((await this.connection.query('SELECT VERSION() AS v')).rows[0]?.v))
    const cols = await q(`SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra
      FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`)
    if (cols.length === 0) return undefined
    const columns: ColumnSchema[] = cols.map((c) => ({
      autoincrement: /auto_increment/i.test(String(c.extra)),
      default: this.defaultSql(c.dflt as null | string, String(c.extra)),
      name: String(c.name),
      nullable: c.nullable === 'YES',
      type: String(c.type),
    }))
    const constraints = await q(`SELECT CONSTRAINT_NAME AS name, CONSTRAINT_TYPE AS type FROM information_schema.TABLE_CONSTRAINTS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`)
    const named = (type: string) => constraints.filter((c) => c.type === type).map((c) => ({columns: [], name: String(c.name)}))
    return {
      checks: named('CHECK').map((c) => ({condition: '', name: c.name})),
      columns,
      foreignKeys: named('FOREIGN KEY').map((c) => ({...c, referent: '', referentColumns: []})),
      indexes: [],
      name,
      uniques: named('UNIQUE'),
    }
  }

  private defaultSql(value: null | string, extra: string): string | undefined {
    if (value === null) return undefined
    if (this.mariadb) return value === 'NULL' ? undefined : value
    if (/DEFAULT_GENERATED/i.test(extra) || /^current_timestamp/i.test(value)) return value
    return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
  }
}
