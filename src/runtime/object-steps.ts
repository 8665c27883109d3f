import type {ObjectStatus} from './object-status.js'
import type {Step} from './step.js'

/**
 * The steps that run the object scripts due (repeatables after the chain, or seeds), in their order, on a database
 * at `version`: each leaves the version where it is and records a row of its own kind.
 */
export function planObjectSteps(due: readonly ObjectStatus[], version: null | string): Step[] {
  return due.map(({script, state}) => ({
    direction: 'upgrade',
    from: version,
    rerun: {key: script.key, kind: script.objectKind, reason: state === 'applied' ? 'again (--all)' : state},
    script,
    to: version,
  }))
}
