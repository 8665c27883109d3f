import type {
  AddColumn,
  AddEnumValue,
  AlterColumn,
  AlterDomain,
  AlterPartition,
  Column,
  CreateDomain,
  CreateExtension,
  CreateTable,
  RecreateEnumType,
  CreateEnumType,
  DropDomain,
  DropEnumType,
  DropExtension,
  DropIndex,
  DropTable,
  IndexOptions,
  Operation,
  RenameTable,
} from '../../operations/nodes.js'
import {type CompileContext, DdlCompiler, type Statement, tableBody} from '../ddl-compiler.js'
import type {TypeMap} from '../../model/portable-type.js'
import {SequenceStatements, withDefaults} from './postgres-sequences.js'
import {UsageError} from '../../util/errors.js'

export class PostgresDdlCompiler extends DdlCompiler {
  readonly dialect = 'postgresql' as const
  readonly parameterStyle = 'numbered' as const
  readonly utcNow = "(now() AT TIME ZONE 'utc')"
  readonly storedByDefault = true
  /** No PostgreSQL operation reads its table to be compiled: offline, nothing keeps the tables (~15 MB at 10,000). */
  readonly readsTables = false
  // From the step's start where a run sends several steps in one query (stepStartedSql), else from the query's.
  readonly batchElapsedMs =
    "(extract(epoch FROM clock_timestamp() - coalesce(nullif(current_setting('db_manage.step_started', true), '')::timestamptz, statement_timestamp())) * 1000)::integer"
  readonly stepStartedSql = "SELECT set_config('db_manage.step_started', clock_timestamp()::text, true)"

  /** An UPDATE or DELETE that fails on the server (division by zero) when it touches no row. */
  guardedDml(sql: string): string {
    return `WITH moved AS (${sql} RETURNING 1) SELECT 1 / count(*) FROM moved`
  }

  quote(name: string): string {
    return `"${name.replaceAll('"', '""')}"`
  }

  /** `billing.invoices`: a table of another schema (`schemas = public, billing`), as `"billing"."invoices"`. */
  override table(name: string): string {
    const dot = name.indexOf('.')
    return dot <= 0 ? this.quote(name) : `${this.quote(name.slice(0, dot))}.${this.quote(name.slice(dot + 1))}`
  }

  /** An object named `name` in the schema of `table` (an index, a sequence): qualified when the table is. */
  private besideTable(table: string | undefined, name: string): string {
    const dot = table?.indexOf('.') ?? -1
    return dot <= 0 ? this.quote(name) : `${this.quote(table!.slice(0, dot))}.${this.quote(name)}`
  }

  placeholder(index: number): string {
    return `$${index + 1}`
  }

  protected readonly typeOverrides: TypeMap = {
    binary: () => 'BYTEA',
    double: () => 'DOUBLE PRECISION',
    float: () => 'REAL',
    time: () => 'TIME WITHOUT TIME ZONE',
    timestamp: () => 'TIMESTAMP WITHOUT TIME ZONE',
    timestamptz: () => 'TIMESTAMP WITH TIME ZONE',
    uuid: () => 'UUID',
  }

  protected binaryLiteral(bytes: Buffer): string {
    return `'\\x${bytes.toString('hex')}'::bytea`
  }

  private readonly sequences = new SequenceStatements(this)

  /** An identity, or (with `sequence`) serial's nextval() default of a sequence created before the table. */
  protected autoincrementClause(column: Column): {suffix?: string; type?: string} {
    const sequence = column.sequence === undefined ? undefined : withDefaults(column.sequence, column.type, this)
    if (sequence) return {suffix: this.sequences.nextval(sequence.name)}
    return {suffix: ` GENERATED ${column.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`}
  }

  /** Serial-style columns: each sequence created before the table and owned by its column after. */
  private serial(table: string, columns: readonly Column[], statements: Statement[]): Statement[] {
    const numbered = columns.filter((c) => c.autoincrement && c.sequence !== undefined)
    return [
      ...numbered.map((c) => this.sequences.create(c)),
      ...statements,
      ...numbered.flatMap((c) => {
        const s = withDefaults(c.sequence!, c.type, this)
        return s.owned ? [this.sequences.ownedBy(s.name, table, c.name)] : []
      }),
    ]
  }

  createTable(op: CreateTable): Statement[] {
    const {partitionBy, partitionOf} = op
    if (partitionOf) {
      // A partition: its columns are its parent's; its own keys and checks stand in its parentheses.
      if (op.columns.length > 0) {
        const why = `a partition (partitionOf) takes its columns from ${partitionOf.parent}: give it none`
        throw new UsageError(`createTable ${op.table}: ${why}`)
      }

      const {checks, foreignKeys, primaryKey, uniques} = op
      const elements = this.constraintElements({checks, foreignKeys, primaryKey, uniques})
      const body = elements.length > 0 ? ` ${tableBody(elements)}` : ''
      const sub = partitionBy ? ` PARTITION BY ${partitionBy}` : ''
      const create = `CREATE TABLE ${op.ifNotExists ? 'IF NOT EXISTS ' : ''}${this.table(op.table)}`
      return [
        {sql: `${create} PARTITION OF ${this.table(partitionOf.parent)}${body} ${partitionOf.bound}${sub}`},
        ...this.tableCommentStatements(op.table, op.comment),
      ]
    }

    const statements = super.createTable({...op, partitionBy: undefined})
    // PARTITION BY after the column list: the first statement is the CREATE TABLE.
    const [create, ...rest] = statements
    const by = partitionBy ? ` PARTITION BY ${partitionBy}` : ''
    const partitioned = [{...create, sql: `${create.sql}${by}`}, ...rest]
    return this.serial(op.table, op.columns, partitioned)
  }

  /** RENAME TO takes a bare name: the table stays in its schema (another is ALTER TABLE ... SET SCHEMA). */
  override renameTable(op: RenameTable): Statement[] {
    const schemaOf = (name: string) => (name.indexOf('.') > 0 ? name.slice(0, name.indexOf('.')) : undefined)
    const to = schemaOf(op.newName)
    if (to !== undefined && to !== schemaOf(op.table))
      throw new UsageError(
        `renameTable ${op.table} to ${op.newName}: a rename keeps the table in its schema; moving it is` +
          ` ALTER TABLE ... SET SCHEMA (op.execute)`,
      )
    return [
      {
        sql: `ALTER TABLE ${this.table(op.table)} RENAME TO ${this.quote(op.newName.slice(op.newName.indexOf('.') + 1))}`,
      },
    ]
  }

  dropTable(op: DropTable): Statement[] {
    const sequences = (op.sequences ?? []).map((name) => ({
      sql: `DROP SEQUENCE IF EXISTS ${this.besideTable(op.table, name)}`,
    }))
    return [...super.dropTable(op), ...sequences]
  }

  protected extension(op: CreateExtension | DropExtension): Statement[] {
    const name = this.quote(op.name)
    return [{sql: op.kind === 'createExtension' ? `CREATE EXTENSION IF NOT EXISTS ${name}` : `DROP EXTENSION ${name}`}]
  }

  async compile(operation: Operation, context: CompileContext = {}): Promise<Statement[]> {
    return operation.kind === 'alterPartition' ? this.alterPartition(operation) : super.compile(operation, context)
  }

  /** A partition given another bound: detached and attached again; rows outside the new bound make the ATTACH fail. */
  alterPartition(op: AlterPartition): Statement[] {
    const parent = `ALTER TABLE ${this.table(op.table)}`
    const partition = this.table(op.partition)
    return [
      {sql: `${parent} DETACH PARTITION ${partition}`},
      {sql: `${parent} ATTACH PARTITION ${partition} ${op.bound}`},
    ]
  }

  async addColumn(op: AddColumn, context: CompileContext): Promise<Statement[]> {
    return this.serial(op.table, [op.column], await super.addColumn(op, context))
  }

  /** Any collation name, quoted as PostgreSQL spells it ("C", "en-US-x-icu"). */
  collateClause(collation: string | undefined): string {
    return collation === undefined ? '' : ` COLLATE ${this.quote(collation)}`
  }

  protected commentStatements(table: string, columns: readonly Column[]): Statement[] {
    return columns.filter((c) => c.comment !== undefined).map((c) => this.commentOn(table, c.name, c.comment!))
  }

  protected tableCommentStatements(table: string, comment: null | string | undefined): Statement[] {
    return comment === undefined
      ? []
      : [{sql: `COMMENT ON TABLE ${this.table(table)} IS ${comment === null ? 'NULL' : this.literal(comment)}`}]
  }

  private commentOn(table: string, column: string, comment: null | string): Statement {
    return {
      sql: `COMMENT ON COLUMN ${this.table(table)}.${this.quote(column)} IS ${comment === null ? 'NULL' : this.literal(comment)}`,
    }
  }

  alterColumn(op: AlterColumn): Statement[] {
    const table = `ALTER TABLE ${this.table(op.table)} ALTER COLUMN ${this.quote(op.column)}`
    const statements: Statement[] = []
    if (op.collation !== undefined && op.type === undefined && op.existingType === undefined) {
      throw this.cannot(
        `change the collation of ${op.table}.${op.column} without its type: PostgreSQL restates it (ALTER COLUMN ... TYPE t COLLATE c), so pass type or existingType`,
      )
    }

    if (op.onUpdateDefault !== undefined && op.onUpdateDefault !== null) this.onUpdateClause(op.column, '')
    // A new type keeps the column's collation unless the operation names another.
    let collation = op.collation === null ? 'default' : op.collation
    if (op.collation === undefined && op.type !== undefined && /char|text|citext/i.test(this.type(op.type)))
      collation = op.existingCollation
    const numbering = this.sequences.alter(op, op.type ?? op.existingType)
    statements.push(...numbering.before)
    if (op.type !== undefined || op.collation !== undefined)
      statements.push({
        sql: `${table} TYPE ${this.type((op.type ?? op.existingType)!)}${this.collateClause(collation)}`,
      })
    if (op.nullable !== undefined) statements.push({sql: `${table} ${op.nullable ? 'DROP' : 'SET'} NOT NULL`})
    if (op.default !== undefined && !(op.default === null && op.autoincrement === false)) {
      statements.push({
        sql: op.default === null ? `${table} DROP DEFAULT` : `${table} SET DEFAULT ${this.literal(op.default)}`,
      })
    }

    // A numbering added or switched comes after a change of type, so a new sequence has the column's new type.
    statements.push(...numbering.after)
    if (op.comment !== undefined) statements.push(this.commentOn(op.table, op.column, op.comment))
    if (op.newName !== undefined) {
      statements.push({
        sql: `ALTER TABLE ${this.table(op.table)} RENAME COLUMN ${this.quote(op.column)} TO ${this.quote(op.newName)}`,
      })
    }

    return statements
  }

  protected readonly indexOptions: ReadonlySet<keyof IndexOptions> = new Set([
    'concurrently',
    'include',
    'nullsNotDistinct',
    'using',
    'where',
    'with',
  ])

  protected onlineIndex(): {keyword?: string; nonTransactional?: boolean} {
    return {keyword: 'CONCURRENTLY ', nonTransactional: true}
  }

  protected nullsNotDistinct(key: {nullsNotDistinct?: boolean}): string {
    return key.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''
  }

  createEnumType(op: CreateEnumType): Statement[] {
    return [{sql: `CREATE TYPE ${this.quote(op.name)} AS ENUM (${op.values.map((v) => this.literal(v)).join(', ')})`}]
  }

  dropEnumType(op: DropEnumType): Statement[] {
    return [{sql: `DROP TYPE ${this.quote(op.name)}`}]
  }

  addEnumValue(op: AddEnumValue): Statement[] {
    const position =
      op.before === undefined
        ? op.after === undefined
          ? ''
          : ` AFTER ${this.literal(op.after)}`
        : ` BEFORE ${this.literal(op.before)}`
    return [{sql: `ALTER TYPE ${this.quote(op.name)} ADD VALUE ${this.literal(op.value)}${position}`}]
  }

  recreateEnumType(op: RecreateEnumType): Statement[] {
    const type = this.quote(op.name)
    const aside = this.quote(`${op.name}__db_manage_old`)
    const statements: Statement[] = [
      {sql: `ALTER TYPE ${type} RENAME TO ${aside}`},
      ...this.createEnumType({kind: 'createEnumType', name: op.name, values: op.values}),
    ]
    for (const c of op.columns) {
      const column = `ALTER TABLE ${this.table(c.table)} ALTER COLUMN ${this.quote(c.column)}`
      const suffix = c.array ? '[]' : ''
      if (c.default !== undefined && c.default !== null) statements.push({sql: `${column} DROP DEFAULT`})
      statements.push({
        sql: `${column} TYPE ${type}${suffix} USING ${this.quote(c.column)}::text${suffix}::${type}${suffix}`,
      })
      if (c.default !== undefined && c.default !== null)
        statements.push({sql: `${column} SET DEFAULT ${this.literal(c.default)}`})
    }

    statements.push({sql: `DROP TYPE ${aside}`})
    return statements
  }

  alterDomain(op: AlterDomain): Statement[] {
    const domain = `ALTER DOMAIN ${this.quote(op.name)}`
    return [
      ...(op.dropChecks ?? []).map((name) => ({sql: `${domain} DROP CONSTRAINT ${this.quote(name)}`})),
      ...(op.default === undefined
        ? []
        : [
            {sql: op.default === null ? `${domain} DROP DEFAULT` : `${domain} SET DEFAULT ${this.literal(op.default)}`},
          ]),
      ...(op.nullable === undefined ? [] : [{sql: `${domain} ${op.nullable ? 'DROP' : 'SET'} NOT NULL`}]),
      ...this.constraintElements({checks: op.addChecks}).map((k) => ({sql: `${domain} ADD ${k}`})),
    ]
  }

  createDomain(op: CreateDomain): Statement[] {
    const checks = this.constraintElements({checks: op.checks})
      .map((k) => ` ${k}`)
      .join('')
    return [
      {
        sql: `CREATE DOMAIN ${this.quote(op.name)} AS ${this.type(op.type)}${op.nullable === false ? ' NOT NULL' : ''}${this.defaultClause(op.default)}${checks}`,
      },
    ]
  }

  dropDomain(op: DropDomain): Statement[] {
    return [{sql: `DROP DOMAIN ${this.quote(op.name)}`}]
  }

  dropIndex(op: DropIndex): Statement[] {
    return [{sql: `DROP INDEX ${this.besideTable(op.table, op.name)}`}]
  }
}
