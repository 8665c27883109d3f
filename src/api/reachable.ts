import type {Config} from '../config/config.js'

/**
 * The database's revision when it can be read quickly, else undefined: for
 * commands (history, renumber) that work without a database but say more
 * with one. The runner is imported only when there is a database to ask.
 */
export function currentIfReachable(config: Config): (name: string) => Promise<null | string | undefined> {
  return async (name) => {
    const database = config.databases.find((d) => d.name === name)
    if (!database?.hasConnection) return undefined
    const {readCurrent, withSession} = await import('../runtime/session.js')
    try {
      // A connection whose variables are not set is as good as unreachable here.
      if (!database.url) return undefined
      return await withSession(config, database, {lockTimeout: 3}, readCurrent)
    } catch {
      return undefined
    }
  }
}
