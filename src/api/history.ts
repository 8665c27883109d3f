import type {Config} from '../config/config.js'
import {RevisionError} from '../util/errors.js'
import {chainOf, eachDatabase, revisionInfo, type RevisionInfo, scriptsOf} from './chain.js'

export interface HistoryOptions {
  /** `START:END`, either side optional. */
  readonly range?: string
  /** The database's revision, when known, to mark it and resolve `current`. */
  readonly current?: (database: string) => Promise<null | string | undefined>
}

/** The chain newest first, as Alembic prints it; a range START:END includes both ends. */
export async function history(config: Config, options: HistoryOptions = {}): Promise<Array<{database: string; revisions: RevisionInfo[]}>> {
  return eachDatabase(config, async (database) => {
    const {chain, dir} = await chainOf(config, database)
    const current = await options.current?.(database.name)
    const {from, to} = options.range ? dir.map.range(options.range, current) : {from: 0, to: chain.length}
    // As in Alembic, a history range includes its start revision.
    const revisions = dir.map.between(Math.max(0, from - 1), to).map((rev) => revisionInfo(rev, chain, current)).reverse()
    return {revisions}
  })
}

/** Every head; on a branched chain there are several, which is when they matter. */
export async function heads(config: Config): Promise<Array<{database: string; heads: RevisionInfo[]}>> {
  return eachDatabase(config, async (database) => {
    const {map} = await scriptsOf(config, database)
    return {heads: map.heads.map((rev) => ({...revisionInfo(rev, [rev]), isHead: true}))}
  })
}

export async function show(config: Config, spec: string): Promise<Array<{database: string; revision: RevisionInfo}>> {
  return eachDatabase(config, async (database) => {
    const {chain, dir} = await chainOf(config, database)
    const id = dir.map.resolve(spec)
    if (id === null) throw new RevisionError('"base" is the empty database, not a revision to show')
    return {revision: revisionInfo(dir.map.get(id)!, chain)}
  })
}
