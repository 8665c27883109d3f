import type {AddColumn, AlterColumn, BatchAlterTable, Column, DropConstraint} from '../../operations/nodes.js'
import {UsageError} from '../../util/errors.js'
import {type CompileContext, DdlCompiler, type Statement} from '../ddl-compiler.js'
import {splitReference} from '../../operations/naming.js'
import {applyTableOperations} from '../../model/table-changes.js'
import {createTableSql} from './sqlite-batch.js'
import {createIndexOf} from '../../model/table-schema.js'
import {defaultConstraintName} from '../../operations/naming.js'
import {IDENT} from '../../sql/identifiers.js'

/** What fires a trigger: `CREATE TRIGGER name [BEFORE|AFTER|INSTEAD OF] DELETE|INSERT|UPDATE`. */
const TRIGGER_EVENT = new RegExp(
  String.raw`^\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?` +
    String.raw`(?:${IDENT}\s*\.\s*)?${IDENT}\s+(?:(?:BEFORE|AFTER|INSTEAD\s+OF)\s+)?(DELETE|INSERT|UPDATE)\b`,
  'i',
)

const BATCH_ADVICE = 'use op.batchAlterTable(table, (batch) => ...), which rebuilds the table'

export class SqliteDdlCompiler extends DdlCompiler {
  readonly dialect = 'sqlite' as const
  readonly integerKeysAutoAssign = true
  readonly typelessColumns = true

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
    if (column.generated && (column.generated.stored ?? this.storedByDefault))
      throw this.cannot(`add a STORED generated column (${op.table}.${column.name}) in place: ${BATCH_ADVICE}`)
    if (column.primaryKey || column.unique)
      throw this.cannot(
        `add a ${column.primaryKey ? 'primary key' : 'unique'} column (${op.table}.${column.name}) in place: ${BATCH_ADVICE}`,
      )
    let sql = `ALTER TABLE ${this.table(op.table)} ADD COLUMN ${this.columnDefinition(column)}`
    if (column.references) {
      const [referent, referentColumn] = splitReference(column.references, column.name)
      sql += ` ${this.constraintName(defaultConstraintName.foreignKey(op.table, [column.name]))} REFERENCES ${this.table(referent)} (${this.quote(referentColumn)})${this.actions(column)}`
    }

    return [{sql}]
  }

  alterColumn(op: AlterColumn): Statement[] {
    if (
      op.type !== undefined ||
      op.nullable !== undefined ||
      op.default !== undefined ||
      op.autoincrement !== undefined
    ) {
      throw this.cannot(
        `change the type, nullability, default or autoincrement of ${op.table}.${op.column} in place: ${BATCH_ADVICE}`,
      )
    }

    // SQLite keeps a column's collation, and changes it only by rebuilding the table; ON UPDATE it has none.
    if (op.collation !== undefined && op.collation !== (op.existingCollation ?? null))
      throw this.cannot(`change the collation of ${op.table}.${op.column} in place: ${BATCH_ADVICE}`)
    if (op.onUpdateDefault !== undefined && op.onUpdateDefault !== null)
      throw this.cannot(`set column ${op.column} ON UPDATE: that is MySQL's (use a trigger)`)
    if (op.newName === undefined) return []
    return [
      {sql: `ALTER TABLE ${this.table(op.table)} RENAME COLUMN ${this.quote(op.column)} TO ${this.quote(op.newName)}`},
    ]
  }

  createPrimaryKey(): Statement[] {
    throw this.cannot(`add a primary key to an existing table: ${BATCH_ADVICE}`)
  }

  createUniqueConstraint(): Statement[] {
    throw this.cannot(
      `add a unique constraint to an existing table: ${BATCH_ADVICE} (or createIndex with unique: true)`,
    )
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
      throw new UsageError(
        `batchAlterTable on ${op.table} rebuilds the table from its live definition, so SQLite batch mode needs a database connection (it cannot be rendered with --sql)`,
      )
    }

    const before = await context.introspector.table(op.table)
    if (!before) throw new UsageError(`batchAlterTable: table ${op.table} does not exist`)
    const {after, copied, filled} = applyTableOperations(before, op.operations, this)
    const into = [...copied.map(([to]) => to), ...filled.map(([to]) => to)]
    const values = [...copied.map(([, from]) => this.quote(from)), ...filled.map(([, sql]) => sql)]
    const temp = `_db_manage_tmp_${op.table}`
    // SQLite's twelve steps (lang_altertable.html#otheralter): a view that names the table would stop the rename
    // (the table is gone for a moment), so the rename is the legacy one, which leaves views as they are written;
    // the table's indexes and triggers, dropped with it, are made again; each view that names it, and each
    // trigger on it, must still compile (EXPLAIN prepares a statement and its triggers without running them),
    // as SQLite's own ALTER TABLE would insist.
    const statements: Statement[] = [
      {sql: createTableSql(this, temp, after)},
      {
        sql: `INSERT INTO ${this.table(temp)} ${this.columnList(into)} SELECT ${values.join(', ')} FROM ${this.table(op.table)}`,
      },
      {sql: `DROP TABLE ${this.table(op.table)}`},
      {sql: 'PRAGMA legacy_alter_table = ON'},
      {sql: `ALTER TABLE ${this.table(temp)} RENAME TO ${this.table(op.table)}`},
      {sql: 'PRAGMA legacy_alter_table = OFF'},
    ]
    for (const index of after.indexes) {
      statements.push(...super.createIndex(createIndexOf(op.table, index)))
    }

    const triggers = before.triggers ?? []
    const stored = after.columns.filter((c) => !c.generated).map((c) => c.name)
    statements.push(...triggers.map((sql) => ({sql})), ...this.compiles(op.table, stored, triggers, before.views ?? []))
    return statements
  }

  /** EXPLAINs that make SQLite prepare each view and trigger kind of a rebuilt table, failing on a name gone. */
  private compiles(table: string, columns: readonly string[], triggers: readonly string[], views: readonly string[]) {
    const events = new Set(triggers.map((sql) => TRIGGER_EVENT.exec(sql)?.[1].toUpperCase()))
    const t = this.table(table)
    const every = columns.map((c) => `${this.quote(c)} = ${this.quote(c)}`).join(', ')
    return [
      ...(events.has('INSERT') ? [{sql: `EXPLAIN INSERT INTO ${t} DEFAULT VALUES`}] : []),
      ...(events.has('UPDATE') ? [{sql: `EXPLAIN UPDATE ${t} SET ${every}`}] : []),
      ...(events.has('DELETE') ? [{sql: `EXPLAIN DELETE FROM ${t}`}] : []),
      ...views.map((view) => ({sql: `EXPLAIN SELECT * FROM ${this.quote(view)}`})),
    ]
  }
}
