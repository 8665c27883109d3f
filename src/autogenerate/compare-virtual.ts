import {splitTopLevel} from '../dialects/sqlite/sqlite-introspector.js'
import type {VirtualTableSchema} from '../model/table-schema.js'
import type {Operation} from '../operations/nodes.js'
import type {Change} from './change.js'

/** `CREATE VIRTUAL TABLE name USING module(args)`: the module and its arguments. */
const USING = /\bUSING\s+(\w+)\s*(?:\(([\s\S]*)\))?\s*$/i

/** A definition as what it says, not how it is spaced: the module, lower case, and each argument, spaces collapsed. */
function definition(sql: string): string {
  const m = USING.exec(sql)
  if (!m) return sql.replaceAll(/\s+/g, ' ').trim()
  return `${m[1].toLowerCase()}(${splitTopLevel(m[2] ?? '')
    .map((a) => a.replaceAll(/\s+/g, ' '))
    .join(', ')})`
}

/**
 * A full-text table over another table's rows (fts4/fts5 `content=...`):
 * its index is built again from them once it is created ('rebuild'), so it
 * is made without losing anything. Any other virtual table keeps what it holds.
 */
function externalContent(sql: string): boolean {
  const m = USING.exec(sql)
  return Boolean(m && /^fts[45]$/i.test(m[1]) && /(?:^|,)\s*content\s*=\s*(?:'[^']+'|"[^"]+"|\w+)/i.test(m[2] ?? ''))
}

const rebuilt = (t: VirtualTableSchema) => `rebuild virtual table ${t.name} from its content table`
const AGAIN = 'to make it again as it was'
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

function create(table: VirtualTableSchema): Operation {
  return {kind: 'execute', sql: table.sql}
}

function rebuild(table: VirtualTableSchema): Operation {
  return {kind: 'execute', sql: `INSERT INTO ${quote(table.name)}(${quote(table.name)}) VALUES('rebuild')`}
}

/**
 * Virtual tables (SQLite's fts4, fts5, rtree, ...), made by their own
 * statement and dropped with the shadow tables their module keeps. One that
 * goes is dropped before the tables change (so the downgrade makes it again
 * once the table it indexes is back); one that comes, after. A changed
 * definition has no ALTER: the table is dropped and made again, and what it
 * held is lost unless it indexes another table's rows.
 */
export function compareVirtualTables(
  live: readonly VirtualTableSchema[],
  target: readonly VirtualTableSchema[],
): {before: Change[]; after: Change[]} {
  const before: Change[] = []
  const after: Change[] = []
  const targetByName = new Map(target.map((t) => [t.name, t]))
  const liveByName = new Map(live.map((t) => [t.name, t]))
  for (const was of live) {
    const next = targetByName.get(was.name)
    if (next && definition(next.sql) === definition(was.sql)) continue
    const own = !externalContent(was.sql)
    if (!own) before.push({description: rebuilt(was), downgrade: rebuild(was), table: was.name})
    before.push({
      description:
        `drop virtual table ${was.name}${own ? ' and what it holds' : ''}` +
        (next ? `, to make it again as ${definition(next.sql)}` : ''),
      destructive: own,
      downgrade: create(was),
      table: was.name,
      upgrade: {kind: 'dropTable', table: was.name},
    })
  }

  for (const table of target) {
    const was = liveByName.get(table.name)
    if (was && definition(was.sql) === definition(table.sql)) continue
    const own = !externalContent(table.sql)
    after.push({
      description:
        `add virtual table ${table.name} ${definition(table.sql)}` +
        (was && own ? ` (the downgrade drops it and what it holds, ${AGAIN})` : ''),
      downgrade: {kind: 'dropTable', table: table.name},
      table: table.name,
      upgrade: create(table),
      ...(was && own
        ? {downgradeNote: `the downgrade drops virtual table ${table.name} and what it holds, ${AGAIN}`}
        : {}),
    })
    if (!own) after.push({description: rebuilt(table), table: table.name, upgrade: rebuild(table)})
  }

  return {after, before}
}
