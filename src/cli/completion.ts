/** What a completion script needs of a command: its name(s) and flags. */
export interface CompletionCommand {
  readonly id: string
  readonly aliases: readonly string[]
  readonly hidden: boolean
  readonly flags: Readonly<Record<string, {char?: string; hidden?: boolean; options?: readonly string[]; type: string}>>
}

/** Flags whose value is a path: completed as files (folders for --script-location). */
const FILE_FLAGS = new Set(['config-file', 'output-file'])
const FOLDER_FLAGS = new Set(['script-location'])

const word = (s: string) => s.replaceAll(/[^\w.:/=-]/g, '')

/**
 * A bash completion function for `bin` (zsh reads it through bashcompinit):
 * commands, each command's flags, and flag values: a flag's options
 * (`--dialect postgresql|mysql|sqlite`, `--template ts|sql`), files for
 * `--config-file` and `-o`, folders for `--script-location`; a command's
 * argument falls back to file names (`exec FILE`).
 */
export function bashCompletion(bin: string, commands: readonly CompletionCommand[]): string {
  const visible = commands.filter((c) => !c.hidden)
  const names = [...new Set(visible.flatMap((c) => [c.id, ...c.aliases]))].sort()
  const valueFlags = new Set<string>()
  const flagCases: string[] = []
  const valueCases = new Map<string, string>()
  for (const c of visible) {
    const flags = Object.entries(c.flags).filter(([, f]) => !f.hidden)
    const spelled = flags.flatMap(([name, f]) => [`--${name}`, ...(f.char ? [`-${f.char}`] : [])])
    flagCases.push(`    ${[c.id, ...c.aliases].map(word).join('|')}) opts="${spelled.map(word).join(' ')}" ;;`)
    for (const [name, f] of flags) {
      if (f.type !== 'option') continue
      const forms = [`--${name}`, ...(f.char ? [`-${f.char}`] : [])]
      for (const form of forms) valueFlags.add(form)
      const action = f.options
        ? `COMPREPLY=($(compgen -W "${f.options.map(word).join(' ')}" -- "$cur"))`
        : FILE_FLAGS.has(name)
          ? 'COMPREPLY=($(compgen -f -- "$cur"))'
          : FOLDER_FLAGS.has(name)
            ? 'COMPREPLY=($(compgen -d -- "$cur"))'
            : 'COMPREPLY=()'
      for (const id of [c.id, ...c.aliases])
        for (const form of forms) valueCases.set(`${word(id)}:${word(form)}`, action)
    }
  }

  const fn = `_${bin.replaceAll(/\W/g, '_')}_complete`
  return `# ${bin} completion for bash (and zsh: autoload -U +X bashcompinit && bashcompinit first).
# Load it with: eval "$(${bin} completion bash)"
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" cmd="" i=1 w opts
  local -a words=("\${COMP_WORDS[@]}")
  # --flag=value: bash splits at "=", so the flag is two words back.
  if [[ $cur == "=" ]]; then cur=""; prev="\${words[COMP_CWORD-1]}"
  elif [[ \${words[COMP_CWORD-1]} == "=" ]]; then prev="\${words[COMP_CWORD-2]}"
  elif (( COMP_CWORD > 0 )); then prev="\${words[COMP_CWORD-1]}"; fi
  # The command: the first word that is not a flag or a flag's value (global flags may come first).
  while (( i < COMP_CWORD )); do
    w="\${words[i]}"
    case "$w" in
      ${[...valueFlags].filter((f) => ['--config-file', '-c', '--db', '--url', '--script-location', '--parallel', '--shard'].includes(f)).join('|')}) i=$((i + 2)); [[ \${words[i-1]} == "=" ]] && i=$((i + 1)); continue ;;
      -*|=) ;;
      *) cmd="$w"; break ;;
    esac
    i=$((i + 1))
  done
  case "$cmd:$prev" in
${[...valueCases].map(([key, action]) => `    ${key}) ${action}; return ;;`).join('\n')}
  esac
  if [[ -z $cmd ]]; then
    case "$prev" in
      --config-file|-c) COMPREPLY=($(compgen -f -- "$cur")); return ;;
      --script-location) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    esac
    COMPREPLY=($(compgen -W "${names.map(word).join(' ')}" -- "$cur"))
    return
  fi
  case "$cmd" in
${flagCases.join('\n')}
    *) opts="" ;;
  esac
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F ${fn} ${bin}
`
}
