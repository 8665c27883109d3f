/**
 * Every failure a user can cause is one of these. The CLI turns them into a
 * single line and an exit code in exactly one place (cli/base-command.ts);
 * anything else is a bug and keeps its stack trace under --debug.
 */
const KINDS = Symbol.for('db-manage.error-kinds')

export class DbManageError extends Error {
  /** Process exit code the CLI uses for this kind of failure. */
  readonly exitCode: number = 1

  /** What the command found before it failed, for --json: one document holds both. */
  readonly data?: unknown

  constructor(message: string, options?: {cause?: unknown; data?: unknown}) {
    super(message, options)
    if (options?.data !== undefined) this.data = options.data
    this.name = new.target.name
    const kinds: string[] = []
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c))
      kinds.push((c as {name: string}).name)
    Object.defineProperty(this, KINDS, {value: kinds})
  }

  /**
   * instanceof by kind name, so it holds across two copies of this module
   * (a bundle, or a test loader that loads src/ twice).
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    const kinds = (value as {[KINDS]?: string[]} | null)?.[KINDS]
    return Array.isArray(kinds) ? kinds.includes(this.name) : Function.prototype[Symbol.hasInstance].call(this, value)
  }
}

/** No config, a bad ini file, a bad URL or setting. */
export class ConfigError extends DbManageError {
  override readonly exitCode = 2
}

/** An identifier that names no revision, or more than one. */
export class RevisionError extends DbManageError {}

/** The chain itself is broken: several heads, a cycle, a missing down revision. */
export class ChainError extends DbManageError {}

/** A script that cannot be read, loaded or run. */
export class ScriptError extends DbManageError {}

/** The database refused, could not be reached, or a statement failed. */
export class DatabaseError extends DbManageError {}

/**
 * A revision gave up waiting for a lock (statement_lock_timeout). `retryable`: nothing of it stayed
 * behind (it rolled back, or on MySQL none of its statements had run), so it may be tried again.
 */
export class LockWaitError extends DatabaseError {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message)
  }
}

/** The user asked for something the chosen mode or dialect cannot do. */
export class UsageError extends DbManageError {
  override readonly exitCode = 2
}

const DATABASE = Symbol.for('db-manage.error-database')

/** Mark `error` as one database's of several (kept through rethrows); the CLI prefixes its line with the name. */
export function ofDatabase(error: unknown, database: string): unknown {
  if (error instanceof Error && !(DATABASE in error)) Object.defineProperty(error, DATABASE, {value: database})
  return error
}

/** The database an error came from, when several were acted on. */
export function databaseOf(error: unknown): string | undefined {
  return error instanceof Error ? (error as Error & {[DATABASE]?: string})[DATABASE] : undefined
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
