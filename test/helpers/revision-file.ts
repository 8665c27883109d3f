// What tests compare whole: a revision file autogenerate wrote (its creation time, which changes with each run,
// written <created>) and offline SQL (the history table's statements, whose checksum and user@host vary, left out:
// test/integration/runtime/offline.test.ts pins them).

/** A revision file as autogenerate writes it, its creation time written <created>. */
export function undated(script: string): string {
  return script.replace(/^export const createdAt = '[^']*'$/m, "export const createdAt = '<created>'")
}

/** The whole revision file autogenerate writes, with these lines in upgrade() and downgrade() (indented by two). */
export function revisionFile(
  message: string,
  upgrade: readonly string[],
  downgrade: readonly string[],
  revision = '001',
  downRevision: null | string = null,
): string {
  const body = (lines: readonly string[]) => lines.map((line) => `  ${line}\n`).join('')
  return `import type {Operations} from 'db-manage'

export const revision = '${revision}'
export const downRevision = ${downRevision === null ? 'null' : `'${downRevision}'`}
export const message = '${message}'
export const createdAt = '<created>'

export async function upgrade(op: Operations): Promise<void> {
${body(upgrade)}}

export async function downgrade(op: Operations): Promise<void> {
${body(downgrade)}}
`
}

/** Offline SQL without the history table's CREATE and rows. */
export function noHistory(sql: string): string {
  return sql
    .replaceAll(/CREATE TABLE IF NOT EXISTS [`"]?db_manage_history[\s\S]*?\n\);\n\n/g, '')
    .replaceAll(/(INSERT INTO|UPDATE) db_manage_history [^\n]*;\n\n/g, '')
}
