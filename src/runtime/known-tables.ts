import {SchemaTracker} from '../model/schema-tracker.js'
import type {DdlSpelling} from '../model/table-changes.js'
import type {Introspector, TableSchema} from '../model/table-schema.js'
import type {Operation} from '../operations/nodes.js'

/** What an operation does to a table's columns, known exactly from the operation (model/table-changes.ts). */
const MODELLED = new Set<Operation['kind']>([
  'addColumn',
  'alterColumn',
  'createCheckConstraint',
  'createForeignKey',
  'createIndex',
  'createPrimaryKey',
  'createUniqueConstraint',
  'dropColumn',
  'dropConstraint',
  'dropIndex',
])

/**
 * How many tables are kept, the last created or changed: an older one is read from the server again, so that a long
 * chain run from empty holds a bounded model rather than every table it built.
 */
const KEPT_TABLES = 256

/**
 * Online, MySQL: the tables this run created with op.createTable, as the operations since have made them. An
 * alterColumn restates its whole column (MODIFY), so it reads the column from the server first, a round trip that
 * stops the revisions sent ahead; for a table the run itself created, and changed since only by operations whose
 * effect is modelled, the operations say the same (MySQL gives a column without a COLLATE clause the table's
 * default, as it did when the column was made). The server answers for every other table, for a table with a
 * TIMESTAMP column (whose implicit default depends on the server's settings), and for all of them once the run
 * ran SQL of its own (op.execute, a .sql script, a callback), read the database (op.query), or did anything else to
 * a table. Full reads (keys, indexes: `table`) always go to the server.
 */
export class KnownTables implements Introspector {
  private readonly tracker: SchemaTracker
  private readonly known = new Set<string>()

  constructor(
    private readonly live: Introspector,
    private readonly spelling: DdlSpelling,
  ) {
    this.tracker = new SchemaTracker(spelling)
  }

  apply(op: Operation): void {
    if (op.kind === 'createTable') {
      this.tracker.apply(op)
      if (op.ifNotExists || op.columns.some((c) => this.timestamp(c.type))) this.forget(op.table)
      else this.keep(op.table)
    } else if (op.kind === 'dropTable') {
      this.forget(op.table)
    } else if (MODELLED.has(op.kind) && 'table' in op && typeof op.table === 'string') {
      const type = op.kind === 'addColumn' ? op.column.type : op.kind === 'alterColumn' ? op.type : undefined
      if (type !== undefined && this.timestamp(type)) this.forget(op.table)
      else if (this.known.has(op.table)) {
        this.tracker.apply(op)
        this.keep(op.table)
      }
    } else if (op.kind !== 'backfill' && op.kind !== 'bulkInsert') {
      this.lose()
    }
  }

  private timestamp(type: string): boolean {
    return /timestamp/i.test(this.spelling.type(type))
  }

  /** Nothing is known any more: every table is read from the server. */
  lose(reason = 'the run'): void {
    this.known.clear()
    this.tracker.lose(reason)
  }

  /** `table` known, as the newest; the oldest beyond KEPT_TABLES forgotten. */
  private keep(table: string): void {
    this.known.delete(table)
    this.known.add(table)
    if (this.known.size > KEPT_TABLES) this.forget(this.known.values().next().value!)
  }

  private forget(table: string): void {
    this.known.delete(table)
    this.tracker.apply({kind: 'dropTable', table})
  }

  table(name: string): Promise<TableSchema | undefined> {
    return this.live.table(name)
  }

  columnsOf(name: string): Promise<TableSchema | undefined> {
    if (this.known.has(name)) return this.tracker.table(name)
    return this.live.columnsOf ? this.live.columnsOf(name) : this.live.table(name)
  }
}
