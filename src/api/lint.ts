import {readFileSync} from 'node:fs'

import type {Config, DatabaseConfig} from '../config/config.js'
import {parseMysqlVersion, parsePostgresVersion} from '../config/load-config.js'
import {DIALECT_NAMES} from '../util/dialect-names.js'
import {type DialectName} from '../util/dialect-names.js'
import type {LintStatement} from '../lint/actions.js'
import {operationStatements} from '../lint/from-operations.js'
import {check, DEFAULT_TARGET, type LintTarget, RULES, type Severity} from '../lint/rules.js'
import {type StatementReader, statementReader, textReader} from '../lint/sql-reader.js'
import type {Operation} from '../operations/nodes.js'
import {Operations, drainOperations} from '../operations/operations.js'
import {loadScript, sqlSections} from '../runtime/load-script.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {ConfigError, UsageError} from '../util/errors.js'
import {appliedCount} from '../script/revision.js'
import {chainOf} from './scripts.js'
import {eachDatabase} from './fleet.js'
import {stateIfReachable} from './reachable.js'

export interface LintFinding {
  readonly rule: string
  readonly severity: Severity
  readonly message: string
  readonly reason: string
  readonly fix: string
  /** The line of the revision's file: of the statement (a `.sql` script, op.execute) or of the operation's call. */
  readonly line?: number
  /** Why it is allowed, when a comment in the script or lint_allow allows it. */
  readonly allowed?: string
}

/**
 * - online-safe: every statement read, nothing to watch;
 * - needs-care: a warning or an error, allowed or not;
 * - not-analysed: nothing to watch in what was read, but some raw SQL could not be classified (DM110).
 */
export type LintClass = 'needs-care' | 'not-analysed' | 'online-safe'

export interface LintedRevision {
  readonly revision: string
  readonly fileName: string
  /** The script's path, as given to the chain (absolute). */
  readonly path: string
  readonly class: LintClass
  readonly findings: readonly LintFinding[]
}

export interface LintResult {
  readonly database: string
  readonly dialect: DialectName
  /** Which revisions were checked, in words: pending on the database, after --since, or all. */
  readonly scope: string
  /** The server the rules judged for, in words (`PostgreSQL 12.0 (the default)`, `MariaDB 10.11.6 (the database)`). */
  readonly target: string
  readonly revisions: readonly LintedRevision[]
}

/** `// db-manage: allow DM103 -- small table, built at night` (or `--` in a .sql script): the reason is required. */
function allowComments(text: string, fileName: string): Map<string, string> {
  const allowed = new Map<string, string>()
  for (const m of text.matchAll(/(?:\/\/|--|#)\s*db-manage:\s*allow\s+(DM\d{3})\b(.*)$/gm)) {
    const reason = /^\s*--\s*(\S.*)$/.exec(m[2])?.[1]?.trim()
    if (!reason) throw new UsageError(`${fileName}: "db-manage: allow ${m[1]}" needs a reason after " -- "`)
    allowed.set(m[1], reason)
  }

  return allowed
}

/** The line of `file` in a stack trace: the innermost frame in the script. */
function lineIn(stack: string | undefined, file: string): number | undefined {
  for (const frame of (stack ?? '').split('\n').slice(1)) {
    const at = frame.lastIndexOf(file)
    if (at === -1) continue
    const m = /^:(\d+):\d+\)?\s*$/.exec(frame.slice(at + file.length))
    if (m) return Number(m[1])
  }

  return undefined
}

/**
 * The operations a revision's upgrade() would run, recorded as nodes, each
 * with the line of the script that called it: nothing is compiled, nothing
 * connects.
 */
async function recordedOperations(
  script: ScriptRevision,
  dialect: DialectName,
): Promise<{lines: Map<Operation, number>; operations: Operation[]}> {
  const operations: Operation[] = []
  const lines = new Map<Operation, number>()
  const loaded = await loadScript(script, dialect)
  const op = new Operations({
    called(operation) {
      const line = lineIn(new Error('call site').stack, script.path)
      if (line !== undefined) lines.set(operation, line)
    },
    dialect,
    async query() {
      return []
    },
    async run(operation) {
      operations.push(operation)
    },
  })
  await loaded.upgrade?.(op)
  await drainOperations(op)
  return {lines, operations}
}

/** What the rules judge for: lint_*_version, else the database's version, else the default. */
async function targetOf(
  database: DatabaseConfig,
  dialect: DialectName,
  serverVersion: () => Promise<string | undefined>,
): Promise<{target: LintTarget; words: string}> {
  const configured = database.lintTarget
  const pgWords = (n: number) => `PostgreSQL ${Math.floor(n / 10_000)}.${n % 10_000}`
  const myWords = (m: {mariadb: boolean; version: number}) =>
    `${m.mariadb ? 'MariaDB' : 'MySQL'} ${Math.floor(m.version / 10_000)}.${Math.floor(m.version / 100) % 100}.${m.version % 100}`
  if (dialect === 'sqlite') return {target: DEFAULT_TARGET, words: 'SQLite'}
  if (dialect === 'postgresql' && configured.postgresql !== undefined)
    return {
      target: {...DEFAULT_TARGET, postgresql: configured.postgresql},
      words: `${pgWords(configured.postgresql)} (lint_postgresql_version)`,
    }
  if (dialect === 'mysql' && configured.mysql)
    return {
      target: {...DEFAULT_TARGET, mysql: configured.mysql},
      words: `${myWords(configured.mysql)} (lint_mysql_version)`,
    }
  const version = await serverVersion()
  if (version) {
    try {
      if (dialect === 'postgresql') {
        const postgresql = parsePostgresVersion(version, 'server_version_num')!
        return {target: {...DEFAULT_TARGET, postgresql}, words: `${pgWords(postgresql)} (the database)`}
      }

      const mysql = parseMysqlVersion(version.replace(/^(\d+\.\d+\.\d+)-(?!MariaDB).*$/i, '$1'), 'VERSION()')!
      return {target: {...DEFAULT_TARGET, mysql}, words: `${myWords(mysql)} (the database)`}
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
    }
  }

  return dialect === 'postgresql'
    ? {
        target: DEFAULT_TARGET,
        words: `${pgWords(DEFAULT_TARGET.postgresql)} (the default; lint_postgresql_version sets it)`,
      }
    : {target: DEFAULT_TARGET, words: `${myWords(DEFAULT_TARGET.mysql)} (the default; lint_mysql_version sets it)`}
}

/** The statements of a revision: its operations (TS/JS), or the statements of its `-- +upgrade` section (SQL). */
async function revisionStatements(
  script: ScriptRevision,
  dialect: DialectName,
  reader: () => Promise<StatementReader>,
): Promise<LintStatement[]> {
  if (script.kind === 'sql') {
    const statements = sqlSections(readFileSync(script.path, 'utf8'), dialect, script.fileName).upgrade ?? []
    if (statements.length === 0) return []
    const read = await reader()
    return statements.map((s) => ({actions: read(s.sql), line: s.line, sql: s.sql}))
  }

  const {lines, operations} = await recordedOperations(script, dialect)
  const raw = operations.some((o) => o.kind === 'execute')
  const read = raw ? textReader(await reader(), dialect) : undefined
  return operationStatements(operations, dialect, read, lines)
}

/**
 * check_migration --lint: the rules of src/lint/ on what each revision
 * would do (its operations, and every statement of its raw SQL), for the
 * dialect it runs on and the server version it targets. The revisions are
 * those after `since`, else those pending on the configured database
 * (unless `noDb`), else all.
 */
export async function lint(
  config: Config,
  options: {since?: string; dialect?: DialectName; noDb?: boolean} = {},
): Promise<LintResult[]> {
  const state = stateIfReachable(config, {serverVersion: true})
  return eachDatabase(config, async (database) => {
    const {chain, dir} = await chainOf(config, database)
    let dialect = options.dialect
    if (!dialect) {
      try {
        dialect = database.url?.dialect
      } catch {
        dialect = undefined
      }
    }

    if (!dialect)
      throw new UsageError(
        `--lint needs the dialect the revisions run on: configure a connection for [${database.name}] or pass --dialect ${DIALECT_NAMES.join('|')}`,
      )
    for (const rule of database.lintRules.keys())
      if (!RULES[rule]) throw new ConfigError(`lint_rules: there is no rule ${rule} (the rules are DM101-DM147)`)
    let from = 0
    let scope = 'all'
    if (options.since !== undefined) {
      from = dir.map.position(options.since)
      scope = `after ${options.since}`
    } else if (!options.noDb) {
      const known = await state(database.name)
      if (known) {
        from = appliedCount(chain, known.current)
        scope = `pending on the database, at ${known.current ?? 'base'}`
      }
    }

    const askDatabase = async () =>
      options.noDb || dialect !== database.url?.dialect ? undefined : (await state(database.name))?.serverVersion
    const {target, words} = await targetOf(database, dialect, askDatabase)
    let reading: Promise<StatementReader> | undefined
    const reader = () => (reading ??= statementReader(dialect))
    const revisions: LintedRevision[] = []
    for (const script of chain.slice(from)) {
      const allowed = new Map([
        ...database.lintAllow,
        ...allowComments(readFileSync(script.path, 'utf8'), script.fileName),
      ])
      const statements = await revisionStatements(script, dialect, reader)
      const found = check(statements, dialect, {homeSchema: database.schemas[0], target}).flatMap(
        (f): LintFinding[] => {
          const rule = RULES[f.rule]
          const setting = database.lintRules.get(f.rule) ?? 'on'
          if (setting === 'off') return []
          return [
            {
              fix: rule.fix,
              message: f.message,
              reason: rule.reason,
              rule: f.rule,
              severity: setting === 'on' ? rule.severity : setting,
              ...(f.line === undefined ? {} : {line: f.line}),
              ...(allowed.has(f.rule) ? {allowed: allowed.get(f.rule)} : {}),
            },
          ]
        },
      )
      const unread = found.some((f) => f.rule === 'DM110' && !f.allowed)
      revisions.push({
        class: found.some((f) => f.severity !== 'info') ? 'needs-care' : unread ? 'not-analysed' : 'online-safe',
        fileName: script.fileName,
        findings: found,
        path: script.path,
        revision: script.id,
      })
    }

    return {dialect, revisions, scope, target: words}
  })
}
