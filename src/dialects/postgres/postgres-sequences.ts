import type {AlterColumn, Column, ColumnSequence} from '../../operations/nodes.js'
import type {Statement} from '../ddl-compiler.js'

/** What of the compiler the statements below need. */
interface Spelling {
  quote(name: string): string
  table(name: string): string
  literal(value: unknown): string
  type(type: string): string
}

const INTEGERS = /^(smallint|integer|bigint|int2|int4|int8)$/i

interface SequenceWithDefaults {
  readonly name: string
  readonly as?: string
  readonly owned: boolean
}

/** What of a column a sequence is made for. */
type Numbered = Pick<Column, 'name' | 'sequence' | 'type'>

/** A column's sequence, the defaults of what it leaves out filled in: the column's integer type (as serial), owned. */
export function withDefaults(
  sequence: ColumnSequence | string,
  columnType: string,
  sql: Spelling,
): SequenceWithDefaults {
  const s = typeof sequence === 'string' ? {name: sequence} : sequence
  const type = sql.type(s.as ?? columnType)
  return {name: s.name, owned: s.owned ?? true, ...(INTEGERS.test(type) ? {as: type} : {})}
}

/**
 * Statements about serial-style columns (a sequence and a nextval()
 * default, PostgreSQL's `serial`), and the value a new sequence or identity
 * starts from. Whatever replaces a sequence or identity continues from it:
 * its next value, or past the rows' highest, whichever is greater.
 */
export class SequenceStatements {
  constructor(private readonly sql: Spelling) {}

  /**
   * CREATE SEQUENCE for a column (under `name` when given); one not owned (a
   * sequence of its own, which DROP TABLE leaves) is created unless it is there.
   */
  create(column: Numbered, name?: string): Statement {
    const s = withDefaults(column.sequence!, column.type, this.sql)
    const as = s.as ? ` AS ${s.as}` : ''
    return {sql: `CREATE SEQUENCE ${s.owned ? '' : 'IF NOT EXISTS '}${this.sql.quote(name ?? s.name)}${as}`}
  }

  /** ALTER SEQUENCE ... OWNED BY the column (or NONE), so it goes with the column, as serial's does. */
  ownedBy(name: string, table: string, column: string, owned = true): Statement {
    const by = owned ? `${this.sql.table(table)}.${this.sql.quote(column)}` : 'NONE'
    return {sql: `ALTER SEQUENCE ${this.sql.quote(name)} OWNED BY ${by}`}
  }

  /** ` DEFAULT nextval('"name"'::regclass)`, the default serial gives a column. */
  nextval(name: string): string {
    return ` DEFAULT nextval(${this.sql.literal(this.sql.quote(name))}::regclass)`
  }

  /** The sequence (regclass) PostgreSQL made for the column's identity (deptype i), or, with `a`, those it owns. */
  private ownedByColumn(table: string, column: string, deptype: 'a' | 'i'): string {
    const t = `${this.sql.literal(this.sql.table(table))}::regclass`
    const attnum = `(SELECT attnum FROM pg_attribute WHERE attrelid = ${t} AND attname = ${this.sql.literal(column)})`
    return (
      `SELECT objid::regclass FROM pg_depend WHERE classid = 'pg_class'::regclass AND refobjid = ${t}` +
      ` AND deptype = '${deptype}' AND refobjsubid = ${attnum}`
    )
  }

  private rename(from: string, to: string): Statement {
    return {sql: `ALTER SEQUENCE ${this.sql.quote(from)} RENAME TO ${this.sql.quote(to)}`}
  }

  /** The column's identity sequence. */
  identity(table: string, column: string): string {
    return `(${this.ownedByColumn(table, column, 'i')})`
  }

  /**
   * setval(sequence) so that it gives next the greater of the rows' highest
   * value + 1 and `previous` (a next value, NULL if none). Past 1 it is set as
   * having given the value before (is_called), which pg_sequence_last_value
   * reads back when this sequence is replaced in turn; at 1 it is as new.
   */
  restart(sequence: string, table: string, column: string, previous: string): Statement {
    const next = `GREATEST(COALESCE(MAX(${this.sql.quote(column)}), 0) + 1, ${previous})`
    const rows = `(SELECT ${next} AS n FROM ${this.sql.table(table)}) v`
    return {sql: `SELECT setval(${sequence}, GREATEST(n - 1, 1), n > 1) FROM ${rows}`}
  }

  /** The next value a sequence named `name` gives. */
  next(name: string): string {
    return `(SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM ${this.sql.quote(name)})`
  }

  /**
   * The next value a sequence (a regclass expression) gives once it gave one; NULL before (restart leaves one at 1).
   */
  nextOf(sequence: string): string {
    return `pg_sequence_last_value(${sequence}) + 1`
  }

  /** The next value of the sequences the column owns besides an identity (a serial's, left by autoincrement: false). */
  nextOfOwned(table: string, column: string): string {
    const owned = this.ownedByColumn(table, column, 'a')
    return `(SELECT max(pg_sequence_last_value(objid)) + 1 FROM (${owned}) owned(objid))`
  }

  /**
   * An alterColumn's change of numbering: `before` what else it changes
   * (a numbering dropped), `after` it (a numbering added or switched, so a
   * new sequence has the column's new type).
   */
  alter(op: AlterColumn, columnType: string | undefined): {before: Statement[]; after: Statement[]} {
    const column = `ALTER TABLE ${this.sql.table(op.table)} ALTER COLUMN ${this.sql.quote(op.column)}`
    const kind = op.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'
    const regclass = (name: string) => `${this.sql.literal(this.sql.quote(name))}::regclass`
    const type = columnType ?? 'bigint'
    if (op.autoincrement === false) {
      // An identity is dropped, and so is a serial's nextval() default and (when named) its sequence.
      const existing = op.existingSequence
      const drop = existing === undefined ? [] : [{sql: `DROP SEQUENCE IF EXISTS ${this.sql.quote(existing)}`}]
      return {after: [], before: [{sql: `${column} DROP IDENTITY IF EXISTS`}, {sql: `${column} DROP DEFAULT`}, ...drop]}
    }

    if (op.autoincrement === true && op.sequence) {
      const s = withDefaults(op.sequence, type, this.sql)
      return {
        after: [
          this.create({name: op.column, sequence: op.sequence, type}),
          ...(s.owned ? [this.ownedBy(s.name, op.table, op.column)] : []),
          this.restart(regclass(s.name), op.table, op.column, this.next(s.name)),
          {sql: `${column} SET${this.nextval(s.name)}`},
        ],
        before: [],
      }
    }

    if (op.autoincrement === true) {
      return {
        after: [
          {sql: `${column} ADD GENERATED ${kind} AS IDENTITY`},
          this.restart(this.identity(op.table, op.column), op.table, op.column, this.nextOfOwned(op.table, op.column)),
        ],
        before: [],
      }
    }

    if (op.sequence === null) {
      // From a sequence to an identity: the sequence put aside, so the identity's has the natural name, then dropped.
      const aside = `${op.existingSequence!}__db_manage_old`
      return {
        after: [
          {sql: `${column} DROP DEFAULT`},
          this.rename(op.existingSequence!, aside),
          {sql: `${column} ADD GENERATED ${kind} AS IDENTITY`},
          this.restart(this.identity(op.table, op.column), op.table, op.column, this.next(aside)),
          {sql: `DROP SEQUENCE ${this.sql.quote(aside)}`},
        ],
        before: [],
      }
    }

    if (op.sequence !== undefined && op.existingSequence !== undefined) {
      // From one sequence to another: the same sequence renamed, retyped and (dis)owned, so it keeps its value.
      const s = withDefaults(op.sequence, type, this.sql)
      return {
        after: [
          ...(s.name === op.existingSequence ? [] : [this.rename(op.existingSequence, s.name)]),
          ...(s.as ? [{sql: `ALTER SEQUENCE ${this.sql.quote(s.name)} AS ${s.as}`}] : []),
          this.ownedBy(s.name, op.table, op.column, s.owned),
        ],
        before: [],
      }
    }

    if (op.sequence !== undefined) {
      // From an identity to a sequence: the new one made aside and set past the identity's value before it goes.
      const s = withDefaults(op.sequence, type, this.sql)
      const fresh = `${s.name}__db_manage_new`
      return {
        after: [
          this.create({name: op.column, sequence: {...s, owned: true}, type}, fresh),
          this.restart(regclass(fresh), op.table, op.column, this.nextOf(this.identity(op.table, op.column))),
          {sql: `${column} DROP IDENTITY`},
          this.rename(fresh, s.name),
          ...(s.owned ? [this.ownedBy(s.name, op.table, op.column)] : []),
          {sql: `${column} SET${this.nextval(s.name)}`},
        ],
        before: [],
      }
    }

    return {after: op.identity === undefined ? [] : [{sql: `${column} SET GENERATED ${kind}`}], before: []}
  }
}
