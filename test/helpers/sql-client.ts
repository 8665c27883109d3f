// Each database's own command-line client (psql, mariadb, sqlite3) running a
// SQL text as a DBA would, and the statements the server received from it:
// psql's statement log (log_statement = all, sent back to the client as LOG
// messages), MariaDB's general log, sqlite3's `.trace --profile`.
import {spawnSync} from 'node:child_process'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {adminConnection, type TestDatabase} from './databases.js'

export interface ClientRun {
  /** Run psql with -1 (one transaction), as `psql -1 -f` does. */
  readonly oneTransaction?: boolean
  /** Return the statements the client sent (MySQL: the general log must be on, see `mysqlGeneralLog`). */
  readonly trace?: boolean
}

function command(db: TestDatabase, run: ClientRun): {args: string[]; bin: string; env?: NodeJS.ProcessEnv} {
  const url = parseDatabaseUrl(db.url)
  if (db.dialect === 'postgresql') {
    const env = run.trace ? {...process.env, PGOPTIONS: '-c log_statement=all -c client_min_messages=log'} : undefined
    return {args: ['-X', '-q', ...(run.oneTransaction ? ['-1'] : []), '-v', 'ON_ERROR_STOP=1', '-f', '-', db.url], bin: 'psql', env}
  }

  if (db.dialect === 'mysql') {
    const args = ['--no-defaults', '--default-character-set=utf8mb4', '-h', url.host!, '-P', String(url.port), '-u', url.user!]
    return {args: [...args, `-p${url.password}`, url.database!], bin: 'mariadb'}
  }

  return {args: ['-bail', ...(run.trace ? ['-cmd', '.trace stderr --profile'] : []), url.filename!], bin: 'sqlite3'}
}

/** psql's LOG lines: `psql:<stdin>:12: LOG:  statement: SQL`, the SQL going on over the lines after. */
const PG_MESSAGE = /^(?:psql:(?:<stdin>:\d+:)? )?(LOG|NOTICE|WARNING|INFO|DEBUG|DETAIL|HINT|CONTEXT|ERROR): {2}/m

function pgStatements(stderr: string): string[] {
  const out: string[] = []
  const parts = stderr.split(PG_MESSAGE)
  // split() with a group gives [before, level, text, level, text, ...].
  for (let i = 1; i < parts.length; i += 2) {
    const text = parts[i + 1]
    if (parts[i] === 'LOG' && text.startsWith('statement: ')) out.push(text.slice('statement: '.length).replace(/\n$/, ''))
  }

  // psql -1 wraps the file in its own BEGIN and COMMIT.
  if (out[0] === 'BEGIN') out.shift()
  if (out.at(-1) === 'COMMIT') out.pop()
  return out
}

/** sqlite3's profile trace: each statement run, then `; -- N ns`. */
function sqliteStatements(stderr: string): string[] {
  const parts = stderr.split(/; -- \d+ ns\n/)
  parts.pop()
  return parts
}

/** Run `sql` with the client; with `trace`, the statements it sent. A refusal throws the client's own words. */
export async function runClient(db: TestDatabase, sql: Buffer | string, run: ClientRun = {}): Promise<string[]> {
  const {args, bin, env} = command(db, run)
  const result = spawnSync(bin, args, {encoding: 'utf8', env: env ?? process.env, input: sql, maxBuffer: 1 << 28, stdio: ['pipe', 'ignore', 'pipe']})
  if (result.status !== 0) {
    const said = result.stderr.split('\n').filter((l) => !PG_MESSAGE.test(l) || /ERROR/.test(l)).join('\n').trim()
    throw new Error(`${bin} refused it: ${said || result.error?.message || `exit ${result.status}`}`)
  }

  if (!run.trace) return []
  if (db.dialect === 'postgresql') return pgStatements(result.stderr)
  if (db.dialect === 'sqlite') return sqliteStatements(result.stderr)
  return mysqlClientStatements(db)
}

/** MariaDB's general log on (as a table) for the tests in between, and as it was after. */
export function mysqlGeneralLog(): {start: () => Promise<void>; stop: () => Promise<void>} {
  let saved: Record<string, unknown> | undefined
  return {
    async start() {
      const admin = await adminConnection('mysql')
      try {
        saved = (await admin.query('SELECT @@GLOBAL.general_log AS general_log, @@GLOBAL.log_output AS log_output')).rows[0]
        await admin.query("SET GLOBAL log_output = 'TABLE'")
        await admin.query('SET GLOBAL general_log = ON')
      } finally {
        await admin.close()
      }
    },
    async stop() {
      if (!saved) return
      const admin = await adminConnection('mysql')
      try {
        await admin.query(`SET GLOBAL general_log = ${Number(saved.general_log) ? 'ON' : 'OFF'}`)
        await admin.query(`SET GLOBAL log_output = '${String(saved.log_output).replaceAll("'", '')}'`)
        await admin.query('TRUNCATE mysql.general_log')
      } finally {
        await admin.close()
      }
    },
  }
}

/** The statements the client's session sent, from the general log: the session that connected to this database. */
async function mysqlClientStatements(db: TestDatabase): Promise<string[]> {
  const name = parseDatabaseUrl(db.url).database!
  const admin = await adminConnection('mysql')
  try {
    const sessions = await admin.query("SELECT thread_id FROM mysql.general_log WHERE command_type = 'Connect' AND argument LIKE ?", [`% on ${name} using %`])
    if (sessions.rows.length !== 1) throw new Error(`the general log holds ${sessions.rows.length} sessions of the client on ${name}`)
    const {rows} = await admin.query("SELECT CONVERT(argument USING utf8mb4) AS sql_text FROM mysql.general_log WHERE thread_id = ? AND command_type = 'Query'", [sessions.rows[0].thread_id])
    return rows.map((r) => String(r.sql_text))
  } finally {
    await admin.close()
  }
}

/** The end of the comment that starts at `i` (PostgreSQL's nest), or -1 when none starts there. */
function commentEnd(sql: string, i: number, dialect: string): number {
  const dashes = sql.startsWith('--', i) && (dialect !== 'mysql' || i + 2 >= sql.length || /[\s\p{Cc}]/u.test(sql[i + 2]))
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

/**
 * A statement as sent, made comparable with another client's: without the
 * comments before it and the `;` after it. On MySQL, whose client strips every
 * comment but `/*! ... *\/` from what it sends, without any comment, and with
 * each run of whitespace one space. A test's normalizer, not a lexer: it knows
 * quotes and comments well enough for the corpus's statements.
 */
export function comparable(sql: string, dialect: string): string {
  let s = sql.trim()
  for (let end = commentEnd(s, 0, dialect); end >= 0; end = commentEnd(s, 0, dialect)) s = s.slice(end).trimStart()
  s = s.replace(/[\s;]+$/, '')
  if (dialect !== 'mysql') return s
  let out = ''
  for (let i = 0; i < s.length;) {
    const quote = s[i]
    if (quote === "'" || quote === '"' || quote === '`') {
      let j = i + 1
      while (j < s.length && !(s[j] === quote && s[j + 1] !== quote)) j += s[j] === '\\' && quote !== '`' ? 2 : s[j] === quote ? 2 : 1
      out += s.slice(i, j + 1)
      i = j + 1
      continue
    }

    const end = commentEnd(s, i, dialect)
    if (end >= 0) {
      out += ' '
      i = end
    } else {
      out += s[i++]
    }
  }

  return out.replace(/\s+/g, ' ').replace(/[\s;]+$/, '').trim()
}
