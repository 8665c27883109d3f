import path from 'node:path'

import type {RepeatableInfo, RevisionInfo} from '../api/history.js'
import {describeUncompared} from '../model/table-schema.js'

/** `006 -> 007 (head) (current), add cluster events`: Alembic's history line. */
export function revisionLine(rev: RevisionInfo): string {
  // Alembic's order: (head), (current), then the tree's (branchpoint).
  const tags = `${rev.isHead ? ' (head)' : ''}${rev.isCurrent ? ' (current)' : ''}${rev.isBranchpoint ? ' (branchpoint)' : ''}`
  return `${rev.downRevision ?? '<base>'} -> ${rev.id}${tags}, ${rev.message}`
}

/** Alembic's verbose form, used by `show`, `heads --verbose` and `history --verbose`. */
export function revisionBlock(rev: RevisionInfo): string {
  const tags = `${rev.isHead ? ' (head)' : ''}${rev.isBase ? ' (base)' : ''}${rev.isBranchpoint ? ' (branchpoint)' : ''}${rev.isCurrent ? ' (current)' : ''}`
  return [
    `Rev: ${rev.id}${tags}`,
    `Parent: ${rev.downRevision ?? '<base>'}`,
    ...(rev.path ? [`Path: ${path.relative(process.cwd(), rev.path) || rev.path}`] : []),
    '',
    `    ${rev.message}`,
    '',
    ...(rev.createdAt ? [`    Create Date: ${rev.createdAt}`, ''] : []),
    ...(rev.lintClass ? [`    Class: ${rev.lintClass}`, ''] : []),
    ...(rev.applied
      ? [
          `    Applied: ${rev.applied.at} UTC by ${rev.applied.by ?? 'unknown'}${rev.applied.ms === null ? '' : ` in ${rev.applied.ms} ms`}; checksum ${rev.applied.checksum === 'differs' ? 'DIFFERS: the script was edited after it was applied' : rev.applied.checksum}`,
          '',
        ]
      : []),
  ].join('\n')
}

/** What a repeatable's state reads as in `history`: `(applied)`, `(pending: changed)`; nothing when unknown. */
function repeatableState(info: RepeatableInfo): string {
  if (!info.state) return ''
  return info.state === 'applied' ? ' (applied)' : ` (pending: ${info.state})`
}

/** `repeatable/x.sql (applied), depends on a, b`: a repeatable object in `history`, listed above the chain. */
export function repeatableLine(info: RepeatableInfo): string {
  return `${info.file}${repeatableState(info)}${info.depends.length > 0 ? `, depends on ${info.depends.join(', ')}` : ''}`
}

/** A repeatable object in `history --verbose`. */
export function repeatableBlock(info: RepeatableInfo): string {
  return [
    `Repeatable: ${info.file}${repeatableState(info)}`,
    `Path: ${path.relative(process.cwd(), info.path) || info.path}`,
    ...(info.depends.length > 0 ? [`Depends: ${info.depends.join(', ')}`] : []),
    '',
    ...(info.applied
      ? [
          `    Applied: ${info.applied.at} UTC by ${info.applied.by ?? 'unknown'}${info.applied.ms === null ? '' : ` in ${info.applied.ms} ms`}; ${info.state === 'changed' ? 'checksum DIFFERS: edited since, it runs again on the next upgrade to head' : 'checksum matches'}`,
          '',
        ]
      : []),
  ].join('\n')
}

/**
 * Lines of several databases' results, each line starting with its database's name (`[catalog] 003 (head)`) when there
 * is more than one.
 */
export function perDatabase<T extends {database: string}>(
  results: readonly T[],
  lines: (result: T) => string[],
  named = results.length > 1,
): string[] {
  if (!named) return results.flatMap(lines)
  return results.flatMap((r) =>
    prefixLines(
      lines(r).flatMap((l) => l.split('\n')),
      r.database,
    ),
  )
}

/** `[name] line` for each line (`[name]` alone for a blank one). */
export function prefixLines(lines: readonly string[], database: string): string[] {
  return lines.map((l) => (l ? `[${database}] ${l}` : `[${database}]`))
}

/**
 * Say on stderr what the target holds that autogenerate does not compare
 * (views, functions, triggers, ...), so nothing is left out silently;
 * --json carries the counts in `notCompared`.
 */
export function notComparedLine(
  results: ReadonlyArray<{database: string; notCompared: Readonly<Record<string, number>>}>,
  named = results.length > 1,
): void {
  for (const r of results) {
    const text = describeUncompared(r.notCompared)
    if (text) process.stderr.write(`${named ? `[${r.database}] ` : ''}not compared: ${text}\n`)
  }
}
