import path from 'node:path'

import {ConfigError} from '../util/errors.js'

export type DialectName = 'mysql' | 'postgresql' | 'sqlite'

export interface DatabaseUrl {
  readonly dialect: DialectName
  /** The URL with its password replaced by `***`: the only form ever printed. */
  readonly masked: string
  /** Connection parameters for pg / mysql2 (undefined for SQLite). */
  readonly host?: string
  readonly port?: number
  readonly user?: string
  readonly password?: string
  readonly database?: string
  /** Query-string options, e.g. `sslmode`, `charset`. */
  readonly params: Readonly<Record<string, string>>
  /** SQLite only: `:memory:` or an absolute file path. */
  readonly filename?: string
}

const SCHEMES: Record<string, DialectName> = {
  mariadb: 'mysql',
  mysql: 'mysql',
  postgres: 'postgresql',
  postgresql: 'postgresql',
  sqlite: 'sqlite',
}

/** Replace the password in anything that looks like a URL with `***`. */
export function maskUrl(text: string): string {
  return text.replaceAll(/([a-z][\w+.-]*:\/\/[^/:@\s]*):[^\s/]*@/gi, '$1:***@')
}

/**
 * Parse a connection URL as SQLAlchemy spells it. A driver suffix
 * (`postgresql+psycopg2://`) is accepted and ignored so that an existing
 * alembic.ini or sahara.conf URL works unchanged. A relative SQLite path is
 * resolved against `baseDir` (the config file's folder, or the working
 * directory for a URL given on the command line).
 */
export function parseDatabaseUrl(raw: string, baseDir: string = process.cwd()): DatabaseUrl {
  const text = raw.trim()
  const masked = maskUrl(text)
  const match = /^([a-z][\w.-]*)(?:\+[\w.-]+)?:\/\//i.exec(text)
  if (!match) throw new ConfigError(`invalid database URL "${masked}": expected scheme://..., e.g. postgresql://user@host/db or sqlite:///app.sqlite`)
  const scheme = match[1].toLowerCase()
  const dialect = SCHEMES[scheme]
  if (!dialect) {
    throw new ConfigError(`unsupported database URL scheme "${scheme}" in "${masked}": use postgresql://, mysql://, mariadb:// or sqlite:///`)
  }

  const rest = text.slice(match[0].length)
  if (dialect === 'sqlite') return parseSqlite(rest, masked, baseDir)

  let url: URL
  try {
    url = new URL(`db://${rest}`)
  } catch {
    throw new ConfigError(`invalid database URL "${masked}"`)
  }

  if (!url.hostname && !url.searchParams.get('host')) throw new ConfigError(`database URL "${masked}" names no host`)
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''))
  if (!database) throw new ConfigError(`database URL "${masked}" names no database (add /DBNAME after the host)`)
  let port: number | undefined
  if (url.port) port = Number(url.port)

  const params: Record<string, string> = {}
  for (const [key, value] of url.searchParams) params[key] = value
  return Object.freeze({
    database,
    dialect,
    host: decodeURIComponent(url.hostname || params.host).replace(/^\[(.*)]$/, '$1'),
    masked,
    params: Object.freeze(params),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    port,
    user: url.username ? decodeURIComponent(url.username) : undefined,
  })
}

function parseSqlite(rest: string, masked: string, baseDir: string): DatabaseUrl {
  // SQLAlchemy: sqlite:// and sqlite:///:memory: are in memory; sqlite:///x is
  // relative; sqlite:////x is absolute.
  const [location, query = ''] = rest.split('?', 2)
  const params = Object.fromEntries(new URLSearchParams(query))
  if (location === '' || location === '/:memory:' || location === '/') {
    return Object.freeze({dialect: 'sqlite', filename: ':memory:', masked, params})
  }

  if (!location.startsWith('/')) {
    throw new ConfigError(`invalid SQLite URL "${masked}": use sqlite:///relative/path, sqlite:////absolute/path or sqlite:///:memory:`)
  }

  const file = decodeURIComponent(location.slice(1))
  return Object.freeze({dialect: 'sqlite', filename: path.resolve(baseDir, file), masked, params})
}
