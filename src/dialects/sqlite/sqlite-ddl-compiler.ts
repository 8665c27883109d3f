import type {
  AddColumn, AlterColumn, BatchAlterTable, Column, DropConstraint,
} from '../../operations/nodes.js'
import {UsageError} from '../../util/errors.js'
import {type CompileContext, DdlCompiler, splitReference, type Statement} from '../ddl-compiler.js'
import {applyTableOperations} from '../table-changes.js'
import {createTableSql} from './sqlite-batch.js'
import {createIndexOf} from '../table-schema.js'
import {defaultConstraintName} from '../../operations/naming.js'


const BATCH_ADVICE = "use op.batchAlterTable(table, (batch) => ...), which rebuilds the table"

export class SqliteDdlCompiler extends DdlCompiler {
  readonly dialect = 'sqlite' as const
  readonly integerKeysAutoAssign = true

  quote(name: string): string {
    return `"${name.replaceAll('"', '""')}"`
  }

  placeholder(): string {
    return '?'
  }

  /** SQLite keeps no name for a key declared without one. */
  unnamedPrimaryKey(): undefined {
    return undefined
  }


  /** SQLite autoincrements only an inline INTEGER PRIMARY KEY. */
  protected autoincrementClause(column: Column, soleKey: boolean): {suffix?: string; type?: string} {
    if (!soleKey) throw this.cannot(`autoincrement ${column.name} unless it is the table's only primary key column`)
    return {suffix: ' PRIMARY KEY AUTOINCREMENT', type: 'INTEGER'}
  }

  protected inlinePrimaryKey(): boolean {
    return true
  }

  addColumn(op: AddColumn): Statement[] {
    const {column} = op
    if (column.generated && (column.generated.stored ?? this.storedByDefault)) throw this.cannot(`add a STORED generated column (${op.table}.${column.name}) in place: ${BATCH_ADVICE}`)
    if (column.primaryKey || column.unique) throw this.cannot(`add a ${column.primaryKey ? 'primary key' : 'unique'} column (${op.table}.${column.name}) in place: ${BATCH_ADVICE}`)
    let sql = `ALTER TABLE ${this.table(op.table)} ADD COLUMN ${this.columnDefinition(column)}`
    if (column.references) {
      const [referent, referentColumn] = splitReference(column.references, column.name)
      sql += ` ${this.constraintName(defaultConstraintName.foreignKey(op.table, [column.name]))} REFERENCES ${this.table(referent)} (${this.quote(referentColumn)})${this.actions(column)}`
    }

    return [{sql}]
  }

  alterColumn(op: AlterColumn): Statement[] {
    if (op.type !== undefined || op.nullable !== undefined || op.default !== undefined || op.autoincrement !== undefined) {
      throw this.cannot(`change the type, nullability, default or autoincrement of ${op.table}.${op.column} in place: ${BATCH_ADVICE}`)
    }

    if (op.newName === undefined) return []
    return [{sql: `ALTER TABLE ${this.table(op.table)} RENAME COLUMN ${this.quote(op.column)} TO ${this.quote(op.newName)}`}]
  }

  createPrimaryKey(): Statement[] {
    throw this.cannot(`add a primary key to an existing table: ${BATCH_ADVICE}`)
  }

  createUniqueConstraint(): Statement[] {
    throw this.cannot(`add a unique constraint to an existing table: ${BATCH_ADVICE} (or createIndex with unique: true)`)
  }

  createForeignKey(): Statement[] {
    throw this.cannot(`add a foreign key to an existing table: ${BATCH_ADVICE}`)
  }

  createCheckConstraint(): Statement[] {
    throw this.cannot(`add a check constraint to an existing table: ${BATCH_ADVICE}`)
  }

  dropConstraint(op: DropConstraint): Statement[] {
    throw this.cannot(`drop constraint ${op.name} from an existing table: ${BATCH_ADVICE}`)
  }

  /** Alembic's move-and-copy: new table, copy rows, drop, rename, indexes recreated. */
  async batchAlterTable(op: BatchAlterTable, context: CompileContext): Promise<Statement[]> {
    if (!context.introspector) {
      throw new UsageError(`batchAlterTable on ${op.table} rebuilds the table from its live definition, so SQLite batch mode needs a database connection (it cannot be rendered with --sql)`)
    }

    const before = await context.introspector.table(op.table)
    if (!before) throw new UsageError(`batchAlterTable: table ${op.table} does not exist`)
    const {after, copied, filled} = applyTableOperations(before, op.operations, this)
    const into = [...copied.map(([to]) => to), ...filled.map(([to]) => to)]
    const values = [...copied.map(([, from]) => this.quote(from)), ...filled.map(([, sql]) => sql)]
    const temp = `_db_manage_tmp_${op.table}`
    const statements: Statement[] = [
      {sql: createTableSql(this, temp, after)},
      {sql: `INSERT INTO ${this.table(temp)} ${this.columnList(into)} SELECT ${values.join(', ')} FROM ${this.table(op.table)}`},
      {sql: `DROP TABLE ${this.table(op.table)}`},
      {sql: `ALTER TABLE ${this.table(temp)} RENAME TO ${this.table(op.table)}`},
    ]
    for (const index of after.indexes) {
      statements.push(...super.createIndex(createIndexOf(op.table, index)))
    }

    return statements
  }
}
