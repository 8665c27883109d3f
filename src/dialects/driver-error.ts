import {errorMessage} from '../util/errors.js'

/** A driver error in one line, without the password it may quote. */
export function describeDriverError(error: unknown): string {
  const e = error as {code?: string; message?: string; errors?: unknown[]}
  if (e?.errors?.length && !e.message) return describeDriverError(e.errors[0])
  const message = errorMessage(error).split('\n')[0] || String(e?.code ?? 'unknown error')
  return e?.code && !message.includes(e.code) && /^[A-Z]/.test(e.code) ? `${message} (${e.code})` : message
}

/**
 * The error says the connection itself is gone (the server stopped, or an
 * administrator ended the session), not that a statement failed on a live
 * connection: what the server did last is then unknown to the client. PostgreSQL's
 * classes 08 (connection exception) and 57P (operator intervention), node-postgres'
 * own words for a closed socket; mysql2's lost or killed connection, a server
 * shutting down; a socket reset or broken pipe.
 */
export function connectionLost(error: unknown): boolean {
  const e = error as {code?: unknown; errno?: unknown; message?: unknown}
  const code = typeof e?.code === 'string' ? e.code : ''
  if (/^(08...|57P0[1-3])$/.test(code)) return true
  if (
    [
      'ECONNRESET',
      'EPIPE',
      'ECONNABORTED',
      'ETIMEDOUT',
      'PROTOCOL_CONNECTION_LOST',
      'ER_CONNECTION_KILLED',
      'ER_SERVER_SHUTDOWN',
    ].includes(code)
  )
    return true
  const message = typeof e?.message === 'string' ? e.message : ''
  return /^Connection terminated|connection error and is not queryable|connection is in closed state|Connection lost/i.test(
    message,
  )
}

/**
 * The statement gave up waiting for a lock (statement_lock_timeout): PostgreSQL's lock_not_available,
 * MySQL's lock_wait_timeout / innodb_lock_wait_timeout, SQLite's busy timeout.
 */
export function lockWaitTimedOut(error: unknown): boolean {
  const code = (error as {code?: unknown})?.code
  return typeof code === 'string' && ['55P03', 'ER_LOCK_WAIT_TIMEOUT', 'SQLITE_BUSY'].includes(code)
}
