import type {DialectName} from '../util/dialect-names.js'
import type {Operation} from '../operations/nodes.js'
import {type Action, type ColumnFacts, type LintStatement, tableKey, type TypeFacts} from './actions.js'
import {RULES} from './catalog.js'
import {operationStatements} from './from-operations.js'
import {mysqlCost, type MysqlTarget, typeChangeIsSafe} from './mysql-online.js'
import {NARROW_INTEGERS} from './types.js'

export {RULES, type Rule, type Severity} from './catalog.js'

/** The servers the lint judges for: some changes are safe only from a version on. */
export interface LintTarget {
  /** PostgreSQL's server_version_num: 120000 for 12.0, 140003 for 14.3. */
  readonly postgresql: number
  readonly mysql: MysqlTarget
}

/**
 * Without a database or a configured version: PostgreSQL 12 (a constant
 * default is safe since 11; SET NOT NULL may use a valid check and REINDEX
 * runs CONCURRENTLY since 12) and MySQL 8.0.29 (an instant ADD or DROP
 * COLUMN anywhere; MariaDB has had both since 10.4).
 */
export const DEFAULT_TARGET: LintTarget = {mysql: {mariadb: false, version: 80_029}, postgresql: 120_000}

/** A finding before suppression: the rule, what it found, and where. */
export interface Finding {
  readonly rule: string
  readonly message: string
  readonly line?: number
}

export interface CheckOptions {
  readonly target?: LintTarget
  /** The first of `schemas` (PostgreSQL): tables of the others are told apart by their schema. */
  readonly homeSchema?: string
}

/**
 * What the rules find in one revision's operations (recorded as nodes), for
 * the dialect it runs on. Changes to a table the revision itself creates are
 * no findings: it is empty.
 */
export function findings(
  operations: readonly Operation[],
  dialect: DialectName,
  options: CheckOptions = {},
): Finding[] {
  return check(operationStatements(operations, dialect), dialect, options)
}

/** The rules on a revision's statements, in order: each operation's, and each raw SQL statement's. */
export function check(
  statements: readonly LintStatement[],
  dialect: DialectName,
  options: CheckOptions = {},
): Finding[] {
  const target = options.target ?? DEFAULT_TARGET
  const out: Finding[] = []
  const created = new Set<string>()
  /** Session settings, and (PostgreSQL) the constraints this revision added NOT VALID. */
  const settings = new Map<string, string>()
  let line: number | undefined
  const add = (rule: string, message: string) => {
    if (RULES[rule].dialects.includes(dialect)) out.push({message, rule, ...(line === undefined ? {} : {line})})
  }

  const existing = (table: string) => !created.has(tableKey(table, options.homeSchema))
  const pg = dialect === 'postgresql'
  const my = dialect === 'mysql'
  const sqlite = dialect === 'sqlite'

  /** The rules about a column's type and key, wherever the column is declared (a new table's too). */
  const columnDesign = (table: string, column: ColumnFacts) => {
    const where = `${table}.${column.name}`
    if (column.autoincrement === 'serial') add('DM111', `column ${where} numbered by a sequence (serial)`)
    designOfType(where, column.type, column.primaryKey || column.autoincrement !== undefined)
  }

  const designOfType = (where: string, type: TypeFacts | undefined, key: boolean) => {
    if (!type) return
    if (type.name === 'char' && pg) add('DM120', `column ${where} is ${type.text}`)
    if (type.name === 'varchar' && type.length !== undefined && pg) add('DM123', `column ${where} is ${type.text}`)
    if (type.name === 'timestamp' && pg) add('DM122', `column ${where} is ${type.text} (without time zone)`)
    if (type.name === 'json' && pg) add('DM124', `column ${where} is json`)
    if (key && NARROW_INTEGERS.has(type.name) && !sqlite) add('DM121', `key column ${where} is ${type.text}`)
  }

  const addColumn = (action: Extract<Action, {kind: 'addColumn'}>) => {
    const {column, table} = action
    const where = `${table}.${column.name}`
    columnDesign(table, column)
    if (!existing(table)) return
    const computed = column.default && !column.default.isNull ? column.default : undefined
    if (column.notNull && !computed && !column.autoincrement && !column.generated)
      add('DM102', `add NOT NULL column ${where} without a default`)
    if (sqlite) {
      const refused = action.rebuilt ? undefined : sqliteRefusal(column)
      if (refused) add('DM113', `add column ${where} ${refused}`)
      return
    }

    if (computed) {
      if (pg && computed.volatile) add('DM112', `add column ${where} with the volatile default ${computed.text}`)
      else if (pg && target.postgresql < 110_000)
        add('DM112', `add column ${where} with a default (${computed.text}) before PostgreSQL 11`)
      else if (my && computed.parenthesised)
        add('DM112', `add column ${where} with the expression default ${computed.text}`)
    }

    if (column.autoincrement) add('DM114', `add ${column.autoincrement} column ${where} to existing table ${table}`)
    if (column.generated === 'stored') add('DM115', `add STORED generated column ${where}`)
    if (pg && column.references) add('DM105', `add column ${where} referencing ${column.references}`)
    if (pg && column.check) add('DM105', `add column ${where} with a CHECK`)
    if (pg && column.unique) add('DM108', `add column ${where} UNIQUE`)
    if (pg && column.primaryKey) add('DM118', `add column ${where} as the PRIMARY KEY`)
  }

  const visit = (action: Action): void => {
    switch (action.kind) {
      case 'createTable': {
        created.add(tableKey(action.table, options.homeSchema))
        for (const c of action.columns) columnDesign(action.table, c)
        break
      }

      // What the same revision created holds no data and no running code reads it.
      case 'dropTable': {
        if (existing(action.table)) add('DM101', `drop table ${action.table}`)
        created.delete(tableKey(action.table, options.homeSchema))
        break
      }

      case 'dropColumn': {
        if (existing(action.table)) add('DM101', `drop column ${action.table}.${action.column}`)
        break
      }

      case 'truncate': {
        add('DM101', `truncate ${action.tables.join(', ')}`)
        if (action.cascade) add('DM125', `truncate ${action.tables.join(', ')} CASCADE`)
        break
      }

      case 'addColumn': {
        addColumn(action)
        break
      }

      case 'createIndex': {
        const what = `index ${action.name ?? '(unnamed)'} on ${action.table}`
        if (!action.unique && action.columns > 3) add('DM137', `${what} has ${action.columns} columns`)
        if (!existing(action.table)) break
        if (pg && !action.concurrently && !action.only)
          add(
            'DM103',
            `create index ${action.name ?? '(unnamed)'} on existing table ${action.table} without concurrently`,
          )
        if (pg && action.concurrently && target.postgresql >= 140_000 && target.postgresql < 140_004)
          add('DM146', `create ${what} concurrently on PostgreSQL ${pgVersionText(target.postgresql)}`)
        break
      }

      case 'dropIndex': {
        if (pg && !action.concurrently && (action.table === undefined || existing(action.table)))
          add('DM116', `drop index ${action.name} without concurrently`)
        break
      }

      case 'alterType': {
        designOfType(`${action.table}.${action.column}`, action.type, false)
        if (!existing(action.table)) break
        if (sqlite) break
        if (action.existing && typeChangeIsSafe(action.existing, action.type, dialect)) break
        const restated =
          action.restated && !action.existing ? ' (MODIFY restates the column: unless its type is unchanged)' : ''
        add('DM104', `change the type of ${action.table}.${action.column} to ${action.type.text}${restated}`)
        break
      }

      case 'renameColumn': {
        if (existing(action.table)) add('DM106', `rename column ${action.table}.${action.column} to ${action.newName}`)
        break
      }

      case 'renameTable': {
        if (existing(action.table)) add('DM106', `rename table ${action.table} to ${action.newName}`)
        else created.add(tableKey(action.newName, options.homeSchema))
        created.delete(tableKey(action.table, options.homeSchema))
        break
      }

      case 'setNotNull': {
        if (existing(action.table) && pg) add('DM107', `set ${action.table}.${action.column} NOT NULL`)
        break
      }

      case 'dropNotNull': {
        if (existing(action.table)) add('DM117', `drop NOT NULL of ${action.table}.${action.column}`)
        break
      }

      case 'addConstraint': {
        if (!existing(action.table)) break
        const what = `${action.name ?? '(unnamed)'} on existing table ${action.table}`
        if (!pg) break
        if (action.usingIndex) break
        if (action.constraint === 'foreignKey' && !action.notValid) add('DM105', `add foreign key ${what}`)
        if (action.constraint === 'check' && !action.notValid) add('DM105', `add check ${what}`)
        if (action.constraint === 'check' || action.constraint === 'foreignKey') {
          if (action.notValid && action.name) settings.set(`not valid:${action.name.toLowerCase()}`, action.table)
        }

        if (action.constraint === 'unique') add('DM108', `add unique constraint ${what}`)
        if (action.constraint === 'primaryKey') add('DM118', `add primary key ${what}`)
        if (action.constraint === 'exclusion') add('DM136', `add exclusion constraint ${what}`)
        break
      }

      case 'dropConstraint': {
        if (existing(action.table) && !action.replaced)
          add(
            'DM119',
            action.constraint === 'primaryKey' && !action.name
              ? `drop the primary key of ${action.table}`
              : `drop constraint ${action.name ?? ''} of ${action.table}`,
          )
        break
      }

      case 'rebuild': {
        const on = action.table ? ` ${action.table}` : ''
        if (action.what === 'sqlite batch') {
          if (action.table && existing(action.table))
            add('DM109', `batchAlterTable rebuilds existing table ${action.table}`)
        } else if (action.what === 'vacuum full' || action.what === 'cluster' || (action.what === 'vacuum' && sqlite)) {
          add('DM126', `${action.what.toUpperCase()}${on}`)
        } else if (action.what.startsWith('set ') && pg) {
          if (!action.table || existing(action.table)) add('DM129', `${action.what.toUpperCase()} of${on}`)
        }

        break
      }

      case 'reindex': {
        if (!action.concurrently) add('DM127', `REINDEX ${action.target} without concurrently`)
        else if (target.postgresql >= 140_000 && target.postgresql < 140_004)
          add('DM146', `REINDEX ${action.target} concurrently on PostgreSQL ${pgVersionText(target.postgresql)}`)
        break
      }

      case 'lockTable': {
        add('DM128', `lock ${action.tables.join(', ')} (${action.mode})`)
        break
      }

      case 'addEnumValue': {
        if (!action.positioned) add('DM130', `add value '${action.value}' to enum ${action.type} without BEFORE/AFTER`)
        break
      }

      case 'renameEnumValue': {
        add('DM134', `rename value '${action.value}' of enum ${action.type} to '${action.newValue}'`)
        break
      }

      case 'createDomain': {
        if (action.constrained) add('DM132', `create domain ${action.name} with a constraint`)
        break
      }

      case 'alterDomainAddConstraint': {
        add('DM132', `add a constraint to domain ${action.name}`)
        break
      }

      case 'detachPartition': {
        if (!action.concurrently)
          add('DM133', `detach partition ${action.partition} from ${action.table} without concurrently`)
        break
      }

      case 'renameSchema': {
        add('DM135', `rename schema ${action.schema} to ${action.newName}`)
        break
      }

      case 'dropDatabase': {
        add('DM138', `drop ${action.what} ${action.name}`)
        break
      }

      case 'refreshMaterializedView': {
        if (!action.concurrently) add('DM145', `refresh materialized view ${action.name} without concurrently`)
        break
      }

      case 'writeRows': {
        if (!action.bounded && existing(action.table))
          add('DM144', `${action.verb} every row of ${action.table} in one statement`)
        break
      }

      case 'name': {
        const bytes = Buffer.byteLength(action.name)
        if (pg && bytes > 63) add('DM131', `${action.what} name ${action.name} is ${bytes} bytes`)
        if (my && [...action.name].length > 64)
          add('DM131', `${action.what} name ${action.name} is ${[...action.name].length} characters`)
        break
      }

      case 'setting': {
        settings.set(action.name.toLowerCase(), action.value.toLowerCase())
        break
      }

      case 'unclassified': {
        add('DM110', action.what)
        break
      }

      case 'syntaxError': {
        add('DM143', action.message)
        break
      }

      case 'numbering': {
        if (action.how === 'serial')
          add('DM111', `column ${action.table}.${action.column} numbered by a sequence (serial)`)
        break
      }

      case 'harmless':
      case 'mysqlClauses': {
        break
      }

      case 'validateConstraint': {
        const table = settings.get(`not valid:${action.name.toLowerCase()}`)
        if (table !== undefined)
          add('DM147', `validate constraint ${action.name} of ${action.table} in the revision that added it NOT VALID`)
        break
      }
    }
  }

  for (const statement of statements) {
    line = statement.line
    if (my) mysqlStatement(statement.actions, {add, existing, settings, target: target.mysql})
    for (const action of statement.actions) visit(action)
  }

  return out
}

/** `14.3` from 140003; `9.6` from 90600. */
function pgVersionText(num: number): string {
  return num >= 100_000
    ? `${Math.floor(num / 10_000)}.${num % 10_000}`
    : `${Math.floor(num / 10_000)}.${Math.floor(num / 100) % 100}`
}

/** What SQLite's ALTER TABLE ADD COLUMN refuses (its docs, "ALTER TABLE ADD COLUMN"), in words; else undefined. */
function sqliteRefusal(column: ColumnFacts): string | undefined {
  if (column.primaryKey) return 'as a PRIMARY KEY'
  if (column.unique) return 'UNIQUE'
  if (column.generated === 'stored') return 'as a STORED generated column'
  const d = column.default
  if (d && !d.isNull && d.expression) return `with the non-constant default ${d.text}`
  if (column.references && d && !d.isNull) return 'with a REFERENCES and a default other than NULL'
  return undefined
}

/**
 * MySQL: what one ALTER TABLE costs as a whole. Its ALGORITHM= and LOCK=
 * clauses are refused when any change in it cannot be made that way
 * (DM141); an explicit COPY or SHARED/EXCLUSIVE lock blocks writes (DM139);
 * a change that only a copy or a write lock can make (DM140, when no rule of
 * its own names it), and an in-place rebuild (DM142), are named.
 */
function mysqlStatement(
  actions: readonly Action[],
  context: {
    add: (rule: string, message: string) => void
    existing: (table: string) => boolean
    settings: ReadonlyMap<string, string>
    target: MysqlTarget
  },
): void {
  const clauses = actions.find((a) => a.kind === 'mysqlClauses')
  const table = clauses?.table ?? actions.find((a) => 'table' in a && typeof a.table === 'string')
  const tableName = typeof table === 'string' ? table : table && 'table' in table ? String(table.table) : undefined
  if (tableName === undefined || !context.existing(tableName)) return
  const foreignKeyChecks =
    context.settings.get('foreign_key_checks') !== '0' && context.settings.get('foreign_key_checks') !== 'off'
  const costs = actions.flatMap((a) => {
    const cost = mysqlCost(a, actions, {foreignKeyChecks, target: context.target})
    return cost ? [{action: a, cost}] : []
  })
  const algorithm = clauses?.algorithm?.toUpperCase()
  const lock = clauses?.lock?.toUpperCase()
  if (algorithm === 'COPY') context.add('DM139', `ALGORITHM=COPY on ${tableName}`)
  if (lock === 'SHARED' || lock === 'EXCLUSIVE') context.add('DM139', `LOCK=${lock} on ${tableName}`)
  const order = {copy: 2, inplace: 1, instant: 0}
  for (const {action, cost} of costs) {
    const what = cost.what
    if (cost.uncertain) continue
    if (algorithm && algorithm !== 'DEFAULT' && algorithm !== 'COPY') {
      const wanted = algorithm === 'INSTANT' ? 0 : 1
      const refused = order[cost.algorithm] > wanted || (algorithm === 'NOCOPY' && cost.rebuild)
      if (refused) context.add('DM141', `ALGORITHM=${algorithm} refused: ${what} needs ${cost.algorithm.toUpperCase()}`)
    }

    if (
      (lock === 'NONE' || lock === 'SHARED') &&
      (cost.algorithm === 'copy' ? lock === 'NONE' : !cost.lockNone && lock === 'NONE')
    )
      context.add('DM141', `LOCK=${lock} refused: ${what} blocks writes`)
    if (cost.ownRule) continue
    if (cost.algorithm === 'copy' || !cost.lockNone)
      context.add('DM140', `${what} (${cost.algorithm === 'copy' ? 'ALGORITHM=COPY' : 'writes blocked'})`)
    else if (cost.rebuild && action.kind !== 'dropColumn') context.add('DM142', `${what} rebuilds ${tableName}`)
  }
}
