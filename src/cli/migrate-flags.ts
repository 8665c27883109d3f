import * as Flags from '@oclif/core/flags'

import type {StepResult} from '../runtime/step.js'

export const migrateFlags = {
  delta: Flags.integer({summary: "Move this many revisions (sahara's --delta); not with a TARGET."}),
  'lock-timeout': Flags.integer({
    env: 'DB_MANAGE_LOCK_TIMEOUT',
    summary: "Seconds to wait for another run's migration lock (default: lock_timeout, 60).",
  }),
  'statement-lock-retries': Flags.integer({
    env: 'DB_MANAGE_STATEMENT_LOCK_RETRIES',
    min: 0,
    summary:
      'Times a revision that gave up waiting for a lock is rolled back and tried again, after 1, 2, 4... s (default: statement_lock_retries, 3).',
  }),
  'statement-lock-timeout': Flags.integer({
    env: 'DB_MANAGE_STATEMENT_LOCK_TIMEOUT',
    min: 0,
    summary:
      'Seconds each statement may wait for a table lock before the revision gives up and rolls back (default: statement_lock_timeout, 5; 0: no limit).',
  }),
  'statement-timeout': Flags.integer({
    env: 'DB_MANAGE_STATEMENT_TIMEOUT',
    min: 0,
    summary: 'Seconds each migration statement may run (default: statement_timeout, 0: no limit).',
  }),
}

/** `upgrade 006 -> 007, add cluster events (45 ms)` */
export function stepLine(step: StepResult, prefix = ''): string {
  // A repeatable object or a seed: `repeatable x.sql, changed (3 ms)`.
  if (step.rerun) return `${prefix}${step.rerun.kind} ${step.rerun.file}, ${step.message} (${step.ms} ms)`
  const arrow = `${step.from ?? '<base>'} -> ${step.to ?? '<base>'}`
  return `${prefix}${step.direction} ${arrow}, ${step.message} (${step.ms} ms)`
}

export function sqlDebug(enabled: boolean): ((line: string) => void) | undefined {
  return enabled ? (line) => process.stderr.write(`${line}\n`) : undefined
}
