import type {DialectName} from '../config/database-url.js'

/**
 * What a raw statement means to the transaction it would run in:
 * - `begin`, `commit`, `rollback`: the file's own transaction control;
 * - `outside`: the server refuses it inside a transaction block
 *   (CREATE INDEX CONCURRENTLY, VACUUM, CREATE DATABASE, ...);
 * - `plain`: anything else.
 */
export type StatementKind = 'begin' | 'commit' | 'outside' | 'plain' | 'rollback'

/**
 * The first words of a statement, upper-cased, as a reader of SQL sees them:
 * comments and parenthesised option lists (`REINDEX (VERBOSE) ...`) skipped,
 * a quoted or dotted name one word. It stops at the first other character,
 * which is as far as the leading keywords go.
 */
export function leadingWords(sql: string, limit = 8): string[] {
  const words: string[] = []
  let i = 0
  const n = sql.length
  while (i < n && words.length < limit) {
    const c = sql[i]
    if (/\s/.test(c)) {
      i++
    } else if (sql.startsWith('--', i) || c === '#') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? n : end + 1
    } else if (sql.startsWith('/*', i) && sql[i + 2] !== '!') {
      const end = sql.indexOf('*/', i + 2)
      i = end === -1 ? n : end + 2
    } else if (c === '(') {
      let depth = 0
      for (; i < n; i++) {
        if (sql[i] === '(') depth++
        else if (sql[i] === ')' && --depth === 0) break
      }

      i++
    } else if (/[\w"`.$]/.test(c)) {
      let word = ''
      while (i < n && /[\w"`.$]/.test(sql[i])) {
        const quote = sql[i]
        if (quote === '"' || quote === '`') {
          const end = sql.indexOf(quote, i + 1)
          word += sql.slice(i, end === -1 ? n : end + 1)
          i = end === -1 ? n : end + 1
        } else {
          word += sql[i++]
        }
      }

      // A keyword is upper-cased; a name with a quoted part is kept as written.
      words.push(/["`]/.test(word) ? word : word.toUpperCase())
    } else {
      break
    }
  }

  return words
}

/**
 * Classify a statement for `dialect`. `serverVersion` (PostgreSQL's
 * server_version_num) matters for ALTER TYPE ... ADD VALUE, which runs in a
 * transaction only from PostgreSQL 12.
 */
export function statementKind(sql: string, dialect: DialectName, serverVersion?: number): StatementKind {
  const w = leadingWords(sql)
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

  if (dialect === 'sqlite') return first === 'VACUUM' ? 'outside' : 'plain'
  if (dialect !== 'postgresql') return 'plain'
  if (first === 'VACUUM' || (first === 'ALTER' && second === 'SYSTEM')) return 'outside'
  if ((first === 'CREATE' || first === 'DROP') && ['DATABASE', 'TABLESPACE', 'SUBSCRIPTION'].includes(second)) return 'outside'
  // CREATE [UNIQUE] INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX [INDEX|TABLE|...] CONCURRENTLY
  const index = w.indexOf('INDEX')
  if ((first === 'CREATE' || first === 'DROP') && index !== -1 && index <= 2 && w[index + 1] === 'CONCURRENTLY') return 'outside'
  if (first === 'REINDEX' && (w.slice(1, 3).includes('CONCURRENTLY') || second === 'DATABASE' || second === 'SYSTEM')) return 'outside'
  if (first === 'ALTER' && second === 'SUBSCRIPTION' && w[3] === 'REFRESH') return 'outside'
  if (first === 'ALTER' && second === 'TYPE' && w[3] === 'ADD' && w[4] === 'VALUE') {
    return serverVersion !== undefined && serverVersion < 120_000 ? 'outside' : 'plain'
  }

  return 'plain'
}
