import {ScriptError} from '../util/errors.js'
import type {RevisionHeader} from './revision.js'

export type ScriptKind = 'js' | 'mjs' | 'sql' | 'ts'

/** `NNN_slug.ext`: the id is everything before the first underscore. */
export const SCRIPT_FILE = /^([\dA-Za-z]+)_([^.]*)\.(ts|mts|js|mjs|sql)$/

const STRING = String.raw`'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\x60(?:[^\x60\\$]|\\.)*\x60`

function exportPattern(name: string): RegExp {
  return new RegExp(String.raw`export\s+const\s+${name}\s*(?::[^=;]*)?=\s*(null|${STRING})`)
}

const TS_FIELDS = {
  createdAt: exportPattern('createdAt'),
  downRevision: exportPattern('downRevision'),
  message: exportPattern('message'),
  revision: exportPattern('revision'),
  squashed: exportPattern('squashed'),
  squashedChecksum: exportPattern('squashedChecksum'),
}

function unquote(literal: string): string {
  const body = literal.slice(1, -1)
  return body.replaceAll(/\\(u\{[\da-f]+}|u[\da-f]{4}|x[\da-f]{2}|.)/gi, (_, esc: string) => {
    const simple: Record<string, string> = {n: '\n', r: '\r', t: '\t', '0': '\0'}
    if (esc.length === 1) return simple[esc] ?? esc
    const hex = esc.startsWith('u{') ? esc.slice(2, -1) : esc.slice(1)
    return String.fromCodePoint(Number.parseInt(hex, 16))
  })
}

/**
 * Read the header of a script without importing it: the exported string
 * constants of a TS/JS module, or the `-- key: value` comments of a SQL file.
 * Chain-only commands stay fast however long the history is.
 */
export function readHeader(text: string, kind: ScriptKind, fileName: string): RevisionHeader {
  const header = kind === 'sql' ? readSqlHeader(text, fileName) : readModuleHeader(text, fileName)
  for (const [what, id] of [
    ['revision', header.id],
    ['downRevision', header.downRevision],
  ] as const) {
    // Ids go into SQL (the version table) and file names: only plain words.
    if (id !== null && !PLAIN_ID.test(id))
      throw new ScriptError(
        `${fileName}: ${what} ${JSON.stringify(id)} is not a plain word (letters, digits and _ only)`,
      )
  }

  return header
}

/**
 * What a revision id may be: letters, digits and underscores, at most 32 (the width of alembic_version.version_num).
 */
export const PLAIN_ID = /^\w{1,32}$/

function readModuleHeader(text: string, fileName: string): RevisionHeader {
  // The header comes before the functions in every template; look there
  // first, and in the whole file only when it is not there.
  const cut = text.search(/\bfunction\b/)
  const head = cut === -1 ? text : text.slice(0, cut)
  const field = (name: keyof typeof TS_FIELDS): null | string | undefined => {
    const m = TS_FIELDS[name].exec(head) ?? (head === text ? null : TS_FIELDS[name].exec(text))
    if (!m) return undefined
    return m[1] === 'null' ? null : unquote(m[1])
  }

  const id = field('revision')
  if (typeof id !== 'string' || id === '')
    throw new ScriptError(`${fileName}: no "export const revision = '...'" found`)
  const down = field('downRevision')
  if (down === undefined) throw new ScriptError(`${fileName}: no "export const downRevision = '...'" (or null) found`)
  const squashed = field('squashed') ?? undefined
  const squashedChecksum = field('squashedChecksum') ?? undefined
  return {
    createdAt: field('createdAt') ?? undefined,
    downRevision: down || null,
    id,
    message: field('message') ?? '',
    ...(squashed === undefined ? {} : {squashed}),
    ...(squashedChecksum === undefined ? {} : {squashedChecksum}),
  }
}

const SQL_KEYS: Record<string, keyof RevisionHeader> = {
  created_at: 'createdAt',
  createdat: 'createdAt',
  down_revision: 'downRevision',
  downrevision: 'downRevision',
  message: 'message',
  revision: 'id',
}

function readSqlHeader(text: string, fileName: string): RevisionHeader {
  const header: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (t === '') continue
    if (/^--\s*\+(upgrade|downgrade)\b/i.test(t) || !t.startsWith('--')) break
    const m = /^--\s*([\w]+)\s*:\s*(.*)$/.exec(t)
    const key = m && SQL_KEYS[m[1].toLowerCase()]
    if (key) header[key] = m[2].trim()
  }

  if (!header.id) throw new ScriptError(`${fileName}: no "-- revision: ..." header line found`)
  if (header.downRevision === undefined)
    throw new ScriptError(
      `${fileName}: no "-- down_revision: ..." header line found (write "null" for the first revision)`,
    )
  const down = header.downRevision
  return {
    createdAt: header.createdAt,
    downRevision: down === '' || down.toLowerCase() === 'null' || down.toLowerCase() === 'none' ? null : down,
    id: header.id,
    message: header.message ?? '',
  }
}
