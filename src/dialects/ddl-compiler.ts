import type {DialectName} from '../util/dialect-names.js'
import type {
  AddColumn,
  AddEnumValue,
  CreateDomain,
  CreateEnumType,
  DropDomain,
  DropEnumType,
  AlterColumn,
  BatchAlterTable,
  Backfill,
  BulkInsert,
  Column,
  CreateCheckConstraint,
  CreateForeignKey,
  CreateIndex,
  CreatePrimaryKey,
  CreateTable,
  CreateUniqueConstraint,
  DefaultValue,
  DropColumn,
  DropConstraint,
  DropIndex,
  AlterDomain,
  DropTable,
  Execute,
  AlterTableOptions,
  GeneratedColumn,
  IndexOptions,
  Operation,
  RecreateEnumType,
  RenameTable,
  CreateExtension,
  DropExtension,
} from '../operations/nodes.js'
import {splitSql} from '../sql/split.js'
import {changesSearchPath, leadingWords, statementKind} from '../sql/statement-kind.js'
import {ScriptError, UsageError} from '../util/errors.js'
import {indexElementsText, type Introspector, type TableSchema} from '../model/table-schema.js'
import {defaultConstraintName, splitReference} from '../operations/naming.js'
import {parsePortableType, type PortableType, STANDARD_TYPES, type TypeMap} from '../model/portable-type.js'

/** One SQL statement; params are bound online and inlined as literals offline. */
export interface Statement {
  readonly sql: string
  readonly params?: readonly unknown[]
  /** Must run outside a transaction (CREATE INDEX CONCURRENTLY). */
  readonly nonTransactional?: boolean
  /** Raw SQL that changes the session's search_path (pg_dump's set_config): db-manage restores it after the step. */
  readonly searchPath?: boolean
  /**
   * MySQL: a CREATE TABLE that the CREATE INDEX statements right after it may be written into (foldIndex): the table
   * as its operation names it, and the offset in `sql` where its definition list ends.
   */
  readonly created?: {readonly table: string; readonly end: number}
  /** MySQL: a CREATE INDEX, as the element of its table's CREATE TABLE that builds the same index. */
  readonly element?: {readonly table: string; readonly definition: string}
}

/**
 * `index` written into `created`, the CREATE TABLE it directly follows, as one of the table's elements; undefined
 * when either does not allow it (only MySQL's compiler marks them). On InnoDB each CREATE INDEX is an ALTER TABLE
 * with its own data-dictionary work: a table created with its indexes costs the server about half as much as the
 * same table and indexes built one statement at a time, and the table built is the same. Only statements that
 * operations compiled are marked: SQL a script runs itself is never rewritten.
 */
export function foldIndex(created: Statement, index: Statement): Statement | undefined {
  const into = created.created
  const {element} = index
  if (!into || !element || element.table !== into.table || created.params?.length || index.params?.length)
    return undefined
  const added = `,\n    ${element.definition}`
  return {
    created: {end: into.end + added.length, table: into.table},
    sql: `${created.sql.slice(0, into.end)}${added}${created.sql.slice(into.end)}`,
  }
}

export interface CompileContext {
  /** Present online: lets a compiler read what a statement must restate. */
  readonly introspector?: Introspector
}

/** Alembic-style multi-line CREATE TABLE body. */
export function tableBody(elements: readonly string[]): string {
  return `(\n    ${elements.join(',\n    ')}\n)`
}

/**
 * Turns operation nodes into SQL. The ANSI forms live here; each dialect
 * overrides the hooks where it differs and fails loudly where it cannot.
 */
export abstract class DdlCompiler {
  abstract readonly dialect: DialectName

  /** Quote an identifier. */
  abstract quote(name: string): string

  /** The placeholder for the i-th bound parameter (0-based). */
  abstract placeholder(index: number): string

  /** How a raw statement's placeholders are written: `$1` (numbered) or `?`. */
  readonly parameterStyle: 'numbered' | 'question' = 'question'

  /**
   * An INTEGER PRIMARY KEY is given the next value by itself (SQLite's rowid),
   * so a key that only orders rows needs no AUTOINCREMENT (and no sqlite_sequence).
   */
  readonly integerKeysAutoAssign: boolean = false

  /** The current time in UTC, as a value for a TIMESTAMP column (SQLite's CURRENT_TIMESTAMP is UTC). */
  readonly utcNow: string = 'CURRENT_TIMESTAMP'

  /**
   * Milliseconds the server has spent on the statements sent before this one
   * in the same multi-statement query, where the driver sends a revision's
   * statements together (PostgreSQL: the query arrived at
   * statement_timestamp()); the history row's duration adds it.
   */
  readonly batchElapsedMs?: string
  /** Where several steps go in one query: a statement that marks a step's start for batchElapsedMs (PostgreSQL). */
  readonly stepStartedSql?: string

  /** The name a primary key created without one has: PostgreSQL's `<table>_pkey` (MySQL's PRIMARY answers to it). */
  unnamedPrimaryKey(table: string): string | undefined {
    return defaultConstraintName.primaryKey(table)
  }

  /** Map a portable type to this dialect's type; raw types pass through. */
  type(type: string): string {
    if (type.trim() === '' && !this.typelessColumns) {
      throw this.cannot('create a column without a type (SQLite alone has them)')
    }

    const portable = parsePortableType(type)
    if (!portable) return type.trim()
    return this.portableType(portable)
  }

  /** A column may be declared without a type (SQLite's `CREATE TABLE kv (k, v)`). */
  readonly typelessColumns: boolean = false

  /** This dialect's spellings where they differ from STANDARD_TYPES. */
  protected readonly typeOverrides: TypeMap = {}

  protected portableType(type: PortableType): string {
    return (this.typeOverrides[type.name] ?? STANDARD_TYPES[type.name])(type)
  }

  /** A value as a SQL literal, escaped for this dialect. */
  literal(value: unknown): string {
    if (value === null || value === undefined) return 'NULL'
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new UsageError(`cannot write ${value} as a SQL literal`)
      return String(value)
    }

    if (typeof value === 'bigint') return value.toString()
    if (value instanceof Date) return this.stringLiteral(value.toISOString())
    if (Buffer.isBuffer(value) || value instanceof Uint8Array) return this.binaryLiteral(Buffer.from(value))
    if (typeof value === 'object') {
      if ((value as {kind?: string}).kind === 'sql') return (value as {sql: string}).sql
      return this.stringLiteral(JSON.stringify(value))
    }

    return this.stringLiteral(String(value))
  }

  protected stringLiteral(text: string): string {
    return `'${text.replaceAll("'", "''")}'`
  }

  protected binaryLiteral(bytes: Buffer): string {
    return `X'${bytes.toString('hex')}'`
  }

  defaultClause(value: DefaultValue | undefined): string {
    return value === undefined || value === null ? '' : ` DEFAULT ${this.literal(value)}`
  }

  table(name: string): string {
    return this.quote(name)
  }

  columnList(columns: readonly string[]): string {
    return `(${columns.map((c) => this.quote(c)).join(', ')})`
  }

  /** `"name" TYPE NOT NULL DEFAULT x` as it stands inside CREATE TABLE or ADD COLUMN. */
  columnDefinition(column: Column, options: {soleAutoincrementKey?: boolean} = {}): string {
    const nullable = column.nullable ?? !column.primaryKey
    const autoincrement = column.autoincrement
      ? this.autoincrementClause(column, Boolean(options.soleAutoincrementKey))
      : undefined
    const type = autoincrement?.type ?? this.type(column.type)
    const onUpdate =
      column.onUpdateDefault === undefined ? '' : this.onUpdateClause(column.name, this.literal(column.onUpdateDefault))
    if (column.generated) {
      if ((column.default ?? null) !== null || column.autoincrement || column.onUpdateDefault !== undefined) {
        throw new UsageError(
          `column ${column.name} is generated: it cannot also have a default, ON UPDATE or autoincrement`,
        )
      }

      return `${this.quote(column.name)}${type ? ` ${type}` : ''}${this.collateClause(column.collation)}${this.generatedClause(column.generated)}${nullable ? '' : ' NOT NULL'}${this.inlineComment(column.comment)}`
    }

    return `${this.quote(column.name)}${type ? ` ${type}` : ''}${this.collateClause(column.collation)}${nullable ? '' : ' NOT NULL'}${this.defaultClause(column.default)}${onUpdate}${autoincrement?.suffix ?? ''}${this.inlineComment(column.comment)}`
  }

  /** Where the server can refuse it: an UPDATE or DELETE made to fail when it touches no row (PostgreSQL). */
  guardedDml?(sql: string): string

  /** Whether a generated column whose `stored` is left out is STORED (PostgreSQL) or VIRTUAL (MySQL, SQLite). */
  readonly storedByDefault: boolean = false

  /** ` GENERATED ALWAYS AS (expression) STORED|VIRTUAL` after a column's type. */
  generatedClause(generated: GeneratedColumn): string {
    return ` GENERATED ALWAYS AS (${generated.expression}) ${(generated.stored ?? this.storedByDefault) ? 'STORED' : 'VIRTUAL'}`
  }

  /** ` COLLATE name` after a column's type. */
  collateClause(collation: string | undefined): string {
    return collation === undefined ? '' : ` COLLATE ${plainName('collation', collation)}`
  }

  /** MySQL's ON UPDATE; elsewhere a trigger does that, so it is refused. */
  protected onUpdateClause(column: string, _sql: string): string {
    throw this.cannot(`set column ${column} ON UPDATE: that is MySQL's (use a trigger)`)
  }

  /**
   * A comment written inside the column's definition (MySQL); '' where comments are statements of their own or not
   * kept.
   */
  protected inlineComment(_comment: string | undefined): string {
    return ''
  }

  /** Statements that set column comments after CREATE TABLE or ADD COLUMN (PostgreSQL's COMMENT ON COLUMN). */
  protected commentStatements(_table: string, _columns: readonly Column[]): Statement[] {
    return []
  }

  /** How an autoincrementing column is spelled: a replacement type and/or a suffix. */
  protected abstract autoincrementClause(column: Column, soleKey: boolean): {suffix?: string; type?: string}

  /** Whether the primary key was written inline by autoincrementClause (SQLite). */
  protected inlinePrimaryKey(_columns: readonly Column[]): boolean {
    return false
  }

  foreignKeyClause(
    columns: readonly string[],
    referent: string,
    referentColumns: readonly string[],
    actions: {onDelete?: string; onUpdate?: string; deferrable?: boolean; initiallyDeferred?: boolean},
  ): string {
    // No referenced columns: the referent's primary key, as `REFERENCES a` says it (PostgreSQL, SQLite).
    const to = referentColumns.length === 0 ? this.implicitReferent(referent) : ` ${this.columnList(referentColumns)}`
    const references = `REFERENCES ${this.table(referent)}${to}`
    return `FOREIGN KEY ${this.columnList(columns)} ${references}${this.actions(actions)}${this.deferral(actions)}`
  }

  /** What follows `REFERENCES a` when no columns are named: nothing, where the referent's primary key is meant. */
  protected implicitReferent(_referent: string): string {
    return ''
  }

  /** DEFERRABLE [INITIALLY DEFERRED]: PostgreSQL and SQLite; MySQL says it cannot. */
  protected deferral(options: {deferrable?: boolean; initiallyDeferred?: boolean}): string {
    if (!options.deferrable && !options.initiallyDeferred) return ''
    return ` DEFERRABLE${options.initiallyDeferred ? ' INITIALLY DEFERRED' : ''}`
  }

  protected actions(actions: {onDelete?: string; onUpdate?: string}): string {
    return `${actions.onDelete ? ` ON DELETE ${checkAction(actions.onDelete)}` : ''}${actions.onUpdate ? ` ON UPDATE ${checkAction(actions.onUpdate)}` : ''}`
  }

  constraintName(name: string): string {
    return `CONSTRAINT ${this.quote(name)}`
  }

  async compile(operation: Operation, context: CompileContext = {}): Promise<Statement[]> {
    switch (operation.kind) {
      case 'addColumn': {
        return this.addColumn(operation, context)
      }

      case 'alterColumn': {
        return this.alterColumn(operation, context)
      }

      case 'batchAlterTable': {
        return this.batchAlterTable(operation, context)
      }

      case 'bulkInsert': {
        return this.bulkInsert(operation)
      }

      case 'backfill': {
        return [{sql: this.backfillUpdate(operation)}]
      }

      case 'createCheckConstraint': {
        return this.createCheckConstraint(operation)
      }

      case 'createForeignKey': {
        return this.createForeignKey(operation)
      }

      case 'createIndex': {
        return this.createIndex(operation)
      }

      case 'createPrimaryKey': {
        return this.createPrimaryKey(operation)
      }

      case 'createTable': {
        return this.createTable(operation)
      }

      case 'createUniqueConstraint': {
        return this.createUniqueConstraint(operation)
      }

      case 'dropColumn': {
        return this.dropColumn(operation)
      }

      case 'dropConstraint': {
        return this.dropConstraint(operation, context)
      }

      case 'dropIndex': {
        return this.dropIndex(operation)
      }

      case 'dropTable': {
        return this.dropTable(operation)
      }

      case 'execute': {
        return this.execute(operation)
      }

      case 'renameTable': {
        return this.renameTable(operation)
      }

      case 'alterTableOptions': {
        return this.alterTableOptions(operation)
      }

      case 'createEnumType': {
        return this.createEnumType(operation)
      }

      case 'dropEnumType': {
        return this.dropEnumType(operation)
      }

      case 'addEnumValue': {
        return this.addEnumValue(operation)
      }

      case 'createDomain': {
        return this.createDomain(operation)
      }

      case 'dropDomain': {
        return this.dropDomain(operation)
      }

      case 'recreateEnumType': {
        return this.recreateEnumType(operation)
      }

      case 'alterDomain': {
        return this.alterDomain(operation)
      }

      case 'alterPartition': {
        throw this.cannot(`change the bound of partition ${operation.partition}: partitioning is PostgreSQL's here`)
      }

      case 'createExtension':
      case 'dropExtension': {
        return this.extension(operation)
      }
    }
  }

  createTable(op: CreateTable): Statement[] {
    if (op.partitionBy !== undefined || op.partitionOf !== undefined) {
      const how = op.partitionOf ? `as a partition of ${op.partitionOf.parent}` : `PARTITION BY ${op.partitionBy}`
      throw this.cannot(`create table ${op.table} ${how}: partitioning is PostgreSQL's here`)
    }

    const keys = op.primaryKey?.columns ?? op.columns.filter((c) => c.primaryKey).map((c) => c.name)
    const autoKeys = op.columns.filter((c) => c.autoincrement && keys.includes(c.name))
    const soleAutoincrementKey = autoKeys.length === 1 && keys.length === 1
    const elements = op.columns.map((c) =>
      this.columnDefinition(
        {...c, nullable: c.nullable ?? (keys.includes(c.name) ? false : undefined)},
        {soleAutoincrementKey},
      ),
    )
    if (keys.length > 0 && !(soleAutoincrementKey && this.inlinePrimaryKey(op.columns))) {
      elements.push(...this.constraintElements({primaryKey: {columns: keys, name: op.primaryKey?.name}}))
    }

    for (const c of op.columns.filter((col) => col.unique))
      elements.push(
        `${this.constraintName(defaultConstraintName.unique(op.table, [c.name]))} UNIQUE ${this.columnList([c.name])}`,
      )
    for (const c of op.columns.filter((col) => col.references)) {
      const [referent, referentColumn] = splitReference(c.references!, c.name)
      elements.push(
        `${this.constraintName(defaultConstraintName.foreignKey(op.table, [c.name]))} ${this.foreignKeyClause([c.name], referent, [referentColumn], c)}`,
      )
    }

    elements.push(...this.constraintElements({checks: op.checks, foreignKeys: op.foreignKeys, uniques: op.uniques}))
    const head = `CREATE TABLE ${op.ifNotExists ? 'IF NOT EXISTS ' : ''}${this.table(op.table)} ${tableBody(elements)}`
    return [
      {
        sql: `${head}${this.tableOptionsClause(op)}`,
        // IF NOT EXISTS: an index written into it would not be built when the table was already there.
        ...(this.foldsIndexes && !op.ifNotExists && {created: {end: head.length - 2, table: op.table}}),
      },
      ...this.tableCommentStatements(op.table, op.comment),
      ...this.commentStatements(op.table, op.columns),
    ]
  }

  /**
   * The key, unique, foreign key and check elements of CREATE TABLE (or a
   * domain's checks), each led by `CONSTRAINT name` when it has a name.
   */
  constraintElements(t: Partial<Pick<TableSchema, 'checks' | 'foreignKeys' | 'primaryKey' | 'uniques'>>): string[] {
    const named = (name: string | undefined) => (name ? `${this.constraintName(name)} ` : '')
    return [
      ...(t.primaryKey ? [`${named(t.primaryKey.name)}PRIMARY KEY ${this.columnList(t.primaryKey.columns)}`] : []),
      ...(t.uniques ?? []).map(
        (u) => `${named(u.name)}UNIQUE${this.nullsNotDistinct(u)} ${this.columnList(u.columns)}`,
      ),
      ...(t.foreignKeys ?? []).map(
        (f) => `${named(f.name)}${this.foreignKeyClause(f.columns, f.referent, f.referentColumns, f)}`,
      ),
      ...(t.checks ?? []).map((k) => `${named(k.name)}CHECK (${k.condition})`),
    ]
  }

  /**
   * MySQL's ` ENGINE=... DEFAULT COLLATE=... ROW_FORMAT=... COMMENT='...'` after CREATE TABLE's body; the mysql*
   * options mean nothing elsewhere.
   */
  protected tableOptionsClause(_options: Omit<AlterTableOptions, 'kind' | 'table'>): string {
    return ''
  }

  /**
   * A table comment as statements of its own (PostgreSQL's COMMENT ON TABLE); none where comments are inline or not
   * kept.
   */
  protected tableCommentStatements(_table: string, _comment: null | string | undefined): Statement[] {
    return []
  }

  alterTableOptions(op: AlterTableOptions): Statement[] {
    return this.tableCommentStatements(op.table, op.comment)
  }

  /** CREATE / DROP EXTENSION: PostgreSQL's. */
  protected extension(op: CreateExtension | DropExtension): Statement[] {
    const verb = op.kind === 'createExtension' ? 'create' : 'drop'
    throw this.cannot(`${verb} extension ${op.name}: extensions are PostgreSQL's`)
  }

  /** Enum types are PostgreSQL's; elsewhere an enum is a column type (MySQL ENUM(...)) or a CHECK. */
  createEnumType(op: CreateEnumType): Statement[] {
    throw this.cannot(
      `create enum type ${op.name}: enum types are PostgreSQL's (use a column type such as ENUM('a','b') on MySQL, or a check)`,
    )
  }

  dropEnumType(op: DropEnumType): Statement[] {
    throw this.cannot(`drop enum type ${op.name}: enum types are PostgreSQL's`)
  }

  addEnumValue(op: AddEnumValue): Statement[] {
    throw this.cannot(`add a value to enum type ${op.name}: enum types are PostgreSQL's`)
  }

  createDomain(op: CreateDomain): Statement[] {
    throw this.cannot(`create domain ${op.name}: domains are PostgreSQL's`)
  }

  dropDomain(op: DropDomain): Statement[] {
    throw this.cannot(`drop domain ${op.name}: domains are PostgreSQL's`)
  }

  recreateEnumType(op: RecreateEnumType): Statement[] {
    throw this.cannot(`recreate enum type ${op.name}: enum types are PostgreSQL's`)
  }

  alterDomain(op: AlterDomain): Statement[] {
    throw this.cannot(`alter domain ${op.name}: domains are PostgreSQL's`)
  }

  dropTable(op: DropTable): Statement[] {
    return [{sql: `DROP TABLE ${this.table(op.table)}`}]
  }

  renameTable(op: RenameTable): Statement[] {
    return [{sql: `ALTER TABLE ${this.table(op.table)} RENAME TO ${this.table(op.newName)}`}]
  }

  addColumn(op: AddColumn, _context: CompileContext): Promise<Statement[]> | Statement[] {
    const {column} = op
    if (column.primaryKey)
      throw this.cannot(
        `add a primary key column (${op.table}.${column.name}) with addColumn: add the column, then createPrimaryKey`,
      )
    const statements: Statement[] = [
      {sql: `ALTER TABLE ${this.table(op.table)} ADD COLUMN ${this.columnDefinition(column)}`},
      ...this.commentStatements(op.table, [column]),
    ]
    if (column.unique)
      statements.push(
        ...this.createUniqueConstraint({
          columns: [column.name],
          kind: 'createUniqueConstraint',
          name: defaultConstraintName.unique(op.table, [column.name]),
          table: op.table,
        }),
      )
    if (column.references) {
      const [referent, referentColumn] = splitReference(column.references, column.name)
      statements.push(
        ...this.createForeignKey({
          columns: [column.name],
          kind: 'createForeignKey',
          name: defaultConstraintName.foreignKey(op.table, [column.name]),
          onDelete: column.onDelete,
          onUpdate: column.onUpdate,
          referent,
          referentColumns: [referentColumn],
          table: op.table,
        }),
      )
    }

    return statements
  }

  dropColumn(op: DropColumn): Statement[] {
    return [{sql: `ALTER TABLE ${this.table(op.table)} DROP COLUMN ${this.quote(op.column)}`}]
  }

  abstract alterColumn(op: AlterColumn, context: CompileContext): Promise<Statement[]> | Statement[]

  /** The index options this dialect has beyond `unique`; the others are refused, each with its own reason. */
  protected readonly indexOptions: ReadonlySet<keyof IndexOptions> = new Set(['where'])

  /** Whether a CREATE INDEX right after its table's CREATE TABLE may be written into it (foldIndex). */
  protected readonly foldsIndexes: boolean = false

  /**
   * Whether an operation may need to read its table to be compiled (CompileContext.introspector): MySQL's column
   * restatement, SQLite's table rebuild. Offline, only then are the tables the chain builds kept (SchemaTracker).
   */
  readonly readsTables: boolean = true

  createIndex(op: CreateIndex): Statement[] {
    for (const [option, why] of Object.entries(INDEX_OPTION_REFUSALS) as Array<
      [keyof IndexOptions, (op: CreateIndex, dialect: DialectName) => string]
    >) {
      const given = op[option]
      if (given !== undefined && given !== false && !this.indexOptions.has(option))
        throw this.cannot(why(op, this.dialect))
    }

    const kind = op.unique ? 'UNIQUE ' : op.fulltext ? 'FULLTEXT ' : op.spatial ? 'SPATIAL ' : ''
    const using = op.using ? ` USING ${op.using}` : ''
    const include = op.include?.length ? ` INCLUDE ${this.columnList(op.include)}` : ''
    const nulls = op.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''
    const where = op.where ? ` WHERE ${op.where}` : ''
    const parameters =
      op.with === undefined
        ? ''
        : ` WITH (${Object.entries(op.with)
            .map(
              ([k, v]) =>
                `${plainName('storage parameter', k)} = ${/^[\w.-]+$/.test(String(v)) ? String(v) : this.literal(String(v))}`,
            )
            .join(', ')})`
    const online = op.concurrently ? this.onlineIndex(op) : {}
    const target = `${this.quote(op.name)} ON ${this.table(op.table)}${using} ${this.indexElements(op)}`
    const options = `${include}${nulls}${parameters}${where}${online.suffix ?? ''}`
    const sql = `CREATE ${kind}INDEX ${online.keyword ?? ''}${target}${options}`
    return [online.nonTransactional ? {nonTransactional: true, sql} : {sql}]
  }

  /**
   * How `concurrently: true`, the portable request for an index built while
   * the table takes writes, is spelled: PostgreSQL's CONCURRENTLY (outside
   * the transaction), MySQL's ALGORITHM=INPLACE LOCK=NONE. SQLite builds an
   * index no other way than plainly, so by default nothing is added.
   */
  protected onlineIndex(_op: CreateIndex): {keyword?: string; suffix?: string; nonTransactional?: boolean} {
    return {}
  }

  /** `("a", lower(b), "url"(191))`. */
  indexElements(index: Pick<CreateIndex, 'columns' | 'lengths'>): string {
    return `(${indexElementsText(index, (name) => this.quote(name)).join(', ')})`
  }

  dropIndex(op: DropIndex): Statement[] {
    return [{sql: `DROP INDEX ${this.quote(op.name)}`}]
  }

  createPrimaryKey(op: CreatePrimaryKey): Statement[] {
    return [
      {
        sql: `ALTER TABLE ${this.table(op.table)} ADD ${this.constraintName(op.name)} PRIMARY KEY ${this.columnList(op.columns)}`,
      },
    ]
  }

  createUniqueConstraint(op: CreateUniqueConstraint): Statement[] {
    const unique = `UNIQUE${this.nullsNotDistinct(op)} ${this.columnList(op.columns)}`
    return [{sql: `ALTER TABLE ${this.table(op.table)} ADD ${this.constraintName(op.name)} ${unique}`}]
  }

  /** ` NULLS NOT DISTINCT` after UNIQUE: PostgreSQL 15's; elsewhere NULLs are always distinct, so it is refused. */
  protected nullsNotDistinct(key: {name?: string; nullsNotDistinct?: boolean}): string {
    if (!key.nullsNotDistinct) return ''
    const name = key.name ? `${key.name} ` : ''
    throw this.cannot(`make unique key ${name}NULLS NOT DISTINCT: that is PostgreSQL's (15 and later)`)
  }

  createForeignKey(op: CreateForeignKey): Statement[] {
    return [
      {
        sql: `ALTER TABLE ${this.table(op.table)} ADD ${this.constraintName(op.name)} ${this.foreignKeyClause(op.columns, op.referent, op.referentColumns, op)}`,
      },
    ]
  }

  createCheckConstraint(op: CreateCheckConstraint): Statement[] {
    return [{sql: `ALTER TABLE ${this.table(op.table)} ADD ${this.constraintName(op.name)} CHECK (${op.condition})`}]
  }

  dropConstraint(op: DropConstraint, _context: CompileContext): Promise<Statement[]> | Statement[] {
    return [{sql: `ALTER TABLE ${this.table(op.table)} DROP CONSTRAINT ${this.quote(op.name)}`}]
  }

  /**
   * Raw SQL: split as the dialect's client splits a file (with bound
   * parameters, one statement as given), each statement read by the one rule
   * for raw SQL: a statement the server refuses inside a transaction (VACUUM,
   * CREATE INDEX CONCURRENTLY, ...) runs outside the revision's, and one that
   * would end the revision's transaction (BEGIN, COMMIT, ROLLBACK) is refused
   * where revisions run in one (all but MySQL).
   */
  execute(op: Execute): Statement[] {
    const statements =
      (op.params && op.params.length > 0) || op.split === false
        ? [op.sql]
        : splitSql(op.sql, this.dialect, 'op.execute', {programs: true}).map((s) => s.sql)
    return statements.map((sql, i) => {
      const kind = statementKind(sql, this.dialect)
      if ((kind === 'begin' || kind === 'commit' || kind === 'rollback') && this.dialect !== 'mysql') {
        const words = leadingWords(sql, this.dialect, 1).join(' ')
        throw new ScriptError(
          `op.execute: statement ${i + 1} (${words}) would end the revision's own transaction, which db-manage opens and commits with the version update; leave it out`,
        )
      }

      const path = this.dialect === 'postgresql' && changesSearchPath(sql) ? {searchPath: true} : {}
      return kind === 'outside'
        ? {nonTransactional: true, params: op.params, sql, ...path}
        : {params: op.params, sql, ...path}
    })
  }

  /** One INSERT of many rows with bound parameters, in chunks. */
  bulkInsert(op: BulkInsert): Statement[] {
    if (op.rows.length === 0) return []
    const columns = [...new Set(op.rows.flatMap((r) => Object.keys(r)))]
    const statements: Statement[] = []
    const chunk = Math.max(1, Math.floor(10_000 / columns.length))
    for (let start = 0; start < op.rows.length; start += chunk) {
      const rows = op.rows.slice(start, start + chunk)
      const params: unknown[] = []
      const tuples = rows.map(
        (row) =>
          `(${columns
            .map((c) => {
              params.push(this.parameter(row[c]))
              return this.placeholder(params.length - 1)
            })
            .join(', ')})`,
      )
      statements.push({
        params,
        sql: `INSERT INTO ${this.table(op.table)} ${this.columnList(columns)} VALUES ${tuples.join(', ')}`,
      })
    }

    return statements
  }

  /**
   * A backfill's UPDATE, `range` (a condition on the primary key) limiting it to one batch; without it, every row
   * the backfill's condition selects (offline, where there are no batches).
   */
  backfillUpdate(op: Backfill, range?: string): string {
    const set = Object.entries(op.set).map(([column, value]) => `${this.quote(column)} = ${this.literal(value)}`)
    const where = [range, op.where === undefined ? undefined : `(${op.where})`].filter(Boolean)
    return `UPDATE ${this.table(op.table)} SET ${set.join(', ')}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`
  }

  /** A JS value as the driver should bind it. */
  protected parameter(value: unknown): unknown {
    if (value === undefined) return null
    if (
      value &&
      typeof value === 'object' &&
      !(value instanceof Date) &&
      !Buffer.isBuffer(value) &&
      !(value instanceof Uint8Array)
    )
      return JSON.stringify(value)
    return value
  }

  /** Default batch mode: the operations one by one, as ordinary ALTERs. */
  async batchAlterTable(op: BatchAlterTable, context: CompileContext): Promise<Statement[]> {
    const statements: Statement[] = []
    for (const inner of op.operations) statements.push(...(await this.compile(inner, context)))
    return statements
  }

  protected cannot(what: string): UsageError {
    return new UsageError(`${this.dialect} cannot ${what}`)
  }
}

const ACTIONS = new Set(['CASCADE', 'NO ACTION', 'RESTRICT', 'SET DEFAULT', 'SET NULL'])

function checkAction(action: string): string {
  const a = action.toUpperCase()
  if (!ACTIONS.has(a))
    throw new UsageError(
      `unknown referential action "${action}" (use CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION)`,
    )
  return a
}

/** `clusters.id` -> ['clusters', 'id']. */

/** Why a dialect without an index option refuses it. */
const INDEX_OPTION_REFUSALS: Partial<Record<keyof IndexOptions, (op: CreateIndex, dialect: DialectName) => string>> = {
  fulltext: (op, dialect) =>
    `create a FULLTEXT index (${op.name}): that is MySQL's` +
    (dialect === 'sqlite' ? ' (SQLite has FTS5 virtual tables)' : ' (PostgreSQL has tsvector with a gin index)'),
  include: (op) => `create an index with INCLUDE columns (${op.name}): that is PostgreSQL only`,
  lengths: (op) => `create an index on column prefixes (${op.name} lengths): that is MySQL only`,
  nullsNotDistinct: (op) => `create an index NULLS NOT DISTINCT (${op.name}): that is PostgreSQL's (15 and later)`,
  spatial: (op, dialect) =>
    `create a SPATIAL index (${op.name}): that is MySQL's` +
    (dialect === 'sqlite' ? ' (SQLite has R*Tree virtual tables)' : ' (PostgreSQL uses a gist index)'),
  using: (op) => `create an index USING ${op.using} (${op.name}): index methods are PostgreSQL's`,
  where: (op) => `create a partial index (${op.name} WHERE ${op.where})`,
  with: (op) => `create an index WITH storage parameters (${op.name}): that is PostgreSQL only`,
}

/** A name written into SQL unquoted (a collation, a MySQL engine): letters, digits and _ only, else one clear line. */
export function plainName(what: string, value: string): string {
  if (!/^\w+$/.test(value))
    throw new UsageError(`${what} ${JSON.stringify(value)} is not a name (letters, digits and _)`)
  return value
}
