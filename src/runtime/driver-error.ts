import {errorMessage} from '../util/errors.js'

/** A driver error in one line, without the password it may quote. */
export function describeDriverError(error: unknown): string {
  const e = error as {code?: string; message?: string; errors?: unknown[]}
  if (e?.errors?.length && !e.message) return describeDriverError(e.errors[0])
  const message = errorMessage(error).split('\n')[0] || String(e?.code ?? 'unknown error')
  return e?.code && !message.includes(e.code) && /^[A-Z]/.test(e.code) ? `${message} (${e.code})` : message
}
