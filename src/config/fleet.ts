import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {ConfigError, errorMessage} from '../util/errors.js'
import {type DatabaseUrl, parseDatabaseUrl} from './database-url.js'
import {expandUrlTemplate} from './expand-env.js'

/** The keys of a `[fleet:NAME]` section beside the shared ones. */
export const FLEET_OWN_KEYS = [
  'control_url',
  'order',
  'schema_template',
  'tenants',
  'tenants_file',
  'tenants_query',
  'url_template',
] as const

/**
 * Runs a fleet's tenants_query on its control database and returns the first
 * column of each row; a failure is thrown as one line without the URL (the
 * caller names the key and the masked URL).
 */
export type TenantsQuery = (url: DatabaseUrl, sql: string) => Promise<string[]>

/** A tenant name goes into URLs and database names: a plain word. */
const TENANT = /^[\w-]{1,63}$/

/**
 * The tenants of a fleet, from exactly one of `tenants` (a list),
 * `tenants_file` (one per line, `#` comments) or `tenants_query` (its first
 * column, run on `control_url`), checked and without duplicates.
 */
export async function fleetTenants(
  section: Record<string, unknown>,
  where: (key: string) => string,
  dir: string,
  env: NodeJS.ProcessEnv,
  query?: TenantsQuery,
): Promise<string[]> {
  const sources = (['tenants', 'tenants_file', 'tenants_query'] as const).filter(
    (k) => section[k] !== undefined && section[k] !== null,
  )
  if (sources.length !== 1)
    throw new ConfigError(
      `${where('tenants')}: give exactly one of tenants, tenants_file or tenants_query${sources.length > 1 ? ` (it has ${sources.join(', ')})` : ''}`,
    )
  const [source] = sources
  const text = String(section[source])
  let names: string[]
  if (source === 'tenants') {
    names = text.split(/[\s,]+/)
  } else if (source === 'tenants_file') {
    const file = path.resolve(dir, text)
    try {
      names = (await readFile(file, 'utf8')).split('\n').map((l) => l.replace(/#.*/, ''))
    } catch (error) {
      throw new ConfigError(
        `${where('tenants_file')}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
      )
    }
  } else {
    names = await queryTenants(section, text, where, dir, env, query)
  }

  names = [...new Set(names.map((n) => n.trim()).filter(Boolean))]
  const bad = names.find((n) => !TENANT.test(n))
  if (bad !== undefined)
    throw new ConfigError(
      `${where(source)}: tenant "${bad}" is not a plain name (letters, digits, _ and -, at most 63)`,
    )
  if (names.length === 0) throw new ConfigError(`${where(source)}: no tenants`)
  return names
}

async function queryTenants(
  section: Record<string, unknown>,
  sql: string,
  where: (key: string) => string,
  dir: string,
  env: NodeJS.ProcessEnv,
  query: TenantsQuery | undefined,
): Promise<string[]> {
  if (section.control_url === undefined)
    throw new ConfigError(`${where('tenants_query')}: needs control_url, the database to ask`)
  let url
  try {
    url = parseDatabaseUrl(expandUrlTemplate(String(section.control_url), where('control_url'), env), dir)
  } catch (error) {
    throw new ConfigError(`${where('control_url')}: ${errorMessage(error)}`)
  }
  if (!query)
    throw new ConfigError(`${where('tenants_query')}: asking a database for tenants needs db-manage's loadConfig`)
  try {
    return await query(url, sql)
  } catch (error) {
    throw new ConfigError(`${where('tenants_query')}: on ${url.masked}: ${errorMessage(error)}`)
  }
}

/** `--shard I/N`: which of N shards a database name falls in, the same on every machine. */
export function shardOf(name: string, count: number): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % count
}

/** `2/8` -> {index: 2, count: 8}; I counts from 0, as a Kubernetes Indexed Job's JOB_COMPLETION_INDEX does. */
export function parseShard(text: string): {index: number; count: number} {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || count < 1 || index >= count)
    throw new ConfigError(`--shard ${text}: expected I/N with 0 <= I < N (e.g. --shard 0/4)`)
  return {count, index}
}
