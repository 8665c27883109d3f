import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {importScript} from '../boot/index.js'
import type {Operations} from '../operations/operations.js'
import {scriptChecksum} from '../script/script-directory.js'
import {splitSql} from '../sql/split.js'
import type {DialectName} from '../util/dialect-names.js'
import {errorMessage, ScriptError} from '../util/errors.js'
import {nearest} from '../util/nearest.js'
import {sqlTransaction} from './load-script.js'

/**
 * Flyway's callback events, by the run they belong to: an upgrade fires the migrate events, a downgrade the undo
 * events (Flyway's names for its undo command). `each` events run inside each revision's transaction.
 */
export const CALLBACK_EVENTS = {
  downgrade: {
    after: 'afterUndo',
    afterEach: 'afterEachUndo',
    before: 'beforeUndo',
    beforeEach: 'beforeEachUndo',
    error: 'afterUndoError',
  },
  upgrade: {
    after: 'afterMigrate',
    afterEach: 'afterEachMigrate',
    before: 'beforeMigrate',
    beforeEach: 'beforeEachMigrate',
    error: 'afterMigrateError',
  },
} as const

type Events = (typeof CALLBACK_EVENTS)['upgrade' | 'downgrade']
export type CallbackEvent = Events[keyof Events]
export type CallbackPoint = keyof Events

/** In the order a run meets them. */
const EVENT_NAMES: readonly string[] = (['upgrade', 'downgrade'] as const).flatMap((d) =>
  (['before', 'beforeEach', 'afterEach', 'after', 'error'] as const).map((point) => CALLBACK_EVENTS[d][point]),
)

/** The revision an each-callback runs around. */
export interface CallbackStep {
  readonly direction: 'downgrade' | 'upgrade'
  readonly revision: string
  readonly from: null | string
  readonly to: null | string
  readonly fileName: string
  readonly message: string
}

/** What a TS/JS callback is told, beside its `op`. */
export interface CallbackContext {
  readonly event: CallbackEvent
  /** beforeEachMigrate, afterEachMigrate, beforeEachUndo, afterEachUndo: the revision. */
  readonly step?: CallbackStep
  /** afterMigrateError, afterUndoError: the one line the run fails with. */
  readonly error?: string
  /** The SQL is written out (--sql), not run: op.query is an error. */
  readonly offline: boolean
}

export type CallbackFunction = (op: Operations, context: CallbackContext) => Promise<void> | void

/** One file of `callbacks/`, loaded. */
export interface Callback {
  readonly event: CallbackEvent
  /** `callbacks/afterMigrate__grants.sql`, for messages and the --sql comment. */
  readonly label: string
  /** false (`-- transaction: false`, `export const transaction = false`): run without a transaction of its own. */
  readonly transaction: boolean
  readonly run: CallbackFunction
}

/** The callbacks of a chain, by event, each event's in Flyway's order. */
export class Callbacks {
  constructor(private readonly byEvent: ReadonlyMap<CallbackEvent, readonly Callback[]>) {}

  static readonly none = new Callbacks(new Map())

  of(direction: 'downgrade' | 'upgrade', point: CallbackPoint): readonly Callback[] {
    return this.byEvent.get(CALLBACK_EVENTS[direction][point]) ?? []
  }

  get size(): number {
    return [...this.byEvent.values()].reduce((n, list) => n + list.length, 0)
  }
}

const SCRIPT = /^(.+?)\.(sql|ts|mts|js|mjs)$/
const SEPARATOR = '__'

interface Found {
  readonly event: CallbackEvent
  readonly description?: string
  readonly fileName: string
  readonly file: string
}

/**
 * The files of `<script_location>/callbacks/`, named as Flyway names SQL callbacks: the event, optionally `__` and a
 * description (`afterMigrate__grants.sql`); several for one event run the one without a description first, then by
 * description. A script file named for no event is a mistake in a folder kept for callbacks: refused, naming it.
 * Other files (a README) are left alone. No folder: no callbacks.
 */
export function findCallbacks(location: string): Found[] {
  const folder = path.join(location, 'callbacks')
  let names: string[]
  try {
    names = readdirSync(folder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return []
    throw new ScriptError(`cannot read ${folder}: ${errorMessage(error)}`)
  }

  const found: Found[] = []
  const seen = new Map<string, string>()
  for (const fileName of names.sort()) {
    const script = SCRIPT.exec(fileName)
    if (!script || fileName.endsWith('.d.ts') || fileName.startsWith('.')) continue
    const stem = script[1]
    const at = stem.indexOf(SEPARATOR)
    const event = at === -1 ? stem : stem.slice(0, at)
    if (!EVENT_NAMES.includes(event)) {
      const meant = nearest(event, EVENT_NAMES)
      throw new ScriptError(
        `callbacks/${fileName}: ${event} is not a callback event` +
          (meant ? ` (did you mean ${meant}?)` : '') +
          `; the events are ${EVENT_NAMES.join(', ')}`,
      )
    }

    const twin = seen.get(stem)
    if (twin)
      throw new ScriptError(`callbacks/${twin} and callbacks/${fileName} are one callback (${stem}): keep one of them`)
    seen.set(stem, fileName)
    const description = at === -1 ? undefined : stem.slice(at + SEPARATOR.length)
    found.push({description, event: event as CallbackEvent, file: path.join(folder, fileName), fileName})
  }

  // Flyway's order within an event: the file without a description first, then by description.
  return found.sort((a, b) =>
    a.description === b.description
      ? 0
      : a.description === undefined
        ? -1
        : b.description === undefined
          ? 1
          : a.description < b.description
            ? -1
            : 1,
  )
}

/** Load the callbacks of a chain for `dialect`: SQL split as its client would, TS/JS imported (compiled once). */
export async function loadCallbacks(location: string, dialect: DialectName): Promise<Callbacks> {
  const found = findCallbacks(location)
  if (found.length === 0) return Callbacks.none
  const byEvent = new Map<CallbackEvent, Callback[]>()
  for (const file of found) {
    const callback = /\.sql$/.test(file.fileName) ? sqlCallback(file, dialect) : await moduleCallback(file)
    byEvent.set(file.event, [...(byEvent.get(file.event) ?? []), callback])
  }

  for (const [event, list] of byEvent) {
    const each = event.includes('Each')
    const outside = list.find((c) => !c.transaction)
    if (each && outside)
      throw new ScriptError(
        `${outside.label}: transaction = false: an ${event} callback runs inside each revision's transaction`,
      )
  }

  return new Callbacks(byEvent)
}

function sqlCallback(file: Found, dialect: DialectName): Callback {
  const label = `callbacks/${file.fileName}`
  const text = readFileSync(file.file, 'utf8')
  const statements = splitSql(text, dialect, label)
  return {
    event: file.event,
    label,
    async run(op) {
      for (const statement of statements) await op.execute(statement.sql, undefined, {split: false})
    },
    // A callback has no sections: its leading comments are its header.
    transaction: sqlTransaction(text, label, false),
  }
}

/** A TS/JS callback: its default export is the function; `export const transaction = false` as a revision's. */
async function moduleCallback(file: Found): Promise<Callback> {
  const label = `callbacks/${file.fileName}`
  let module: Record<string, unknown>
  try {
    const source = readFileSync(file.file, 'utf8')
    module = await importScript({checksum: scriptChecksum(source), path: file.file, source})
  } catch (error) {
    throw new ScriptError(`${label}: cannot load: ${errorMessage(error).split('\n')[0]}`)
  }

  const run = module.default
  if (typeof run !== 'function')
    throw new ScriptError(`${label}: export default async function (op, context) { ... } is missing`)
  if (module.transaction !== undefined && typeof module.transaction !== 'boolean')
    throw new ScriptError(`${label}: export transaction must be true or false`)
  return {event: file.event, label, run: run as CallbackFunction, transaction: module.transaction !== false}
}
