/**
 * Where a run's time goes, by phase, for `--debug` (issue: performance):
 * start-up (Node, the bundle, oclif), config, headers (listing the chain),
 * script import, each step's SQL, and the version update and commit. Each
 * phase adds up over the run; `--debug` prints one line at the end.
 */
const spent = new Map<string, number>()
const notes = new Map<string, string>()

/** Add the time `fn` takes to `phase`. */
export async function timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now()
  try {
    return await fn()
  } finally {
    add(phase, performance.now() - start)
  }
}

export function add(phase: string, ms: number): void {
  spent.set(phase, (spent.get(phase) ?? 0) + ms)
}

/** Start the phases of a new run (a process runs one; the tests run many in one process). */
export function resetPhases(): void {
  spent.clear()
  notes.clear()
}

/** Say something of a phase in the line: `start-up 80 ms (code cache read)`. */
export function annotate(phase: string, note: string): void {
  notes.set(phase, note)
}

/** `phases: start-up 112 ms, config 4 ms, ...; total 930 ms` (total from the process's start). */
export function phaseLine(): string {
  const parts = [...spent].map(
    ([phase, ms]) => `${phase} ${Math.round(ms)} ms${notes.has(phase) ? ` (${notes.get(phase)})` : ''}`,
  )
  return `phases: ${parts.join(', ')}; total ${Math.round(performance.now())} ms`
}
