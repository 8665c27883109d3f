import {ConfigError} from '../util/errors.js'

/**
 * `$$`, `${VAR}`, `${VAR:-default}`, and a default that is itself a reference, `${POSTGRES_DB:-${POSTGRES_DATABASE}}`.
 */
const REFERENCE = /\$\$|\$\{([A-Za-z_]\w*)(?::?-((?:\$\{[A-Za-z_]\w*(?::?-[^{}]*)?\}|[^}])*))?}/g

function lookup(
  whole: string,
  name: string,
  fallback: string | undefined,
  where: string,
  env: NodeJS.ProcessEnv,
): string {
  const set = env[name]
  if (set !== undefined && (set !== '' || !whole.includes(':-'))) return set
  if (fallback !== undefined) return fallback.includes('${') ? expandEnv(fallback, where, env) : fallback
  throw new ConfigError(
    `${where}: environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
  )
}

/**
 * Expand `${VAR}` and `${VAR:-default}` from the environment, as a shell
 * would, so secrets stay out of the config file. `$$` is a literal `$`.
 * An unset variable without a default is an error naming it and the key.
 */
export function expandEnv(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replaceAll(REFERENCE, (whole, name: string | undefined, fallback: string | undefined) =>
    name ? lookup(whole, name, fallback, where, env) : '$',
  )
}

/**
 * Expand a connection URL template. A value expanded into the user or
 * password part (`postgresql://${USER}:${PASSWORD}@host/db`) is inserted
 * percent-encoded, so a password holding `@`, `/`, `:`, `#` or `%` cannot
 * move the host or leak into it. The parts are found from the template's own
 * literal text: the authority runs from `://` to the first `/`, `?` or `#`,
 * and the user information to the last `@` in it.
 */
export function expandUrlTemplate(template: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  const scheme = template.indexOf('://')
  if (scheme === -1) return expandEnv(template, where, env)
  // The literal text with each reference blanked out (same length), to find the URL's parts.
  const literal = template.replaceAll(REFERENCE, (whole) => '\u0000'.repeat(whole.length))
  const start = scheme + 3
  const slash = literal.slice(start).search(/[/?#]/)
  const authorityEnd = slash === -1 ? literal.length : start + slash
  const at = literal.lastIndexOf('@', authorityEnd - 1)
  const userInfoEnd = at >= start ? at : -1
  return template.replaceAll(
    REFERENCE,
    (whole, name: string | undefined, fallback: string | undefined, offset: number) => {
      if (!name) return '$'
      const value = lookup(whole, name, fallback, where, env)
      return offset >= start && offset < userInfoEnd ? encodeURIComponent(value) : value
    },
  )
}
