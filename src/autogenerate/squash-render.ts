import type {Dialect} from '../dialects/dialect.js'
import type {Change} from './change.js'
import {compareDomains, compareEnums, compareSchemas} from './compare.js'
import {compareVirtualTables} from './compare-virtual.js'
import {compareExtensions} from './extensions.js'
import {renderChanges} from './render.js'
import type {DataStep, Reflection, Rename} from './squash-recorder.js'

/**
 * What turns schema `from` into schema `to`, in the order autogenerate's
 * revision --autogenerate writes it (extensions, types, tables, then what
 * goes after them).
 */
export function schemaChanges(
  from: Reflection,
  to: Reflection,
  dialect: Dialect,
  renames: readonly Rename[] = [],
): Change[] {
  const {columns, tables} = composeRenames(from, to, renames)
  const enums = compareEnums(from.enums, to.enums, from.tables)
  const domains = compareDomains(from.domains, to.domains)
  const virtual = compareVirtualTables(from.virtualTables, to.virtualTables)
  return [
    ...compareExtensions(from.extensions, to.extensions),
    ...virtual.before,
    ...enums.before,
    ...domains.before,
    ...compareSchemas(from.tables, to.tables, {
      columnBytes: dialect.adapter.columnBytes,
      dialect: dialect.name,
      foreignKeysNeedIndexes: dialect.adapter.foreignKeysNeedIndexes,
      inlineCycleKeys: dialect.adapter.altersNeedBatch,
      renameColumns: columns,
      renameTables: tables,
    }),
    ...domains.after,
    ...enums.after,
    ...virtual.after,
  ]
}

/**
 * The renames between two schemas, as autogenerate's --rename-table / --rename-column take them: each table of `from`
 * followed through the renames made in between to its name in `to`, and each of its columns likewise (keyed by the
 * table's name in `to`). A table made in between and renamed is new either way.
 */
export function composeRenames(
  from: Reflection,
  to: Reflection,
  renames: readonly Rename[],
): {tables: Map<string, string>; columns: Map<string, Map<string, string>>} {
  const now = new Map(
    from.tables.map((t) => [t.name, {columns: new Map(t.columns.map((c) => [c.name, c.name])), name: t.name}]),
  )
  const holding = (name: string) => [...now.values()].find((t) => t.name === name)
  for (const r of renames) {
    const table = holding(r.kind === 'table' ? r.from : r.table)
    if (!table) continue
    if (r.kind === 'table') {
      table.name = r.to
      continue
    }

    for (const [start, current] of table.columns) if (current === r.from) table.columns.set(start, r.to)
  }

  const kept = new Set(to.tables.map((t) => t.name))
  const tables = new Map<string, string>()
  const columns = new Map<string, Map<string, string>>()
  for (const [start, table] of now) {
    if (!kept.has(table.name)) continue
    if (start !== table.name) tables.set(start, table.name)
    const moved = new Map([...table.columns].filter(([a, b]) => a !== b))
    if (moved.size > 0) columns.set(table.name, moved)
  }

  return {columns, tables}
}

/** How `actual` differs from `expected`, one phrase each; empty when they are the same schema. */
export function differences(actual: Reflection, expected: Reflection, dialect: Dialect): string[] {
  const found = schemaChanges(actual, expected, dialect)
    .filter((c) => c.upgrade)
    .map((c) => c.description)
  for (const kind of new Set([...Object.keys(actual.uncompared), ...Object.keys(expected.uncompared)])) {
    const [has, wants] = [actual.uncompared[kind] ?? 0, expected.uncompared[kind] ?? 0]
    if (has !== wants) found.push(`${wants} ${kind}(s) expected, ${has} found`)
  }

  for (const name of expected.extensions) if (!actual.extensions.includes(name)) found.push(`extension ${name} missing`)
  for (const name of actual.extensions)
    if (!expected.extensions.includes(name)) found.push(`extension ${name} not expected`)
  return found
}

function quote(text: string): string {
  const control = (c: string) => (c === '\n' ? String.raw`\n` : `\\x${c.codePointAt(0)!.toString(16).padStart(2, '0')}`)
  const escaped = text.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)
  return `'${escaped.replaceAll(/[\0-\u0008\n-\u001F\u007F]/g, control)}'`
}

/** A value a data step carried (a row's field, a bound parameter) as TypeScript that makes it again. */
export function literal(v: unknown): string {
  if (v === null) return 'null'
  if (v === undefined) return 'undefined'
  if (typeof v === 'string') return quote(v)
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `Number(${quote(String(v))})`
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'bigint') return `${v}n`
  if (v instanceof Date) return `new Date(${quote(v.toISOString())})`
  if (v instanceof Uint8Array) return `Buffer.from(${quote(Buffer.from(v).toString('hex'))}, 'hex')`
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`
  if (typeof v === 'object') {
    const node = v as {kind?: unknown; sql?: unknown}
    if (node.kind === 'sql' && typeof node.sql === 'string')
      return /^current_timestamp(\(\))?$/i.test(node.sql) ? 'op.now()' : `op.sql(${quote(node.sql)})`
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined)
    return `{${entries.map(([k, x]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)}: ${literal(x)}`).join(', ')}}`
  }

  throw new Error(`a squash cannot write a value of type ${typeof v}`)
}

/** A data step in one line, for messages. */
export function describeDataStep(step: DataStep): string {
  if (step.kind === 'bulkInsert') return `op.bulkInsert('${step.table}', ...)`
  if (step.kind === 'backfill') return `op.backfill('${step.operation.table}', ...)`
  return step.sql
}

/** A data step as the code that runs it again, after a comment naming the script it came from. */
export function renderDataStep(step: DataStep): string {
  const from = `// data step of ${step.file}`
  if (step.kind === 'backfill') {
    const {batchSize, pauseMs, set, table, where} = step.operation
    const change = `{set: ${literal(set)}${where === undefined ? '' : `, where: ${quote(where)}`}}`
    return `${from}\nawait op.backfill(${quote(table)}, ${change}, ${literal({batchSize, pauseMs})})`
  }

  if (step.kind === 'bulkInsert') {
    const rows = step.rows.map((r) => `  ${literal(r)},`).join('\n')
    return `${from}\nawait op.bulkInsert(${quote(step.table)}, [\n${rows}\n])`
  }

  const params = step.params && step.params.length > 0 ? `, ${literal(step.params)}` : ''
  // A statement of several lines, one line each: readable, and the script's indentation stays out of its text.
  const lines = step.sql.split('\n')
  const sql =
    lines.length === 1 ? quote(step.sql) : `[\n${lines.map((l) => `  ${quote(l)},`).join('\n')}\n].join('\\n')`
  return `${from}\nawait op.execute(${sql}${params})`
}

/**
 * One direction of a squash: from `states[0]` to its last state, the schema
 * changes up to the state each data step ran on, then the step, in order.
 * `states` and `renames` (those made between two states) have one more entry than `steps`.
 */
export function renderPath(
  states: readonly Reflection[],
  steps: readonly DataStep[],
  renames: ReadonlyArray<readonly Rename[]>,
  dialect: Dialect,
  asBatch: boolean,
): string {
  const parts: string[] = []
  // A table the squash itself makes is empty when an index comes to it: nothing to build CONCURRENTLY.
  const older = new Set(states[0].tables.map((t) => t.name))
  for (const [i, state] of states.entries()) {
    if (i === 0) continue
    for (const r of renames[i - 1]) if (r.kind === 'table' && older.has(r.from)) older.add(r.to)
    const changes = schemaChanges(states[i - 1], state, dialect, renames[i - 1]).map((c) =>
      c.upgrade?.kind === 'createIndex' && c.upgrade.concurrently && !older.has(c.upgrade.table)
        ? {...c, upgrade: {...c.upgrade, concurrently: undefined}}
        : c,
    )
    const code = renderChanges(changes, {asBatch}).upgrade
    if (code) parts.push(code)
    if (i <= steps.length) parts.push(renderDataStep(steps[i - 1]))
  }

  return parts.join('\n')
}
