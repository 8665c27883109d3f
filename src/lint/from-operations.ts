import type {DialectName} from '../util/dialect-names.js'
import type {DdlCompiler} from '../dialects/ddl-compiler.js'
import {MysqlDdlCompiler} from '../dialects/mysql/mysql-ddl-compiler.js'
import {PostgresDdlCompiler} from '../dialects/postgres/postgres-ddl-compiler.js'
import {SqliteDdlCompiler} from '../dialects/sqlite/sqlite-ddl-compiler.js'
import type {BatchOperation, Column, ConstraintType, DefaultValue, Operation} from '../operations/nodes.js'
import type {Action, ColumnFacts, ConstraintKind, DefaultFacts, LintStatement, TypeFacts} from './actions.js'
import {defaultFacts} from './defaults.js'
import {parseSqlType} from '../model/sql-type.js'
import {SERIAL_TYPES} from './types.js'

/** Reads a raw SQL text (op.execute) into statements, each with its line within the text (1-based). */
export type SqlReader = (sql: string) => LintStatement[]

const compilers: Partial<Record<DialectName, DdlCompiler>> = {}

function compiler(dialect: DialectName): DdlCompiler {
  return (compilers[dialect] ??=
    dialect === 'postgresql'
      ? new PostgresDdlCompiler()
      : dialect === 'mysql'
        ? new MysqlDdlCompiler()
        : new SqliteDdlCompiler())
}

/** A portable or raw type as the dialect's compiler spells it, read into facts. */
export function operationType(type: string, dialect: DialectName): TypeFacts {
  let spelled: string
  try {
    spelled = compiler(dialect).type(type)
  } catch {
    spelled = type // MySQL's string without a length, a typeless column: the type as written.
  }

  // Facts of the dialect's spelling; in a message, the type as the script wrote it.
  return {...parseSqlType(spelled, dialect), text: type}
}

/** A default of an operation: a SqlExpression is SQL text; anything else a literal. */
function operationDefault(value: DefaultValue | undefined, dialect: DialectName): DefaultFacts | undefined {
  if (value === undefined) return undefined
  if (value === null) return {expression: false, isNull: true, text: 'NULL', volatile: false}
  if (typeof value === 'object') {
    const facts = defaultFacts(value.sql, dialect)
    // The MySQL compiler writes an expression default in parentheses, as MySQL 8.0.13 requires.
    const special = /^(current_timestamp|now)\s*(\(\s*\d*\s*\))?$/i.test(value.sql.trim())
    return dialect === 'mysql' && facts.expression && !special ? {...facts, parenthesised: true} : facts
  }

  return {expression: false, text: JSON.stringify(value), volatile: false}
}

/** The facts of a column an operation declares. */
export function operationColumn(column: Column, dialect: DialectName, tableKey?: readonly string[]): ColumnFacts {
  const type = column.type.trim() === '' ? undefined : operationType(column.type, dialect)
  const serialType = type !== undefined && SERIAL_TYPES.has(type.name)
  const primaryKey = Boolean(column.primaryKey) || Boolean(tableKey?.includes(column.name))
  let autoincrement: ColumnFacts['autoincrement']
  if (serialType) autoincrement = 'serial'
  else if (column.autoincrement)
    autoincrement =
      dialect === 'postgresql' ? (column.sequence === undefined ? 'identity' : 'serial') : 'auto_increment'
  return {
    autoincrement,
    check: false,
    default: operationDefault(column.default, dialect),
    generated: column.generated
      ? (column.generated.stored ?? dialect === 'postgresql')
        ? 'stored'
        : 'virtual'
      : undefined,
    name: column.name,
    notNull: column.nullable === false || primaryKey,
    primaryKey,
    references: column.references,
    type,
    unique: Boolean(column.unique),
  }
}

const CONSTRAINT: Record<ConstraintType, ConstraintKind> = {
  check: 'check',
  foreignkey: 'foreignKey',
  primary: 'primaryKey',
  unique: 'unique',
}

/** The names an operation gives new objects, for the identifier-length rule. */
function names(op: Operation | BatchOperation): Action[] {
  const out: Action[] = []
  const name = (n: string | undefined, what: string) => {
    if (n) out.push({kind: 'name', name: n, what})
  }

  switch (op.kind) {
    case 'createTable': {
      name(op.table, 'table')
      for (const c of op.columns) name(c.name, 'column')
      break
    }

    case 'addColumn': {
      name(op.column.name, 'column')
      break
    }

    case 'createIndex':
    case 'createPrimaryKey':
    case 'createUniqueConstraint':
    case 'createForeignKey':
    case 'createCheckConstraint': {
      name(op.name, op.kind === 'createIndex' ? 'index' : 'constraint')
      break
    }

    case 'renameTable': {
      name(op.newName, 'table')
      break
    }

    case 'alterColumn': {
      name(op.newName, 'column')
      break
    }

    case 'createEnumType':
    case 'createDomain': {
      name(op.name, 'type')
      break
    }

    default: {
      break
    }
  }

  return out
}

/** What one operation does, in the neutral form; raw SQL read by `readSql`, or left unclassified without one. */
export function operationActions(
  op: BatchOperation | Operation,
  dialect: DialectName,
  readSql?: SqlReader,
  inBatch = false,
): Action[] {
  const type = (t: string) => operationType(t, dialect)
  const actions: Action[] = names(op)
  const push = (...a: Action[]) => actions.push(...a)
  switch (op.kind) {
    case 'createTable': {
      const key = op.primaryKey?.columns
      const columns = op.columns.map((c) => operationColumn(c, dialect, key))
      push({columns, kind: 'createTable', table: op.table})
      break
    }

    case 'dropTable': {
      push({kind: 'dropTable', table: op.table})
      break
    }

    case 'renameTable': {
      push({kind: 'renameTable', newName: op.newName, table: op.table})
      break
    }

    case 'addColumn': {
      push({
        column: operationColumn(op.column, dialect),
        kind: 'addColumn',
        rebuilt: inBatch || undefined,
        table: op.table,
      })
      break
    }

    case 'dropColumn': {
      push({column: op.column, kind: 'dropColumn', table: op.table})
      break
    }

    case 'alterColumn': {
      const {column, table} = op
      if (op.type !== undefined) {
        push({
          column,
          existing: op.existingType === undefined ? undefined : type(op.existingType),
          kind: 'alterType',
          table,
          type: type(op.type),
        })
      }

      if (op.nullable === false && op.existingNullable !== false) push({column, kind: 'setNotNull', table})
      if (op.nullable === true && op.existingNullable !== true) push({column, kind: 'dropNotNull', table})
      if (op.sequence) push({column, how: 'serial', kind: 'numbering', table})
      else if (op.autoincrement && !op.existingAutoincrement)
        push({column, how: dialect === 'postgresql' ? 'identity' : 'auto_increment', kind: 'numbering', table})
      if (op.newName !== undefined) push({column, kind: 'renameColumn', newName: op.newName, table})
      break
    }

    case 'recreateEnumType': {
      // Each column is converted to the new type: a rewrite under an exclusive lock, as a change of type is.
      for (const c of op.columns)
        push({
          column: c.column,
          kind: 'alterType',
          table: c.table,
          type: {name: 'enum', text: `the recreated enum ${op.name}`},
        })
      break
    }

    case 'createIndex': {
      push({
        columns: op.columns.length,
        concurrently: Boolean(op.concurrently),
        kind: 'createIndex',
        method: op.fulltext ? 'fulltext' : op.spatial ? 'spatial' : op.using,
        name: op.name,
        table: op.table,
        unique: Boolean(op.unique),
      })
      break
    }

    case 'dropIndex': {
      push({concurrently: false, kind: 'dropIndex', name: op.name, table: op.table})
      break
    }

    case 'createPrimaryKey': {
      push({constraint: 'primaryKey', kind: 'addConstraint', name: op.name, table: op.table})
      break
    }

    case 'createUniqueConstraint': {
      push({constraint: 'unique', kind: 'addConstraint', name: op.name, table: op.table})
      break
    }

    case 'createForeignKey': {
      push({
        constraint: 'foreignKey',
        kind: 'addConstraint',
        name: op.name,
        referencedTable: op.referent,
        table: op.table,
      })
      break
    }

    case 'createCheckConstraint': {
      push({constraint: 'check', kind: 'addConstraint', name: op.name, table: op.table})
      break
    }

    case 'dropConstraint': {
      push({
        constraint: op.type ? CONSTRAINT[op.type] : undefined,
        kind: 'dropConstraint',
        name: op.name,
        table: op.table,
      })
      break
    }

    case 'execute': {
      return [] // read statement by statement by operationStatements, or counted there without a reader
    }

    case 'addEnumValue': {
      push({
        kind: 'addEnumValue',
        positioned: op.before !== undefined || op.after !== undefined,
        type: op.name,
        value: op.value,
      })
      break
    }

    case 'createDomain': {
      push({constrained: (op.checks ?? []).length > 0, kind: 'createDomain', name: op.name})
      break
    }

    case 'alterDomain': {
      if ((op.addChecks ?? []).length > 0) push({kind: 'alterDomainAddConstraint', name: op.name})
      break
    }

    case 'alterPartition': {
      // Detached (not concurrently: it is attached again in the same step) and attached again with the new bound.
      push({concurrently: false, kind: 'detachPartition', partition: op.partition, table: op.table})
      break
    }

    case 'alterTableOptions': {
      if (dialect === 'mysql' && op.mysqlEngine !== undefined) push({kind: 'rebuild', table: op.table, what: 'engine'})
      else push({kind: 'harmless', what: 'table options'})
      break
    }

    case 'batchAlterTable': {
      if (dialect === 'sqlite') push({kind: 'rebuild', table: op.table, what: 'sqlite batch'})
      for (const inner of op.operations) push(...operationActions(inner, dialect, readSql, dialect === 'sqlite'))
      break
    }

    default: {
      push({kind: 'harmless', what: op.kind})
      break
    }
  }

  return actions
}

/**
 * A revision's operations as statements: one per operation (at the line the
 * script called it, when `lines` knows it), and one per statement of each
 * raw SQL text, read by `readSql` (its line counted from the call's).
 */
export function operationStatements(
  operations: readonly Operation[],
  dialect: DialectName,
  readSql?: SqlReader,
  lines?: ReadonlyMap<Operation, number>,
): LintStatement[] {
  const out: LintStatement[] = []
  let unread = 0
  for (const op of operations) {
    const line = lines?.get(op)
    if (op.kind === 'execute') {
      if (!readSql) unread++
      for (const s of readSql?.(op.sql) ?? [])
        out.push({...s, line: line === undefined || s.line === undefined ? line : line + s.line - 1})
      continue
    }

    out.push({actions: operationActions(op, dialect, readSql), ...(line === undefined ? {} : {line})})
  }

  // Without a reader, the raw SQL is named once, counted.
  const what = `${unread} raw SQL statement${unread === 1 ? '' : 's'} (op.execute or a .sql script)`
  if (unread > 0) out.push({actions: [{kind: 'unclassified', what}]})
  return out
}
