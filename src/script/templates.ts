import type {RevisionHeader} from './revision.js'

/** `<id>_<slug>.<ext>`: the name revision and autogenerate give a new script. */
export function scriptFileName(id: string, message: string, ext: 'sql' | 'ts'): string {
  return `${id}_${slugify(message)}.${ext}`
}

/** createdAt as the templates write it: ISO 8601 to the second. */
export function createdAtOf(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** `add user email` -> `add_user_email`: the file name's part after the id. */
export function slugify(message: string): string {
  const slug = message
    .toLowerCase()
    .replaceAll(/[^\p{L}\p{N}]+/gu, '_')
    .replaceAll(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '')
  return slug || 'revision'
}

/** Line breaks (CR, LF, U+2028, ...) and tabs: a message is written on one line, each run of them a space. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g

const CONTROLS = /[\u0000-\u001F\u007F-\u009F]/g
const escaped = (c: string) => `\\x${c.codePointAt(0)!.toString(16).padStart(2, '0')}`

/**
 * A string literal of `text`, on one line and in plain
 * characters: line breaks become a space, other control characters (ESC,
 * NUL, ...) are written as escapes, which the header reader reads back.
 */
function quote(text: string): string {
  return `'${text.replaceAll(BREAKS, ' ').replaceAll(/[\\']/g, '\\$&').replaceAll(CONTROLS, escaped)}'`
}

function headerLines(header: RevisionHeader): string {
  return [
    `export const revision = ${quote(header.id)}`,
    `export const downRevision = ${header.downRevision === null ? 'null' : quote(header.downRevision)}`,
    `export const message = ${quote(header.message)}`,
    `export const createdAt = ${quote(header.createdAt ?? '')}`,
  ].join('\n')
}

/** A new TypeScript revision script; `body` is the code of upgrade and downgrade. */
export function typescriptScript(
  header: RevisionHeader,
  body: {upgrade: string; downgrade: string} = {downgrade: '', upgrade: ''},
): string {
  const indent = (code: string) =>
    code
      .split('\n')
      .map((l) => (l ? `  ${l}` : l))
      .join('\n')
  const block = (code: string) => (code.trim() ? `\n${indent(code.trimEnd())}\n` : '\n')
  return `import type {Operations} from 'db-manage'

${headerLines(header)}

export async function upgrade(op: Operations): Promise<void> {${block(body.upgrade)}}

export async function downgrade(op: Operations): Promise<void> {${block(body.downgrade)}}
`
}

/** A new SQL revision script with the header in comments. */
export function sqlScript(header: RevisionHeader): string {
  return `-- revision: ${header.id}
-- down_revision: ${header.downRevision ?? 'null'}
-- message: ${header.message.replaceAll(BREAKS, ' ').replaceAll(CONTROLS, escaped)}
-- created_at: ${header.createdAt ?? ''}
-- +upgrade

-- +downgrade

`
}

/** Replace the id and down revision in a script's text, leaving the rest as written. */
export function rewriteHeader(
  text: string,
  kind: 'js' | 'mjs' | 'sql' | 'ts',
  id: string,
  down: null | string,
): string {
  if (kind === 'sql') {
    return text
      .replace(/^(--\s*revision\s*:).*$/im, (_, key: string) => `${key} ${id}`)
      .replace(/^(--\s*down_?revision\s*:).*$/im, (_, key: string) => `${key} ${down ?? 'null'}`)
  }

  const literal = String.raw`(?:null|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\x60[^\x60]*\x60)`
  const set = (source: string, name: string, value: string) =>
    source.replace(
      new RegExp(String.raw`(export\s+const\s+${name}\s*(?::[^=;]*)?=\s*)${literal}`),
      (_, prefix: string) => prefix + value,
    )
  return set(set(text, 'revision', quote(id)), 'downRevision', down === null ? 'null' : quote(down))
}
