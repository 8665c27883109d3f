import type {BatchOperation, Column, CreateIndex, Operation} from '../operations/nodes.js'
import type {Change} from './change.js'

// Indexes are not here: CREATE INDEX and DROP INDEX work on SQLite without rebuilding the table. They join
// a table's batch once it has one: the rebuild recreates the indexes it keeps, so one dropped after it could be
// gone already (its column dropped), and one whose WHERE names a dropped column could not be recreated.
export const BATCHABLE = new Set([
  'addColumn',
  'alterColumn',
  'createCheckConstraint',
  'createForeignKey',
  'createPrimaryKey',
  'createUniqueConstraint',
  'dropColumn',
  'dropConstraint',
])
export const INDEX_OPS = new Set(['createIndex', 'dropIndex'])

function quote(text: string): string {
  // Control characters (a BINARY default's NULs) as escapes, so the script stays plain text.
  const control = (c: string) => (c === '\n' ? String.raw`\n` : `\\x${c.codePointAt(0)!.toString(16).padStart(2, '0')}`)
  const escaped = text.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)
  return `'${escaped.replaceAll(/[\0-\u0008\n-\u001F\u007F]/g, control)}'`
}

function value(v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'string') return quote(v)
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v === 'bigint') return `${v}n`
  if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`
  if (typeof v === 'object' && v !== null && (v as {kind?: string}).kind === undefined)
    return options(v as Record<string, unknown>) || '{}'
  if (typeof v === 'object' && (v as {kind?: string}).kind === 'sql') {
    const {sql} = v as {sql: string}
    return /^current_timestamp(\(\))?$/i.test(sql) ? 'op.now()' : `op.sql(${quote(sql)})`
  }

  return JSON.stringify(v)
}

/** `{a: 1, b: 'x'}`, leaving out undefined, or '' when nothing is left. */
function options(o: Record<string, unknown>): string {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined)
  return entries.length === 0
    ? ''
    : `{${entries.map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)}: ${value(v)}`).join(', ')}}`
}

function args(...parts: string[]): string {
  return parts.filter((p) => p !== '').join(', ')
}

function indexOptions(op: CreateIndex): string {
  const {columns: _, kind: __, name: ___, table: ____, ...rest} = op
  return options(rest)
}

function columnCode(c: Column): string {
  const {name, type, ...rest} = c
  return `op.column(${args(quote(name), quote(type), options(rest))})`
}

function operationCode(op: Operation): string {
  switch (op.kind) {
    case 'createTable': {
      const {
        checks,
        comment,
        foreignKeys,
        ifNotExists,
        mysqlCollate,
        mysqlEngine,
        mysqlRowFormat,
        partitionBy,
        partitionOf,
        primaryKey,
        uniques,
      } = op
      const extras = options({
        checks,
        comment,
        foreignKeys,
        ifNotExists,
        mysqlCollate,
        mysqlEngine,
        mysqlRowFormat,
        partitionBy,
        partitionOf,
        primaryKey,
        uniques,
      })
      // A partition has no columns of its own: `[]`.
      const list = op.columns.map((c) => `  ${columnCode(c)},`).join('\n')
      const columns = op.columns.length === 0 ? '[]' : `[\n${list}\n]`
      return `await op.createTable(${quote(op.table)}, ${columns}${extras ? `, ${extras}` : ''})`
    }

    case 'dropTable': {
      return `await op.dropTable(${args(quote(op.table), options({sequences: op.sequences}))})`
    }

    case 'createEnumType': {
      return `await op.createEnumType(${quote(op.name)}, ${value(op.values)})`
    }

    case 'dropEnumType': {
      return `await op.dropEnumType(${quote(op.name)})`
    }

    case 'addEnumValue': {
      return `await op.addEnumValue(${args(quote(op.name), quote(op.value), options({after: op.after, before: op.before}))})`
    }

    case 'recreateEnumType': {
      return `await op.recreateEnumType(${args(quote(op.name), value(op.values), value(op.columns))})`
    }

    case 'alterDomain': {
      const {kind: _, name, ...rest} = op
      return `await op.alterDomain(${args(quote(name), options(rest))})`
    }

    case 'createDomain': {
      return `await op.createDomain(${args(quote(op.name), quote(op.type), options({checks: op.checks, default: op.default, nullable: op.nullable}))})`
    }

    case 'dropDomain': {
      return `await op.dropDomain(${quote(op.name)})`
    }

    case 'alterPartition': {
      const bounds = options({bound: op.bound, existingBound: op.existingBound})
      return `await op.alterPartition(${args(quote(op.table), quote(op.partition), bounds)})`
    }

    case 'createExtension': {
      return `await op.createExtension(${quote(op.name)})`
    }

    case 'dropExtension': {
      return `await op.dropExtension(${quote(op.name)})`
    }

    case 'alterTableOptions': {
      const {kind: _, table, ...rest} = op
      return `await op.alterTableOptions(${quote(table)}, ${options(rest) || '{}'})`
    }

    case 'renameTable': {
      return `await op.renameTable(${quote(op.table)}, ${quote(op.newName)})`
    }

    case 'addColumn': {
      return `await op.addColumn(${quote(op.table)}, ${columnCode(op.column)})`
    }

    case 'dropColumn': {
      return `await op.dropColumn(${quote(op.table)}, ${quote(op.column)})`
    }

    case 'alterColumn': {
      const {column, kind: _, table, ...rest} = op
      return `await op.alterColumn(${quote(table)}, ${quote(column)}, ${options(rest) || '{}'})`
    }

    case 'createIndex': {
      return `await op.createIndex(${args(quote(op.name), quote(op.table), value(op.columns), indexOptions(op))})`
    }

    case 'dropIndex': {
      return `await op.dropIndex(${args(quote(op.name), op.table ? quote(op.table) : '')})`
    }

    case 'createPrimaryKey': {
      return `await op.createPrimaryKey(${quote(op.name)}, ${quote(op.table)}, ${value(op.columns)})`
    }

    case 'createUniqueConstraint': {
      const nulls = options({nullsNotDistinct: op.nullsNotDistinct})
      return `await op.createUniqueConstraint(${args(quote(op.name), quote(op.table), value(op.columns), nulls)})`
    }

    case 'createForeignKey': {
      return `await op.createForeignKey(${args(quote(op.name), quote(op.table), quote(op.referent), value(op.columns), value(op.referentColumns), options({deferrable: op.deferrable, initiallyDeferred: op.initiallyDeferred, onDelete: op.onDelete, onUpdate: op.onUpdate}))})`
    }

    case 'createCheckConstraint': {
      return `await op.createCheckConstraint(${quote(op.name)}, ${quote(op.table)}, ${quote(op.condition)})`
    }

    case 'dropConstraint': {
      return `await op.dropConstraint(${args(quote(op.name), quote(op.table), options({type: op.type}))})`
    }

    case 'execute': {
      // A definition of several lines (a view's query, a function's body) one line of the script a line of SQL.
      const lines = op.sql.split('\n')
      if (lines.length === 1) return `await op.execute(${quote(op.sql)})`
      return `await op.execute(\n  [\n${lines.map((l) => `    ${quote(l)},`).join('\n')}\n  ].join('\\n'),\n)`
    }

    default: {
      // Autogenerate makes only the operations above; any other is a defect here, not a comment in a script.
      throw new Error(`autogenerate cannot render an operation of kind ${op.kind}`)
    }
  }
}

/** The same operation as a `batch.` call inside batchAlterTable. */
function batchCode(op: BatchOperation): string {
  const code = operationCode(op).replace(/^await op\./, 'batch.')
  switch (op.kind) {
    case 'addColumn': {
      return `batch.addColumn(${columnCode(op.column)})`
    }

    case 'dropIndex': {
      return `batch.dropIndex(${quote(op.name)})`
    }

    case 'createForeignKey': {
      return `batch.createForeignKey(${args(quote(op.name), quote(op.referent), value(op.columns), value(op.referentColumns), options({deferrable: op.deferrable, initiallyDeferred: op.initiallyDeferred, onDelete: op.onDelete, onUpdate: op.onUpdate}))})`
    }

    case 'createIndex': {
      return `batch.createIndex(${args(quote(op.name), value(op.columns), indexOptions(op))})`
    }

    default: {
      // batch.x(table, ...) -> batch.x(...): the table is the batch's
      return code.replace(`, ${quote(op.table)}`, '').replace(`(${quote(op.table)}, `, '(')
    }
  }
}

/** An operation to render, with the comment lines that go before it. */
interface RenderItem {
  readonly op: Operation
  readonly description: string
  /** Drops data: a DATA LOSS line saying `description`. */
  readonly destructive?: boolean
  /** A line of its own (a lint allowance and its reason). */
  readonly comment?: string
}

/**
 * The body of upgrade() or downgrade(): one statement per operation, a
 * DATA LOSS comment before what drops data, and on SQLite the changes to
 * each existing table grouped into one batchAlterTable (move and copy).
 */
export function renderOperations(items: readonly RenderItem[], asBatch: boolean): string {
  // In order of first appearance: a lone operation, or one table's batch gathering every later change to it.
  const entries: Array<{code: string} | {table: string; codes: string[]}> = []
  const batches = new Map<string, string[]>()
  for (const {comment, description, destructive, op} of items) {
    const note = `${comment ? `// ${comment}\n` : ''}${destructive ? `// DATA LOSS: ${description}\n` : ''}`
    const joins = INDEX_OPS.has(op.kind) && batches.has((op as BatchOperation).table ?? '')
    if (!asBatch || !(BATCHABLE.has(op.kind) || joins)) {
      entries.push({code: `${note}${operationCode(op)}`})
      continue
    }

    const table = (op as BatchOperation).table ?? ''
    let codes = batches.get(table)
    if (!codes) {
      codes = []
      batches.set(table, codes)
      entries.push({codes, table})
    }

    codes.push(`${note}${batchCode(op as BatchOperation)}`)
  }

  return entries
    .map((entry) => {
      if ('code' in entry) return entry.code
      const body = entry.codes
        .flatMap((c) => c.split('\n'))
        .map((l) => `  ${l}`)
        .join('\n')
      return `await op.batchAlterTable(${quote(entry.table)}, (batch) => {\n${body}\n})`
    })
    .join('\n')
}

/**
 * upgrade() and downgrade() bodies for a list of changes. With `asBatch`
 * (the dialect's ALTERs need a rebuild, as SQLite's do, or render_as_batch),
 * changes to an existing table are grouped into batchAlterTable, so a script
 * written against PostgreSQL also runs on a developer's SQLite.
 */
export function renderChanges(
  changes: readonly Change[],
  options: {asBatch: boolean},
): {upgrade: string; downgrade: string} {
  const {asBatch} = options
  const up = changes
    .filter((c) => c.upgrade)
    .map((c): RenderItem => ({
      comment: [c.comment, c.narrows?.upgrade && `NARROWS: ${c.narrows.upgrade}`].filter(Boolean).join('\n// '),
      description: c.description,
      destructive: c.destructive,
      op: c.upgrade!,
    }))
  const down = [...changes]
    .reverse()
    .filter((c) => c.downgrade)
    .map((c): RenderItem => ({
      comment: c.narrows?.downgrade && `NARROWS: ${c.narrows.downgrade}`,
      description: c.downgradeNote ?? c.description,
      destructive: c.downgradeNote !== undefined,
      op: c.downgrade!,
    }))
  // What no downgrade step can undo is said where the reader of downgrade() looks for it.
  const notes = [...changes]
    .reverse()
    .filter((c) => !c.downgrade && c.downgradeNote)
    .map((c) => `// NOT UNDONE: ${c.downgradeNote}`)
  return {
    downgrade: [...notes, renderOperations(down, asBatch)].filter((s) => s !== '').join('\n'),
    upgrade: renderOperations(up, asBatch),
  }
}
