import {ChainError, RevisionError} from '../util/errors.js'
import {describe, padId, type Revision} from './revision.js'
import {insideSquash, squashedInto, squashRange} from './squashed.js'

/** A defect of the chain, in words that name the files at fault. */
export interface ChainProblem {
  readonly kind:
    | 'cycle'
    | 'duplicate'
    | 'file-name'
    | 'missing-down'
    | 'multiple-bases'
    | 'multiple-heads'
    | 'no-base'
    | 'non-sequential'
  readonly message: string
  readonly revisions: readonly string[]
}

/** A point in the chain: 0 is base (nothing applied), i is the i-th revision. */
type Position = number

/**
 * The revision graph, pure: no files, no database. db-manage keeps a single
 * linear chain, so once `problems()` is empty the graph is a list from base
 * to head and every identifier resolves to a position in it.
 */
export class RevisionMap {
  private readonly byId = new Map<string, Revision[]>()
  private linearCache?: readonly Revision[]
  private problemsCache?: ChainProblem[]

  constructor(
    readonly revisions: readonly Revision[],
    readonly digits: number = 3,
  ) {
    for (const rev of revisions) {
      const list = this.byId.get(rev.id)
      if (list) list.push(rev)
      else this.byId.set(rev.id, [rev])
    }
  }

  get size(): number {
    return this.revisions.length
  }

  get(id: string): Revision | undefined {
    return this.byId.get(id)?.[0]
  }

  /** Revisions nothing builds on. */
  get heads(): Revision[] {
    const parents = new Set<null | string>()
    for (const r of this.revisions) parents.add(r.downRevision)
    return this.revisions.filter((r) => !parents.has(r.id))
  }

  /** Revisions with no down revision. */
  get bases(): Revision[] {
    return this.revisions.filter((r) => r.downRevision === null)
  }

  /** Every defect, in a stable order; empty for a sound linear chain. */
  problems(): ChainProblem[] {
    this.problemsCache ??= this.findProblems()
    return [...this.problemsCache]
  }

  private findProblems(): ChainProblem[] {
    const problems: ChainProblem[] = []
    const add = (kind: ChainProblem['kind'], revs: readonly Revision[], message: string) =>
      problems.push({kind, message, revisions: revs.map((r) => r.id)})

    for (const [id, list] of this.byId) {
      if (list.length > 1) add('duplicate', list, `duplicate revision ${id}: ${list.map(describe).join(', ')}`)
    }

    for (const rev of this.revisions) {
      if (rev.fileName && !rev.fileName.startsWith(`${rev.id}_`)) {
        add('file-name', [rev], `${rev.fileName}: file name does not start with its revision id ${rev.id}`)
      }

      if (rev.downRevision !== null && !this.byId.has(rev.downRevision)) {
        add('missing-down', [rev], `${describe(rev)}: down revision ${rev.downRevision} does not exist`)
      }
    }

    const {bases, heads} = this
    if (bases.length === 0 && this.size > 0) add('no-base', [], 'no base revision: every revision has a down revision')
    if (bases.length > 1)
      add('multiple-bases', bases, `${bases.length} base revisions: ${bases.map(describe).join(', ')}`)
    if (heads.length > 1) {
      add(
        'multiple-heads',
        heads,
        `${heads.length} heads: ${heads.map(describe).join(', ')} (run "db-manage renumber" to make the chain linear)`,
      )
    }

    for (const cycle of this.cycles()) {
      add(
        'cycle',
        cycle,
        `cycle: ${[...cycle, cycle[0]].map((r) => r.id).join(' -> ')} (${cycle.map(describe).join(', ')})`,
      )
    }

    for (const rev of this.revisions) {
      const expected = this.expectedId(rev)
      // A squash keeps its END's id after its START's parent: START is the id that must follow.
      const range = squashRange(rev)
      if (rev.squashed !== undefined && range?.to !== rev.id) {
        add('non-sequential', [rev], `${describe(rev)}: squashed ${rev.squashed} is not a range START:${rev.id}`)
      } else if (range && expected !== undefined && expected !== range.from) {
        const after = rev.downRevision === null ? 'as the first revision' : `after ${rev.downRevision}`
        add(
          'non-sequential',
          [rev],
          `${describe(rev)}: squash ${rev.squashed} does not start where it should ${after} (expected ${expected})`,
        )
      } else if (!range && expected !== undefined && expected !== rev.id) {
        const after = rev.downRevision === null ? 'as the first revision' : `after ${rev.downRevision}`
        add(
          'non-sequential',
          [rev],
          `${describe(rev)}: revision ${rev.id} is not sequential ${after} (expected ${expected})`,
        )
      }
    }

    return problems
  }

  /** The chain from base to head; a ChainError naming the defects if it is not one. */
  linear(): readonly Revision[] {
    if (this.linearCache) return this.linearCache
    const fatal = this.problems().filter((p) => p.kind !== 'non-sequential' && p.kind !== 'file-name')
    if (fatal.length > 0)
      throw new ChainError(`the revision chain is broken: ${fatal.map((p) => p.message).join('; ')}`)
    const child = new Map<null | string, Revision>()
    for (const rev of this.revisions) child.set(rev.downRevision, rev)
    const chain: Revision[] = []
    for (let rev = child.get(null); rev; rev = child.get(rev.id)) chain.push(rev)
    this.linearCache = chain
    return chain
  }

  /**
   * Every revision newest first, as Alembic's history walks them, on a
   * chain that may have branched: each revision after all that build on it,
   * the newer branch first. Only a branched chain is tolerated here; a
   * cycle, a missing parent or a duplicate is as fatal as for linear().
   */
  graph(): readonly Revision[] {
    const fatal = this.problems().filter((p) => !['file-name', 'multiple-heads', 'non-sequential'].includes(p.kind))
    if (fatal.length > 0)
      throw new ChainError(`the revision chain is broken: ${fatal.map((p) => p.message).join('; ')}`)
    const children = new Map<string, number>()
    for (const rev of this.revisions)
      if (rev.downRevision !== null) children.set(rev.downRevision, (children.get(rev.downRevision) ?? 0) + 1)
    const newestFirst = (a: Revision, b: Revision) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
    const ready = this.heads.sort(newestFirst)
    const order: Revision[] = []
    while (ready.length > 0) {
      const rev = ready.shift()!
      order.push(rev)
      if (rev.downRevision === null) continue
      const left = children.get(rev.downRevision)! - 1
      children.set(rev.downRevision, left)
      if (left === 0) {
        ready.push(this.get(rev.downRevision)!)
        ready.sort(newestFirst)
      }
    }

    return order
  }

  /** Revisions two or more others build on. */
  branchPoints(): Set<string> {
    const seen = new Set<string>()
    const twice = new Set<string>()
    for (const rev of this.revisions) {
      if (rev.downRevision === null) continue
      if (seen.has(rev.downRevision)) twice.add(rev.downRevision)
      seen.add(rev.downRevision)
    }

    return twice
  }

  /** A revision by its id or its unpadded number, without needing a linear chain. */
  find(spec: string): Revision | undefined {
    const text = spec.trim()
    return (
      this.get(text) ??
      (/^\d+$/.test(text) ? this.revisions.find((r) => /^\d+$/.test(r.id) && Number(r.id) === Number(text)) : undefined)
    )
  }

  /** The id the next new revision gets. */
  nextId(): string {
    const {heads} = this
    if (heads.length > 1) {
      throw new ChainError(
        `cannot add a revision: the chain has ${heads.length} heads (${heads.map(describe).join(', ')}); run "db-manage renumber" first`,
      )
    }

    if (heads.length === 0) return padId(1, this.digits)
    const n = Number(heads[0].id)
    if (!/^\d+$/.test(heads[0].id)) {
      throw new ChainError(
        `cannot add a revision after ${describe(heads[0])}: its id is not a number; run "db-manage renumber" first`,
      )
    }

    return padId(n + 1, this.digits)
  }

  /**
   * Resolve an identifier to a revision id, or null for base. `current` is
   * the database's revision (null at base), needed for `+N`, `-N`, `current`.
   */
  resolve(spec: string, current?: null | string): null | string {
    const pos = this.position(spec, current)
    return pos === 0 ? null : this.linear()[pos - 1].id
  }

  /** Position of an identifier: 0 for base, i for the i-th revision. */
  position(spec: string, current?: null | string): Position {
    const chain = this.linear()
    const text = spec.trim()
    const relative = /^(.*?)([+-])(\d+)$/.exec(text)
    if (relative) {
      const [, anchorText, sign, digits] = relative
      const steps = Number(digits)
      if (steps === 0) throw new RevisionError(`invalid revision "${spec}": a relative step must not be 0`)
      const anchor = anchorText === '' ? this.currentPosition(current, spec) : this.position(anchorText, current)
      const target = sign === '+' ? anchor + steps : anchor - steps
      const from = anchorText === '' ? 'the current revision' : anchorText
      if (target > chain.length) {
        throw new RevisionError(
          `${spec}: only ${chain.length - anchor} revision(s) above ${from} ${this.label(anchor)}`,
        )
      }

      if (target < 0) throw new RevisionError(`${spec}: only ${anchor} revision(s) below ${from} ${this.label(anchor)}`)
      return target
    }

    if (text === 'base') return 0
    if (text === 'head' || text === 'heads') {
      if (chain.length === 0) throw new RevisionError('there are no revisions: "head" names nothing yet')
      return chain.length
    }

    if (text === 'current') return this.currentPosition(current, spec)
    return this.idPosition(text)
  }

  /** `START:END` with either side optional, as positions (inclusive of END, exclusive of START). */
  range(spec: string, current?: null | string): {from: Position; to: Position} {
    const parts = spec.split(':')
    if (parts.length !== 2) throw new RevisionError(`invalid range "${spec}": expected START:END`)
    const from = parts[0] === '' ? 0 : this.position(parts[0], current)
    const to = parts[1] === '' ? this.linear().length : this.position(parts[1], current)
    return {from, to}
  }

  /** Revisions strictly after `from` up to and including `to`, in chain order. */
  between(from: Position, to: Position): readonly Revision[] {
    return this.linear().slice(Math.min(from, to), Math.max(from, to))
  }

  private idPosition(text: string): Position {
    const chain = this.linear()
    const exact = chain.findIndex((r) => r.id === text)
    if (exact !== -1) return exact + 1
    if (/^\d+$/.test(text)) {
      // A number without its padding: "7" for "007".
      const padded = chain.findIndex((r) => /^\d+$/.test(r.id) && Number(r.id) === Number(text))
      if (padded !== -1) return padded + 1
    } else if (/^[\da-z]+$/i.test(text)) {
      const matches = chain.flatMap((r, i) => (r.id.startsWith(text) ? [i] : []))
      if (matches.length === 1) return matches[0] + 1
      if (matches.length > 1) {
        throw new RevisionError(
          `ambiguous revision "${text}": it could be ${matches.map((i) => chain[i].id).join(', ')}`,
        )
      }
    }

    if (!/^[\w-]+$/.test(text)) throw new RevisionError(`invalid revision "${text}"`)
    throw new RevisionError(
      `unknown revision "${text}"${chain.length > 0 ? ` (the chain runs ${chain[0].id} to ${chain.at(-1)!.id})` : ' (there are no revisions)'}`,
    )
  }

  private currentPosition(current: null | string | undefined, spec: string): Position {
    if (current === undefined)
      throw new RevisionError(`"${spec}" is relative to the database's current revision, which is not known here`)
    if (current === null) return 0
    const index = this.linear().findIndex((r) => r.id === current)
    if (index === -1) {
      const squash = squashedInto(this.revisions, current)
      if (squash) throw new RevisionError(insideSquash(current, squash))
      throw new RevisionError(`the database is at revision ${current}, which no script in the chain declares`)
    }

    return index + 1
  }

  private label(pos: Position): string {
    return pos === 0 ? '(base)' : `(${this.linear()[pos - 1].id})`
  }

  private expectedId(rev: Revision): string | undefined {
    if (rev.downRevision === null) return padId(1, this.digits)
    if (!/^\d+$/.test(rev.downRevision)) return undefined
    return padId(Number(rev.downRevision) + 1, this.digits)
  }

  private cycles(): Revision[][] {
    const cycles: Revision[][] = []
    const state = new Map<string, 'done' | 'visiting'>()
    for (const start of this.revisions) {
      const pathIds: Revision[] = []
      let rev: Revision | undefined = start
      while (rev && !state.has(rev.id)) {
        state.set(rev.id, 'visiting')
        pathIds.push(rev)
        rev = rev.downRevision === null ? undefined : this.get(rev.downRevision)
      }

      if (rev && state.get(rev.id) === 'visiting') {
        const from = pathIds.findIndex((r) => r.id === rev!.id)
        cycles.push(pathIds.slice(from).reverse())
      }

      for (const r of pathIds) state.set(r.id, 'done')
    }

    return cycles
  }
}
