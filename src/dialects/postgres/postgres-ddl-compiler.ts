import type {AddEnumValue, AlterColumn, Column, CreateDomain, CreateEnumType, CreateIndex, DropDomain, DropEnumType, DropIndex} from '../../operations/nodes.js'
import {DdlCompiler, type Statement, type TypeMap} from '../ddl-compiler.js'


export class PostgresDdlCompiler extends DdlCompiler {
  readonly dialect = 'postgresql' as const

  quote(name: string): string {
    return `"${name.replaceAll('"', '""')}"`
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

  protected autoincrementClause(column: Column): {suffix?: string; type?: string} {
    return {suffix: ` GENERATED ${column.identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`}
  }

  alterColumn(op: AlterColumn): Statement[] {
    const table = `ALTER TABLE ${this.table(op.table)} ALTER COLUMN ${this.quote(op.column)}`
    const statements: Statement[] = []
    if (op.type !== undefined) statements.push({sql: `${table} TYPE ${this.type(op.type)}`})
    if (op.nullable !== undefined) statements.push({sql: `${table} ${op.nullable ? 'DROP' : 'SET'} NOT NULL`})
    if (op.default !== undefined) statements.push({sql: op.default === null ? `${table} DROP DEFAULT` : `${table} SET DEFAULT ${this.literal(op.default)}`})
    if (op.newName !== undefined) {
      statements.push({sql: `ALTER TABLE ${this.table(op.table)} RENAME COLUMN ${this.quote(op.column)} TO ${this.quote(op.newName)}`})
    }

    return statements
  }

  createIndex(op: CreateIndex): Statement[] {
    const where = op.where ? ` WHERE ${op.where}` : ''
    const sql = `CREATE ${op.unique ? 'UNIQUE ' : ''}INDEX ${op.concurrently ? 'CONCURRENTLY ' : ''}${this.quote(op.name)} ON ${this.table(op.table)} ${this.columnList(op.columns)}${where}`
    return [{nonTransactional: op.concurrently, sql}]
  }

  createEnumType(op: CreateEnumType): Statement[] {
    return [{sql: `CREATE TYPE ${this.quote(op.name)} AS ENUM (${op.values.map((v) => this.literal(v)).join(', ')})`}]
  }

  dropEnumType(op: DropEnumType): Statement[] {
    return [{sql: `DROP TYPE ${this.quote(op.name)}`}]
  }

  addEnumValue(op: AddEnumValue): Statement[] {
    const position = op.before === undefined ? (op.after === undefined ? '' : ` AFTER ${this.literal(op.after)}`) : ` BEFORE ${this.literal(op.before)}`
    return [{sql: `ALTER TYPE ${this.quote(op.name)} ADD VALUE ${this.literal(op.value)}${position}`}]
  }

  createDomain(op: CreateDomain): Statement[] {
    const checks = (op.checks ?? []).map((k) => ` ${k.name ? `${this.constraintName(k.name)} ` : ''}CHECK (${k.condition})`).join('')
    return [{sql: `CREATE DOMAIN ${this.quote(op.name)} AS ${this.type(op.type)}${op.nullable === false ? ' NOT NULL' : ''}${this.defaultClause(op.default)}${checks}`}]
  }

  dropDomain(op: DropDomain): Statement[] {
    return [{sql: `DROP DOMAIN ${this.quote(op.name)}`}]
  }

  dropIndex(op: DropIndex): Statement[] {
    return [{sql: `DROP INDEX ${this.quote(op.name)}`}]
  }
}

