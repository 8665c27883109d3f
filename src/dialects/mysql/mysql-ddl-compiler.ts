import type {
  AlterColumn,
  AlterTableOptions,
  CreateIndex,
  DropConstraint,
  DropIndex,
  IndexOptions,
} from '../../operations/nodes.js'
import {UsageError} from '../../util/errors.js'
import {type CompileContext, DdlCompiler, plainName, type Statement} from '../ddl-compiler.js'
import type {TypeMap} from '../../model/portable-type.js'
import type {ColumnSchema} from '../../model/table-schema.js'
import {mysqlStringLiteral} from './mysql-literal.js'

const TEXTUAL = /char|text|enum|set\(/i

export class MysqlDdlCompiler extends DdlCompiler {
  readonly dialect = 'mysql' as const
  readonly utcNow = 'UTC_TIMESTAMP()'

  quote(name: string): string {
    return `\`${name.replaceAll('`', '``')}\``
  }

  placeholder(): string {
    return '?'
  }

  protected readonly typeOverrides: TypeMap = {
    boolean: () => 'BOOL',
    string(t) {
      if (t.length === undefined) throw new UsageError('mysql needs a length for string: write string(N)')
      return `VARCHAR(${t.length})`
    },
    timestamp: () => 'DATETIME',
  }

  /** MySQL reads backslash escapes in string literals unless NO_BACKSLASH_ESCAPES is set. */
  protected stringLiteral(text: string): string {
    return mysqlStringLiteral(text)
  }

  protected implicitReferent(referent: string): string {
    throw this.cannot(`reference ${referent} without naming its columns: name them (its primary key)`)
  }

  protected deferral(options: {deferrable?: boolean; initiallyDeferred?: boolean}): string {
    if (options.deferrable || options.initiallyDeferred)
      throw this.cannot('defer a foreign key check (DEFERRABLE): MySQL checks every key at once')
    return ''
  }

  protected tableOptionsClause(options: Omit<AlterTableOptions, 'kind' | 'table'>): string {
    return [
      options.mysqlEngine === undefined ? '' : ` ENGINE=${plainName('mysqlEngine', options.mysqlEngine)}`,
      options.mysqlCollate === undefined ? '' : ` DEFAULT COLLATE=${plainName('mysqlCollate', options.mysqlCollate)}`,
      options.mysqlRowFormat === undefined ? '' : ` ROW_FORMAT=${plainName('mysqlRowFormat', options.mysqlRowFormat)}`,
      options.comment === undefined ? '' : ` COMMENT=${this.stringLiteral(options.comment ?? '')}`,
    ].join('')
  }

  alterTableOptions(op: AlterTableOptions): Statement[] {
    const clause = this.tableOptionsClause(op)
    return clause ? [{sql: `ALTER TABLE ${this.table(op.table)}${clause}`}] : []
  }

  protected onUpdateClause(_column: string, sql: string): string {
    return ` ON UPDATE ${sql}`
  }

  protected inlineComment(comment: string | undefined): string {
    return comment === undefined ? '' : ` COMMENT ${this.stringLiteral(comment)}`
  }

  protected autoincrementClause(): {suffix?: string; type?: string} {
    return {suffix: ' AUTO_INCREMENT'}
  }

  /**
   * MySQL's CHANGE/MODIFY restates the whole column, so whatever the operation
   * does not change is kept: from existing* options, else read from the
   * database online, else a clear error offline.
   */
  async alterColumn(op: AlterColumn, context: CompileContext): Promise<Statement[]> {
    const table = this.table(op.table)
    const onlyDefault = [
      op.type,
      op.nullable,
      op.newName,
      op.collation,
      op.comment,
      op.onUpdateDefault,
      op.autoincrement,
    ].every((v) => v === undefined)
    if (onlyDefault) {
      if (op.default === undefined) return []
      const action = op.default === null ? 'DROP DEFAULT' : `SET DEFAULT ${this.literal(op.default)}`
      return [{sql: `ALTER TABLE ${table} ALTER COLUMN ${this.quote(op.column)} ${action}`}]
    }

    const existing = await this.existingColumn(op, context)
    const type = op.type === undefined ? existing.type : this.type(op.type)
    const nullable = op.nullable ?? existing.nullable
    let defaultSql = existing.default
    if (op.default !== undefined) defaultSql = op.default === null ? undefined : this.literal(op.default)
    // What the operation does not change is restated as it is: the collation, ON UPDATE and the comment too.
    // The column's collation is kept while it stays a character type.
    const collation =
      op.collation === undefined
        ? op.type === undefined || TEXTUAL.test(type)
          ? existing.collation
          : undefined
        : (op.collation ?? undefined)
    const comment = op.comment === undefined ? existing.comment : (op.comment ?? undefined)
    let onUpdate = existing.onUpdateDefault
    if (op.onUpdateDefault !== undefined)
      onUpdate = op.onUpdateDefault === null ? undefined : this.literal(op.onUpdateDefault)
    const autoincrement = op.autoincrement ?? existing.autoincrement
    // A generated column is restated with its generation (and no default); MariaDB takes no NULL after it.
    const definition = existing.generated
      ? `${type}${this.collateClause(collation)}${this.generatedClause(existing.generated)}${nullable ? '' : ' NOT NULL'}${this.inlineComment(comment)}`
      : `${type}${this.collateClause(collation)}${nullable ? ' NULL' : ' NOT NULL'}${defaultSql === undefined ? '' : ` DEFAULT ${defaultSql}`}` +
        `${onUpdate === undefined ? '' : ` ON UPDATE ${onUpdate}`}${autoincrement ? ' AUTO_INCREMENT' : ''}${this.inlineComment(comment)}`
    const sql =
      op.newName === undefined
        ? `ALTER TABLE ${table} MODIFY COLUMN ${this.quote(op.column)} ${definition}`
        : `ALTER TABLE ${table} CHANGE COLUMN ${this.quote(op.column)} ${this.quote(op.newName)} ${definition}`
    return [{sql}]
  }

  /**
   * The column as it stands. Online the database says (its collation, comment
   * and ON UPDATE too); offline the tables the rendered chain built say, and
   * for a table it did not build the script's existing* options do.
   */
  private async existingColumn(op: AlterColumn, context: CompileContext): Promise<ColumnSchema> {
    const given = op.existingType !== undefined && op.existingNullable !== undefined
    if (context.introspector) {
      // Offline, a table the rendered chain did not build is unknown (a UsageError): existing* then says what it is.
      const {introspector} = context
      const read = introspector.columnsOf ? introspector.columnsOf(op.table) : introspector.table(op.table)
      const table = await read.catch((error: unknown) => {
        if (given && error instanceof UsageError) return
        throw error
      })
      const column = table?.columns.find((c) => c.name === op.column)
      if (column) return column
      if (table) throw new UsageError(`alterColumn: column ${op.table}.${op.column} does not exist`)
    }

    if (op.existingType === undefined && op.type === undefined) {
      throw new UsageError(
        `mysql alterColumn ${op.table}.${op.column} restates the whole column: offline it needs existingType (and existingNullable, existingDefault)`,
      )
    }

    if (op.existingNullable === undefined && op.nullable === undefined) {
      throw new UsageError(
        `mysql alterColumn ${op.table}.${op.column} restates the whole column: offline it needs existingNullable so NOT NULL is not lost`,
      )
    }

    return {
      autoincrement: op.existingAutoincrement,
      collation: op.existingCollation,
      comment: op.existingComment,
      default:
        op.existingDefault === undefined || op.existingDefault === null ? undefined : this.literal(op.existingDefault),
      name: op.column,
      nullable: op.existingNullable ?? true,
      onUpdateDefault: op.existingOnUpdateDefault === undefined ? undefined : this.literal(op.existingOnUpdateDefault),
      type: op.existingType === undefined ? '' : this.type(op.existingType),
    }
  }

  protected readonly indexOptions: ReadonlySet<keyof IndexOptions> = new Set([
    'concurrently',
    'fulltext',
    'lengths',
    'spatial',
  ])

  protected readonly foldsIndexes = true

  /**
   * Marked as the element of CREATE TABLE that builds the same index (foldIndex), unless asked to be built while the
   * table takes writes: that request is kept as written.
   */
  createIndex(op: CreateIndex): Statement[] {
    const statements = super.createIndex(op)
    if (op.concurrently || statements.length !== 1) return statements
    const kind = op.unique ? 'UNIQUE ' : op.fulltext ? 'FULLTEXT ' : op.spatial ? 'SPATIAL ' : ''
    const definition = `${kind}INDEX ${this.quote(op.name)} ${this.indexElements(op)}`
    return [{...statements[0], element: {definition, table: op.table}}]
  }

  /** InnoDB builds an index in place while the table takes writes; LOCK=NONE makes it fail rather than block them. */
  protected onlineIndex(op: CreateIndex): {suffix?: string} {
    if (op.fulltext || op.spatial) {
      const kind = op.fulltext ? 'FULLTEXT' : 'SPATIAL'
      throw this.cannot(
        `build ${kind} index ${op.name} while the table takes writes (concurrently: LOCK=NONE):` +
          ' InnoDB blocks writes to build one; leave out concurrently',
      )
    }

    return {suffix: ' ALGORITHM=INPLACE LOCK=NONE'}
  }

  dropIndex(op: DropIndex): Statement[] {
    if (!op.table)
      throw new UsageError(`mysql needs the table to drop index ${op.name}: op.dropIndex('${op.name}', 'table')`)
    return [{sql: `DROP INDEX ${this.quote(op.name)} ON ${this.table(op.table)}`}]
  }

  async dropConstraint(op: DropConstraint, context: CompileContext): Promise<Statement[]> {
    let {type} = op
    if (!type && context.introspector) {
      const table = await context.introspector.table(op.table)
      if (table?.foreignKeys.some((k) => k.name === op.name)) type = 'foreignkey'
      else if (table?.uniques.some((k) => k.name === op.name)) type = 'unique'
      else if (table?.checks.some((k) => k.name === op.name)) type = 'check'
      else if (op.name === 'PRIMARY') type = 'primary'
    }

    const table = `ALTER TABLE ${this.table(op.table)}`
    switch (type) {
      case 'check': {
        return [{sql: `${table} DROP CONSTRAINT ${this.quote(op.name)}`}]
      }

      case 'foreignkey': {
        return [{sql: `${table} DROP FOREIGN KEY ${this.quote(op.name)}`}]
      }

      case 'primary': {
        return [{sql: `${table} DROP PRIMARY KEY`}]
      }

      case 'unique': {
        return [{sql: `${table} DROP INDEX ${this.quote(op.name)}`}]
      }

      default: {
        throw new UsageError(
          `mysql needs the kind of constraint ${op.name} on ${op.table} to drop it: pass {type: 'foreignkey' | 'unique' | 'check' | 'primary'}`,
        )
      }
    }
  }
}
