import {
  type ColumnSchema,
  createIndexOf,
  indexElementsText,
  type DomainSchema,
  type EnumSchema,
  type ForeignKeySchema,
  type KeySchema,
  type TableSchema,
} from '../model/table-schema.js'
import type {DialectName} from '../util/dialect-names.js'
import {
  type BatchOperation,
  type Column,
  type CreateForeignKey,
  type DefaultValue,
  type EnumColumn,
  type IndexElement,
  looksLikeSql,
  type Operation,
  type ReferentialAction,
  type TableOptions,
} from '../operations/nodes.js'
import {reverse} from '../operations/reverse.js'
import {portableType} from '../model/portable-types.js'
import type {TableDefinition} from './target-schema.js'
import {defaultConstraintName} from '../operations/naming.js'
import {UsageError} from '../util/errors.js'
import {mentions} from '../model/table-changes.js'
import {MYSQL_QUOTED, unescapeMysqlString} from '../dialects/mysql/mysql-literal.js'
import {leavesUnserved, madeForForeignKey} from './foreign-key-indexes.js'
import {shrinkingFirst} from './row-size-order.js'
import {castLiteral, fillValue, sameDefault} from './defaults.js'
import {numberingChange, sameSequence, sequenceOption} from './sequences.js'
import {partitionChanges, partitioning} from './partitions.js'
import type {Change} from './change.js'
import {narrowing, narrowingNote} from './narrowing.js'

export interface CompareOptions {
  readonly dialect: DialectName
  /**
   * A foreign key that closes a cycle among new tables stays inline in its
   * CREATE TABLE (SQLite: no ALTER adds one, and keys are checked only when
   * rows arrive); otherwise it is added once both tables exist.
   */
  readonly inlineCycleKeys?: boolean
  /** The declared tables, when the target is a module: added things are rendered from them (portable types). */
  readonly declared?: Readonly<Record<string, TableDefinition>>
  /** OLD -> NEW table renames the user asked for. */
  readonly renameTables?: ReadonlyMap<string, string>
  /** table -> (OLD -> NEW) column renames. */
  readonly renameColumns?: ReadonlyMap<string, ReadonlyMap<string, string>>
  /** MySQL: a foreign key needs an index, and makes one when it has none (foreign-key-indexes.ts). */
  readonly foreignKeysNeedIndexes?: boolean
  /** MySQL: bytes a column takes toward the row-size limit; changes that free room go first (row-size-order.ts). */
  readonly columnBytes?: (column: ColumnSchema) => number
}

const sql = (text: string): DefaultValue => ({kind: 'sql', sql: text})

/** A change that adds what `create` makes: the downgrade is its reverse. */
function added(description: string, table: string, create: Operation): Change {
  return {description, downgrade: reverse(create), table, upgrade: create}
}

/** A change that drops what `create` would make again: the upgrade is its reverse, the downgrade restores it. */
function dropped(description: string, table: string, create: Operation, more: Partial<Change> = {}): Change {
  return {description, downgrade: create, table, upgrade: reverse(create), ...more}
}

/**
 * A reflected default as a script states it: a plain literal as a value
 * (`'G'::bpchar` -> 'G', `4.99` -> 4.99, `true`), which every dialect compiles
 * in its own spelling, so a script written against one database runs on
 * another; anything else (a function call, an expression) as op.sql.
 */
export function defaultValue(text: string, dialect?: DialectName, columnType?: string): DefaultValue {
  const t = text.trim()
  // MySQL's literals hold backslash escapes (MariaDB reports `'a\\b'`, `'\0\0'`): read with its rules.
  const mysql = dialect === 'mysql' ? MYSQL_QUOTED.exec(t) : null
  if (mysql) return stringDefault(t, unescapeMysqlString(mysql[1]))
  const quoted = /^'((?:[^']|'')*)'(?:::([\w\s".]+(?:\(\d+(?:,\s*\d+)?\))?(?:\[])?))?$/.exec(t)
  // Cast to another type than the column's (text DEFAULT ''::character varying): stated so the server keeps that cast.
  const cast = quoted?.[2] && columnType !== undefined ? castLiteral(t, quoted[1], quoted[2], columnType) : undefined
  if (cast !== undefined) return cast
  // Text that reads as SQL (a stored 'now()') stays a quoted literal, which a string default may not be.
  if (quoted)
    return looksLikeSql(quoted[1].replaceAll("''", "'")) ? sql(`'${quoted[1]}'`) : quoted[1].replaceAll("''", "'")
  const number = /^\(?(-?\d{1,15}(?:\.\d{1,15})?)\)?(?:::[\w\s]+)?$/.exec(t)
  if (number && String(Number(number[1])) === number[1]) return Number(number[1])
  if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true'
  return sql(t)
}
/** A string default as its value, unless the value reads as SQL (then the literal, as op.sql). */
const stringDefault = (literal: string, value: string): DefaultValue => (looksLikeSql(value) ? sql(literal) : value)
const keyOf = (k: {columns: readonly string[]}) => k.columns.join(',')
const sameColumn = (a: ColumnSchema, b: ColumnSchema) =>
  a.type.toLowerCase() === b.type.toLowerCase() &&
  (a.nullable === b.nullable || Boolean(a.rowid && b.rowid)) &&
  sameDefault(a.default, b.default) &&
  Boolean(a.autoincrement) === Boolean(b.autoincrement) &&
  (a.identity === 'always') === (b.identity === 'always') &&
  a.collation === b.collation &&
  a.comment === b.comment &&
  a.onUpdateDefault === b.onUpdateDefault &&
  sameSequence(a.sequence, b.sequence)
/** Both plain, or both generated by the same expression (as the database prints it), of the same kind. */
const sameGeneration = (a: ColumnSchema, b: ColumnSchema) =>
  a.generated?.expression === b.generated?.expression && a.generated?.stored === b.generated?.stored

/** A reflected column as an op.column: a portable type where one round-trips, the database's default text. */
export function reflectedColumn(
  c: ColumnSchema,
  dialect: DialectName,
  primaryKey = false,
  table?: TableSchema,
): Column {
  return {
    autoincrement: c.autoincrement || undefined,
    // A MySQL column in its table's collation says nothing: it follows the table's.
    collation: c.collation === table?.mysqlCollate ? undefined : c.collation,
    comment: c.comment,
    default: c.default === undefined ? undefined : defaultValue(c.default, dialect, c.type),
    generated: c.generated ? {expression: c.generated.expression, stored: c.generated.stored} : undefined,
    identity: c.autoincrement && c.identity === 'always' ? 'always' : undefined,
    name: c.name,
    // A key is NOT NULL unless it says otherwise (SQLite lets a key column be declared without NOT NULL).
    nullable: primaryKey && !c.nullable ? undefined : c.nullable,
    onUpdateDefault: c.onUpdateDefault === undefined ? undefined : defaultValue(c.onUpdateDefault, dialect),
    primaryKey: primaryKey || undefined,
    sequence: sequenceOption(c),
    type: portableType(dialect, c.type),
  }
}

/**
 * Compare the live schema with the target (both as the same database reports
 * them, so spellings agree) and list the changes, each with its inverse.
 */
export function compareSchemas(
  live: readonly TableSchema[],
  target: readonly TableSchema[],
  options: CompareOptions,
): Change[] {
  const changes: Change[] = []
  const liveByName = new Map(live.map((t) => [t.name, t]))
  const targetByName = new Map(target.map((t) => [t.name, t]))
  const renamedAway = new Set<string>()
  for (const [from, to] of options.renameTables ?? []) {
    const table = liveByName.get(from)
    if (!table || !targetByName.has(to) || liveByName.has(to)) continue
    renamedAway.add(from)
    liveByName.delete(from)
    liveByName.set(to, {...table, name: to})
    changes.push(added(`rename table ${from} to ${to}`, to, {kind: 'renameTable', newName: to, table: from}))
  }

  // New tables in foreign-key order, each created whole; a key to a table created later (a cycle) is added after both
  // exist.
  const created = orderByReferences(target.filter((t) => !liveByName.has(t.name)))
  const deferred = (order: readonly TableSchema[], i: number) =>
    new Set(options.inlineCycleKeys ? [] : order.slice(i + 1).map((t) => t.name))
  const closing: Change[] = []
  for (const [i, table] of created.entries()) {
    for (const change of createTableChanges(table, options, deferred(created, i)))
      (change.upgrade?.kind === 'createForeignKey' ? closing : changes).push(change)
  }

  changes.push(...closing)

  // Dropped tables: the downgrade recreates them as above, so the upgrade drops in reverse: cycle-closing keys first.
  const gone = orderByReferences(live.filter((t) => !targetByName.has(t.name) && !renamedAway.has(t.name)))
  // Partitions first: an index a partition drops goes before one its parent adds, which PostgreSQL would attach it to.
  const kept = [...target]
    .sort((a, b) => Number(!a.partitionOf) - Number(!b.partitionOf))
    .flatMap((t) => (liveByName.has(t.name) ? compareTable(liveByName.get(t.name)!, t, options) : []))
  // A kept table's key to a table that goes is dropped before it: PostgreSQL and MySQL refuse the DROP TABLE while
  // the key holds.
  const goneNames = new Set(gone.map((t) => t.name))
  const keyToGone = (c: Change) =>
    c.upgrade?.kind === 'dropConstraint' &&
    c.downgrade?.kind === 'createForeignKey' &&
    goneNames.has(c.downgrade.referent)
  changes.push(...kept.filter((c) => keyToGone(c)))
  const recreate = gone.map((table, i) =>
    createTableChanges(table, {...options, declared: undefined}, deferred(gone, i)),
  )
  for (const [i, [, ...extras]] of recreate.entries()) {
    for (const extra of extras.filter((e) => e.downgrade))
      changes.push(dropped(`drop ${extra.description.replace(/^add /, '')}`, gone[i].name, extra.upgrade!))
  }

  for (const [i, [create, ...extras]] of [...recreate.entries()].reverse()) {
    const table = gone[i]
    for (const extra of extras.filter((e) => !e.downgrade))
      changes.push({
        description: `${extra.description} (restored when ${table.name} is recreated)`,
        downgrade: extra.upgrade,
        table: table.name,
      })
    changes.push(dropped(`drop table ${table.name}`, table.name, create.upgrade!, {destructive: true}))
  }

  changes.push(...kept.filter((c) => !keyToGone(c)))
  return changes
}

function orderByReferences(tables: readonly TableSchema[]): TableSchema[] {
  const names = new Set(tables.map((t) => t.name))
  const done = new Set<string>()
  const out: TableSchema[] = []
  const visit = (t: TableSchema, path: Set<string>) => {
    if (done.has(t.name) || path.has(t.name)) return
    path.add(t.name)
    // A partition comes after its parent.
    for (const fk of [...t.foreignKeys, ...(t.partitionOf ? [{referent: t.partitionOf.parent}] : [])]) {
      const ref = tables.find((x) => x.name === fk.referent)
      if (ref && names.has(ref.name) && ref !== t) visit(ref, path)
    }

    done.add(t.name)
    out.push(t)
  }

  for (const t of tables) visit(t, new Set())
  return out
}

/**
 * A new table as Alembic renders one: a createTable holding its key, uniques,
 * checks and foreign keys, then its indexes. Dropping the table undoes all of
 * that, so only a foreign key to a table created later (`later`, a cycle) is
 * a change of its own, added once both tables exist and dropped first.
 */
function createTableChanges(table: TableSchema, options: CompareOptions, later: ReadonlySet<string>): Change[] {
  const declared = options.declared?.[table.name]
  const pk = table.primaryKey?.columns ?? []
  // A key of its own name (pushers2_pkey on pushers) is written as the table's, so the name is kept.
  const keyName = table.primaryKey?.name
  const ownName = keyName !== undefined && keyName !== defaultConstraintName.primaryKey(table.name)
  const flagged = pk.length === 1 && !ownName ? pk : []
  const columns = table.partitionOf
    ? []
    : declared
      ? declared.columns.map((c) => ({
          ...c,
          onDelete: undefined,
          onUpdate: undefined,
          primaryKey: flagged.includes(c.name) || undefined,
          references: undefined,
          unique: undefined,
        }))
      : table.columns.map((c) => reflectedColumn(c, options.dialect, flagged.includes(c.name), table))
  const inline = table.foreignKeys.filter((f) => !later.has(f.referent))
  const named = <T extends {name?: string}>(k: T) => (k.name === undefined ? omit(k, 'name') : k)
  const create: Operation = {
    checks:
      table.checks.length > 0 ? table.checks.map((c) => named({condition: c.condition, name: c.name})) : undefined,
    columns,
    foreignKeys:
      inline.length > 0 ? inline.map((f) => named({...omit(f, 'onDelete', 'onUpdate'), ...actions(f)})) : undefined,
    kind: 'createTable',
    primaryKey: pk.length > 1 || ownName ? named({columns: pk, name: table.primaryKey?.name}) : undefined,
    table: table.name,
    uniques:
      table.uniques.length > 0
        ? table.uniques.map((u) =>
            named({columns: u.columns, name: u.name, ...(u.nullsNotDistinct ? {nullsNotDistinct: true} : {})}),
          )
        : undefined,
    ...tableOptions(table),
    ...partitioning(table),
  }
  const of = table.partitionOf ? ` (partition of ${table.partitionOf.parent})` : ''
  const changes: Change[] = [added(`add table ${table.name}${of}`, table.name, create)]
  // MySQL makes an inline foreign key's index with the table.
  for (const index of table.indexes.filter((i) => !(options.foreignKeysNeedIndexes && madeForForeignKey(i, inline)))) {
    const op = createIndexOf(table.name, index)
    changes.push({description: `add ${describeExtra(op)}`, table: table.name, upgrade: op})
  }

  for (const f of table.foreignKeys.filter((k) => later.has(k.referent)))
    changes.push(extraChange(table.name, createForeignKey(table.name, f), 'add'))
  return changes
}

const TABLE_OPTIONS = ['comment', 'mysqlCollate', 'mysqlEngine', 'mysqlRowFormat'] as const

function tableOptions(table: TableSchema): TableOptions {
  return Object.fromEntries(TABLE_OPTIONS.filter((k) => table[k] !== undefined).map((k) => [k, table[k]]))
}

/** A change of the table's comment or MySQL options, each direction restating what it sets. */
function tableOptionsChange(live: TableSchema, target: TableSchema): Change[] {
  const changed = TABLE_OPTIONS.filter((k) => live[k] !== target[k])
  if (changed.length === 0) return []
  const to = (t: TableSchema): Operation => ({
    kind: 'alterTableOptions',
    table: target.name,
    // Back to no option: no comment, ROW_FORMAT=DEFAULT, the server's default engine (ENGINE takes no DEFAULT).
    ...Object.fromEntries(
      changed.map((k) => [
        k,
        t[k] ??
          {comment: null, mysqlEngine: live.mysqlDefaultEngine ?? target.mysqlDefaultEngine, mysqlRowFormat: 'DEFAULT'}[
            k as string
          ],
      ]),
    ),
  })
  const describe = (t: TableSchema) =>
    changed.map((k) => `${k} ${t[k] === undefined ? '(none)' : JSON.stringify(t[k])}`).join(', ')
  return [
    {
      description: `change table ${target.name}: ${describe(live)} -> ${describe(target)}`,
      downgrade: to(live),
      table: target.name,
      upgrade: to(target),
    },
  ]
}

function omit<T extends object, K extends keyof T>(object: T, ...keys: K[]): Omit<T, K> {
  const copy = {...object}
  for (const key of keys) delete copy[key]
  return copy
}

function actions(f: ForeignKeySchema): {onDelete?: ReferentialAction; onUpdate?: ReferentialAction} {
  return {
    ...(f.onDelete ? {onDelete: f.onDelete as ReferentialAction} : {}),
    ...(f.onUpdate ? {onUpdate: f.onUpdate as ReferentialAction} : {}),
  }
}

/** Indexes and constraints of a table as batch operations that create them. */
function tableExtras(table: TableSchema): BatchOperation[] {
  return [
    ...table.uniques.map((u): BatchOperation => ({
      columns: u.columns,
      kind: 'createUniqueConstraint',
      name: u.name ?? defaultConstraintName.unique(table.name, u.columns),
      table: table.name,
      ...(u.nullsNotDistinct ? {nullsNotDistinct: true} : {}),
    })),
    ...table.foreignKeys.map((f) => createForeignKey(table.name, f)),
    ...table.checks.map((c): BatchOperation => ({
      condition: c.condition,
      kind: 'createCheckConstraint',
      name: c.name ?? defaultConstraintName.check(table.name),
      table: table.name,
    })),
    ...table.indexes.map((i) => createIndexOf(table.name, i)),
  ]
}

function createForeignKey(table: string, f: ForeignKeySchema): BatchOperation {
  return {
    columns: f.columns,
    kind: 'createForeignKey',
    name: f.name ?? defaultConstraintName.foreignKey(table, f.columns),
    onDelete: f.onDelete as never,
    onUpdate: f.onUpdate as never,
    referent: f.referent,
    referentColumns: f.referentColumns,
    table,
    ...(f.deferrable ? {deferrable: true} : {}),
    ...(f.initiallyDeferred ? {initiallyDeferred: true} : {}),
  }
}

/** The inverse of creating an index or constraint. */
function describeExtra(op: BatchOperation): string {
  switch (op.kind) {
    case 'createIndex': {
      const kind = [
        op.unique && 'unique',
        op.nullsNotDistinct && 'nulls not distinct',
        op.fulltext && 'fulltext',
        op.spatial && 'spatial',
        op.using,
      ]
        .filter(Boolean)
        .join(' ')
      return `${kind ? `${kind} ` : ''}index ${op.name} on ${op.table} (${indexElementsText(op).join(', ')})${op.include ? ` include (${op.include.join(', ')})` : ''}${
        op.with
          ? ` with (${Object.entries(op.with)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`
          : ''
      }${op.where ? ` where ${op.where}` : ''}`
    }

    case 'createUniqueConstraint': {
      return `unique constraint ${op.name} on ${op.table} (${op.columns.join(', ')})${op.nullsNotDistinct ? ' nulls not distinct' : ''}`
    }

    case 'createForeignKey': {
      return `foreign key ${op.name} on ${op.table} (${op.columns.join(', ')}) -> ${op.referent}`
    }

    case 'createCheckConstraint': {
      return `check constraint ${op.name} on ${op.table} (${op.condition})`
    }

    default: {
      return op.kind
    }
  }
}

function extraChange(table: string, create: BatchOperation, direction: 'add' | 'drop'): Change {
  return direction === 'add'
    ? added(`add ${describeExtra(create)}`, table, create)
    : dropped(`drop ${describeExtra(create)}`, table, create)
}

function compareTable(live: TableSchema, target: TableSchema, options: CompareOptions): Change[] {
  const changes: Change[] = []
  const name = target.name
  const declared = options.declared?.[name]
  const renames = options.renameColumns?.get(name) ?? new Map<string, string>()
  const liveColumns = new Map(live.columns.map((c) => [c.name, c]))
  for (const [from, to] of renames) {
    const c = liveColumns.get(from)
    if (!c || liveColumns.has(to) || !target.columns.some((t) => t.name === to)) continue
    liveColumns.delete(from)
    liveColumns.set(to, {...c, name: to})
    changes.push(
      added(`rename column ${name}.${from} to ${to}`, name, {
        column: from,
        existingNullable: c.nullable,
        existingType: portableType(options.dialect, c.type),
        kind: 'alterColumn',
        newName: to,
        table: name,
        ...existingDefault(c, options.dialect),
      }),
    )
  }

  const targetColumns = new Map(target.columns.map((c) => [c.name, c]))
  const regenerated = new Set<string>()
  for (const c of target.columns) {
    const before = liveColumns.get(c.name)
    const declaredColumn = declared?.columns.find((d) => d.name === c.name)
    const addition = (): Operation => {
      const declaredOrReflected = declaredColumn
        ? {...declaredColumn, references: undefined, unique: undefined}
        : reflectedColumn(c, options.dialect, false, target)
      return {column: declaredOrReflected, kind: 'addColumn', table: name}
    }

    if (!before) {
      changes.push(added(`add column ${name}.${c.name} ${c.type}${generation(c)}`, name, addition()))
    } else if (!sameGeneration(before, c)) {
      // No database here alters a generation in place (PostgreSQL 15 has no SET EXPRESSION): the column is
      // dropped and added again, with the indexes and constraints on it. A plain column's values go with it.
      regenerated.add(c.name)
      changes.push(
        dropped(
          `drop column ${name}.${c.name}${generation(before)}`,
          name,
          {column: reflectedColumn(before, options.dialect, false, live), kind: 'addColumn', table: name},
          {destructive: !before.generated || !c.generated},
        ),
        added(`add column ${name}.${c.name} ${c.type}${generation(c)}`, name, addition()),
      )
    } else if (!sameColumn(before, c)) {
      const column = `${name}.${c.name}`
      const note = (from: ColumnSchema, to: ColumnSchema, direction: 'downgrade' | 'upgrade') => {
        const why = narrowing(from.type, to.type, options.dialect)
        return why === undefined
          ? undefined
          : narrowingNote(column, from.type, to.type, why, options.dialect, direction)
      }
      const narrows = {downgrade: note(c, before, 'downgrade'), upgrade: note(before, c, 'upgrade')}
      changes.push({
        description: `change column ${column}: ${describeColumn(before)} -> ${describeColumn(c)}`,
        downgrade: alterTo(name, c, before, undefined, options.dialect),
        ...(narrows.upgrade || narrows.downgrade ? {narrows} : {}),
        table: name,
        upgrade: alterTo(name, before, c, declaredColumn, options.dialect),
      })
    }
  }

  // Last first, so the downgrade adds them back in their order.
  for (const c of [...liveColumns.values()].reverse()) {
    if (!targetColumns.has(c.name)) changes.push(...droppedColumn(live, c, options.dialect))
  }

  if (options.columnBytes) shrinkingFirst(changes, liveColumns, targetColumns, options.columnBytes)
  const liveExtras = new Map(tableExtras(live).map((op) => [extraKey(op), op]))
  const targetExtras = new Map(tableExtras(target).map((op) => [extraKey(op), op]))
  // Drops: foreign keys first, then checks, uniques, indexes (MySQL will not drop an index a foreign key needs); adds
  // the other way round.
  const rank = (op: BatchOperation) =>
    ['createForeignKey', 'createCheckConstraint', 'createUniqueConstraint', 'createIndex'].indexOf(op.kind)
  const onRegenerated = (op: BatchOperation) => [...regenerated].some((column) => namesColumn(op, column))
  const drops = [...liveExtras]
    .filter(([key, op]) => !targetExtras.has(key) || onRegenerated(op))
    .map(([, op]) => op)
    .sort((a, b) => rank(a) - rank(b))
  const adds = [...targetExtras]
    .filter(([key, op]) => !liveExtras.has(key) || onRegenerated(op))
    .map(([, op]) => op)
    .sort((a, b) => rank(b) - rank(a))
  const key =
    keyOf(live.primaryKey ?? {columns: []}) === keyOf(target.primaryKey ?? {columns: []})
      ? {add: [], drop: []}
      : primaryKeyChanges(live, target)
  const keyChanges = key.add.length + key.drop.length > 0
  const relinked = options.foreignKeysNeedIndexes
    ? relink(live, target, {adds, drops, keyChanges, liveExtras, targetExtras})
    : []
  // What goes is dropped before the columns change and what comes is added after, so
  // no drop names a column already gone (PostgreSQL drops an index with its column,
  // a SQLite rebuild leaves it out) and the downgrade re-adds columns before their indexes.
  return [
    ...tableOptionsChange(live, target),
    ...partitionChanges(live, target),
    ...relinked.map((op) => dropped(`drop ${describeExtra(op)} (added again once its indexes have changed)`, name, op)),
    ...key.drop,
    ...drops.map((op) => onlineIndex(extraChange(name, op, 'drop'), live)),
    ...changes,
    ...adds.map((op) => onlineIndex(extraChange(name, op, 'add'), live)),
    ...key.add,
    ...relinked.map((op) => added(`add ${describeExtra(op)} again`, name, op)),
  ]
}

/**
 * MySQL: the foreign keys that stay while the change (or its downgrade) drops
 * every index that serves them, which DROP INDEX refuses (ER_DROP_INDEX_FK):
 * each is dropped before the indexes change and added again after.
 */
function relink(
  live: TableSchema,
  target: TableSchema,
  c: {
    liveExtras: Map<string, BatchOperation>
    targetExtras: Map<string, BatchOperation>
    drops: BatchOperation[]
    adds: BatchOperation[]
    keyChanges: boolean
  },
): CreateForeignKey[] {
  const [drops, adds] = [new Set(c.drops), new Set(c.adds)]
  const pk = (t: TableSchema) => (c.keyChanges ? undefined : t.primaryKey?.columns)
  const kept = [...c.liveExtras.values()].filter(
    (op): op is CreateForeignKey => op.kind === 'createForeignKey' && !drops.has(op),
  )
  return kept.filter(
    (fk) =>
      leavesUnserved(fk, c.liveExtras.values(), drops, pk(live)) ||
      leavesUnserved(fk, c.targetExtras.values(), adds, pk(target)),
  )
}

/**
 * An index on a table that exists is built while the table takes writes
 * (`concurrently`: CONCURRENTLY on PostgreSQL, LOCK=NONE on MySQL), except
 * where the database cannot, which the script says beside it: MySQL's
 * FULLTEXT and SPATIAL indexes, an index on a PostgreSQL partitioned table.
 */
function onlineIndex(change: Change, table: TableSchema): Change {
  const withOnline = (op?: Operation) => (op?.kind === 'createIndex' ? {...op, concurrently: true} : op)
  const create = change.upgrade?.kind === 'createIndex' ? change.upgrade : change.downgrade
  if (create?.kind !== 'createIndex' || create.fulltext || create.spatial) return change
  if (table.partitionBy !== undefined) {
    const why = `PostgreSQL cannot build an index on a partitioned table (${table.name}) concurrently`
    return change.upgrade?.kind === 'createIndex' ? {...change, comment: `db-manage: allow DM103 -- ${why}`} : change
  }

  return {...change, downgrade: withOnline(change.downgrade), upgrade: withOnline(change.upgrade)}
}

/**
 * A dropped column, which the downgrade adds back as it was. Its values are
 * gone: a NOT NULL column without a default is added with the zero of its
 * type as a default, dropped right after (the rows hold that zero), and where
 * its type has none it comes back nullable; either way the script says so
 * (downgradeNote), and autogenerate prints it.
 */
function droppedColumn(live: TableSchema, c: ColumnSchema, dialect: DialectName): Change[] {
  const name = live.name
  const back = reflectedColumn(c, dialect, false, live)
  const drop = (column: Column, note?: string) =>
    dropped(
      `drop column ${name}.${c.name}`,
      name,
      {column, kind: 'addColumn', table: name},
      {destructive: true, ...(note ? {downgradeNote: note} : {})},
    )
  if (c.nullable || c.default !== undefined || c.autoincrement || c.generated) return [drop(back)]
  const lost = `the upgrade dropped ${name}.${c.name} and its values`
  const fill = fillValue(c.type, dialect)
  if (fill === undefined) {
    const then = `await op.alterColumn('${name}', '${c.name}', {existingType: '${back.type}', nullable: false})`
    const why = 'so it comes back nullable (rows have nothing to put in it)'
    return [drop({...back, nullable: true}, `${lost}, ${why}; once every row has a value: ${then}`)]
  }

  // MySQL's expression default ('') is shown as the value it gives.
  const expression =
    typeof fill === 'object' && fill !== null && 'sql' in fill ? fill.sql.replace(/^\((.*)\)$/, '$1') : undefined
  const shown = expression ?? (typeof fill === 'string' ? `'${fill}'` : String(fill))
  // Listed first, so the downgrade (run in reverse) drops the filling default once the column is back.
  const unfill: Change = {
    description: `drop the default ${name}.${c.name} came back with`,
    table: name,
    downgrade: {
      column: c.name,
      default: null,
      existingDefault: fill,
      existingNullable: false,
      existingType: back.type,
      kind: 'alterColumn',
      table: name,
    },
  }
  return [unfill, drop({...back, default: fill}, `${lost}: it comes back NOT NULL holding ${shown} in every row`)]
}

function primaryKeyChanges(live: TableSchema, target: TableSchema): {add: Change[]; drop: Change[]} {
  const name = target.name
  const create = (k: KeySchema): Operation => ({
    columns: k.columns,
    kind: 'createPrimaryKey',
    name: k.name ?? defaultConstraintName.primaryKey(name),
    table: name,
  })
  return {
    add: target.primaryKey
      ? [added(`add primary key of ${name} (${target.primaryKey.columns.join(', ')})`, name, create(target.primaryKey))]
      : [],
    drop: live.primaryKey
      ? [dropped(`drop primary key of ${name} (${live.primaryKey.columns.join(', ')})`, name, create(live.primaryKey))]
      : [],
  }
}

/** ` generated as (expr) stored`, or '' for a plain column. */
function generation(c: ColumnSchema): string {
  return c.generated ? ` generated as (${c.generated.expression}) ${c.generated.stored ? 'stored' : 'virtual'}` : ''
}

/** Whether an index or constraint is on the column, or names it in an expression, condition or INCLUDE. */
function namesColumn(op: BatchOperation, column: string): boolean {
  const elements: readonly IndexElement[] = 'columns' in op ? op.columns : []
  return (
    elements.some((e) => (typeof e === 'string' ? e === column : mentions(e.sql, column))) ||
    (op.kind === 'createIndex' &&
      (op.include?.includes(column) || (op.where !== undefined && mentions(op.where, column)))) ||
    (op.kind === 'createCheckConstraint' && mentions(op.condition, column))
  )
}

/** What identifies an index or constraint for comparison: its kind, name and definition. */
function extraKey(op: BatchOperation): string {
  return JSON.stringify({...op, table: undefined})
}

function describeColumn(c: ColumnSchema): string {
  return (
    `${c.type}${c.collation ? ` COLLATE ${c.collation}` : ''}${c.nullable ? ' NULL' : ' NOT NULL'}${c.default === undefined ? '' : ` DEFAULT ${c.default}`}` +
    `${c.onUpdateDefault === undefined ? '' : ` ON UPDATE ${c.onUpdateDefault}`}${c.autoincrement ? ` autoincrement${c.identity === 'always' ? ' (always)' : ''}${c.sequence ? ` (sequence ${c.sequence.name})` : ''}` : ''}${generation(c)}` +
    `${c.comment === undefined ? '' : ` COMMENT ${JSON.stringify(c.comment)}`}`
  )
}

function existingDefault(c: ColumnSchema, dialect: DialectName): {existingDefault?: DefaultValue} {
  return c.default === undefined ? {} : {existingDefault: defaultValue(c.default, dialect, c.type)}
}

/** alterColumn from one reflected column to another, restating what MySQL needs. */
function alterTo(
  table: string,
  from: ColumnSchema,
  to: ColumnSchema,
  declared: Column | undefined,
  dialect: DialectName,
): Operation {
  const typeChanged = from.type.toLowerCase() !== to.type.toLowerCase()
  const defaultChanged = !sameDefault(from.default, to.default)
  let newDefault: DefaultValue | undefined
  if (defaultChanged) {
    newDefault = to.default === undefined ? null : (declared?.default ?? defaultValue(to.default, dialect, to.type))
  }
  return {
    ...numberingChange(from, to),
    collation: from.collation === to.collation ? undefined : (to.collation ?? null),
    column: from.name,
    comment: from.comment === to.comment ? undefined : (to.comment ?? null),
    default: newDefault,
    ...(from.collation === undefined ? {} : {existingCollation: from.collation}),
    ...(from.comment === undefined ? {} : {existingComment: from.comment}),
    ...(from.onUpdateDefault === undefined
      ? {}
      : {existingOnUpdateDefault: defaultValue(from.onUpdateDefault, dialect)}),
    existingDefault: from.default === undefined ? undefined : defaultValue(from.default, dialect, from.type),
    ...(from.autoincrement ? {existingAutoincrement: true} : {}),
    existingNullable: from.nullable,
    existingType: portableType(dialect, from.type),
    kind: 'alterColumn',
    nullable: from.nullable === to.nullable ? undefined : to.nullable,
    onUpdateDefault:
      from.onUpdateDefault === to.onUpdateDefault
        ? undefined
        : to.onUpdateDefault === undefined
          ? null
          : defaultValue(to.onUpdateDefault, dialect),
    table,
    type: typeChanged ? (declared?.type ?? portableType(dialect, to.type)) : undefined,
  }
}

/**
 * Enum types (PostgreSQL): a new one is created before the tables that use
 * it and dropped after them; values added to an existing one are added in
 * place (ALTER TYPE ... ADD VALUE ... BEFORE). PostgreSQL cannot remove a
 * value, so such a downgrade leaves it, and says so in the change.
 */
export function compareEnums(
  live: readonly EnumSchema[],
  target: readonly EnumSchema[],
  liveTables: readonly TableSchema[] = [],
): {before: Change[]; after: Change[]} {
  const before: Change[] = []
  const after: Change[] = []
  const liveByName = new Map(live.map((e) => [e.name, e]))
  const targetNames = new Set(target.map((e) => e.name))
  for (const e of target) {
    const was = liveByName.get(e.name)
    if (!was) {
      before.push(
        added(`add enum type ${e.name} (${e.values.join(', ')})`, e.name, {
          kind: 'createEnumType',
          name: e.name,
          values: e.values,
        }),
      )
      continue
    }

    // ADD VALUE reaches only a list that keeps every value in its order; anything else recreates the type.
    const kept = e.values.filter((v) => was.values.includes(v))
    if (kept.length !== was.values.length || kept.some((v, i) => v !== was.values[i])) {
      const columns = enumColumns(e.name, liveTables)
      const recreate = (values: readonly string[]): Operation => ({
        columns,
        kind: 'recreateEnumType',
        name: e.name,
        values,
      })
      const removed = was.values.filter((v) => !e.values.includes(v))
      before.push({
        description: `recreate enum type ${e.name} (${was.values.join(', ')} -> ${e.values.join(', ')})${removed.length > 0 ? `: a row holding ${removed.map((v) => `'${v}'`).join(' or ')} makes the upgrade fail` : ''}`,
        downgrade: recreate(was.values),
        table: e.name,
        upgrade: recreate(e.values),
      })
      continue
    }

    for (const [i, value] of e.values.entries()) {
      if (was.values.includes(value)) continue
      const next = e.values.slice(i + 1).find((v) => was.values.includes(v))
      before.push({
        description: `add value '${value}' to enum type ${e.name} (a downgrade cannot remove it: PostgreSQL has no DROP VALUE)`,
        table: e.name,
        downgradeNote: `value '${value}' stays in enum type ${e.name}: PostgreSQL has no DROP VALUE (op.recreateEnumType can remove it)`,
        upgrade: {kind: 'addEnumValue', name: e.name, value, ...(next === undefined ? {} : {before: next})},
      })
    }
  }

  for (const e of live) {
    if (!targetNames.has(e.name))
      after.push(dropped(`drop enum type ${e.name}`, e.name, {kind: 'createEnumType', name: e.name, values: e.values}))
  }

  return {after, before}
}

/** The columns of enum type `name` (or of an array of it), with their defaults, as recreateEnumType converts them. */
function enumColumns(name: string, tables: readonly TableSchema[]): EnumColumn[] {
  const quoted = `"${name.replaceAll('"', '""')}"`
  return tables.flatMap((t) =>
    t.columns.flatMap((c): EnumColumn[] => {
      const array = c.type.endsWith('[]')
      const base = array ? c.type.slice(0, -2) : c.type
      if (base !== name && base !== quoted) return []
      const fallback = c.default === undefined ? {} : {default: defaultValue(c.default, undefined, c.type)}
      return [{column: c.name, table: t.name, ...(array ? {array: true} : {}), ...fallback}]
    }),
  )
}

/**
 * Domains (PostgreSQL): created before the tables that use them (after enum
 * types), dropped after them; a changed default, NOT NULL or check is altered
 * in place. A changed base type has no ALTER: the diff says so and stops.
 */
export function compareDomains(
  live: readonly DomainSchema[],
  target: readonly DomainSchema[],
): {before: Change[]; after: Change[]} {
  const create = (d: DomainSchema): Operation => ({
    checks: d.checks.length > 0 ? d.checks.map((k) => ({condition: k.condition, name: k.name})) : undefined,
    default: d.default === undefined ? undefined : defaultValue(d.default, undefined, d.type),
    kind: 'createDomain',
    name: d.name,
    nullable: d.nullable ? undefined : false,
    type: d.type,
  })
  const liveByName = new Map(live.map((d) => [d.name, d]))
  const targetNames = new Set(target.map((d) => d.name))
  const changed: Change[] = []
  for (const d of target) {
    const was = liveByName.get(d.name)
    if (!was) continue
    if (was.type !== d.type) {
      throw new UsageError(
        `domain ${d.name} changes its base type (${was.type} -> ${d.type}): PostgreSQL has no ALTER DOMAIN for that; write this migration by hand (a new domain, ALTER TABLE ... TYPE, DROP DOMAIN)`,
      )
    }

    const alter = (from: DomainSchema, to: DomainSchema): Operation | undefined => {
      const checkKey = (k: {name: string; condition: string}) => `${k.name}\u0000${k.condition}`
      const fromChecks = new Set(from.checks.map(checkKey))
      const toChecks = new Set(to.checks.map(checkKey))
      const dropChecks = from.checks.filter((k) => !toChecks.has(checkKey(k))).map((k) => k.name)
      const addChecks = to.checks
        .filter((k) => !fromChecks.has(checkKey(k)))
        .map((k) => ({condition: k.condition, name: k.name}))
      const op = {
        ...((from.default ?? null) === (to.default ?? null)
          ? {}
          : {default: to.default === undefined ? null : defaultValue(to.default, undefined, to.type)}),
        ...(from.nullable === to.nullable ? {} : {nullable: to.nullable}),
        ...(dropChecks.length > 0 ? {dropChecks} : {}),
        ...(addChecks.length > 0 ? {addChecks} : {}),
      }
      return Object.keys(op).length === 0 ? undefined : {kind: 'alterDomain', name: d.name, ...op}
    }

    const upgrade = alter(was, d)
    if (upgrade)
      changed.push({
        description: `change domain ${d.name}: ${describeDomain(was)} -> ${describeDomain(d)}`,
        downgrade: alter(d, was),
        table: d.name,
        upgrade,
      })
  }

  return {
    after: live.filter((d) => !targetNames.has(d.name)).map((d) => dropped(`drop domain ${d.name}`, d.name, create(d))),
    before: [
      ...target
        .filter((d) => !liveByName.has(d.name))
        .map((d) => added(`add domain ${d.name} (${d.type})`, d.name, create(d))),
      ...changed,
    ],
  }
}

function describeDomain(d: DomainSchema): string {
  return `${d.type}${d.nullable ? '' : ' NOT NULL'}${d.default === undefined ? '' : ` DEFAULT ${d.default}`}${d.checks.map((k) => ` CHECK (${k.condition})`).join('')}`
}
