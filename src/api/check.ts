import type {Config} from '../config/config.js'
import type {ChainProblem} from '../script/revision-map.js'
import {eachDatabase, scriptsOf} from './chain.js'

export interface CheckProblem {
  readonly kind: ChainProblem['kind'] | 'unreadable'
  readonly message: string
}

export interface CheckResult {
  readonly database: string
  readonly ok: boolean
  readonly revisions: number
  readonly base?: string
  readonly head?: string
  readonly problems: readonly CheckProblem[]
}

/** The static half of check_migration: everything that needs no database. */
export async function checkMigration(config: Config): Promise<CheckResult[]> {
  return eachDatabase(config, async (database) => {
    const {map, unreadable} = await scriptsOf(config, database)
    const problems: CheckProblem[] = [
      ...unreadable.map((u) => ({kind: 'unreadable' as const, message: u.message})),
      ...map.problems().map(({kind, message}) => ({kind, message})),
    ]
    const ok = problems.length === 0
    const chain = ok ? map.linear() : []
    return {base: chain[0]?.id, head: chain.at(-1)?.id, ok, problems, revisions: map.size + unreadable.length}
  })
}
