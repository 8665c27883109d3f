/** What a script's header declares, read without running it. */
export interface RevisionHeader {
  readonly id: string
  readonly downRevision: null | string
  readonly message: string
  readonly createdAt?: string
  /** A squash's: the range `START:END` it replaced (it is END), whose ids need not follow one another. */
  readonly squashed?: string
  /** A squash's: the checksum of END's script before the squash, which databases at END recorded. */
  readonly squashedChecksum?: string
}

/** One revision in the chain. `fileName`/`path` are absent for in-memory revisions. */
export interface Revision extends RevisionHeader {
  readonly fileName?: string
  readonly path?: string
}

/** How a revision is named in messages: its file when it has one. */
export function describe(rev: Revision): string {
  return rev.fileName ?? rev.id
}

/** How far up the chain the database is: 0 at base, else the position of `current` (which the caller knows). */
export function appliedCount(chain: readonly Revision[], current: null | string): number {
  return current === null ? 0 : chain.findIndex((r) => r.id === current) + 1
}

export function padId(n: number, digits: number): string {
  return String(n).padStart(digits, '0')
}
