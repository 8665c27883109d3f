import type {DialectName} from '../util/dialect-names.js'
import {isTrivia, Lexer} from './lexer.js'

/**
 * What a raw statement means to the transaction it would run in:
 * - `begin`, `commit`, `rollback`: the file's own transaction control;
 * - `outside`: the server refuses it inside a transaction block
 *   (CREATE INDEX CONCURRENTLY, VACUUM, CREATE DATABASE, ...);
 * - `plain`: anything else.
 */
export type StatementKind = 'begin' | 'commit' | 'outside' | 'plain' | 'rollback'

/**
 * The first words of a statement, upper-cased, as a reader of SQL sees them
 * (from the dialect's tokens): comments skipped, MySQL's `/*! ... *\/` read as
 * the code it is, parenthesised option lists (`REINDEX (VERBOSE) ...`)
 * skipped, a quoted or dotted name one word. It stops at the first other
 * token, which is as far as the leading keywords go.
 */
export function leadingWords(sql: string, dialect: DialectName, limit = 8): string[] {
  /** Each word as written; a word of one unquoted part is upper-cased at the end. */
  const words: Array<{parts: number; quoted: boolean; text: string}> = []
  const lexer = new Lexer(sql, dialect)
  let depth = 0
  let dotted = false
  try {
    while (!lexer.done && words.length <= limit) {
      const token = lexer.next()
      const text = sql.slice(token.start, token.end)
      if (isTrivia(token) || token.kind === 'code-open' || token.kind === 'code-close') continue
      if (token.kind === 'punct' && text === '(') {
        depth++
      } else if (token.kind === 'punct' && text === ')') {
        depth--
      } else if (depth > 0) {
        continue
      } else if (token.kind === 'punct' && text === '.' && words.length > 0) {
        words.at(-1)!.text += '.'
        dotted = true
      } else if (token.kind === 'word' || token.kind === 'quoted' || token.kind === 'number') {
        const quoted = token.kind === 'quoted'
        const word = words.at(-1)
        if (dotted && word)
          Object.assign(word, {parts: word.parts + 1, quoted: word.quoted || quoted, text: word.text + text})
        else words.push({parts: 1, quoted, text})
        dotted = false
      } else {
        break
      }
    }
  } catch {
    // A statement cut short (an unterminated string) has no more words to read.
  }

  // A keyword is upper-cased; a name with a quoted or dotted part is kept as written.
  return words.slice(0, limit).map((w) => (w.parts === 1 && !w.quoted ? w.text.toUpperCase() : w.text))
}

/**
 * Classify a statement for `dialect`. `serverVersion` (PostgreSQL's
 * server_version_num) matters for ALTER TYPE ... ADD VALUE, which runs in a
 * transaction only from PostgreSQL 12.
 */
export function statementKind(sql: string, dialect: DialectName, serverVersion?: number): StatementKind {
  const w = leadingWords(sql, dialect)
  const [first, second] = w
  if (first === 'START' && second === 'TRANSACTION') return 'begin'
  if (first === 'BEGIN') {
    // MariaDB's BEGIN NOT ATOMIC opens a compound statement, not a transaction.
    return second === 'NOT' ? 'plain' : 'begin'
  }

  if (first === 'COMMIT') return second === 'PREPARED' ? 'outside' : 'commit'
  if (first === 'END' && dialect !== 'mysql') return 'commit'
  if (first === 'ROLLBACK' || (first === 'ABORT' && dialect === 'postgresql')) {
    if (second === 'TO') return 'plain' // ROLLBACK TO SAVEPOINT stays inside the transaction
    return second === 'PREPARED' ? 'outside' : 'rollback'
  }

  if (dialect === 'sqlite') {
    // PRAGMA journal_mode = WAL is refused inside a transaction. (PRAGMA foreign_keys is a no-op there,
    // and migrations run with foreign keys off, as Alembic's do: it stays inside, changing nothing.)
    if (first === 'PRAGMA' && /^(?:\w+\.)?JOURNAL_MODE$/i.test(second ?? '')) return 'outside'
    return first === 'VACUUM' ? 'outside' : 'plain'
  }

  if (dialect !== 'postgresql') return 'plain'
  if (first === 'VACUUM' || (first === 'ALTER' && second === 'SYSTEM')) return 'outside'
  if ((first === 'CREATE' || first === 'DROP') && ['DATABASE', 'TABLESPACE', 'SUBSCRIPTION'].includes(second))
    return 'outside'
  // CREATE [UNIQUE] INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX [INDEX|TABLE|...] CONCURRENTLY
  const index = w.indexOf('INDEX')
  if ((first === 'CREATE' || first === 'DROP') && index !== -1 && index <= 2 && w[index + 1] === 'CONCURRENTLY')
    return 'outside'
  if (first === 'REINDEX' && (w.slice(1, 3).includes('CONCURRENTLY') || second === 'DATABASE' || second === 'SYSTEM'))
    return 'outside'
  if (first === 'ALTER' && second === 'SUBSCRIPTION' && w[3] === 'REFRESH') return 'outside'
  if (first === 'DROP' && second === 'SUBSCRIPTION') return 'outside'
  // CLUSTER with no table (every clustered table), DISCARD ALL, ALTER DATABASE ... SET TABLESPACE.
  if (first === 'CLUSTER' && (second === undefined || second === 'VERBOSE') && w.length <= 2) return 'outside'
  if (first === 'DISCARD' && second === 'ALL') return 'outside'
  if (first === 'ALTER' && second === 'DATABASE' && w[3] === 'SET' && w[4] === 'TABLESPACE') return 'outside'
  if (first === 'ALTER' && second === 'TABLE' && w.includes('DETACH') && concurrentlyLast(sql, dialect))
    return 'outside'
  if (first === 'ALTER' && second === 'TYPE' && w[3] === 'ADD' && w[4] === 'VALUE') {
    return serverVersion !== undefined && serverVersion < 120_000 ? 'outside' : 'plain'
  }

  return 'plain'
}

/**
 * ALTER TABLE ... DETACH PARTITION p CONCURRENTLY: the word ends the statement, past the names leadingWords stops at.
 */
function concurrentlyLast(sql: string, dialect: DialectName): boolean {
  return leadingWords(sql, dialect, 12).at(-1) === 'CONCURRENTLY'
}

/**
 * PostgreSQL: the statement changes the session's search_path (SET [SESSION|LOCAL] search_path, SET SCHEMA,
 * RESET search_path / ALL, or set_config('search_path', ...), as pg_dump writes it).
 */
export function changesSearchPath(sql: string): boolean {
  const [first, second, third] = leadingWords(sql, 'postgresql', 3)
  if (first === 'SET') return second === 'SEARCH_PATH' || second === 'SCHEMA' || third === 'SEARCH_PATH'
  if (first === 'RESET') return second === 'SEARCH_PATH' || second === 'ALL'
  return /\bset_config\s*\(\s*'search_path'/i.test(sql)
}
