import path from 'node:path'

import type {LintFinding, LintResult} from '../api/lint.js'

export type LintFormat = 'github' | 'json' | 'text'

/**
 * The closing line of a database's lint: what each revision was classed as.
 * "online-safe" is said only of a revision whose every statement was read
 * and found harmless; one with raw SQL the lint could not classify is
 * "not analysed".
 */
export function lintSummary(result: LintResult): string {
  const {revisions} = result
  const head = `lint of ${revisions.length} revision(s) (${result.scope}) for ${result.dialect}: `
  if (revisions.length === 0) return `${head}nothing to check`
  const care = revisions.filter((r) => r.class === 'needs-care').map((r) => r.revision)
  const unread = revisions.filter((r) => r.class === 'not-analysed').map((r) => r.revision)
  const safe = revisions.length - care.length - unread.length
  if (care.length === 0 && unread.length === 0) return `${head}every one online-safe`
  const parts = [
    ...(care.length > 0 ? [`needs-care: ${care.join(', ')}`] : []),
    ...(unread.length > 0 ? [`not analysed (raw SQL the lint cannot classify): ${unread.join(', ')}`] : []),
    `online-safe: ${safe}`,
  ]
  return head + parts.join('; ')
}

/** GitHub's workflow commands: `%`, CR and LF escaped in the message; also `:` and `,` in a property. */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
}

function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C')
}

const LEVEL = {error: 'error', info: 'notice', warning: 'warning'} as const

function status(f: LintFinding): string {
  return f.allowed ? `allowed (${f.allowed})` : f.severity
}

/**
 * The lint's findings as lines in `format`, and the count of errors not
 * allowed (which fail the check):
 * - text: `file:line: DMxxx severity: what: why; fix: ...`, then the summary;
 * - github: an `::error file=...,line=...,title=...::` annotation a finding
 *   (warning, notice for info; allowed ones are left out), then the summary;
 * - json: one JSON document of every database's findings.
 */
export function lintLines(
  results: readonly LintResult[],
  format: LintFormat,
  options: {many: boolean; root: string},
): {errors: number; lines: string[]} {
  const lines: string[] = []
  let errors = 0
  const relative = (file: string) => path.relative(options.root, file).split(path.sep).join('/')
  for (const l of results) {
    const prefix = options.many ? `[${l.database}] ` : ''
    for (const r of l.revisions) {
      for (const f of r.findings) {
        if (f.severity === 'error' && !f.allowed) errors++
        if (format === 'text') {
          const at = f.line === undefined ? '' : `:${f.line}`
          lines.push(`${prefix}${r.fileName}${at}: ${f.rule} ${status(f)}: ${f.message}: ${f.reason}; fix: ${f.fix}`)
        } else if (format === 'github' && !f.allowed) {
          const properties = [`file=${escapeProperty(relative(r.path))}`]
          if (f.line !== undefined) properties.push(`line=${f.line}`)
          properties.push(`title=${escapeProperty(`${f.rule} ${f.severity}`)}`)
          lines.push(
            `::${LEVEL[f.severity]} ${properties.join(',')}::${escapeData(`${prefix}${f.message}: ${f.reason}; fix: ${f.fix}`)}`,
          )
        }
      }
    }

    if (format !== 'json') lines.push(prefix + lintSummary(l))
  }

  if (format === 'json') {
    const document = {
      databases: results.map((l) => ({
        database: l.database,
        dialect: l.dialect,
        revisions: l.revisions.map((r) => ({
          class: r.class,
          file: relative(r.path),
          findings: r.findings,
          revision: r.revision,
        })),
        scope: l.scope,
        summary: lintSummary(l),
        target: l.target,
      })),
      errors,
    }
    lines.push(JSON.stringify(document, null, 2))
  }

  return {errors, lines}
}
