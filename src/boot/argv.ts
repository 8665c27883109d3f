/** Global flags that take a value, and those that do not. */
const VALUE_FLAGS = new Set(['--config-file', '-c', '--db', '--parallel', '--script-location', '--shard', '--url'])
const SWITCHES = new Set(['--debug', '--fail-fast'])

/**
 * Move the global flags written before the command to after it, so
 * sahara-db-manage's and alembic's own order works as is:
 * `db-manage --config-file sahara.conf upgrade head`. oclif looks for the
 * command in the first word, so this runs before it parses anything.
 */
export function hoistGlobalFlags(argv: readonly string[]): string[] {
  const moved: string[] = []
  let i = 0
  while (i < argv.length) {
    const arg = argv[i]
    const name = arg.split('=', 1)[0]
    if (SWITCHES.has(arg)) {
      moved.push(arg)
      i += 1
    } else if (VALUE_FLAGS.has(name)) {
      const takesNext = !arg.includes('=') && i + 1 < argv.length
      moved.push(...argv.slice(i, takesNext ? i + 2 : i + 1))
      i += takesNext ? 2 : 1
    } else if (/^-c[^-]/.test(arg)) {
      moved.push(arg)
      i += 1
    } else {
      break
    }
  }

  const rest = argv.slice(i)
  if (moved.length === 0 || rest.length === 0 || rest[0].startsWith('-')) return [...argv]
  const end = rest.indexOf('--')
  return end === -1 ? [...rest, ...moved] : [...rest.slice(0, end), ...moved, ...rest.slice(end)]
}
