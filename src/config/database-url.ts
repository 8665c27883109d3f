import path from 'node:path'

import {type DialectName} from '../util/dialect-names.js'
import {ConfigError} from '../util/errors.js'

export interface DatabaseUrl {
  readonly dialect: DialectName
  /** The URL with its password replaced by `***`, built from the parsed parts: the only form ever printed. */
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

/** URL schemes (SQLAlchemy's names and their aliases) and the dialect each means. */
export const SCHEMES: Readonly<Record<string, DialectName>> = {
  mariadb: 'mysql',
  mysql: 'mysql',
  postgres: 'postgresql',
  postgresql: 'postgresql',
  sqlite: 'sqlite',
}

/**
 * Replace the password in anything that looks like a URL with `***`: a last
 * line of defence for driver messages. URLs db-manage prints are built masked.
 */
export function maskUrl(text: string): string {
  return text.replaceAll(/([a-z][\w+.-]*:\/\/[^/:@\s]*):[^\s]*@(?=[^\s@]*(?:[/?\s]|$))/gi, '$1:***@')
}

/**
 * `write`, with the password of `url` (as given, and percent-encoded) and of
 * anything that looks like a URL replaced by `***`: for --debug's lines,
 * which show the statements a session sends (a statement may name a URL).
 */
export function hidingPassword(url: DatabaseUrl, write: (line: string) => void): (line: string) => void {
  const secrets = url.password ? [...new Set([url.password, encodeURIComponent(url.password)])] : []
  return (line) => write(secrets.reduce((text, secret) => text.replaceAll(secret, '***'), maskUrl(line)))
}

const SECRET_PARAMS = /^(password|passwd|pass|secret|sslpassword|sslkey)$/i

/**
 * `user:password@host:port` as a URL writes it: the user percent-encoded, an
 * IPv6 host bracketed, the password as the caller gives it (encoded, or `***`).
 */
function authority(
  user: string | undefined,
  password: string | undefined,
  host: string,
  port: number | string | undefined,
): string {
  const who = user === undefined ? '' : encodeURIComponent(user)
  const auth = who || password !== undefined ? `${who}${password === undefined ? '' : `:${password}`}@` : ''
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `${auth}${bracketed}${port === undefined || port === '' ? '' : `:${port}`}`
}

function maskedText(
  scheme: string,
  parts: {
    user?: string
    password?: string
    host?: string
    port?: number
    database?: string
    params: Record<string, string>
  },
): string {
  const query = Object.entries(parts.params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_PARAMS.test(k) ? '***' : encodeURIComponent(v)}`)
    .join('&')
  const auth = authority(parts.user, parts.password === undefined ? undefined : '***', parts.host ?? '', parts.port)
  return `${scheme}://${auth}/${encodeURIComponent(parts.database ?? '')}${query ? `?${query}` : ''}`
}

/**
 * How to write a password that holds what a URL uses to separate its parts: the end of each URL error that may be one.
 */
export const URL_PASSWORD_FIX =
  'percent-encode the user and password (@ %40, / %2F, ? %3F, # %23, % %25, : %3A, ; %3B, space %20),' +
  ' or use the discrete keys (host, username, database, ...) with password = ${VAR}'

/**
 * Refuse a URL (the text after `scheme://`) that can be read two ways, before
 * any part of it is used or printed. A raw password holding `/`, `?` or `#`
 * ends the URL's authority early: `app:p/ss@db/app` reads as host `app`
 * and database `ss@db/app`, which would be printed. Such a password always
 * leaves an `@` after the authority's end, where a URL has none of its own
 * (a database name or option holding one is written %40). A `#` would start
 * a fragment, which a database URL never has; a tab or line break is
 * silently dropped by the URL parser.
 */
function refuseAmbiguous(rest: string, scheme: string): void {
  const authorityEnd = rest.search(/[/?#]/)
  const late = authorityEnd !== -1 && rest.includes('@', authorityEnd)
  if (late || rest.includes('#')) {
    throw new ConfigError(
      `the ${scheme}:// URL can be read two ways: ${late ? 'an @ comes after a / ? or #' : 'it has a #'}` +
        ` (a password written raw?); it is not printed: ${URL_PASSWORD_FIX}`,
    )
  }

  if (/[\u0000-\u001F\u007F]/.test(rest)) {
    throw new ConfigError(
      `the ${scheme}:// URL holds a control character (tab, line break); it is not printed: ${URL_PASSWORD_FIX}`,
    )
  }
}

/**
 * Parse a connection URL as SQLAlchemy spells it. A driver suffix
 * (`postgresql+psycopg2://`) is accepted and ignored so that an existing
 * alembic.ini or sahara.conf URL works unchanged. A relative SQLite path is
 * resolved against `baseDir` (the config file's folder, or the working
 * directory for a URL given on the command line). Errors never quote the
 * text: a URL that does not parse may hold a password in any place.
 */
export function parseDatabaseUrl(raw: string, baseDir: string = process.cwd()): DatabaseUrl {
  const text = raw.trim()
  const match = /^([a-z][\w.-]*)(\+[\w.-]+)?:\/\//i.exec(text)
  if (!match)
    throw new ConfigError(
      'invalid database URL: expected scheme://..., e.g. postgresql://user@host/db or sqlite:///app.sqlite',
    )
  const scheme = match[1].toLowerCase()
  const written = `${scheme}${match[2] ?? ''}`
  const dialect = SCHEMES[scheme]
  if (!dialect) {
    throw new ConfigError(
      `unsupported database URL scheme "${scheme}": use postgresql://, mysql://, mariadb:// or sqlite:///`,
    )
  }

  const rest = text.slice(match[0].length)
  if (dialect === 'sqlite') return parseSqlite(rest, written, baseDir)
  refuseAmbiguous(rest, written)

  let url: URL
  try {
    url = new URL(`db://${rest}`)
  } catch {
    throw new ConfigError(`invalid ${written}:// URL (it is not printed: it may hold a password): ${URL_PASSWORD_FIX}`)
  }

  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part)
    } catch {
      throw new ConfigError(
        `invalid ${written}:// URL: its ${what} has a bad %-escape (it is not printed: it may hold a password): ${URL_PASSWORD_FIX}`,
      )
    }
  }

  const params: Record<string, string> = {}
  for (const [key, value] of url.searchParams) params[key] = value
  if (!url.hostname && !params.host) throw new ConfigError(`${written}:// URL names no host`)
  const database = decode(url.pathname.replace(/^\//, ''), 'database name')
  if (!database) throw new ConfigError(`${written}:// URL names no database (add /DBNAME after the host)`)
  const port = url.port ? Number(url.port) : undefined
  const host = decode(url.hostname || params.host, 'host').replace(/^\[(.*)]$/, '$1')
  const user = url.username ? decode(url.username, 'user') : undefined
  const password = url.password ? decode(url.password, 'password') : undefined
  return Object.freeze({
    database,
    dialect,
    host,
    masked: maskedText(written, {database, host, params, password, port, user}),
    params: Object.freeze(params),
    password,
    port,
    user,
  })
}

function parseSqlite(rest: string, scheme: string, baseDir: string): DatabaseUrl {
  // SQLAlchemy: sqlite:// and sqlite:///:memory: are in memory; sqlite:///x is
  // relative; sqlite:////x is absolute.
  const [location, query = ''] = rest.split('?', 2)
  const params = Object.fromEntries(new URLSearchParams(query))
  const masked = `${scheme}://${rest}`
  if (location === '' || location === '/:memory:' || location === '/') {
    return Object.freeze({dialect: 'sqlite', filename: ':memory:', masked, params})
  }

  if (!location.startsWith('/')) {
    throw new ConfigError(
      'invalid SQLite URL: use sqlite:///relative/path, sqlite:////absolute/path or sqlite:///:memory:',
    )
  }

  const file = decodeURIComponent(location.slice(1))
  return Object.freeze({dialect: 'sqlite', filename: path.resolve(baseDir, file), masked, params})
}

/** The discrete keys that may replace `connection`: dialect, host, port, username, password, database, query. */
export interface ConnectionParts {
  readonly dialect: string
  readonly host?: string
  readonly port?: string
  readonly username?: string
  readonly password?: string
  readonly database?: string
  /** `k=v&k2=v2` options, as in a URL's query string. */
  readonly query?: string
}

/** A URL from discrete keys, every part percent-encoded, so no character of a password can break it. */
export function urlFromParts(parts: ConnectionParts, baseDir: string): DatabaseUrl {
  const scheme = parts.dialect.trim().toLowerCase().replace(/\+.*$/, '')
  const dialect = SCHEMES[scheme]
  if (!dialect) throw new ConfigError(`dialect "${parts.dialect}": expected postgresql, mysql, mariadb or sqlite`)
  const query = parts.query ? `?${parts.query.replace(/^\?/, '')}` : ''
  if (dialect === 'sqlite') {
    if (!parts.database) return parseDatabaseUrl(`sqlite://${query}`, baseDir)
    const file = parts.database === ':memory:' ? ':memory:' : path.resolve(baseDir, parts.database)
    return parseDatabaseUrl(
      `sqlite:///${file === ':memory:' ? file : file.split('/').map(encodeURIComponent).join('/')}${query}`,
      baseDir,
    )
  }

  if (!parts.host) throw new ConfigError('host is required with discrete connection keys')
  if (!parts.database) throw new ConfigError('database is required with discrete connection keys')
  if (parts.port !== undefined && !/^\d{1,5}$/.test(parts.port.trim()))
    throw new ConfigError(`port "${parts.port}" is not a port number`)
  const auth = authority(
    parts.username,
    parts.password === undefined ? undefined : encodeURIComponent(parts.password),
    parts.host,
    parts.port?.trim(),
  )
  return parseDatabaseUrl(`${scheme}://${auth}/${encodeURIComponent(parts.database)}${query}`, baseDir)
}
