import {execFile} from 'node:child_process'
import {readFile, rename, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {ChainError} from '../util/errors.js'
import {padId} from './revision.js'
import type {ScriptRevision} from './script-directory.js'
import {rewriteHeader} from './templates.js'

export interface RenumberStep {
  readonly from: {fileName: string; id: string; downRevision: null | string}
  readonly to: {fileName: string; id: string; downRevision: null | string}
}

/** When each file was first committed, in seconds; files git does not know are absent. */
export async function gitAddedTimes(location: string): Promise<Map<string, number>> {
  const times = new Map<string, number>()
  try {
    const {stdout} = await promisify(execFile)(
      'git',
      ['log', '--diff-filter=A', '--relative', '--name-only', '--format=%x00%ct', '--', '.'],
      {
        cwd: location,
        maxBuffer: 64 * 1024 * 1024,
      },
    )
    for (const entry of stdout.split('\0')) {
      const [time, ...names] = entry.trim().split('\n')
      for (const name of names.map((n) => n.trim()).filter(Boolean)) times.set(path.basename(name), Number(time))
    }
  } catch {
    // Not a git checkout, or no git: fall back to createdAt and file name.
  }

  return times
}

/**
 * Order the scripts into one linear chain and give them sequential ids.
 *
 * Ordering rule (deterministic): each script hangs under the script its
 * downRevision names; siblings, and branches after a fork, are ordered by the
 * time git first committed the file (uncommitted files last), then createdAt,
 * then file name; the chain is the depth-first walk, so a whole branch comes
 * after the whole earlier branch. When a downRevision names a duplicated id,
 * the script hangs under the latest of those scripts ordered at or before it.
 * Revisions up to `applied` (the database's current revision) must keep their
 * ids, or the plan is refused.
 */
export function planRenumber(
  scripts: readonly ScriptRevision[],
  addedAt: ReadonlyMap<string, number>,
  digits: number,
  applied?: null | string,
): RenumberStep[] {
  const key = (s: ScriptRevision) =>
    [addedAt.get(s.fileName) ?? Number.POSITIVE_INFINITY, s.createdAt ?? '', s.fileName] as const
  const compare = (a: ScriptRevision, b: ScriptRevision) => {
    const [ka, kb] = [key(a), key(b)]
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1
    return 0
  }

  const ordered = [...scripts].sort(compare)
  const children = new Map<ScriptRevision | null, ScriptRevision[]>()
  for (const script of ordered) {
    const parent = parentOf(script, ordered, compare)
    if (parent === undefined) continue // names no script: reported below as unreachable
    const list = children.get(parent) ?? []
    list.push(script)
    children.set(parent, list)
  }

  const chain: ScriptRevision[] = []
  const seen = new Set<ScriptRevision>()
  const walk = (node: ScriptRevision | null) => {
    for (const child of children.get(node) ?? []) {
      if (seen.has(child)) continue
      seen.add(child)
      chain.push(child)
      walk(child)
    }
  }

  walk(null)
  const orphans = ordered.filter((s) => !seen.has(s))
  if (orphans.length > 0) {
    throw new ChainError(
      `cannot renumber: ${orphans.map((s) => s.fileName).join(', ')} ${orphans.length === 1 ? 'is' : 'are'} not reachable from a base revision (a cycle, or a downRevision that names no script)`,
    )
  }

  const steps = chain.map((script, i): RenumberStep => {
    const id = padId(i + 1, digits)
    const down = i === 0 ? null : padId(i, digits)
    return {
      from: {downRevision: script.downRevision, fileName: script.fileName, id: script.id},
      to: {downRevision: down, fileName: `${id}_${script.slug}${path.extname(script.fileName)}`, id},
    }
  })

  if (applied !== undefined && applied !== null) checkApplied(steps, applied)
  return steps
}

function parentOf(
  script: ScriptRevision,
  ordered: readonly ScriptRevision[],
  compare: (a: ScriptRevision, b: ScriptRevision) => number,
): ScriptRevision | null | undefined {
  if (script.downRevision === null) return null
  const candidates = ordered.filter((s) => s.id === script.downRevision && s !== script)
  if (candidates.length <= 1) return candidates[0]
  const before = candidates.filter((c) => compare(c, script) <= 0)
  return before.at(-1) ?? candidates[0]
}

function checkApplied(steps: readonly RenumberStep[], applied: string): void {
  const index = steps.findIndex((s) => s.from.id === applied)
  if (index === -1)
    throw new ChainError(`cannot renumber: the database is at revision ${applied}, which no script declares`)
  if (steps.filter((s) => s.from.id === applied).length > 1) {
    throw new ChainError(
      `cannot renumber: the database is at revision ${applied}, and more than one script declares it`,
    )
  }

  for (const step of steps.slice(0, index + 1)) {
    if (step.from.id !== step.to.id || step.from.downRevision !== step.to.downRevision) {
      throw new ChainError(
        `cannot renumber: ${step.from.fileName} is applied to the database (at ${applied}) and would become ${step.to.id}; resolve this by hand`,
      )
    }
  }
}

/** Carry out a plan: rewrite headers, then rename through temporary names so no file is overwritten. */
export async function applyRenumber(
  location: string,
  steps: readonly RenumberStep[],
  kinds: ReadonlyMap<string, 'js' | 'mjs' | 'sql' | 'ts'>,
): Promise<void> {
  const changed = steps.filter(
    (s) => s.from.fileName !== s.to.fileName || s.from.id !== s.to.id || s.from.downRevision !== s.to.downRevision,
  )
  for (const step of changed) {
    const file = path.join(location, step.from.fileName)
    const text = await readFile(file, 'utf8')
    await writeFile(file, rewriteHeader(text, kinds.get(step.from.fileName)!, step.to.id, step.to.downRevision))
  }

  const renames = changed.filter((s) => s.from.fileName !== s.to.fileName)
  for (const [i, step] of renames.entries())
    await rename(path.join(location, step.from.fileName), path.join(location, `.renumber-${i}.tmp`))
  for (const [i, step] of renames.entries())
    await rename(path.join(location, `.renumber-${i}.tmp`), path.join(location, step.to.fileName))
}
