import type {BatchOperation, Column} from '../operations/nodes.js'
import {UsageError} from '../util/errors.js'
import {IDENT, isQuotedIdent, unquoteIdent} from '../sql/identifiers.js'
import type {ColumnSchema, TableSchema} from './table-schema.js'

/**
 * What the model needs of a dialect's DDL compiler (dialects/ddl-compiler.ts
 * implements it): how the dialect spells a type, a literal and a name, so that
 * an operation's effect on a table reads as the catalog would show it.
 */
export interface DdlSpelling {
  literal(value: unknown): string
  type(type: string): string
  quote(name: string): string
  readonly storedByDefault: boolean
  unnamedPrimaryKey(table: string): string | undefined
}
import {defaultConstraintName, splitReference} from '../operations/naming.js'

/**
 * A declared column as the database will report it: its type, default and ON UPDATE as SQL, a generated column's
 * kind decided.
 */
export function columnSchemaOf(c: Column, compiler: DdlSpelling, keyed: boolean): ColumnSchema {
  const sql = (v: Column['default']) => (v === undefined || v === null ? undefined : compiler.literal(v))
  return {
    autoincrement: c.autoincrement,
    collation: c.collation,
    comment: c.comment,
    default: sql(c.default),
    ...(c.generated
      ? {generated: {expression: c.generated.expression, stored: c.generated.stored ?? compiler.storedByDefault}}
      : {}),
    ...(c.identity === 'always' ? {identity: 'always' as const} : {}),
    name: c.name,
    nullable: c.nullable ?? !keyed,
    onUpdateDefault: sql(c.onUpdateDefault),
    type: compiler.type(c.type),
  }
}

/**
 * A table after some operations on it, and which new column is copied from
 * which old one: what SQLite's batch mode rebuilds, and how offline rendering
 * keeps track of tables it cannot read.
 */
export function applyTableOperations(
  before: TableSchema,
  operations: readonly BatchOperation[],
  compiler: DdlSpelling,
): {
  after: TableSchema
  copied: Array<[string, string]>
  filled: Array<[string, string]>
} {
  // A generated column is computed, never copied; a new one whose default is dropped keeps that default's value (fill).
  let columns: Array<{column: ColumnSchema; source?: string; fill?: string}> = before.columns.map((c) => ({
    column: c,
    source: c.generated ? undefined : c.name,
  }))
  let {checks, foreignKeys, indexes, primaryKey, uniques} = before
  const where = (what: string) => `batchAlterTable ${before.name}: ${what}`
  const find = (name: string) => {
    const found = columns.find((c) => c.column.name === name)
    if (!found) throw new UsageError(where(`column ${name} does not exist`))
    return found
  }

  const renameIn = (list: readonly string[], from: string, to: string) => list.map((c) => (c === from ? to : c))
  for (const op of operations) {
    switch (op.kind) {
      case 'addColumn': {
        const c = op.column
        if (columns.some((x) => x.column.name === c.name))
          throw new UsageError(where(`column ${c.name} already exists`))
        columns.push({column: columnSchemaOf(c, compiler, Boolean(c.primaryKey))})
        if (c.primaryKey) primaryKey = {columns: [...(primaryKey?.columns ?? []), c.name], name: primaryKey?.name}
        if (c.unique)
          uniques = [...uniques, {columns: [c.name], name: defaultConstraintName.unique(before.name, [c.name])}]
        if (c.references) {
          const [referent, referentColumn] = splitReference(c.references, c.name)
          foreignKeys = [
            ...foreignKeys,
            {
              columns: [c.name],
              name: defaultConstraintName.foreignKey(before.name, [c.name]),
              onDelete: c.onDelete,
              onUpdate: c.onUpdate,
              referent,
              referentColumns: [referentColumn],
            },
          ]
        }

        break
      }

      case 'dropColumn': {
        find(op.column)
        columns = columns.filter((c) => c.column.name !== op.column)
        const keeps = (k: {columns: readonly string[]}) => !k.columns.includes(op.column)
        // As SQLite does: an index on the column, on an expression that names it, or whose WHERE names it goes with it.
        indexes = indexes.filter(
          (i) =>
            i.columns.every((e) => (typeof e === 'string' ? e !== op.column : !mentions(e.sql, op.column))) &&
            !i.include?.includes(op.column) &&
            (i.where === undefined || !mentions(i.where, op.column)),
        )
        uniques = uniques.filter(keeps)
        foreignKeys = foreignKeys.filter(keeps)
        if (primaryKey && !keeps(primaryKey)) primaryKey = undefined
        break
      }

      case 'alterColumn': {
        const entry = find(op.column)
        const c = entry.column
        let defaultSql = c.default
        if (op.default !== undefined) defaultSql = op.default === null ? undefined : compiler.literal(op.default)
        // Added by this batch with a default that is then dropped (NOT NULL, filled): the rows there get that value.
        if (op.default === null && entry.source === undefined && !c.generated && c.default !== undefined) {
          entry.fill = c.default
        }
        const name = op.newName ?? c.name
        entry.column = {
          ...c,
          default: defaultSql,
          name,
          nullable: op.nullable ?? c.nullable,
          type: op.type === undefined ? c.type : compiler.type(op.type),
        }
        if (op.autoincrement !== undefined) entry.column = {...entry.column, autoincrement: op.autoincrement}
        if (op.identity !== undefined || op.autoincrement === false)
          entry.column = {...entry.column, identity: op.autoincrement === false ? undefined : op.identity}
        if (op.collation !== undefined) entry.column = {...entry.column, collation: op.collation ?? undefined}
        if (op.comment !== undefined) entry.column = {...entry.column, comment: op.comment ?? undefined}
        if (op.onUpdateDefault !== undefined)
          entry.column = {
            ...entry.column,
            onUpdateDefault: op.onUpdateDefault === null ? undefined : compiler.literal(op.onUpdateDefault),
          }
        if (name !== c.name) {
          const rename = <T extends {columns: readonly string[]}>(k: T): T => ({
            ...k,
            columns: renameIn(k.columns, c.name, name),
          })
          indexes = indexes.map((i) => ({
            ...i,
            columns: i.columns.map((e) =>
              typeof e === 'string'
                ? e === c.name
                  ? name
                  : e
                : {...e, sql: renameIdentifier(e.sql, c.name, name, compiler)},
            ),
            ...(i.include ? {include: renameIn(i.include, c.name, name)} : {}),
            ...(i.lengths?.[c.name] === undefined
              ? {}
              : {lengths: Object.fromEntries(Object.entries(i.lengths).map(([k, v]) => [k === c.name ? name : k, v]))}),
          }))
          uniques = uniques.map(rename)
          foreignKeys = foreignKeys.map(rename)
          if (primaryKey) primaryKey = rename(primaryKey)
          // A CHECK condition or a partial index's WHERE that names the column names the new one.
          checks = checks.map((k) => ({...k, condition: renameIdentifier(k.condition, c.name, name, compiler)}))
          indexes = indexes.map((i) =>
            i.where === undefined ? i : {...i, where: renameIdentifier(i.where, c.name, name, compiler)},
          )
        }

        break
      }

      case 'createIndex': {
        // Whether the index can be built concurrently is the compiler's to say; the table only records it.
        const {concurrently: _, kind: __, table: ___, ...index} = op
        indexes = [...indexes, {...index, unique: Boolean(op.unique)}]
        break
      }

      case 'dropIndex': {
        if (!indexes.some((i) => i.name === op.name)) throw new UsageError(where(`index ${op.name} does not exist`))
        indexes = indexes.filter((i) => i.name !== op.name)
        break
      }

      case 'createPrimaryKey': {
        primaryKey = {columns: op.columns, name: op.name}
        break
      }

      case 'createUniqueConstraint': {
        uniques = [
          ...uniques,
          {columns: op.columns, name: op.name, ...(op.nullsNotDistinct ? {nullsNotDistinct: true} : {})},
        ]
        break
      }

      case 'createForeignKey': {
        foreignKeys = [
          ...foreignKeys,
          {
            columns: op.columns,
            name: op.name,
            onDelete: op.onDelete,
            onUpdate: op.onUpdate,
            referent: op.referent,
            referentColumns: op.referentColumns,
            ...(op.deferrable ? {deferrable: true} : {}),
            ...(op.initiallyDeferred ? {initiallyDeferred: true} : {}),
          },
        ]
        break
      }

      case 'createCheckConstraint': {
        checks = [...checks, {condition: op.condition, name: op.name}]
        break
      }

      case 'dropConstraint': {
        const count = uniques.length + foreignKeys.length + checks.length + (primaryKey ? 1 : 0)
        // An unnamed key or check (SQLite keeps no name for `REFERENCES p`, `UNIQUE (a)`, `PRIMARY KEY (a, b)`,
        // `CHECK (...)`) answers to the name autogenerate gives it.
        const named = (
          k: {name?: string; columns: readonly string[]},
          fallback: (table: string, columns: readonly string[]) => string,
        ) => (k.name ?? fallback(before.name, k.columns)) === op.name
        if (op.type === undefined || op.type === 'unique')
          uniques = uniques.filter((k) => !named(k, defaultConstraintName.unique))
        if (op.type === undefined || op.type === 'foreignkey')
          foreignKeys = foreignKeys.filter((k) => !named(k, defaultConstraintName.foreignKey))
        const check = (k: {name?: string}) => (k.name ?? defaultConstraintName.check(before.name)) === op.name
        if (op.type === undefined || op.type === 'check') checks = checks.filter((k) => !check(k))
        const primary = op.type === undefined || op.type === 'primary'
        if (primary && primaryKey && named(primaryKey, defaultConstraintName.primaryKey)) primaryKey = undefined
        if (count === uniques.length + foreignKeys.length + checks.length + (primaryKey ? 1 : 0)) {
          throw new UsageError(where(`no ${op.type ?? ''} constraint named ${op.name}`.replace('  ', ' ')))
        }

        break
      }
    }
  }

  const after: TableSchema = {
    checks,
    columns: columns.map((c) => c.column),
    foreignKeys,
    indexes,
    name: before.name,
    primaryKey,
    uniques,
    ...(before.withoutRowid ? {withoutRowid: true} : {}),
  }
  const copied = columns.filter((c) => c.source !== undefined).map((c): [string, string] => [c.column.name, c.source!])
  const filled = columns.filter((c) => c.fill !== undefined).map((c): [string, string] => [c.column.name, c.fill!])
  return {after, copied, filled}
}

/** String literals and identifiers, the tokens of an expression that may name a column. */
const TOKENS = () => new RegExp(String.raw`'(?:[^']|'')*'|${IDENT}`, 'g')

/**
 * Whether the token at `offset` of `sql` names the column `name`: bare (as a
 * whole word, any case) or quoted ("x", `x`, [x]); never a string literal, nor
 * a function of the same name (length(x)).
 */
function namesColumn(sql: string, token: string, offset: number, name: string): boolean {
  const quoted = isQuotedIdent(token)
  if (token.startsWith("'") || (!quoted && /^\s*\(/.test(sql.slice(offset + token.length)))) return false
  return quoted ? unquoteIdent(token) === name : token.toLowerCase() === name.toLowerCase()
}

/** Whether a SQL expression names the column `name`. */
export function mentions(sql: string, name: string): boolean {
  return [...sql.matchAll(TOKENS())].some((m) => namesColumn(sql, m[0], m.index, name))
}

/** Replace the column `from` with `to` wherever a SQL expression names it. */
export function renameIdentifier(sql: string, from: string, to: string, compiler: DdlSpelling): string {
  return sql.replaceAll(TOKENS(), (token, offset: number) =>
    namesColumn(sql, token, offset, from) ? compiler.quote(to) : token,
  )
}
