// A long chain of revisions written by a seeded generator, as a team's history looks after a few years: tables
// created, renamed and dropped, columns added, renamed and dropped, indexes, foreign keys, and rows loaded by
// op.bulkInsert and .sql scripts, each revision with its exact downgrade. For squash tests.
import {writeFileSync} from 'node:fs'
import path from 'node:path'

interface Col {
  name: string
  type: string
  nullable: boolean
  default?: number
}

interface Table {
  name: string
  cols: Col[]
  indexes: Array<{name: string; col: string}>
  fks: Array<{name: string; col: string; parent: string}>
}

/** mulberry32: the same chain for the same seed. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = Math.trunc(a + 0x6d_2b_79_f5)
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const s = (text: string) => JSON.stringify(text)

function columnCode(c: Col): string {
  const options = [
    `nullable: ${c.nullable}`,
    ...(c.default === undefined ? [] : [`default: ${c.default}`]),
    ...(c.name === 'id' ? ['primaryKey: true'] : []),
  ]
  return `op.column(${s(c.name)}, ${s(c.type)}, {${options.join(', ')}})`
}

function tsScript(id: string, down: null | string, message: string, up: string[], downgrade: string[]): string {
  const body = (lines: string[]) => lines.map((l) => `  ${l}`).join('\n')
  return `import type {Operations} from 'db-manage'

export const revision = '${id}'
export const downRevision = ${down === null ? 'null' : `'${down}'`}
export const message = '${message}'
export const createdAt = '2026-01-01T00:00:00Z'

export async function upgrade(op: Operations): Promise<void> {
${body(up)}
}

export async function downgrade(op: Operations): Promise<void> {
${body(downgrade)}
}
`
}

/** What a table's creation takes: the table, then its indexes, then its foreign keys. */
function createCode(t: Table): string[] {
  return [
    `await op.createTable(${s(t.name)}, [${t.cols.map(columnCode).join(', ')}])`,
    ...t.indexes.map((i) => `await op.createIndex(${s(i.name)}, ${s(t.name)}, [${s(i.col)}])`),
    ...t.fks.map(
      (f) =>
        `await op.batchAlterTable(${s(t.name)}, (b) => b.createForeignKey(${s(f.name)}, ${s(f.parent)}, [${s(f.col)}], ['id']))`,
    ),
  ]
}

/**
 * Write `count` revisions into `dir` (001_..., 002_...), and return what each table holds at the end: its name and
 * the rows the chain loaded into it.
 */
export function writeGeneratedChain(dir: string, count: number, seed = 31): {tables: string[]; dataRevisions: number} {
  const rnd = random(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]
  const tables: Table[] = []
  let nextRow = 1
  let dataRevisions = 0
  const pad = (n: number) => String(n).padStart(3, '0')
  for (let i = 1; i <= count; i++) {
    const id = pad(i)
    const down = i === 1 ? null : pad(i - 1)
    const free = (t: Table) =>
      t.cols.filter(
        (c) => c.name !== 'id' && !t.indexes.some((x) => x.col === c.name) && !t.fks.some((f) => f.col === c.name),
      )
    const referenced = (t: Table) => tables.some((o) => o !== t && o.fks.some((f) => f.parent === t.name))
    const kinds = [
      ...(tables.length < 4 ? ['create', 'create', 'create'] : ['create']),
      ...(tables.length > 0 ? ['add', 'add', 'index', 'renameTable', 'renameColumn', 'dropColumn', 'data', 'sql'] : []),
      ...(tables.length > 1 ? ['fk', 'fk'] : []),
      ...(tables.length > 5 ? ['dropTable'] : []),
    ]
    let kind = pick(kinds)
    const table = tables.length > 0 ? pick(tables) : undefined
    if ((kind === 'renameColumn' || kind === 'dropColumn' || kind === 'index') && free(table!).length === 0)
      kind = 'add'
    if (kind === 'dropTable' && referenced(table!)) kind = 'add'
    let up: string[] = []
    let undo: string[] = []
    let message = kind
    if (kind === 'create') {
      const t: Table = {
        cols: [
          {name: 'id', nullable: false, type: 'integer'},
          {name: 'name', nullable: true, type: 'string(40)'},
          {default: 0, name: 'qty', nullable: false, type: 'integer'},
        ],
        fks: [],
        indexes: [],
        name: `t${id}`,
      }
      up = createCode(t)
      undo = [`await op.dropTable(${s(t.name)})`]
      tables.push(t)
      message = `create ${t.name}`
    } else if (kind === 'add') {
      const c: Col =
        rnd() < 0.5
          ? {name: `c${id}`, nullable: true, type: pick(['string(20)', 'text', 'integer', 'bigint'])}
          : {default: 7, name: `c${id}`, nullable: false, type: 'integer'}
      up = [`await op.batchAlterTable(${s(table!.name)}, (b) => b.addColumn(${columnCode(c)}))`]
      undo = [`await op.batchAlterTable(${s(table!.name)}, (b) => b.dropColumn(${s(c.name)}))`]
      table!.cols.push(c)
      message = `add ${table!.name}.${c.name}`
    } else if (kind === 'index') {
      const c = pick(free(table!))
      const name = `ix_${id}`
      up = [`await op.createIndex(${s(name)}, ${s(table!.name)}, [${s(c.name)}])`]
      undo = [`await op.dropIndex(${s(name)}, ${s(table!.name)})`]
      table!.indexes.push({col: c.name, name})
      message = `index ${table!.name}.${c.name}`
    } else if (kind === 'fk') {
      const parent = pick(tables.filter((t) => t !== table))
      const col = `p${id}`
      const [ix, fk] = [`ix_fk_${id}`, `fk_${id}`]
      up = [
        `await op.batchAlterTable(${s(table!.name)}, (b) => b.addColumn(op.column(${s(col)}, 'integer', {nullable: true})))`,
        `await op.createIndex(${s(ix)}, ${s(table!.name)}, [${s(col)}])`,
        `await op.batchAlterTable(${s(table!.name)}, (b) => b.createForeignKey(${s(fk)}, ${s(parent.name)}, [${s(col)}], ['id']))`,
      ]
      undo = [
        `await op.batchAlterTable(${s(table!.name)}, (b) => b.dropConstraint(${s(fk)}, {type: 'foreignkey'}))`,
        `await op.dropIndex(${s(ix)}, ${s(table!.name)})`,
        `await op.batchAlterTable(${s(table!.name)}, (b) => b.dropColumn(${s(col)}))`,
      ]
      table!.cols.push({name: col, nullable: true, type: 'integer'})
      table!.indexes.push({col, name: ix})
      table!.fks.push({col, name: fk, parent: parent.name})
      message = `${table!.name} references ${parent.name}`
    } else if (kind === 'renameTable') {
      const was = table!.name
      const name = `r${id}`
      up = [`await op.renameTable(${s(was)}, ${s(name)})`]
      undo = [`await op.renameTable(${s(name)}, ${s(was)})`]
      for (const t of tables) for (const f of t.fks) if (f.parent === was) f.parent = name
      table!.name = name
      message = `rename ${was} to ${name}`
    } else if (kind === 'renameColumn') {
      const c = pick(free(table!))
      const name = `n${id}`
      const alter = (from: string, to: string) =>
        `await op.batchAlterTable(${s(table!.name)}, (b) => b.alterColumn(${s(from)}, {existingNullable: ${c.nullable}, existingType: ${s(c.type)}, newName: ${s(to)}}))`
      up = [alter(c.name, name)]
      undo = [alter(name, c.name)]
      message = `rename ${table!.name}.${c.name} to ${name}`
      c.name = name
    } else if (kind === 'dropColumn') {
      const c = pick(free(table!))
      up = [`await op.batchAlterTable(${s(table!.name)}, (b) => b.dropColumn(${s(c.name)}))`]
      undo = [`await op.batchAlterTable(${s(table!.name)}, (b) => b.addColumn(${columnCode(c)}))`]
      table!.cols = table!.cols.filter((x) => x !== c)
      message = `drop ${table!.name}.${c.name}`
    } else if (kind === 'dropTable') {
      up = [`await op.dropTable(${s(table!.name)})`]
      undo = createCode(table!)
      tables.splice(tables.indexOf(table!), 1)
      message = `drop ${table!.name}`
    } else if (kind === 'data') {
      const ids = [nextRow++, nextRow++]
      up = [`await op.bulkInsert(${s(table!.name)}, [${ids.map((n) => `{id: ${n}}`).join(', ')}])`]
      undo = [`await op.execute(${s(`DELETE FROM ${table!.name} WHERE id IN (${ids.join(', ')})`)})`]
      dataRevisions++
      message = `load ${table!.name}`
    } else {
      const n = nextRow++
      const sql = `-- revision: ${id}\n-- down_revision: ${down}\n-- message: load ${table!.name} by sql\n-- +upgrade\nINSERT INTO ${table!.name} (id) VALUES (${n});\nUPDATE ${table!.name} SET qty = qty + 1 WHERE id = ${n};\n-- +downgrade\nDELETE FROM ${table!.name} WHERE id = ${n};\n`
      // qty may have been renamed or dropped: the UPDATE only where it still is.
      const text = table!.cols.some((c) => c.name === 'qty') ? sql : sql.replace(/^UPDATE .*\n/m, '')
      writeFileSync(path.join(dir, `${id}_load_${table!.name}_by_sql.sql`), text)
      dataRevisions++
      continue
    }

    writeFileSync(path.join(dir, `${id}_${message.replaceAll(/\W+/g, '_')}.ts`), tsScript(id, down, message, up, undo))
  }

  return {dataRevisions, tables: tables.map((t) => t.name)}
}
