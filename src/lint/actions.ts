import type {SqlType} from '../model/sql-type.js'

/**
 * What a statement or an operation does, in one neutral form that every lint
 * rule reads: the operation nodes of a script map to it (from-operations.ts),
 * and so does raw SQL, read by PostgreSQL's own grammar (postgres-sql.ts) or
 * by a reading of MySQL's and SQLite's tokens (token-sql.ts). A rule never
 * asks where an action came from.
 */

/** A column type's facts: one reading for the lint and autogenerate (model/sql-type.ts). */
export type TypeFacts = SqlType

/** A column's default, as the server computes it for the rows a table already has. */
export interface DefaultFacts {
  readonly text: string
  /** Not a literal (a function call, an operator, CURRENT_TIMESTAMP, MySQL's `(expr)`). */
  readonly expression: boolean
  /** PostgreSQL: a volatile function (random(), gen_random_uuid(), clock_timestamp(), a function it does not know). */
  readonly volatile: boolean
  /** NULL: no value at all. */
  readonly isNull?: boolean
  /**
   * Written in parentheses: an expression default, which MySQL (8.0.13) adds only by a copy and SQLite's ADD
   * COLUMN refuses.
   */
  readonly parenthesised?: boolean
}

export interface ColumnFacts {
  readonly name: string
  readonly type?: TypeFacts
  readonly notNull: boolean
  readonly default?: DefaultFacts
  readonly primaryKey: boolean
  readonly unique: boolean
  /** `table.column` it references, or the table. */
  readonly references?: string
  /** A CHECK written on the column. */
  readonly check: boolean
  /** How it is numbered: serial (a sequence and its nextval() default), an identity, MySQL's AUTO_INCREMENT. */
  readonly autoincrement?: 'auto_increment' | 'identity' | 'serial'
  readonly generated?: 'stored' | 'virtual'
}

export type ConstraintKind = 'check' | 'exclusion' | 'foreignKey' | 'primaryKey' | 'unique'

/** What rebuilds a table (or a database) whole. */
export type RebuildKind =
  | 'cluster'
  | 'convert charset'
  | 'engine'
  | 'force'
  | 'optimize'
  | 'repartition'
  | 'set access method'
  | 'set logged'
  | 'set tablespace'
  | 'set unlogged'
  | 'sqlite batch'
  | 'vacuum'
  | 'vacuum full'

export type Action =
  | {readonly kind: 'createTable'; readonly table: string; readonly columns: readonly ColumnFacts[]}
  | {readonly kind: 'dropTable'; readonly table: string}
  | {readonly kind: 'renameTable'; readonly table: string; readonly newName: string}
  | {
      readonly kind: 'addColumn'
      readonly table: string
      readonly column: ColumnFacts
      /** MySQL: FIRST or AFTER col (an instant ADD COLUMN anywhere but last needs MySQL 8.0.29 / MariaDB 10.4). */
      readonly positioned?: boolean
      /** SQLite: inside a batchAlterTable, whose rebuild takes what ALTER TABLE ADD COLUMN refuses. */
      readonly rebuilt?: boolean
    }
  | {readonly kind: 'dropColumn'; readonly table: string; readonly column: string}
  | {readonly kind: 'renameColumn'; readonly table: string; readonly column: string; readonly newName: string}
  | {
      readonly kind: 'alterType'
      readonly table: string
      readonly column: string
      readonly type: TypeFacts
      /** What it was, when known (an operation's existingType); a restatement (MySQL MODIFY) may change nothing. */
      readonly existing?: TypeFacts
      /** MySQL's MODIFY / CHANGE: the whole column restated, so the type may well be the same. */
      readonly restated?: boolean
    }
  | {readonly kind: 'setNotNull'; readonly table: string; readonly column: string}
  | {readonly kind: 'dropNotNull'; readonly table: string; readonly column: string}
  | {
      readonly kind: 'addConstraint'
      readonly table: string
      readonly constraint: ConstraintKind
      readonly name?: string
      /** PostgreSQL's NOT VALID: existing rows are not checked now. */
      readonly notValid?: boolean
      /** ADD CONSTRAINT ... USING INDEX: the index was built before. */
      readonly usingIndex?: boolean
      /** Also drops the primary key in the same statement (MySQL: DROP PRIMARY KEY, ADD PRIMARY KEY is in place). */
      readonly replacesPrimaryKey?: boolean
      readonly referencedTable?: string
    }
  | {
      readonly kind: 'dropConstraint'
      readonly table: string
      readonly name?: string
      readonly constraint?: ConstraintKind
      /** MySQL: a DROP PRIMARY KEY with an ADD PRIMARY KEY in the same statement. */
      readonly replaced?: boolean
    }
  | {
      readonly kind: 'createIndex'
      readonly table: string
      readonly name?: string
      readonly columns: number
      readonly unique: boolean
      readonly concurrently: boolean
      /** MySQL: FULLTEXT, SPATIAL. */
      readonly method?: string
      /** PostgreSQL: CREATE INDEX ON ONLY parent (valid once each partition has its own). */
      readonly only?: boolean
    }
  | {readonly kind: 'validateConstraint'; readonly table: string; readonly name: string}
  /** A column of an existing table made to number its rows: serial's sequence, an identity, AUTO_INCREMENT. */
  | {
      readonly kind: 'numbering'
      readonly table: string
      readonly column: string
      readonly how: 'auto_increment' | 'identity' | 'serial'
    }
  | {readonly kind: 'dropIndex'; readonly name: string; readonly table?: string; readonly concurrently: boolean}
  | {readonly kind: 'rebuild'; readonly table?: string; readonly what: RebuildKind}
  | {readonly kind: 'reindex'; readonly target: string; readonly concurrently: boolean}
  | {readonly kind: 'truncate'; readonly tables: readonly string[]; readonly cascade: boolean}
  | {readonly kind: 'lockTable'; readonly tables: readonly string[]; readonly mode: string}
  | {readonly kind: 'addEnumValue'; readonly type: string; readonly value: string; readonly positioned: boolean}
  | {readonly kind: 'renameEnumValue'; readonly type: string; readonly value: string; readonly newValue: string}
  | {readonly kind: 'createDomain'; readonly name: string; readonly constrained: boolean}
  | {readonly kind: 'alterDomainAddConstraint'; readonly name: string}
  | {
      readonly kind: 'detachPartition'
      readonly table: string
      readonly partition: string
      readonly concurrently: boolean
    }
  | {readonly kind: 'renameSchema'; readonly schema: string; readonly newName: string}
  | {readonly kind: 'dropDatabase'; readonly what: 'database' | 'schema'; readonly name: string}
  | {readonly kind: 'refreshMaterializedView'; readonly name: string; readonly concurrently: boolean}
  /** UPDATE or DELETE: `bounded` when it has a WHERE or a LIMIT (a batch of a backfill). */
  | {readonly kind: 'writeRows'; readonly verb: 'delete' | 'update'; readonly table: string; readonly bounded: boolean}
  /** A name the statement gives an object it creates (tables, columns, indexes, constraints, types). */
  | {readonly kind: 'name'; readonly name: string; readonly what: string}
  /** A session setting (MySQL's foreign_key_checks matters to how a foreign key is added). */
  | {readonly kind: 'setting'; readonly name: string; readonly value: string}
  /** MySQL: the statement's ALGORITHM= and LOCK= clauses. */
  | {readonly kind: 'mysqlClauses'; readonly table: string; readonly algorithm?: string; readonly lock?: string}
  /** Read and understood, with nothing to say about it (CREATE VIEW, COMMENT, GRANT, INSERT, ...). */
  | {readonly kind: 'harmless'; readonly what: string}
  /** Read but not understood: DM110. */
  | {readonly kind: 'unclassified'; readonly what: string}
  /** PostgreSQL's grammar refuses it: the server will too. */
  | {readonly kind: 'syntaxError'; readonly message: string}

/** Where a statement or an operation is: a line of the revision's file (1-based) when known. */
export interface LintStatement {
  readonly actions: readonly Action[]
  readonly line?: number
  /** The SQL as written, for a raw statement. */
  readonly sql?: string
}

/**
 * A table's name as the rules compare it (a table the revision created, a
 * table a statement names): unquoted, lower-cased, its last part; with
 * `schemas` configured (`home`, the first), a table of another schema keeps
 * its schema (`billing.invoices` is not `invoices`).
 */
export function tableKey(name: string, home?: string): string {
  const parts = name.split('.').map((p) => p.replaceAll(/^["`[]|["`\]]$/g, '').toLowerCase())
  const table = parts.at(-1)!
  if (home === undefined || parts.length < 2 || parts.at(-2) === home.toLowerCase()) return table
  return `${parts.at(-2)}.${table}`
}
