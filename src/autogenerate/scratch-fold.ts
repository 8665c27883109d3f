import {isTrivia, type Token, tokenize} from '../sql/lexer.js'

/** Statements sent as one: the original statements `from` to `to` (exclusive), as `sql`. */
export interface ScratchUnit {
  readonly sql: string
  readonly from: number
  readonly to: number
}

interface Read {
  readonly text: string
  /** The tokens that say something (no space, no comments). */
  readonly words: readonly Token[]
}

/**
 * A statement's tokens, or undefined where folding it could read it otherwise than the server: versioned code
 * (MySQL's `/*!50100 ... *\/`), strings whose backslashes a file's NO_BACKSLASH_ESCAPES would read otherwise, and, with
 * `bare`, comments (between an index's words they stay with their statement).
 */
function read(text: string, bare = false): Read | undefined {
  let tokens: Token[]
  try {
    tokens = tokenize(text, 'mysql')
  } catch {
    return undefined
  }

  const plain = tokens.every(
    (t) =>
      t.kind !== 'code-open' &&
      t.kind !== 'code-close' &&
      t.kind !== 'directive' &&
      t.kind !== 'delimiter' &&
      (t.kind !== 'comment' || !bare) &&
      (t.kind !== 'string' || !text.slice(t.start, t.end).includes('\\')),
  )
  return plain ? {text, words: tokens.filter((t) => !isTrivia(t))} : undefined
}

const word = (r: Read, i: number) => {
  const t = r.words[i]
  return t?.kind === 'word' ? r.text.slice(t.start, t.end).toUpperCase() : undefined
}

const name = (r: Read, i: number) => {
  const t = r.words[i]
  return t?.kind === 'word' || t?.kind === 'quoted' ? r.text.slice(t.start, t.end) : undefined
}

const punct = (r: Read, i: number) =>
  r.words[i]?.kind === 'punct' ? r.text.slice(r.words[i].start, r.words[i].end) : ''

/** The index of the `)` that closes the `(` at `open`, or -1. */
function closing(r: Read, open: number): number {
  let depth = 0
  for (let i = open; i < r.words.length; i++) {
    const p = punct(r, i)
    if (p === '(') depth++
    else if (p === ')' && --depth === 0) return i
  }

  return -1
}

/** Words after a table's definition list that make it more than a plain table, or its build order matter. */
const NOT_PLAIN = new Set(['AS', 'IGNORE', 'LIKE', 'PARTITION', 'REPLACE', 'SELECT', 'SYSTEM', 'UNION', 'WITH'])

/**
 * `CREATE TABLE name (...) [options]`, plainly: its name as written and where its definition list closes (the
 * offset of its `)` in the text). Not TEMPORARY, OR REPLACE, IF NOT EXISTS (the index would then go to a table
 * that was there), LIKE, ... AS SELECT, partitioned or system-versioned.
 */
function createTable(r: Read): undefined | {name: string; close: number} {
  // `CREATE TABLE t (LIKE other)` copies another table: nothing to write into.
  if (word(r, 0) !== 'CREATE' || word(r, 1) !== 'TABLE' || punct(r, 3) !== '(' || word(r, 4) === 'LIKE')
    return undefined
  const table = name(r, 2)
  const close = closing(r, 3)
  if (table === undefined || close < 0) return undefined
  for (let i = close + 1; i < r.words.length; i++)
    if (punct(r, i) === '(' || NOT_PLAIN.has(word(r, i) ?? '')) return undefined
  return {close: r.words[close].start, name: table}
}

/**
 * `CREATE [UNIQUE] INDEX name [USING BTREE|HASH] ON table (key parts) [USING BTREE|HASH]` and nothing else (no
 * comment, option, algorithm or lock clause; not FULLTEXT nor SPATIAL): the table's name as written, and the same
 * index as a CREATE TABLE writes it.
 */
function createIndex(r: Read): undefined | {table: string; definition: string} {
  let i = 0
  if (word(r, i++) !== 'CREATE') return undefined
  const unique = word(r, i) === 'UNIQUE'
  if (unique) i++
  if (word(r, i++) !== 'INDEX') return undefined
  const index = name(r, i++)
  let using: string | undefined
  const readUsing = () => {
    if (word(r, i) !== 'USING') return true
    using = word(r, i + 1)
    i += 2
    return using === 'BTREE' || using === 'HASH'
  }

  if (index === undefined || !readUsing() || word(r, i++) !== 'ON') return undefined
  const table = name(r, i++)
  if (table === undefined || punct(r, i) !== '(') return undefined
  const close = closing(r, i)
  if (close < 0) return undefined
  const parts = r.text.slice(r.words[i].start, r.words[close].end)
  i = close + 1
  if (using === undefined && !readUsing()) return undefined
  if (i !== r.words.length) return undefined
  return {definition: `${unique ? 'UNIQUE ' : ''}INDEX ${index}${using ? ` USING ${using}` : ''} ${parts}`, table}
}

/**
 * MySQL and MariaDB: the statements of a schema file as the scratch build sends them, each `CREATE INDEX` that
 * directly follows its table's `CREATE TABLE` (or another such index) written into that CREATE TABLE. On InnoDB a
 * CREATE INDEX is an ALTER TABLE of its own, with its own data-dictionary work: folded, 300 tables and their
 * indexes cost the server half the time to build. The table built is the same (an index named in CREATE TABLE
 * takes the place of the one a foreign key would make, as a later CREATE INDEX drops it); a unit that fails is run
 * again statement by statement (runStatements), so every error is the one its own statement has.
 * Anything not read plainly (comments between an index's words, versioned code, options) is left as it is.
 */
export function foldIndexes(statements: readonly string[]): ScratchUnit[] {
  const units: ScratchUnit[] = []
  let i = 0
  while (i < statements.length) {
    const table = /^\s*create\s+table\b/i.test(statements[i]) ? read(statements[i]) : undefined
    const created = table && createTable(table)
    const definitions: string[] = []
    let to = i + 1
    while (created && to < statements.length && /^\s*create\s+(unique\s+)?index\b/i.test(statements[to])) {
      const r = read(statements[to], true)
      const index = r && createIndex(r)
      if (!index || index.table !== created.name) break
      definitions.push(index.definition)
      to++
    }

    if (created && definitions.length > 0) {
      const sql = statements[i]
      const extra = `${definitions.map((d) => `,\n  ${d}`).join('')}\n`
      units.push({from: i, sql: `${sql.slice(0, created.close)}${extra}${sql.slice(created.close)}`, to})
    } else {
      units.push({from: i, sql: statements[i], to: i + 1})
      to = i + 1
    }

    i = to
  }

  return units
}
