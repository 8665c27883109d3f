// Each database's own command-line client (psql, mariadb, sqlite3) running a
// SQL text as a DBA would, and the statements it sent: psql's query log
// (-L), mariadb's -vvv echo, sqlite3's `.trace --profile`.
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import type {TestDatabase} from './databases.js'

export interface ClientRun {
  /** Run psql with -1 (one transaction), as `psql -1 -f` does. */
  readonly oneTransaction?: boolean
  /** Return the statements the client sent. */
  readonly trace?: boolean
}

function command(db: TestDatabase, run: ClientRun, log: string): {args: string[]; bin: string} {
  const url = parseDatabaseUrl(db.url)
  if (db.dialect === 'postgresql') {
    const args = ['-X', '-q', ...(run.oneTransaction ? ['-1'] : []), ...(run.trace ? ['-L', log] : [])]
    args.push('-v', 'ON_ERROR_STOP=1', '-f', '-')
    return {args: [...args, db.url], bin: 'psql'}
  }

  if (db.dialect === 'mysql') {
    const args = ['--no-defaults', '--default-character-set=utf8mb4', '-h', url.host!, '-P', String(url.port)]
    args.push('-u', url.user!)
    return {args: [...args, ...(run.trace ? ['-vvv'] : []), `-p${url.password}`, url.database!], bin: 'mariadb'}
  }

  return {args: ['-bail', ...(run.trace ? ['-cmd', '.trace stderr --profile'] : []), url.filename!], bin: 'sqlite3'}
}

/** psql's query log: each query it sent between `********* QUERY **********` and a line of 26 stars. */
function pgStatements(log: string): string[] {
  return [...log.matchAll(/^\*{9} QUERY \*{10}\n([\s\S]*?)\n\*{26}\n/gm)].map((m) => m[1])
}

/**
 * sqlite3's profile trace: each statement run, then `; -- N ns`. The statements a virtual table
 * runs itself (FTS5 creating its shadow tables) are left out: what the shell sent is in the input.
 */
function sqliteStatements(stderr: string, input: string): string[] {
  const parts = stderr.split(/; -- \d+ ns\n/)
  parts.pop()
  const text = input.replaceAll('\r\n', '\n')
  return parts.filter((sql) => text.includes(sql.replaceAll('\r\n', '\n').replace(/;$/, '')))
}

/** Run `sql` with the client; with `trace`, the statements it sent. A refusal throws the client's own words. */
export async function runClient(db: TestDatabase, sql: Buffer | string, run: ClientRun = {}): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-client-'))
  const log = path.join(dir, 'queries.log')
  try {
    const {args, bin} = command(db, run, log)
    const result = spawnSync(bin, args, {encoding: 'utf8', input: sql, maxBuffer: 1 << 28})
    if (result.status !== 0) {
      const notice = /^(?:psql:\S* )?(?:NOTICE|WARNING|INFO):/
      const said = result.stderr
        .split('\n')
        .filter((l) => !notice.test(l))
        .join('\n')
        .trim()
      throw new Error(`${bin} refused it: ${said || result.error?.message || `exit ${result.status}`}`)
    }

    if (!run.trace) return []
    if (db.dialect === 'postgresql') return pgStatements(readFileSync(log, 'utf8'))
    if (db.dialect === 'sqlite') return sqliteStatements(result.stderr, sql.toString())
    return mysqlStatements(result.stdout)
  } finally {
    rmSync(dir, {force: true, recursive: true})
  }
}

/** mariadb -vvv: each statement it sends between two lines of 14 dashes, its result after. */
function mysqlStatements(stdout: string): string[] {
  return [...stdout.matchAll(/^-{14}\n([\s\S]*?)\n-{14}\n/gm)].map((m) => m[1])
}

/** The end of the comment that starts at `i` (PostgreSQL's nest), or -1 when none starts there. */
function commentEnd(sql: string, i: number, dialect: string): number {
  // MySQL's -- is a comment only before a space or a control character (or at the end).
  const spaced = dialect !== 'mysql' || i + 2 >= sql.length || /[\s\p{Cc}]/u.test(sql[i + 2])
  const dashes = sql.startsWith('--', i) && spaced
  if (dashes || (dialect === 'mysql' && sql[i] === '#')) {
    const end = sql.indexOf('\n', i)
    return end < 0 ? sql.length : end
  }

  if (!sql.startsWith('/*', i) || (dialect === 'mysql' && /^\/\*M?!/.test(sql.slice(i, i + 4)))) return -1
  let depth = 0
  for (let j = i; j < sql.length - 1; j++) {
    if (sql.startsWith('/*', j) && (dialect === 'postgresql' || depth === 0)) {
      depth++
      j++
    } else if (sql.startsWith('*/', j)) {
      if (--depth === 0) return j + 2
      j++
    }
  }

  return sql.length
}

/** The end of the quoted text that starts at `i` (a string, a quoted name, a dollar-quoted body), or -1. */
function quotedEnd(sql: string, i: number, dialect: string): number {
  const c = sql[i]
  if (dialect === 'postgresql' && c === '$') {
    const tag = /^\$(?:[A-Za-z_][\w]*)?\$/.exec(sql.slice(i))
    if (!tag || (i > 0 && /[\w$]/.test(sql[i - 1]))) return -1
    const end = sql.indexOf(tag[0], i + tag[0].length)
    return end < 0 ? sql.length : end + tag[0].length
  }

  const close = c === '[' && dialect === 'sqlite' ? ']' : c
  const opens = c === "'" || c === '"' || (c === '`' && dialect !== 'postgresql') || (c === '[' && dialect === 'sqlite')
  if (!opens) return -1
  // Backslashes escape in MySQL strings and in PostgreSQL's E'' strings.
  const backslash = c !== '`' && c !== '[' && (dialect === 'mysql' || (c === "'" && /[eE]$/.test(sql.slice(0, i))))
  for (let j = i + 1; j < sql.length; j++) {
    if (backslash && sql[j] === '\\') j++
    else if (sql[j] === close && sql[j + 1] === close && close !== ']') j++
    else if (sql[j] === close) return j + 1
  }

  return sql.length
}

/**
 * A statement as sent, made comparable with another client's: without the
 * comments before and after it and the `;` after it. On MySQL, whose client
 * strips every comment but `/*! ... *\/` from what it sends, without any
 * comment, and with each run of whitespace one space. Line ends as LF (mariadb
 * and sqlite3 read CR LF so). A test's normalizer, not a lexer: it knows quotes
 * and comments well enough for the corpus's statements.
 */
export function comparable(sql: string, dialect: string): string {
  // mariadb-dump's first line, which the mariadb client reads as its own command (\-, sandbox mode).
  const s = sql.replaceAll('\r\n', '\n').replace(/^\/\*M!999999(?:\\-)? enable the sandbox mode \*\/\s*/, '')
  // The text as pieces: code, or a comment (quoted text is code).
  const pieces: Array<{comment: boolean; text: string}> = []
  for (let i = 0; i < s.length;) {
    const quoted = quotedEnd(s, i, dialect)
    const comment = quoted < 0 ? commentEnd(s, i, dialect) : -1
    const end = quoted >= 0 ? quoted : comment >= 0 ? comment : i + 1
    const last = pieces.at(-1)
    if (comment < 0 && last && !last.comment) last.text += s.slice(i, end)
    else pieces.push({comment: comment >= 0, text: s.slice(i, end)})
    i = end
  }

  const code = (p: {comment: boolean; text: string}) => !p.comment && /[^\s;]/.test(p.text)
  const first = pieces.findIndex(code)
  if (first < 0) return ''
  let last = pieces.length - 1
  while (!code(pieces[last])) last--
  const kept = pieces.slice(first, last + 1).filter((p) => dialect !== 'mysql' || !p.comment)
  const text = kept.map((p) => p.text).join(dialect === 'mysql' ? ' ' : '')
  return (dialect === 'mysql' ? text.replace(/\s+/g, ' ') : text).trim().replace(/[\s;]+$/, '')
}
