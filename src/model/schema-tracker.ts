import type {CreateTable, Operation} from '../operations/nodes.js'
import {UsageError} from '../util/errors.js'
import {applyTableOperations, columnSchemaOf, type DdlSpelling} from './table-changes.js'
import type {Introspector, TableSchema} from './table-schema.js'
import {defaultConstraintName, inlineForeignKeys} from '../operations/naming.js'

/**
 * Offline there is no database to read, so the tables the chain has built so
 * far are kept from the operations themselves: enough for SQLite's batch mode
 * and MySQL's column restatement to render without a connection. Raw SQL
 * (execute, .sql scripts) is not modelled; a table only they touched is unknown.
 */
export class SchemaTracker implements Introspector {
  private readonly tables = new Map<string, TableSchema>()
  private blind?: string

  /** `keeps` false: the tables are not kept (nothing will read them), and `table` says no table is known. */
  constructor(
    private readonly compiler: DdlSpelling,
    private readonly keeps = true,
  ) {}

  async table(name: string): Promise<TableSchema | undefined> {
    const table = this.tables.get(name)
    if (!table) {
      const why = this.blind
        ? ` (${this.blind} read the database with op.query, so what came after it is not known)`
        : ''
      throw new UsageError(
        `offline (--sql), table ${name} is not known from the operations before it${why}: it was made by raw SQL or before the rendered range`,
      )
    }

    return table
  }

  /** After a script used op.query, nothing the tracker says can be trusted. */
  lose(reason: string): void {
    this.blind ??= reason
    this.tables.clear()
  }

  apply(op: Operation): void {
    if (!this.keeps) return
    switch (op.kind) {
      case 'createTable': {
        this.tables.set(op.table, this.fromCreate(op))
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

      case 'alterTableOptions':
      case 'alterPartition':
      case 'createExtension':
      case 'dropExtension':
      case 'addEnumValue':
      case 'alterDomain':
      case 'recreateEnumType':
      case 'bulkInsert':
      case 'backfill':
      case 'createDomain':
      case 'createEnumType':
      case 'dropDomain':
      case 'dropEnumType':
      case 'execute': {
        break
      }

      case 'dropIndex': {
        for (const [name, table] of this.tables) {
          if (table.indexes.some((i) => i.name === op.name))
            this.tables.set(name, {...table, indexes: table.indexes.filter((i) => i.name !== op.name)})
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

  /** A table as a createTable made it: its columns' flags and the table-level key, uniques, foreign keys and checks. */
  private fromCreate(op: CreateTable): TableSchema {
    const {columns, table: name} = op
    const keys = op.primaryKey?.columns ?? columns.filter((c) => c.primaryKey).map((c) => c.name)
    return {
      checks: (op.checks ?? []).map((k) => ({condition: k.condition, name: k.name})),
      columns: columns.map((c) => columnSchemaOf(c, this.compiler, keys.includes(c.name))),
      foreignKeys: [...inlineForeignKeys(name, columns), ...(op.foreignKeys ?? [])],
      indexes: [],
      name,
      // Unnamed, the key has the name the database gives it, which a later dropConstraint uses.
      primaryKey:
        keys.length > 0
          ? {columns: keys, name: op.primaryKey?.name ?? this.compiler.unnamedPrimaryKey(name)}
          : undefined,
      uniques: [
        ...columns
          .filter((c) => c.unique)
          .map((c) => ({columns: [c.name], name: defaultConstraintName.unique(name, [c.name])})),
        ...(op.uniques ?? []),
      ],
    }
  }
}
