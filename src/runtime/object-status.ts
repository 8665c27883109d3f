import type {ObjectKind, ObjectScript} from '../script/object-scripts.js'
import type {HistoryRow} from './version-store.js'

/**
 * Where an object script stands on a database: applied as it is now, or due to run: never run (`new`), edited since
 * it last ran (`changed`), or (a repeatable) a downgrade ran since, which may have dropped what it built.
 */
export type ObjectState = 'after a downgrade' | 'applied' | 'changed' | 'new'

export interface ObjectStatus {
  readonly script: ObjectScript
  readonly state: ObjectState
  /** Its latest history row, when it ran before. */
  readonly last?: HistoryRow
}

/** Each script's state from the history rows (oldest first); rows of the other kind and of the chain are ignored. */
export function objectStatus(
  scripts: readonly ObjectScript[],
  kind: ObjectKind,
  rows: readonly HistoryRow[],
): ObjectStatus[] {
  const last = new Map<string, {row: HistoryRow; at: number}>()
  let lastDowngrade = -1
  for (const [at, row] of rows.entries()) {
    if (row.direction === kind) last.set(row.revision, {at, row})
    else if (row.direction === 'downgrade') lastDowngrade = at
  }

  return scripts.map((script) => {
    const seen = last.get(script.key)
    if (!seen) return {script, state: 'new'}
    const state: ObjectState =
      seen.row.checksum !== script.checksum
        ? 'changed'
        : kind === 'repeatable' && lastDowngrade > seen.at
          ? 'after a downgrade'
          : 'applied'
    return {last: seen.row, script, state}
  })
}

/** The scripts due to run (`all`: every one), in their order. */
export function dueObjects(statuses: readonly ObjectStatus[], all = false): ObjectStatus[] {
  return statuses.filter((s) => all || s.state !== 'applied')
}
