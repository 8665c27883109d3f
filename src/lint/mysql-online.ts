import type {DialectName} from '../util/dialect-names.js'
import type {Action, TypeFacts} from './actions.js'

/** A MySQL or MariaDB server version: 80029 for 8.0.29, 100411 for 10.4.11. */
export interface MysqlTarget {
  readonly mariadb: boolean
  readonly version: number
}

/** How InnoDB makes one change of an ALTER TABLE (MySQL's "Online DDL Operations", MariaDB's "InnoDB Online DDL"). */
export interface MysqlCost {
  readonly algorithm: 'copy' | 'inplace' | 'instant'
  /** Concurrent writes go on (LOCK=NONE is accepted). */
  readonly lockNone: boolean
  /** The table is rebuilt (every row rewritten), in place or by a copy. */
  readonly rebuild: boolean
  /** The change, in words. */
  readonly what: string
  /** A rule of its own names this change (a type change, a STORED column ...): DM140 and DM142 leave it to that one. */
  readonly ownRule?: boolean
  /** A MODIFY/CHANGE whose column may be restated unchanged: a COPY only if the type changes, so never "refused". */
  readonly uncertain?: boolean
}

const INSTANT = (what: string, ownRule = false): MysqlCost => ({
  algorithm: 'instant',
  lockNone: true,
  ownRule,
  rebuild: false,
  what,
})
const INPLACE = (what: string, ownRule = false): MysqlCost => ({
  algorithm: 'inplace',
  lockNone: true,
  ownRule,
  rebuild: false,
  what,
})
const REBUILD = (what: string, ownRule = false): MysqlCost => ({
  algorithm: 'inplace',
  lockNone: true,
  ownRule,
  rebuild: true,
  what,
})
const COPY = (what: string, ownRule = false): MysqlCost => ({
  algorithm: 'copy',
  lockNone: false,
  ownRule,
  rebuild: true,
  what,
})

/** The cost of one action of an ALTER TABLE (or CREATE/DROP INDEX) on MySQL; undefined for what is no table change. */
export function mysqlCost(
  action: Action,
  statement: readonly Action[],
  context: {foreignKeyChecks: boolean; target: MysqlTarget},
): MysqlCost | undefined {
  const {mariadb, version} = context.target
  /** INSTANT ADD/DROP COLUMN anywhere: MySQL 8.0.29, MariaDB 10.4; ADD COLUMN last: MySQL 8.0.12, MariaDB 10.3.2. */
  const instantAnywhere = mariadb ? version >= 100_400 : version >= 80_029
  const instantLast = mariadb ? version >= 100_302 : version >= 80_012
  switch (action.kind) {
    case 'addColumn': {
      const c = action.column
      const what = `add column ${action.table}.${c.name}`
      if (c.generated === 'stored') return COPY(`${what} (STORED)`, true)
      if (c.autoincrement) return {...REBUILD(`${what} (AUTO_INCREMENT)`, true), lockNone: false}
      if (c.default?.parenthesised) return COPY(`${what} with an expression default`, true)
      if (c.primaryKey) return REBUILD(`${what} as the PRIMARY KEY`)
      if (c.unique) return INPLACE(`${what} UNIQUE`)
      if (c.generated === 'virtual') return INSTANT(what)
      if (instantAnywhere || (instantLast && !action.positioned)) return INSTANT(what)
      return REBUILD(what)
    }

    case 'dropColumn': {
      const what = `drop column ${action.table}.${action.column}`
      return instantAnywhere ? INSTANT(what, true) : REBUILD(what, true)
    }

    case 'renameColumn': {
      return INSTANT(`rename column ${action.table}.${action.column}`, true)
    }

    case 'alterType': {
      const what = `change the type of ${action.table}.${action.column}`
      if (action.existing && typeChangeIsSafe(action.existing, action.type, 'mysql'))
        return sameType(action.existing, action.type) ? INSTANT(what, true) : INPLACE(what, true)
      return action.restated && !action.existing ? {...COPY(what, true), uncertain: true} : COPY(what, true)
    }

    case 'setNotNull':
    case 'dropNotNull': {
      const what = `make ${action.table}.${action.column} ${action.kind === 'setNotNull' ? 'NOT NULL' : 'NULL'}`
      return REBUILD(what)
    }

    case 'addConstraint': {
      const what =
        `add ${action.constraint === 'foreignKey' ? 'foreign key' : action.constraint === 'primaryKey' ? 'primary key' : action.constraint} ${action.name ?? ''}`.trimEnd() +
        ` on ${action.table}`
      if (action.constraint === 'foreignKey')
        return context.foreignKeyChecks ? COPY(`${what} with foreign_key_checks on`) : INPLACE(what)
      if (action.constraint === 'check') return COPY(what)
      if (action.constraint === 'primaryKey') return REBUILD(what)
      return INPLACE(what)
    }

    case 'dropConstraint': {
      const what = `drop ${action.constraint === 'primaryKey' ? 'the primary key' : `constraint ${action.name ?? ''}`} of ${action.table}`
      if (action.constraint === 'primaryKey') {
        const replaced = statement.some((a) => a.kind === 'addConstraint' && a.constraint === 'primaryKey')
        return replaced ? REBUILD(what) : COPY(`${what} without adding one`)
      }

      return INPLACE(what)
    }

    case 'createIndex': {
      const what =
        `add ${action.method ? `${action.method.toUpperCase()} ` : ''}index ${action.name ?? ''} on ${action.table}`.replace(
          '  ',
          ' ',
        )
      if (action.method === 'fulltext') return {...REBUILD(what), lockNone: false}
      if (action.method === 'spatial') return {...INPLACE(what), lockNone: false}
      return INPLACE(what)
    }

    case 'dropIndex': {
      return INPLACE(`drop index ${action.name}`)
    }

    case 'renameTable': {
      return INSTANT(`rename table ${action.table}`, true)
    }

    case 'rebuild': {
      const on = action.table ?? ''
      if (action.what === 'convert charset') return COPY(`convert ${on} to another character set`)
      if (action.what === 'repartition') return COPY(`partition ${on} anew`)
      if (action.what === 'engine' || action.what === 'force' || action.what === 'optimize')
        return REBUILD(
          `${action.what === 'optimize' ? 'OPTIMIZE TABLE' : action.what === 'force' ? 'FORCE' : 'ENGINE='} ${on}`.trim(),
        )
      return undefined
    }

    default: {
      return undefined
    }
  }
}

function sameType(a: TypeFacts, b: TypeFacts): boolean {
  return (
    a.name === b.name &&
    a.length === b.length &&
    Boolean(a.unsigned) === Boolean(b.unsigned) &&
    a.scale === b.scale &&
    a.values?.join('\u0000') === b.values?.join('\u0000')
  )
}

/** Time-like types whose precision may grow without a rewrite (PostgreSQL). */
const PRECISION_GROWS = new Set(['interval', 'time', 'timestamp', 'timestamptz'])

/**
 * A change of a column's type that rewrites nothing, from what it was
 * (strong_migrations' "safe changes"): PostgreSQL's varchar grown, made
 * text or unbounded, numeric's precision grown at the same scale, a
 * timestamp's precision grown, cidr to inet; MySQL's VARCHAR grown within
 * the same number of length bytes (63 / 64 and over, in utf8mb4), an ENUM or
 * SET given values at its end.
 */
export function typeChangeIsSafe(from: TypeFacts, to: TypeFacts, dialect: DialectName): boolean {
  if (sameType(from, to) && Boolean(from.array) === Boolean(to.array)) return true
  if (Boolean(from.array) !== Boolean(to.array)) return false
  if (dialect === 'mysql') {
    if (from.name === 'varchar' && to.name === 'varchar' && from.length !== undefined && to.length !== undefined)
      return to.length >= from.length && (to.length <= 63 || from.length > 63)
    if ((from.name === 'enum' || from.name === 'set') && to.name === from.name && from.values && to.values) {
      const appended = from.values.every((v, i) => to.values![i] === v)
      const size = (n: number) => (from.name === 'enum' ? (n < 256 ? 1 : 2) : Math.ceil(n / 8))
      return appended && size(to.values.length) === size(from.values.length)
    }

    return false
  }

  if (dialect !== 'postgresql') return false
  if (from.name === 'varchar' && to.name === 'varchar')
    return to.length === undefined || (from.length !== undefined && to.length >= from.length)
  if ((from.name === 'varchar' || from.name === 'text') && to.name === 'text') return true
  if (from.name === 'text' && to.name === 'varchar') return to.length === undefined
  if (from.name === 'numeric' && to.name === 'numeric')
    return (
      to.length === undefined ||
      (from.length !== undefined && to.length >= from.length && (to.scale ?? 0) === (from.scale ?? 0))
    )
  if (PRECISION_GROWS.has(from.name) && from.name === to.name) return (to.length ?? 6) >= (from.length ?? 6)
  if (from.name === 'cidr' && to.name === 'inet') return true
  if (from.name === 'bit varying' && to.name === 'bit varying')
    return to.length === undefined || (from.length !== undefined && to.length >= from.length)
  return false
}
