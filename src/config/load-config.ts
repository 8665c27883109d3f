import {existsSync, lstatSync, statSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import ini from 'ini'

import {ConfigError, errorMessage} from '../util/errors.js'
import {type Config, type DatabaseConfig, databaseConfig, type LintRuleSetting} from './config.js'
import {type DatabaseUrl, parseDatabaseUrl, URL_PASSWORD_FIX, urlFromParts} from './database-url.js'
import {expandEnv, expandUrlTemplate} from './expand-env.js'
import {FLEET_OWN_KEYS, fleetTenants, parseShard, shardOf, type TenantsQuery} from './fleet.js'
import {OSLO_DB_OPTIONS} from './oslo.js'

/** A section's name after the colon. */
const TENANT_OR_NAME = /^[\w-]+$/

export const CONFIG_FILE_NAMES = ['db-manage.ini', '.db-managerc', '.db-managerc.ini'] as const

export interface LoadConfigOptions {
  /** `--config-file` (or `DB_MANAGE_CONFIG`); otherwise searched from `cwd` upward. */
  readonly configFile?: string
  readonly cwd?: string
  /** `--url`, which wins over `DATABASE_URL`, which wins over the file. */
  readonly url?: string
  /** `--db NAME`: act on that database only (a fleet's name: all its tenants; NAME/TENANT: one). */
  readonly db?: string
  /** `--shard I/N`: only the databases whose name falls in shard I of N. */
  readonly shard?: string
  /** `--parallel N`: how many databases of one order (a fleet's tenants) run at once. */
  readonly parallel?: number
  /** `--fail-fast`: a failing tenant stops the fleet. */
  readonly failFast?: boolean
  readonly env?: NodeJS.ProcessEnv
  /**
   * With no config file found, act on the URL alone (`--url` or
   * DATABASE_URL; or none at all for a command that needs no connection),
   * with defaults for everything else: a container job's runner has only a URL.
   */
  readonly withoutFile?: boolean
  /**
   * `--script-location` (or DB_MANAGE_SCRIPT_LOCATION): the folder of the
   * scripts, relative to `cwd`; it wins over the file's, and with it no
   * config file is needed at all (Flyway's -locations).
   */
  readonly scriptLocation?: string
  /**
   * How a fleet's `tenants_query` is asked: config reads files and the
   * environment and never connects itself; api/fleet.ts supplies this, and
   * without it a fleet that lists its tenants by query is refused.
   */
  readonly queryTenants?: TenantsQuery
}

type Section = Record<string, unknown>
type RawConfig = Record<string, unknown>

const SHARED_KEYS = [
  'exclude_tables',
  'exec_location',
  'history_table',
  'include_tables',
  'lint_allow',
  'lint_mysql_version',
  'lint_postgresql_version',
  'lint_rules',
  'render_as_batch',
  'scratch_url',
  'script_location',
  'seed_location',
  'statement_lock_retries',
  'statement_lock_timeout',
  'statement_timeout',
  'target_schema',
  'version_table',
]
const MAIN_KEYS = new Set([
  ...SHARED_KEYS,
  'lock_timeout',
  'revision_digits',
  'transaction_per_migration',
  'validate_on_migrate',
])
/** The discrete keys that may stand instead of `connection`. */
const PART_KEYS = ['dialect', 'host', 'port', 'username', 'password', 'database', 'query'] as const
const DATABASE_KEYS = new Set([...SHARED_KEYS, ...PART_KEYS, 'connection', 'dev', 'order', 'schemas'])
const FLEET_KEYS = new Set([...SHARED_KEYS, ...FLEET_OWN_KEYS])

/** The sections db-manage owns; any other (an oslo [DEFAULT], [keystone_authtoken], ...) belongs to another tool. */
export function ownsSection(name: string): boolean {
  return name === 'db_manage' || name === 'database' || name.startsWith('database:') || name.startsWith('fleet:')
}

/**
 * The scripts' folder: script_location relative to the config file. Not set
 * anywhere, it is `migrations` beside the config file, else (a sahara.conf in
 * etc/, an alembic.ini elsewhere) `migrations` in the working directory, as a
 * sahara user runs sahara-db-manage from anywhere; when neither exists, the
 * error says where it looked and which key sets it.
 */
function scriptFolder(
  given: string | undefined,
  at: {base: string; cwd: string; dir: string; found: boolean},
): {missingScripts?: string; scriptLocation: string} {
  if (given !== undefined) return {scriptLocation: path.resolve(at.dir, given)}
  const beside = path.resolve(at.dir, 'migrations')
  if (!at.found || existsSync(beside)) return {scriptLocation: beside}
  const here = path.resolve(at.cwd, 'migrations')
  if (existsSync(here)) return {scriptLocation: here}
  const looked = here === beside ? `${beside}` : `${beside} (beside ${at.base}) and ${here} (the working directory)`
  return {
    missingScripts: `no migrations folder: looked in ${looked}; set script_location in [db_manage] of ${at.base} (relative to it), or give --script-location DIR (run "db-manage init" to start a chain)`,
    scriptLocation: beside,
  }
}

/** The seeds' folder: seed_location relative to the config file; unset, `seeds` beside the scripts' folder. */
function seedFolder(given: string | undefined, dir: string): string | undefined {
  return given === undefined ? undefined : path.resolve(dir, given)
}

/** Find, read and check the configuration. Every mistake is a ConfigError naming file and key. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<Config> {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  // An empty --url is a mistake (an unset variable in `--url "$URL"`), not a wish for the file's database.
  if (options.url !== undefined && options.url.trim() === '')
    throw new ConfigError('--url is empty: give a database URL, or leave the flag out')
  const override = options.url
    ? {source: '--url', text: options.url}
    : env.DATABASE_URL
      ? {source: 'DATABASE_URL', text: env.DATABASE_URL}
      : undefined
  const found = await readRawConfig(options.configFile, cwd, Boolean(options.withoutFile || options.scriptLocation))
  const {file, raw} = found ?? {file: `(no config file; ${override?.source ?? 'no URL'})`, raw: {database: {}}}
  const dir = found ? path.dirname(file) : cwd
  const base = found ? path.basename(file) : 'db-manage'
  const where = (section: string, key: string) => `${base} [${section}] ${key}`
  const value = (
    section: Section | undefined,
    sectionName: string,
    key: string,
    expand = expandEnv,
  ): string | undefined => {
    const v = section?.[key]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'object') throw new ConfigError(`${where(sectionName, key)}: expected a single value`)
    return expand(String(v), where(sectionName, key), env)
  }

  for (const name of Object.keys(raw)) {
    const meant = misspelled(name)
    if (meant) throw new ConfigError(`${base}: unknown section [${name}] (did you mean [${meant}]?)`)
  }

  for (const name of Object.keys(raw).filter(ownsSection)) {
    checkKeys(
      raw[name],
      name,
      name === 'db_manage' ? MAIN_KEYS : name.startsWith('fleet:') ? FLEET_KEYS : DATABASE_KEYS,
      base,
    )
  }

  const main = raw.db_manage as Section | undefined
  const get = (key: string) => value(main, 'db_manage', key)
  const scriptLocation = get('script_location')
  const versionTable = get('version_table') ?? 'alembic_version'
  const historyTable = get('history_table') ?? 'db_manage_history'
  const transactionPerMigration = parseBoolean(
    get('transaction_per_migration') ?? 'true',
    where('db_manage', 'transaction_per_migration'),
  )
  const revisionDigits = parseInteger(get('revision_digits') ?? '3', where('db_manage', 'revision_digits'), 1, 12)
  const lockTimeout = parseInteger(get('lock_timeout') ?? '60', where('db_manage', 'lock_timeout'), 0, 86_400)
  /** The lock and statement limits, read where `key` is set ([db_manage], or a database's own section). */
  const limits = (read: (key: string) => string | undefined, section: string) => ({
    statementLockRetries: parseInteger(
      read('statement_lock_retries') ?? '3',
      where(section, 'statement_lock_retries'),
      0,
      100,
    ),
    statementLockTimeout: parseInteger(
      read('statement_lock_timeout') ?? '5',
      where(section, 'statement_lock_timeout'),
      0,
      86_400,
    ),
    statementTimeout: parseInteger(read('statement_timeout') ?? '0', where(section, 'statement_timeout'), 0, 86_400),
  })
  const {statementLockRetries, statementLockTimeout, statementTimeout} = limits(get, 'db_manage')
  const validateOnMigrate = parseBoolean(
    get('validate_on_migrate') ?? 'true',
    where('db_manage', 'validate_on_migrate'),
  )
  const targetSchema = get('target_schema')

  const defaults = raw.database as Section | undefined
  const named = Object.keys(raw).filter((n) => n.startsWith('database:'))
  const fleets = Object.keys(raw).filter((n) => n.startsWith('fleet:'))
  // With fleets and no named databases, a plain [database] is a database only when it connects somewhere.
  const plainIsDatabase =
    named.length === 0 &&
    (fleets.length === 0 || connectionOf(defaults, 'database', undefined, {base, dir, env}) !== undefined)
  const sections: Array<[string, string, Section | undefined]> =
    named.length > 0
      ? named.map((n) => [n.slice('database:'.length), n, raw[n] as Section])
      : plainIsDatabase
        ? [['default', 'database', defaults]]
        : []

  /** A database's settings: its section's, else [database]'s, else [db_manage]'s. */
  const fieldsOf = (name: string, sectionName: string, section: Section | undefined, fleet?: string) => {
    const pick = (key: string) => value(section, sectionName, key) ?? value(defaults, 'database', key)
    const target = pick('target_schema') ?? targetSchema
    const patterns = (key: string) => (pick(key) ?? get(key) ?? '').split(/[\s,]+/).filter(Boolean)
    const execLocation = pick('exec_location') ?? get('exec_location')
    // A bad name is reported in the section that set it.
    const tableName = (key: string, fromMain: string) => {
      const own = pick(key)
      return checkIdentifier(own ?? fromMain, where(own === undefined ? 'db_manage' : sectionName, key))
    }

    return {
      excludeTables: patterns('exclude_tables'),
      execLocation: execLocation === undefined ? undefined : path.resolve(dir, execLocation),
      fleet,
      schema: undefined as string | undefined,
      // A fleet's tenant has its one schema (schema_template); `schemas` is a database section's.
      schemas: fleet === undefined ? parseSchemas(pick('schemas'), where(sectionName, 'schemas')) : [],
      historyTable: tableName('history_table', historyTable),
      includeTables: patterns('include_tables'),
      lintAllow: parseLintAllow(pick('lint_allow') ?? get('lint_allow'), where(sectionName, 'lint_allow')),
      lintRules: parseLintRules(pick('lint_rules') ?? get('lint_rules'), where(sectionName, 'lint_rules')),
      lintTarget: {
        mysql: parseMysqlVersion(
          pick('lint_mysql_version') ?? get('lint_mysql_version'),
          where(sectionName, 'lint_mysql_version'),
        ),
        postgresql: parsePostgresVersion(
          pick('lint_postgresql_version') ?? get('lint_postgresql_version'),
          where(sectionName, 'lint_postgresql_version'),
        ),
      },
      name,
      order: parseInteger(
        value(section, sectionName, 'order') ?? '0',
        where(sectionName, 'order'),
        -1_000_000,
        1_000_000,
      ),
      renderAsBatch: parseBoolean(
        pick('render_as_batch') ?? get('render_as_batch') ?? 'false',
        where(sectionName, 'render_as_batch'),
      ),
      // A URL: a variable in its user or password is inserted percent-encoded, as in `connection`.
      scratchUrl:
        value(section, sectionName, 'scratch_url', expandUrlTemplate) ??
        value(defaults, 'database', 'scratch_url', expandUrlTemplate) ??
        value(main, 'db_manage', 'scratch_url', expandUrlTemplate),
      ...scriptFolder(pick('script_location') ?? scriptLocation, {base, cwd, dir, found: found !== undefined}),
      // `dev = true` in the database's own section: `reset` may drop everything in it.
      dev: parseBoolean(value(section, sectionName, 'dev') ?? 'false', where(sectionName, 'dev')),
      devKey: `${base} [${sectionName}] dev`,
      devOverriddenBy: undefined as string | undefined,
      seedLocation: seedFolder(pick('seed_location') ?? get('seed_location'), dir),
      targetSchema: target ? path.resolve(dir, target) : undefined,
      versionTable: tableName('version_table', versionTable),
      ...ownLimits(section, sectionName),
    }
  }

  /** A database section's own limits, where it sets any (else [database]'s); none: [db_manage]'s apply. */
  const ownLimits = (section: Section | undefined, sectionName: string) => {
    const keys = ['statement_lock_retries', 'statement_lock_timeout', 'statement_timeout']
    const own = (key: string) => value(section, sectionName, key)
    if (keys.some((k) => own(k) !== undefined))
      return limits((key) => own(key) ?? value(defaults, 'database', key) ?? get(key), sectionName)
    if (keys.some((k) => value(defaults, 'database', k) !== undefined))
      return limits((key) => value(defaults, 'database', key) ?? get(key), 'database')
    return {}
  }

  const fields: Array<{fields: ReturnType<typeof fieldsOf>; url: (() => DatabaseUrl) | undefined}> = sections.map(
    ([name, sectionName, section]) => {
      if (!name) throw new ConfigError(`${base}: section [${sectionName}] needs a name after the colon`)
      return {
        fields: fieldsOf(name, sectionName, section),
        url: connectionOf(section, sectionName, defaults, {base, dir, env}),
      }
    },
  )

  // A fleet is one database per tenant, all on the fleet's chain: its URL template with ${tenant} filled in.
  for (const sectionName of fleets) {
    const fleet = sectionName.slice('fleet:'.length)
    if (!TENANT_OR_NAME.test(fleet))
      throw new ConfigError(`${base}: section [${sectionName}] needs a plain name after the colon`)
    const section = raw[sectionName] as Section
    const whereFleet = (key: string) => where(sectionName, key)
    if (section.url_template === undefined || section.url_template === null)
      throw new ConfigError(
        `${whereFleet('url_template')}: a fleet needs url_template, with \${tenant} where each tenant's name goes (or a schema_template that has it)`,
      )
    const template = String(section.url_template)
    const schemaTemplate =
      section.schema_template === undefined || section.schema_template === null
        ? undefined
        : String(section.schema_template)
    if (!template.includes('${tenant}') && !schemaTemplate?.includes('${tenant}')) {
      throw new ConfigError(
        `${whereFleet(schemaTemplate === undefined ? 'url_template' : 'schema_template')}: no \${tenant} in url_template${schemaTemplate === undefined ? '' : ' nor in schema_template'}: every tenant would be the same database`,
      )
    }

    if (schemaTemplate !== undefined && !/^postgres(ql)?(\+[\w.-]+)?:\/\//i.test(template.trim())) {
      throw new ConfigError(
        `${whereFleet('schema_template')}: a schema per tenant needs PostgreSQL, and url_template is not a postgresql:// URL`,
      )
    }

    // Every tenant has the fleet's settings, read once; only its name, URL and schema are its own.
    const shared = fieldsOf(fleet, sectionName, section, fleet)
    for (const tenant of await fleetTenants(section, whereFleet, dir, env, options.queryTenants)) {
      const schema =
        schemaTemplate === undefined
          ? undefined
          : checkIdentifier(schemaTemplate.replaceAll('${tenant}', tenant), whereFleet('schema_template'), 'schema')
      fields.push({
        fields: {...shared, name: `${fleet}/${tenant}`, schema},
        url: () =>
          naming(whereFleet('url_template'), () =>
            parseDatabaseUrl(expandUrlTemplate(template, whereFleet('url_template'), {...env, tenant}), dir),
          ),
      })
    }
  }

  // `order` fixes the order (subscribers before their publisher); equal orders keep the file's.
  fields.sort((a, b) => a.fields.order - b.fields.order)

  let chosen = fields
  if (options.db !== undefined) {
    chosen = fields.filter((d) => d.fields.name === options.db || d.fields.fleet === options.db)
    if (chosen.length === 0) {
      const names = [
        ...new Set(
          fields.map((d) =>
            d.fields.fleet ? `${d.fields.fleet} (a fleet; or ${d.fields.fleet}/TENANT)` : d.fields.name,
          ),
        ),
      ]
      throw new ConfigError(`--db ${options.db}: no such database in ${base} (it has: ${names.join(', ')})`)
    }
  }

  if (options.shard !== undefined) {
    const {count, index} = parseShard(options.shard)
    chosen = chosen.filter((d) => shardOf(d.fields.name, count) === index)
  }

  if (chosen.length === 0 && fields.length === 0 && fleets.length > 0)
    throw new ConfigError(`${base}: no database to act on`)

  if (override) {
    if (chosen.length > 1) {
      throw new ConfigError(
        `${override.source} names one database but ${base} has ${chosen.length}: choose one with --db NAME`,
      )
    }

    // The file's connection is replaced, so it is never expanded: its variables need not be set.
    // `dev = true` vouches for the file's connection, not for another URL: reset refuses that one.
    chosen = [
      {
        fields: {...chosen[0].fields, dev: false, devOverriddenBy: chosen[0].fields.dev ? override.source : undefined},
        url: () => naming(override.source, () => parseDatabaseUrl(override.text, cwd)),
      },
    ]
  }

  if (options.scriptLocation) {
    const locations = new Set(chosen.map((d) => d.fields.scriptLocation))
    if (locations.size > 1)
      throw new ConfigError(
        `--script-location names one chain but ${base} has ${locations.size}: choose one database with --db NAME`,
      )
    const scriptLocation = path.resolve(cwd, options.scriptLocation)
    chosen = chosen.map((d) => ({...d, fields: {...d.fields, missingScripts: undefined, scriptLocation}}))
  }

  const databases: DatabaseConfig[] = chosen.map((d) =>
    databaseConfig(
      {...d.fields, seedLocation: d.fields.seedLocation ?? path.join(path.dirname(d.fields.scriptLocation), 'seeds')},
      d.url,
    ),
  )
  const scriptsGiven = found !== undefined || Boolean(options.scriptLocation)
  const parallel = options.parallel ?? 1
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new ConfigError(`--parallel ${parallel}: expected a whole number of 1 or more`)
  const nameEach = databases.length > 1 || (databases.some((d) => d.fleet) && options.db !== databases[0]?.name)
  return Object.freeze({
    databases: Object.freeze(databases),
    failFast: options.failFast ?? false,
    file,
    lockTimeout,
    nameEach,
    parallel,
    revisionDigits,
    scriptsGiven,
    statementLockRetries,
    statementLockTimeout,
    statementTimeout,
    transactionPerMigration,
    validateOnMigrate,
  })
}

/**
 * How a section's connection is made, or undefined when it has none:
 * `connection` (a URL template, variables in its user and password
 * percent-encoded) or the discrete keys, in the section or in [database].
 * Nothing is expanded until a command connects.
 */
function connectionOf(
  section: Section | undefined,
  sectionName: string,
  defaults: Section | undefined,
  context: {base: string; dir: string; env: NodeJS.ProcessEnv},
): (() => DatabaseUrl) | undefined {
  const {base, dir, env} = context
  const has = (s: Section | undefined, key: string) => s?.[key] !== undefined && s?.[key] !== null
  const defines = (s: Section | undefined) => has(s, 'connection') || has(s, 'dialect')
  const home = defines(section) ? section : defines(defaults) ? defaults : undefined
  if (!home) return undefined
  const homeName = home === section ? sectionName : 'database'
  const where = (key: string) => `${base} [${homeName}] ${key}`
  if (has(home, 'connection')) {
    const extra = PART_KEYS.find((k) => has(home, k))
    if (extra)
      throw new ConfigError(
        `${where(extra)}: give either connection or the discrete keys (${PART_KEYS.join(', ')}), not both`,
      )
    const template = String(home.connection)
    return () => {
      const text = expandUrlTemplate(template, where('connection'), env)
      return naming(where('connection'), () => parseDatabaseUrl(text, dir))
    }
  }

  return () => {
    // Expanded first: an unset variable already names its key.
    const part = (key: (typeof PART_KEYS)[number]) =>
      has(home, key) ? expandEnv(String(home[key]), where(key), env) : undefined
    const parts = {
      database: part('database'),
      dialect: part('dialect')!,
      host: part('host'),
      password: part('password'),
      port: part('port'),
      query: part('query'),
      username: part('username'),
    }
    return naming(`${base} [${homeName}]`, () => urlFromParts(parts, dir))
  }
}

/** `read()`, its failure a ConfigError that names the setting (`where`) first. */
function naming<T>(where: string, read: () => T): T {
  try {
    return read()
  } catch (error) {
    throw new ConfigError(`${where}: ${errorMessage(error)}`)
  }
}

async function readRawConfig(
  configFile: string | undefined,
  cwd: string,
  withoutFile: boolean,
): Promise<undefined | {file: string; raw: RawConfig}> {
  if (configFile) {
    const file = path.resolve(cwd, configFile)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new ConfigError(
        `cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
      )
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
    if (withoutFile) return undefined
    throw new ConfigError(
      `no db-manage config found in ${cwd} or its parents (looked for ${CONFIG_FILE_NAMES.join(', ')} and a "db-manage" key in package.json): run "db-manage init", or pass --config-file or --script-location`,
    )
  }

  refusePlanted(found.filepath)
  return {file: found.filepath, raw: found.config as RawConfig}
}

/**
 * A config found by the search upward that sits in a folder every user may
 * write to (/tmp, /var/tmp) and is another user's is not read: its
 * script_location and target_schema name code that would run as this user
 * (a run in /tmp/work with no config of its own would find /tmp/db-manage.ini).
 * Named with --config-file, it is read: the user chose it.
 */
function refusePlanted(file: string): void {
  if (typeof process.getuid !== 'function') return
  let owner: number
  let folderMode: number
  try {
    owner = lstatSync(file).uid
    folderMode = statSync(path.dirname(file)).mode
  } catch {
    return
  }

  if ((folderMode & 0o002) === 0 || owner === process.getuid() || owner === 0) return
  throw new ConfigError(
    `${file} is another user's (uid ${owner}) in a folder anyone may write to: not read, as what it names ` +
      'would run as you (name it with --config-file to use it anyway, or add a config of your own)',
  )
}

/**
 * Parse ini text, rejecting what the ini package would silently accept in
 * db-manage's own sections. Other sections belong to other tools (an oslo
 * config's continuation lines and all) and are only skipped.
 */
export function parseConfigText(text: string, file: string): RawConfig {
  let section: string | undefined
  for (const [i, line] of text.split(/\r?\n/).entries()) {
    const t = line.trim()
    if (t === '' || t.startsWith(';') || t.startsWith('#')) continue
    const header = /^\[([^\]]+)]$/.exec(t)
    if (header) {
      section = header[1].trim()
    } else if (section !== undefined && !ownsSection(section)) {
      continue
    } else if (!/^[^=[]+=/.test(t)) {
      throw new ConfigError(`${file}:${i + 1}: not an ini line: ${t.slice(0, 60)}`)
    } else if (section === undefined) {
      throw new ConfigError(`${file}:${i + 1}: setting outside any section (start with [db_manage] or [database])`)
    } else {
      refuseCutSecret(t, section, file)
    }
  }

  // ini nests sections on dots ([a.b]); db-manage's section names have none.
  return ini.parse(text) as RawConfig
}

/** The keys whose value may hold a password written as it is. */
const SECRET_KEYS = new Set(['connection', 'control_url', 'password', 'scratch_url', 'url_template', 'username'])

/**
 * The ini format ends a value at a `;` or `#` (a comment): in a password
 * written as it is, one would silently cut the URL or the password. A `;`
 * or `#` that follows a space is a comment, as anywhere in the file; one
 * inside the value (`p;ss`) is refused, naming the setting and not the value.
 */
function refuseCutSecret(line: string, section: string, file: string): void {
  const [, key, value] = /^([^=]+?)\s*=\s*(.*)$/.exec(line) ?? []
  if (!key || !SECRET_KEYS.has(key) || /^["']/.test(value)) return
  if (!/[^\s\\][;#]/.test(value)) return
  const fix =
    key === 'password' || key === 'username' ? 'quote the value ("...") or write password = ${VAR}' : URL_PASSWORD_FIX
  throw new ConfigError(
    `${path.basename(file)} [${section}] ${key}: a ; or # inside the value would start an ini comment` +
      ` and cut it (a password written raw?); it is not printed: ${fix}`,
  )
}

/** The section of db-manage's that a foreign-looking section name is one or two typos away from. */
function misspelled(name: string): string | undefined {
  if (ownsSection(name)) return undefined
  const head = name.includes(':') ? name.slice(0, name.indexOf(':')) : name
  const tail = name.includes(':') ? name.slice(name.indexOf(':')) : ''
  for (const own of ['db_manage', 'database']) {
    if (editDistance(head.toLowerCase(), own) <= 2) return own === 'database' ? `database${tail}` : own
  }

  return undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = row
  }

  return previous[b.length]
}

function checkKeys(section: unknown, name: string, allowed: Set<string>, base: string): void {
  if (typeof section !== 'object' || section === null) {
    throw new ConfigError(`${base}: [${name}] must be a section`)
  }

  for (const key of Object.keys(section)) {
    if (allowed.has(key)) continue
    // oslo.db's pool options in [database] are another tool's settings for the same connection.
    if (name !== 'db_manage' && OSLO_DB_OPTIONS.has(key)) continue
    throw new ConfigError(`${base} [${name}]: unknown key "${key}" (known: ${[...allowed].sort().join(', ')})`)
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
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${where}: expected a whole number from ${min} to ${max}, got "${text}"`)
  return n
}

/** `schemas = public, billing`: PostgreSQL schemas of one database, the first holding the version table. */
function parseSchemas(text: string | undefined, where: string): string[] {
  const names = (text ?? '').split(/[\s,]+/).filter(Boolean)
  for (const name of names) checkIdentifier(name, where, 'schema')
  const twice = names.find((name, i) => names.indexOf(name) !== i)
  if (twice) throw new ConfigError(`${where}: ${twice} is listed twice`)
  return names
}

function checkIdentifier(name: string, where: string, what = 'table'): string {
  if (!/^[A-Za-z_][\w$]{0,62}$/.test(name)) throw new ConfigError(`${where}: "${name}" is not a plain ${what} name`)
  return name
}

/** `DM123 off, DM106 error, DM121 warning`: a rule turned off, or given another severity. */
function parseLintRules(text: string | undefined, where: string): ReadonlyMap<string, LintRuleSetting> {
  const rules = new Map<string, LintRuleSetting>()
  for (const entry of (text ?? '').split(/[,|]/).map((e) => e.trim())) {
    if (!entry) continue
    const m = /^(DM\d{3})\s*[=:\s]\s*(off|on|error|warning|info)$/i.exec(entry)
    if (!m)
      throw new ConfigError(
        `${where}: "${entry}" should be a rule and what to make of it: "DM123 off", "DM106 error" (off, on, error, warning, info)`,
      )
    rules.set(m[1].toUpperCase(), m[2].toLowerCase() as LintRuleSetting)
  }

  return rules
}

/** `13`, `14.3`, `140003` (server_version_num): PostgreSQL's server_version_num. */
export function parsePostgresVersion(text: string | undefined, where: string): number | undefined {
  if (text === undefined || text.trim() === '') return undefined
  const t = text.trim()
  if (/^\d{5,6}$/.test(t)) return Number(t)
  const m = /^(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(t)
  if (!m || Number(m[1]) < 9)
    throw new ConfigError(`${where}: "${t}" is not a PostgreSQL version: write it as 13, 14.3 or 140003`)
  const major = Number(m[1])
  const minor = Number(m[2] ?? 0)
  return major >= 10 ? major * 10_000 + minor : major * 10_000 + minor * 100
}

/** `8.0.35`, `8.4`, `10.11.6-MariaDB`, `mariadb 10.6`: a MySQL or MariaDB version, as VERSION() says it. */
export function parseMysqlVersion(
  text: string | undefined,
  where: string,
): undefined | {readonly mariadb: boolean; readonly version: number} {
  if (text === undefined || text.trim() === '') return undefined
  const t = text.trim()
  const m = /^(?:(mariadb|mysql)[\s-]*)?(\d+)\.(\d+)(?:\.(\d+))?([\w.+~-]*)$/i.exec(t)
  if (!m) throw new ConfigError(`${where}: "${t}" is not a MySQL version: write it as 8.0.35, 8.4 or 10.11.6-MariaDB`)
  const mariadb = /mariadb/i.test(m[1] ?? '') || /mariadb/i.test(m[5]) || Number(m[2]) >= 10
  return {mariadb, version: Number(m[2]) * 10_000 + Number(m[3]) * 100 + Number(m[4] ?? 0)}
}

/** `DM110 -- raw SQL is reviewed by the DBA | DM106 -- ...`: each rule allowed with its reason, which is required. */
function parseLintAllow(text: string | undefined, where: string): ReadonlyMap<string, string> {
  const allowed = new Map<string, string>()
  for (const entry of (text ?? '')
    .split('|')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^(DM\d{3})\s+--\s*(\S.*)$/.exec(entry)
    if (!m)
      throw new ConfigError(
        `${where}: "${entry}" should be "DMxxx -- the reason it is allowed" (the reason is required)`,
      )
    allowed.set(m[1], m[2].trim())
  }

  return allowed
}
