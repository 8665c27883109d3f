import type {Operation} from '../operations/nodes.js'

/** One difference, with the operation that removes it and the one that undoes that. */
export interface Change {
  readonly description: string
  readonly table: string
  /** Absent when only the other direction has work (an index restored with a dropped table). */
  readonly upgrade?: Operation
  readonly downgrade?: Operation
  /** Drops data: the rendered script marks it. */
  readonly destructive?: boolean
  /** What the downgrade cannot give back: a DATA LOSS comment before it, or a NOT UNDONE comment where it has none. */
  readonly downgradeNote?: string
  /** A comment written before the upgrade's operation (a lint allowance and its reason: the lint reads upgrade()). */
  readonly comment?: string
  /**
   * A column that narrows (a shorter string, a smaller integer, fewer digits): what each direction may refuse or cut,
   * written as a NARROWS comment before its operation and printed by revision.
   */
  readonly narrows?: {readonly upgrade?: string; readonly downgrade?: string}
}
