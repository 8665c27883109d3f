import {setFlagsFromString} from 'node:v8'

/**
 * V8 flags db-manage sets at run time (the young generation's growth, a shared run's heap growth), kept so that they
 * can be set again: on Node 20 a worker thread's start puts them back to their defaults for the whole process (the
 * compile worker's start let the main thread's young generation grow to 32 MB, ~20 MB of a first run's peak RSS),
 * and V8 then hashes the flags differently, so that the code caches written after it (the bundle's, the scripts')
 * were refused by the next run. The bundle's loader and the bundle each have a copy of this module: the flags are
 * kept on globalThis, under one name, for both.
 */
const KEY = Symbol.for('db-manage.v8-flags')
const kept = ((globalThis as Record<symbol, unknown>)[KEY] ??= new Map<string, string>()) as Map<string, string>

/** Set `flag` (`--name=value`), and keep it to be set again (setV8FlagsAgain). */
export function setV8Flag(flag: string): void {
  // --opt and --no-opt are one flag.
  kept.set(flag.replace(/=.*$/, '').replace(/^--no-/, '--'), flag)
  setFlagsFromString(flag)
}

/** Set again every flag set at run time: after a worker thread has started, and before a code cache is written. */
export function setV8FlagsAgain(): void {
  for (const flag of kept.values()) setFlagsFromString(flag)
}
