import type {ObjectKind} from '../script/object-scripts.js'
import type {ScriptRevision} from '../script/script-directory.js'

/** One revision run in one direction: what a run plans, runs and records. */
export interface Step {
  readonly direction: 'downgrade' | 'upgrade'
  readonly script: ScriptRevision
  /** Version before and after the step; null is base. */
  readonly from: null | string
  readonly to: null | string
  /**
   * A repeatable object or a seed, run after the chain (runtime/object-steps.ts): the version stays (`from` and
   * `to` are where the database is), its history row is keyed by its key; `reason` says why it runs.
   */
  readonly rerun?: {readonly kind: ObjectKind; readonly key: string; readonly reason: string}
}

export interface StepResult {
  readonly direction: 'downgrade' | 'upgrade'
  readonly from: null | string
  readonly to: null | string
  readonly message: string
  readonly ms: number
  /** A repeatable object or a seed: its kind and file name (`x.sql`); `message` says why it ran. */
  readonly rerun?: {readonly kind: ObjectKind; readonly file: string}
}

/** The steps from one position of the chain to another (0 is base), in the order they run. */
export function planSteps(chain: readonly ScriptRevision[], fromPos: number, toPos: number): Step[] {
  if (toPos >= fromPos) {
    return chain.slice(fromPos, toPos).map((script, i) => ({
      direction: 'upgrade',
      from: i + fromPos === 0 ? null : chain[i + fromPos - 1].id,
      script,
      to: script.id,
    }))
  }

  return chain
    .slice(toPos, fromPos)
    .reverse()
    .map((script) => ({direction: 'downgrade', from: script.id, script, to: script.downRevision}))
}

/** `upgrade 002 -> 003 (003_x.ts)` */
export function describeStep(step: Step): string {
  if (step.rerun) return `${step.rerun.kind} ${step.script.slug} (${step.script.fileName})`
  return `${step.direction} ${step.from ?? '<base>'} -> ${step.to ?? '<base>'} (${step.script.fileName})`
}

/** What to do about a step whose statements were only partly committed: the two stamps that resolve it. */
export function unfinishedHint(fileName: string, from: null | string, to: null | string): string {
  return (
    `undo them by hand and run "db-manage stamp ${from ?? 'base'}", or finish them and run` +
    ` "db-manage stamp ${to ?? 'base'}"; until then upgrade and downgrade refuse to run` +
    ` (${fileName} is marked unfinished)`
  )
}
