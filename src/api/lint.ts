import {readFileSync} from 'node:fs'

import type {Config} from '../config/config.js'
import {DIALECT_NAMES} from '../util/dialect-names.js'
import {type DialectName} from '../util/dialect-names.js'
import {findings, RULES, type Severity} from '../lint/rules.js'
import type {Operation} from '../operations/nodes.js'
import {Operations, drainOperations} from '../operations/operations.js'
import {loadScript} from '../runtime/load-script.js'
import {UsageError} from '../util/errors.js'
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
  /** Why it is allowed, when a comment in the script or lint_allow allows it. */
  readonly allowed?: string
}

export interface LintedRevision {
  readonly revision: string
  readonly fileName: string
  /** online-safe: nothing to watch; needs-care: a warning or an error, allowed or not. */
  readonly class: 'needs-care' | 'online-safe'
  readonly findings: readonly LintFinding[]
}

export interface LintResult {
  readonly database: string
  readonly dialect: DialectName
  /** Which revisions were checked, in words: pending on the database, after --since, or all. */
  readonly scope: string
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

/** The operations a revision's upgrade() would run, recorded as nodes: nothing is compiled, nothing connects. */
async function recordedOperations(
  script: Parameters<typeof loadScript>[0],
  dialect: DialectName,
): Promise<Operation[]> {
  const operations: Operation[] = []
  const loaded = await loadScript(script)
  const op = new Operations({
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
  return operations
}

/**
 * check_migration --lint: the rules of src/lint/rules.ts on the operations
 * each revision would run, for the dialect it runs on. The revisions are those
 * after `since`, else those pending on the configured database (unless
 * `noDb`), else all.
 */
export async function lint(
  config: Config,
  options: {since?: string; dialect?: DialectName; noDb?: boolean} = {},
): Promise<LintResult[]> {
  const state = stateIfReachable(config)
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

    const revisions: LintedRevision[] = []
    for (const script of chain.slice(from)) {
      const allowed = new Map([
        ...database.lintAllow,
        ...allowComments(readFileSync(script.path, 'utf8'), script.fileName),
      ])
      const found = findings(await recordedOperations(script, dialect), dialect).map((f): LintFinding => {
        const rule = RULES[f.rule]
        return {
          fix: rule.fix,
          message: f.message,
          reason: rule.reason,
          rule: f.rule,
          severity: rule.severity,
          ...(allowed.has(f.rule) ? {allowed: allowed.get(f.rule)} : {}),
        }
      })
      revisions.push({
        class: found.some((f) => f.severity !== 'info') ? 'needs-care' : 'online-safe',
        fileName: script.fileName,
        findings: found,
        revision: script.id,
      })
    }

    return {dialect, revisions, scope}
  })
}
