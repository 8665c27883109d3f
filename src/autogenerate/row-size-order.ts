import type {ColumnSchema} from '../model/table-schema.js'
import type {Change} from './change.js'

/**
 * Order one table's column changes so the row never outgrows both of its
 * ends (MySQL's row-size limits, ER_TOO_BIG_ROWSIZE): renames first, then
 * what frees room (a drop, a narrowing), then what takes none, then what takes
 * room (a widening, an addition), each group in its order. The downgrade,
 * the same list reversed, frees room first too. Sorts `changes` in place.
 */
export function shrinkingFirst(
  changes: Change[],
  live: ReadonlyMap<string, ColumnSchema>,
  target: ReadonlyMap<string, ColumnSchema>,
  bytes: (c: ColumnSchema) => number,
): void {
  const size = (c: ColumnSchema | undefined) => (c === undefined ? 0 : bytes(c))
  const growth = (change: Change): number => {
    const op = change.upgrade
    // A downgrade-only step on a column the upgrade drops (the default a dropped NOT NULL column
    // comes back with) stays just before that drop, so the downgrade runs it after the column is back.
    const back = change.downgrade
    if (op === undefined && back?.kind === 'alterColumn' && live.has(back.column) && !target.has(back.column)) {
      return -size(live.get(back.column))
    }

    switch (op?.kind) {
      case 'addColumn': {
        return size(target.get(op.column.name))
      }

      case 'dropColumn': {
        return -size(live.get(op.column))
      }

      case 'alterColumn': {
        if (op.newName !== undefined) return Number.NEGATIVE_INFINITY
        return size(target.get(op.column)) - size(live.get(op.column))
      }

      default: {
        return 0
      }
    }
  }

  const group = (change: Change) => {
    const g = growth(change)
    return g === Number.NEGATIVE_INFINITY ? -2 : Math.sign(g)
  }

  changes.sort((a, b) => group(a) - group(b))
}
