import type {Config} from '../config/config.js'

/**
 * What every command prints with --json: one document, the same envelope for
 * each command (docs/json-output.schema.json; README, "JSON output").
 */
export interface JsonEnvelope {
  /** The command's name (`check_migration` also when called by its alias). */
  readonly command: string
  /** The database acted on when there was exactly one; null for several (each item of `data` names its own) or none. */
  readonly database: null | string
  /** True when the command did what it was asked; the exit code is then 0. */
  readonly ok: boolean
  /** The command's own result; on failure what it found before it failed, or null. */
  readonly data: unknown
  /** Null on success; otherwise the one line the CLI would print, its exit code and kind. */
  readonly error: JsonError | null
}

export interface JsonError {
  readonly code: number
  readonly name: string
  readonly message: string
  /** With several databases, the one that failed. */
  readonly database?: string
}

export function envelope(
  command: string,
  config: Config | undefined,
  data: unknown,
  error: JsonError | null,
): JsonEnvelope {
  const database = config?.databases.length === 1 ? config.databases[0].name : null
  return {command, data: data === undefined ? null : data, database, error, ok: error === null}
}
