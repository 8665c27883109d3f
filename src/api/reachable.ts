import type {Config} from '../config/config.js'
import type {HistoryRow} from '../runtime/version-store.js'

/** What a reachable database says: its revision and, when asked for, its history rows. */
export interface DatabaseState {
  readonly current: null | string
  readonly history?: readonly HistoryRow[]
  /** When asked for: PostgreSQL's server_version_num, MySQL's VERSION() (`10.11.6-MariaDB-...`). */
  readonly serverVersion?: string
}

/**
 * The database's state (its history rows too with `history`) when it can be read quickly, else undefined: for
 * commands (history, renumber) that work without a database but say more
 * with one. The runner is imported only when there is a database to ask.
 */
export function stateIfReachable(
  config: Config,
  options: {history?: boolean; serverVersion?: boolean; debug?: (line: string) => void} = {},
): (name: string) => Promise<DatabaseState | undefined> {
  const cache = new Map<string, Promise<DatabaseState | undefined>>()
  return (name) => {
    if (!cache.has(name)) cache.set(name, read(config, name, options))
    return cache.get(name)!
  }
}

async function read(
  config: Config,
  name: string,
  options: {history?: boolean; serverVersion?: boolean; debug?: (line: string) => void},
): Promise<DatabaseState | undefined> {
  const database = config.databases.find((d) => d.name === name)
  if (!database?.hasConnection) return undefined
  const {readCurrent, readState, withSession} = await import('../runtime/session.js')
  try {
    // A connection whose variables are not set is as good as unreachable here.
    if (!database.url) return undefined
    return await withSession(config, database, {debug: options.debug, lockTimeout: 3}, async (session) => {
      const state = options.history ? await readState(session) : {current: await readCurrent(session)}
      if (!options.serverVersion || session.dialect.name === 'sqlite') return state
      const sql = session.dialect.name === 'postgresql' ? 'SHOW server_version_num' : 'SELECT VERSION() AS v'
      const row = (await session.connection.query(sql)).rows[0] ?? {}
      return {...state, serverVersion: String(row.server_version_num ?? row.v ?? '')}
    })
  } catch {
    return undefined
  }
}

/** The database's revision when it can be read quickly, else undefined. */
export function currentIfReachable(
  config: Config,
  debug?: (line: string) => void,
): (name: string) => Promise<null | string | undefined> {
  const state = stateIfReachable(config, {debug})
  return async (name) => (await state(name))?.current
}
