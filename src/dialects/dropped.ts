/**
 * How many objects of each kind a reset dropped (`table`, `view`, `function`, ...), in the order they were dropped.
 */
export type Dropped = Record<string, number>

/** Count one dropped object of `kind`. */
export function counted(dropped: Dropped, kind: string): void {
  dropped[kind] = (dropped[kind] ?? 0) + 1
}
