/**
 * A way for the bundle to tell its loader (cli/code-cache.ts, a module of its
 * own) not to write the code cache of this run: a mistyped command compiled
 * nothing worth keeping, and its name would leave one file per typo.
 */
let discard: (() => void) | undefined

export function useCodeCacheDiscard(fn: () => void): void {
  discard = fn
}

export function discardCodeCache(): void {
  discard?.()
}
