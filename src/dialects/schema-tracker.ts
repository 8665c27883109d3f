import type {Column, Operation} from '../operations/nodes.js'
import {UsageError} from '../util/errors.js'
import {type DdlCompiler, splitReference} from './ddl-compiler.js'
import {applyTableOperations} from './table-changes.js'
import type {Introspector, TableSchema} from './table-schema.js'

/**
 * Offline there is no database to read, so the tables the chain has built so
 * far are kept from the operations themselves: enough for SQLite's batch mode
 * and MySQL's column restatement to render without a connection. Raw SQL
 * (execute, .sql scripts) is not modelled; a table only they touched is unknown.
 */
export class SchemaTracker implements Introspector {
  private readonly tables = new Map<string, TableSchema>()
  private blind?: string

  constructor(private readonly compiler: DdlCompiler) {}

  async table(name: string): Promise<TableSchema | undefined> {
    const table = this.tables.get(name)
    if (!table) {
      const why = this.blind ? ` (${this.blind} read the database with op.query, so what came after it is not known)` : ''
      throw new UsageError(`offline (--sql), table ${name} is not known from the operations before it${why}: it was made by raw SQL or before the rendered range`)
    }

    return table
  }

  /** After a script used op.query, nothing the tracker says can be trusted. */
  lose(reason: string): void {
    this.blind ??= reason
    this.tables.clear()
  }

  apply(op: Operation): void {
    switch (op.kind) {
      case 'createTable': {
        this.tables.set(op.table, this.fromColumns(op.table, op.columns))
        break
      }

      case 'dropTable': {
        this.tables.delete(op.table)
        break
      }

      case 'renameTable': {
        const table = this.tables.get(op.table)
        this.tables.delete(op.table)
        if (table) this.tables.set(op.newName, {...table, name: op.newName})
        break
      }

      case 'batchAlterTable': {
        this.change(op.table, op.operations)
        break
      }

      case 'addEnumValue':
      case 'bulkInsert':
      case 'createDomain':
      case 'createEnumType':
      case 'dropDomain':
      case 'dropEnumType':
      case 'execute': {
        break
      }

      case 'dropIndex': {
        for (const [name, table] of this.tables) {
          if (table.indexes.some((i) => i.name === op.name)) this.tables.set(name, {...table, indexes: table.indexes.filter((i) => i.name !== op.name)})
        }

        break
      }

      default: {
        this.change(op.table, [op])
      }
    }
  }

  private change(name: string, operations: Parameters<typeof applyTableOperations>[1]): void {
    const table = this.tables.get(name)
    if (table) this.tables.set(name, applyTableOperations(table, operations, this.compiler).after)
  }

  private fromColumns(name: string, columns: readonly Column[]): TableSchema {
    const literal = (c: Column) => (c.default === undefined || c.default === null ? undefined : this.compiler.literal(c.default))
    const keys = columns.filter((c) => c.primaryKey).map((c) => c.name)
    return {
      checks: [],
      columns: columns.map((c) => ({autoincrement: c.autoincrement, default: literal(c), name: c.name, nullable: c.nullable ?? !c.primaryKey, type: this.compiler.type(c.type)})),
      foreignKeys: columns.filter((c) => c.references).map((c) => {
        const [referent, referentColumn] = splitReference(c.references!, c.name)
        return {columns: [c.name], name: `${name}_${c.name}_fkey`, onDelete: c.onDelete, onUpdate: c.onUpdate, referent, referentColumns: [referentColumn]}
      }),
      indexes: [],
      name,
      primaryKey: keys.length > 0 ? {columns: keys} : undefined,
      uniques: columns.filter((c) => c.unique).map((c) => ({columns: [c.name], name: `${name}_${c.name}_key`})),
    }
  }
}
