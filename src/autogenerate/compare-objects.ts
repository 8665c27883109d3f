import {objectKey, type ObjectSchema} from '../model/object-schema.js'
import type {Operation} from '../operations/nodes.js'
import type {Change} from './change.js'

/**
 * Where the changes of views, functions, procedures, aggregates and triggers go among the others:
 * - before: drops, before anything else changes (a view is dropped before the column it reads changes type, which
 *   PostgreSQL refuses under it, and before the table it reads is dropped);
 * - beforeTables: what a table uses (a function a default or a check calls), made or replaced before the tables;
 * - afterTables: what a table used, dropped once the tables changed;
 * - after: the rest made or replaced once the tables are as the target has them.
 * The downgrade runs each in reverse, so it drops what the upgrade made before the tables go back and makes again
 * what the upgrade dropped after.
 */
export interface ObjectChanges {
  readonly before: Change[]
  readonly beforeTables: Change[]
  readonly afterTables: Change[]
  readonly after: Change[]
}

const execute = (sql: string): Operation => ({kind: 'execute', sql})

/** The name an object is called by in another's text: a function's without its arguments. */
const bareName = (o: ObjectSchema) => (o.kind === 'trigger' ? o.name : o.name.replace(/\(.*$/s, ''))

/** table -> the columns the upgrade or its downgrade changes under what reads them ('all': the table goes). */
function changedColumns(changes: readonly Change[]): Map<string, Set<string> | 'all'> {
  const changed = new Map<string, Set<string> | 'all'>()
  const mark = (table: string, column?: string) => {
    const columns = changed.get(table)
    if (columns === 'all') return
    if (column === undefined) changed.set(table, 'all')
    else changed.set(table, (columns ?? new Set<string>()).add(column))
  }

  for (const change of changes) {
    for (const op of [change.upgrade, change.downgrade]) {
      if (!op) continue
      if (op.kind === 'dropTable' || op.kind === 'renameTable') mark(op.table)
      else if (op.kind === 'dropColumn') mark(op.table, op.column)
      // A recreated enum type converts each of its columns (ALTER COLUMN ... TYPE).
      else if (op.kind === 'recreateEnumType') for (const c of op.columns) mark(c.table, c.column)
      else if (op.kind === 'alterColumn' && (op.type !== undefined || op.newName !== undefined)) {
        mark(op.table, op.column)
        if (op.newName !== undefined) mark(op.table, op.newName)
      }
    }
  }

  return changed
}

/** What of `changed` an object reads, said in a description, or undefined when it reads none of it. */
function readsChanged(object: ObjectSchema, changed: Map<string, Set<string> | 'all'>): string | undefined {
  for (const use of object.tables) {
    const columns = changed.get(use.table)
    if (columns === undefined) continue
    if (columns === 'all') return `table ${use.table}`
    if (use.columns === undefined) return `table ${use.table}`
    const hit = use.columns.find((c) => columns.has(c))
    if (hit !== undefined) return `${use.table}.${hit}`
  }

  return undefined
}

/**
 * Every word of a text and every name it quotes, in lower case, bodies and strings included: what a function's body
 * (a string to the lexer) may call. More than it names is harmless where it only orders.
 */
function wordsIn(text: string): Set<string> {
  const words = new Set<string>()
  for (const m of text.matchAll(/"((?:[^"]|"")+)"|`((?:[^`]|``)+)`|([A-Za-z_\u0080-\uFFFF][\w$\u0080-\uFFFF]*)/g))
    words.add((m[1]?.replaceAll('""', '"') ?? m[2]?.replaceAll('``', '`') ?? m[3]).toLowerCase())
  return words
}

/**
 * The objects of a schema in an order in which each comes after what it depends on: the dependencies the catalog
 * records and, for a function a body calls (which only an SQL-standard body records), the names its text uses.
 */
function dependencyOrder(objects: readonly ObjectSchema[]): ObjectSchema[] {
  const byKey = new Map(objects.map((o) => [objectKey(o), o]))
  const byBareName = new Map<string, ObjectSchema[]>()
  for (const o of objects.filter((x) => x.kind !== 'trigger')) {
    const bare = bareName(o).toLowerCase()
    byBareName.set(bare, [...(byBareName.get(bare) ?? []), o])
  }

  const out: ObjectSchema[] = []
  const done = new Set<string>()
  const visit = (o: ObjectSchema, path: Set<string>) => {
    const key = objectKey(o)
    if (done.has(key) || path.has(key)) return
    path.add(key)
    const named = [...wordsIn(o.definition)].flatMap((n) => byBareName.get(n) ?? [])
    for (const dependency of [...o.objects.map((k) => byKey.get(k)), ...named])
      if (dependency && dependency !== o) visit(dependency, path)
    done.add(key)
    out.push(o)
  }

  for (const o of objects) visit(o, new Set())
  return out
}

/**
 * Compare views, materialized views, functions, procedures, aggregates and triggers by their definitions, as the
 * same server prints both (the target's built on the scratch database). One that is new is made; one that is gone
 * is dropped, and the downgrade makes it again from its definition; one whose definition changed is replaced in
 * place where CREATE OR REPLACE can (a function whose arguments and result stay), else dropped and made again.
 * Dropping an object drops first what depends on it (a view on a view, a trigger on its function), and makes it
 * again after; so does a change of a column an object reads (`tableChanges`, with the enum changes: ALTER COLUMN
 * TYPE, a rename, DROP, an enum type recreated).
 */
export function compareObjects(
  live: readonly ObjectSchema[],
  target: readonly ObjectSchema[],
  tableChanges: readonly Change[],
): ObjectChanges {
  const liveByKey = new Map(live.map((o) => [objectKey(o), o]))
  const targetByKey = new Map(target.map((o) => [objectKey(o), o]))
  /** key -> why it is dropped: '' when it is gone or changed (the description says so otherwise). */
  const dropping = new Map<string, string>()
  const replacing = new Set<string>()
  for (const [key, was] of liveByKey) {
    const next = targetByKey.get(key)
    if (!next) dropping.set(key, '')
    else if (next.definition === was.definition) continue
    else if (was.replaceable !== undefined && was.replaceable === next.replaceable && next.replace) replacing.add(key)
    else dropping.set(key, '')
  }

  const changed = changedColumns(tableChanges)
  for (const [key, was] of liveByKey) {
    if (dropping.has(key)) continue
    const reads =
      readsChanged(was, changed) ?? (targetByKey.has(key) ? readsChanged(targetByKey.get(key)!, changed) : undefined)
    if (reads !== undefined) dropping.set(key, `it reads ${reads}, which changes`)
  }

  // What depends on something dropped goes first, and comes back after it.
  for (let grew = true; grew;) {
    grew = false
    for (const [key, was] of liveByKey) {
      if (dropping.has(key)) continue
      const under = was.objects.find((k) => dropping.has(k))
      if (under === undefined) continue
      dropping.set(key, `it depends on ${under}, dropped first`)
      replacing.delete(key)
      grew = true
    }
  }

  const result: ObjectChanges = {after: [], afterTables: [], before: [], beforeTables: []}
  for (const was of dependencyOrder(live).reverse()) {
    const key = objectKey(was)
    const why = dropping.get(key)
    if (why === undefined) continue
    const next = targetByKey.get(key)
    const again = next ? (why ? ` (made again after: ${why})` : ' (made again as the target defines it)') : ''
    const change: Change = {
      description: `drop ${key}${again}`,
      downgrade: execute(was.create),
      table: was.name,
      upgrade: execute(was.drop),
    }
    // One a table uses goes once the tables changed, unless it comes back for them (then before it is made again).
    const group = !was.usedByTables ? result.before : next?.usedByTables ? result.beforeTables : result.afterTables
    group.push(change)
  }

  for (const next of dependencyOrder(target)) {
    const key = objectKey(next)
    const was = liveByKey.get(key)
    let change: Change | undefined
    if (replacing.has(key))
      change = {
        description: `replace ${key} (CREATE OR REPLACE)`,
        downgrade: execute(was!.replace!),
        table: next.name,
        upgrade: execute(next.replace!),
      }
    else if (!was || dropping.has(key))
      change = {
        description: `add ${key}${was ? ' again' : ''}`,
        downgrade: execute(next.drop),
        table: next.name,
        upgrade: execute(next.create),
      }
    if (change) (next.usedByTables ? result.beforeTables : result.after).push(change)
  }

  return result
}
