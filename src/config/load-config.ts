import {readFile} from 'node:fs/promises'
import path from 'node:path'

import ini from 'ini'

import {ConfigError, errorMessage} from '../util/errors.js'
import type {Config, DatabaseConfig} from './config.js'
import {parseDatabaseUrl} from './database-url.js'
import {expandEnv} from './expand-env.js'

export const CONFIG_FILE_NAMES = ['db-manage.ini', '.db-managerc', '.db-managerc.ini'] as const

export interface LoadConfigOptions {
  /** `--config-file` (or `DB_MANAGE_CONFIG`); otherwise searched from `cwd` upward. */
  readonly configFile?: string
  readonly cwd?: string
  /** `--url`, which wins over `DATABASE_URL`, which wins over the file. */
  readonly url?: string
  /** `--db NAME`: act on that database only. */
  readonly db?: string
  readonly env?: NodeJS.ProcessEnv
}

type Section = Record<string, unknown>
type RawConfig = Record<string, unknown>

const MAIN_KEYS = new Set([
  'exclude_tables', 'include_tables', 'lock_timeout', 'revision_digits', 'scratch_url', 'script_location',
  'target_schema', 'transaction_per_migration', 'version_table',
])
const DATABASE_KEYS = new Set(['connection', 'exclude_tables', 'include_tables', 'scratch_url', 'script_location', 'target_schema', 'version_table'])

/** Find, read and check the configuration. Every mistake is a ConfigError naming file and key. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const {file, raw} = await readRawConfig(options.configFile, cwd)
  const dir = path.dirname(file)
  const where = (section: string, key: string) => `${path.basename(file)} [${section}] ${key}`
  const value = (section: Section | undefined, sectionName: string, key: string): string | undefined => {
    const v = section?.[key]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'object') throw new ConfigError(`${where(sectionName, key)}: expected a single value`)
    return expandEnv(String(v), where(sectionName, key), env)
  }

  for (const name of Object.keys(raw)) {
    if (name !== 'db_manage' && name !== 'database' && !name.startsWith('database:')) {
      throw new ConfigError(`${path.basename(file)}: unknown section [${name}] (expected [db_manage], [database] or [database:NAME])`)
    }

    checkKeys(raw[name], name, name === 'db_manage' ? MAIN_KEYS : DATABASE_KEYS, file)
  }

  const main = raw.db_manage as Section | undefined
  const get = (key: string) => value(main, 'db_manage', key)
  const scriptLocation = get('script_location') ?? 'migrations'
  const versionTable = get('version_table') ?? 'alembic_version'
  const transactionPerMigration = parseBoolean(get('transaction_per_migration') ?? 'true', where('db_manage', 'transaction_per_migration'))
  const revisionDigits = parseInteger(get('revision_digits') ?? '3', where('db_manage', 'revision_digits'), 1, 12)
  const lockTimeout = parseInteger(get('lock_timeout') ?? '60', where('db_manage', 'lock_timeout'), 0, 86_400)
  const targetSchema = get('target_schema')

  const defaults = raw.database as Section | undefined
  const named = Object.keys(raw).filter((n) => n.startsWith('database:'))
  const sections: Array<[string, string, Section | undefined]> = named.length > 0
    ? named.map((n) => [n.slice('database:'.length), n, raw[n] as Section])
    : [['default', 'database', defaults]]

  let databases: DatabaseConfig[] = sections.map(([name, sectionName, section]) => {
    if (!name) throw new ConfigError(`${path.basename(file)}: section [${sectionName}] needs a name after the colon`)
    const pick = (key: string) => value(section, sectionName, key) ?? value(defaults, 'database', key)
    const connection = pick('connection')
    let url
    if (connection) {
      try {
        url = parseDatabaseUrl(connection, dir)
      } catch (error) {
        throw new ConfigError(`${where(sectionName, 'connection')}: ${errorMessage(error)}`)
      }
    }

    const target = pick('target_schema') ?? targetSchema
    const patterns = (key: string) => (pick(key) ?? get(key) ?? '').split(/[\s,]+/).filter(Boolean)
    return {
      excludeTables: patterns('exclude_tables'),
      includeTables: patterns('include_tables'),
      name,
      scratchUrl: pick('scratch_url') ?? get('scratch_url'),
      scriptLocation: path.resolve(dir, pick('script_location') ?? scriptLocation),
      targetSchema: target ? path.resolve(dir, target) : undefined,
      url,
      versionTable: checkIdentifier(pick('version_table') ?? versionTable, where(sectionName, 'version_table')),
    }
  })

  if (options.db !== undefined) {
    const chosen = databases.find((d) => d.name === options.db)
    if (!chosen) {
      throw new ConfigError(`--db ${options.db}: no such database in ${path.basename(file)} (it has: ${databases.map((d) => d.name).join(', ')})`)
    }

    databases = [chosen]
  }

  const override = options.url ? {source: '--url', text: options.url} : env.DATABASE_URL ? {source: 'DATABASE_URL', text: env.DATABASE_URL} : undefined
  if (override) {
    if (databases.length > 1) {
      throw new ConfigError(`${override.source} names one database but ${path.basename(file)} has ${databases.length}: choose one with --db NAME`)
    }

    databases = [{...databases[0], url: parseDatabaseUrl(override.text, cwd)}]
  }

  return Object.freeze({databases: Object.freeze(databases), file, lockTimeout, revisionDigits, transactionPerMigration})
}

async function readRawConfig(configFile: string | undefined, cwd: string): Promise<{file: string; raw: RawConfig}> {
  if (configFile) {
    const file = path.resolve(cwd, configFile)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`)
    }

    return {file, raw: parseConfigText(text, file)}
  }

  const {cosmiconfig} = await import('cosmiconfig')
  const loader = (file: string, text: string) => parseConfigText(text, file)
  const explorer = cosmiconfig('db-manage', {
    cache: false,
    loaders: {'.ini': loader, noExt: loader},
    packageProp: 'db-manage',
    searchPlaces: ['package.json', ...CONFIG_FILE_NAMES],
    searchStrategy: 'global',
    stopDir: path.parse(cwd).root,
  })
  let found
  try {
    found = await explorer.search(cwd)
  } catch (error) {
    throw error instanceof ConfigError ? error : new ConfigError(errorMessage(error))
  }

  if (!found || found.isEmpty) {
    throw new ConfigError(`no db-manage config found in ${cwd} or its parents (looked for ${CONFIG_FILE_NAMES.join(', ')} and a "db-manage" key in package.json): run "db-manage init" or pass --config-file`)
  }

  return {file: found.filepath, raw: found.config as RawConfig}
}

/** Parse ini text, rejecting what the ini package would silently accept. */
export function parseConfigText(text: string, file: string): RawConfig {
  let inSection = false
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const t = line.trim()
    if (t === '' || t.startsWith(';') || t.startsWith('#')) continue
    if (/^\[[^\]]+]$/.test(t)) {
      inSection = true
    } else if (!/^[^=[]+=/.test(t)) {
      throw new ConfigError(`${file}:${i + 1}: not an ini line: ${t.slice(0, 60)}`)
    } else if (!inSection) {
      throw new ConfigError(`${file}:${i + 1}: setting outside any section (start with [db_manage] or [database])`)
    }
  }

  // ini nests sections on dots ([a.b]); db-manage's section names have none.
  return ini.parse(text) as RawConfig
}

function checkKeys(section: unknown, name: string, allowed: Set<string>, file: string): void {
  if (typeof section !== 'object' || section === null) {
    throw new ConfigError(`${path.basename(file)}: [${name}] must be a section`)
  }

  for (const key of Object.keys(section)) {
    if (!allowed.has(key)) {
      throw new ConfigError(`${path.basename(file)} [${name}]: unknown key "${key}" (known: ${[...allowed].sort().join(', ')})`)
    }
  }
}

function parseBoolean(text: string, where: string): boolean {
  const t = text.trim().toLowerCase()
  if (['1', 'on', 'true', 'yes'].includes(t)) return true
  if (['0', 'false', 'no', 'off'].includes(t)) return false
  throw new ConfigError(`${where}: expected true or false, got "${text}"`)
}

function parseInteger(text: string, where: string, min: number, max: number): number {
  const n = Number(text.trim())
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${where}: expected a whole number from ${min} to ${max}, got "${text}"`)
  return n
}

function checkIdentifier(name: string, where: string): string {
  if (!/^[A-Za-z_][\w$]{0,62}$/.test(name)) throw new ConfigError(`${where}: "${name}" is not a plain table name`)
  return name
}
