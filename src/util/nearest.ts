/**
 * The word of `candidates` nearest to `word` by edit distance (Damerau's:
 * a swap of two neighbours is one edit), when it is near enough to be what
 * was meant: at most 1 edit for short words, 2 from 5 letters, and never
 * half the word or more. A candidate that `word` starts (`upg` for upgrade) counts too.
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase()
  const limit = Math.min(w.length < 5 ? 1 : 2, Math.ceil(w.length / 2) - 1)
  let best: {distance: number; word: string} | undefined
  for (const c of candidates) {
    const d = distance(w, c.toLowerCase())
    if (d <= limit && (best === undefined || d < best.distance)) best = {distance: d, word: c}
  }

  if (best) return best.word
  const started = candidates.filter((c) => w.length >= 3 && c.startsWith(w))
  return started.length === 1 ? started[0] : undefined
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({length: a.length + 1}, (_, i) => [i, ...Array.from({length: b.length}, () => 0)])
  for (let j = 1; j <= b.length; j++) rows[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1)
    }
  }

  return rows[a.length][b.length]
}
