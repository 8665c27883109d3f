import type {Config} from '../config/config.js'
import {applyRenumber, gitAddedTimes, planRenumber, type RenumberStep} from '../script/renumber.js'
import {ScriptError} from '../util/errors.js'
import {eachDatabase} from './fleet.js'
import {scriptsOf} from './scripts.js'

export interface RenumberOptions {
  readonly dryRun?: boolean
  /** The database's current revision, which with those below it must not change. */
  readonly applied?: (database: string) => Promise<null | string | undefined>
}

export interface RenumberResult {
  readonly database: string
  readonly changes: readonly RenumberStep[]
  readonly dryRun: boolean
}

/** Make each chain linear and sequential again: rename files and rewrite their headers. */
export async function renumber(config: Config, options: RenumberOptions = {}): Promise<RenumberResult[]> {
  return eachDatabase(config, async (database) => {
    const dir = await scriptsOf(config, database)
    if (dir.unreadable.length > 0) throw new ScriptError(`cannot renumber: ${dir.unreadable[0].message}`)
    const applied = await options.applied?.(database.name)
    const plan = planRenumber(dir.scripts, await gitAddedTimes(dir.location), config.revisionDigits, applied)
    const changes = plan.filter(
      (s) => s.from.fileName !== s.to.fileName || s.from.id !== s.to.id || s.from.downRevision !== s.to.downRevision,
    )
    if (!options.dryRun && changes.length > 0) {
      await applyRenumber(dir.location, changes, new Map(dir.scripts.map((s) => [s.fileName, s.kind])))
    }

    return {changes, dryRun: Boolean(options.dryRun)}
  })
}
