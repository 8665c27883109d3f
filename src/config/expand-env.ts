import {ConfigError} from '../util/errors.js'

/**
 * Expand `${VAR}` and `${VAR:-default}` from the environment, as a shell
 * would, so secrets stay out of the config file. `$$` is a literal `$`.
 * An unset variable without a default is an error naming it and the key.
 */
export function expandEnv(value: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replaceAll(/\$\$|\$\{([A-Za-z_]\w*)(?::?-([^}]*))?}/g, (whole, name: string | undefined, fallback: string | undefined) => {
    if (!name) return '$'
    const set = env[name]
    if (set !== undefined && (set !== '' || !whole.includes(':-'))) return set
    if (fallback !== undefined) return fallback
    throw new ConfigError(`${where}: environment variable ${name} is not set (write \${${name}:-default} to give a default)`)
  })
}
