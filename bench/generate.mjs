// Generates revision chains for the benchmarks.
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

const pad = (n) => String(n).padStart(4, '0')

/** A chain of `count` TypeScript revisions: each creates a table with a foreign key
 * to the previous table and an index; every fifth also alters an earlier table. */
export function writeChain(dir, count, {connection} = {}) {
  mkdirSync(path.join(dir, 'migrations'), {recursive: true})
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\nscript_location = migrations\nrevision_digits = 4\n${connection ? `\n[database]\nconnection = ${connection}\n` : ''}`,
  )
  for (let i = 1; i <= count; i++) {
    writeFileSync(path.join(dir, 'migrations', `${pad(i)}_step_${i}.ts`), script(i))
  }
}

export function script(i) {
  const fk = i > 1 ? `, references: 't${i - 1}.id', onDelete: 'CASCADE'` : ''
  const alter = i % 5 === 0 && i > 3 ? `\n  await op.addColumn('t${i - 3}', op.column('extra_${i}', 'string(20)'))` : ''
  const alterDown = alter ? `\n  await op.dropColumn('t${i - 3}', 'extra_${i}')` : ''
  return `import type {Operations} from 'db-manage'

export const revision = '${pad(i)}'
export const downRevision = ${i === 1 ? 'null' : `'${pad(i - 1)}'`}
export const message = 'step ${i}'
export const createdAt = '2026-11-22T10:00:00Z'

export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('t${i}', [
    op.column('id', 'integer', {primaryKey: true, autoincrement: true}),
    op.column('parent_id', 'integer', {nullable: ${i === 1}${fk}}),
    op.column('name', 'string(50)', {nullable: false}),
  ])
  await op.createIndex('ix_t${i}_name', 't${i}', ['name'])${alter}
}

export async function downgrade(op: Operations): Promise<void> {${alterDown}
  await op.dropTable('t${i}')
}
`
}
