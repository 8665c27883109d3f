import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {errorMessage, ScriptError} from '../util/errors.js'
import type {ScriptKind} from './header.js'
import {type ScriptRevision, scriptChecksum} from './script-directory.js'

/**
 * What a folder of object scripts holds: repeatable objects (`repeatable/` in script_location, Flyway's `R__`
 * migrations), re-applied after the chain whenever they change, or seeds (`seeds/`), run by `db-manage seed`.
 */
export type ObjectKind = 'repeatable' | 'seed'

/**
 * A repeatable object or a seed: a SQL file (the whole file is its body) or a TS/JS module with an `upgrade(op)`
 * function. It has no place in the chain; its history rows are keyed by `key`.
 */
export interface ObjectScript extends ScriptRevision {
  readonly objectKind: ObjectKind
  /** The file name without its extension: what `-- depends:` lines name. */
  readonly name: string
  /** What the history table's revision column (32 characters) records for it: the name, or a short form of it. */
  readonly key: string
  /** The names of the scripts it runs after (`-- depends: a, b` lines; a module's `export const depends`). */
  readonly depends: readonly string[]
}

/** An object script's file: a plain name, then the extension that says how it runs. */
const OBJECT_FILE = /^([\w-]+)\.(sql|ts|mts|js|mjs)$/
/** Files that look like scripts (the extension) but whose name is not plain: refused, not skipped. */
const SCRIPT_LIKE = /\.(sql|ts|mts|js|mjs)$/

/** The width of the history table's revision column, which records an object script's key. */
const KEY_WIDTH = 32

/**
 * The key a history row records for a script named `name`: the name itself when it fits the revision column's 32
 * characters; else its first 23 characters, `~` and 8 hex digits of the name's sha256, so two long names that
 * share their start stay apart.
 */
export function objectKey(name: string): string {
  if (name.length <= KEY_WIDTH) return name
  return `${name.slice(0, KEY_WIDTH - 9)}~${createHash('sha256').update(name).digest('hex').slice(0, 8)}`
}

const STRING = String.raw`'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"`
const TS_DEPENDS = new RegExp(String.raw`export\s+const\s+depends\s*(?::[^=;]*)?=\s*(\[[^\]]*\]|${STRING})`)

/** `-- depends: a, b` lines among a SQL file's leading comments (before its first statement). */
function sqlDepends(text: string): string[] {
  const names: string[] = []
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (t === '') continue
    if (!t.startsWith('--')) break
    const m = /^--\s*depends\s*:(.*)$/i.exec(t)
    if (m) names.push(...m[1].split(/[\s,]+/).filter(Boolean))
  }

  return names
}

/** A module's `export const depends = 'a'` or `= ['a', 'b']`, read without importing it. */
function moduleDepends(text: string, fileName: string): string[] {
  const m = TS_DEPENDS.exec(text)
  if (!m) {
    if (/export\s+const\s+depends\b/.test(text))
      throw new ScriptError(`${fileName}: export const depends must be a string or an array of strings, written out`)
    return []
  }

  const literals = [...m[1].matchAll(new RegExp(STRING, 'g'))].map((s) => s[0].slice(1, -1))
  const rest = m[1].replaceAll(new RegExp(STRING, 'g'), '').replaceAll(/[\s,[\]]/g, '')
  if (rest !== '')
    throw new ScriptError(`${fileName}: export const depends must be a string or an array of strings, written out`)
  return literals
}

/** A dependency as written: a name, or a file name (`base_views.sql`). */
function dependencyName(written: string): string {
  return OBJECT_FILE.exec(written)?.[1] ?? written
}

/**
 * Order the scripts so each comes after the ones it depends on, in file-name order otherwise (Kahn's algorithm,
 * always taking the first ready script by name). A dependency that names no script, or a cycle, is refused in one
 * line naming the file.
 */
export function orderByDepends<T extends {name: string; fileName: string; depends: readonly string[]}>(
  scripts: readonly T[],
  folder: string,
): T[] {
  const byName = new Map(scripts.map((s) => [s.name, s]))
  for (const s of scripts)
    for (const d of s.depends) {
      if (!byName.has(d)) throw new ScriptError(`${s.fileName}: "depends: ${d}" names no file in ${folder}/`)
      if (d === s.name) throw new ScriptError(`${s.fileName}: depends on itself`)
    }

  const sorted = [...scripts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const done = new Set<string>()
  const ordered: T[] = []
  while (ordered.length < sorted.length) {
    const next = sorted.find((s) => !done.has(s.name) && s.depends.every((d) => done.has(d)))
    if (!next) {
      const left = sorted.filter((s) => !done.has(s.name))
      throw new ScriptError(`${left[0].fileName}: a dependency cycle: ${cycleOf(left, byName)}`)
    }

    done.add(next.name)
    ordered.push(next)
  }

  return ordered
}

/** `a -> b -> a`: a cycle among the scripts left unordered, from the first of them. */
function cycleOf<T extends {name: string; depends: readonly string[]}>(
  left: readonly T[],
  byName: ReadonlyMap<string, T>,
): string {
  const open = new Set(left.map((s) => s.name))
  const pathTaken: string[] = []
  let at = left[0].name
  while (!pathTaken.includes(at)) {
    pathTaken.push(at)
    at = byName.get(at)!.depends.find((d) => open.has(d))!
  }

  return [...pathTaken.slice(pathTaken.indexOf(at)), at].join(' -> ')
}

/** An object script as read: its text, checksum and dependencies known without importing it. */
class ObjectFile implements ObjectScript {
  readonly id: string
  readonly downRevision = null
  readonly message = ''
  readonly checksum: string
  readonly depends: readonly string[]
  readonly key: string

  constructor(
    readonly objectKind: ObjectKind,
    readonly name: string,
    readonly fileName: string,
    readonly kind: ScriptKind,
    readonly path: string,
    readonly source: string,
  ) {
    this.key = objectKey(name)
    this.id = this.key
    this.checksum = scriptChecksum(source)
    this.depends = (kind === 'sql' ? sqlDepends(source) : moduleDepends(source, fileName)).map(dependencyName)
  }

  get slug(): string {
    return this.name
  }
}

/**
 * The object scripts of `folder` in the order they run; none when the folder does not exist. `label` names the
 * folder in messages and file names (`repeatable`, or the seeds folder's name). A script-like file whose name is
 * not plain, two files of one name, an unknown dependency or a cycle is a ScriptError naming the file.
 */
export function readObjectScripts(folder: string, kind: ObjectKind, label: string): ObjectScript[] {
  let names: string[]
  try {
    names = readdirSync(folder)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw new ScriptError(`cannot read ${folder}: ${code ?? errorMessage(error)}`)
  }

  const scripts: ObjectFile[] = []
  const seen = new Map<string, string>()
  for (const fileName of names.sort()) {
    if (fileName.endsWith('.d.ts') || !SCRIPT_LIKE.test(fileName)) continue
    const shown = `${label}/${fileName}`
    const m = OBJECT_FILE.exec(fileName)
    if (!m)
      throw new ScriptError(
        `${shown}: a ${kind === 'seed' ? 'seed' : 'repeatable'}'s file name must be letters, digits, _ and - before` +
          ' its extension',
      )
    const [, name, ext] = m
    const other = seen.get(name)
    if (other) throw new ScriptError(`${shown}: ${label}/${other} has the same name (${name}); keep one of them`)
    seen.set(name, fileName)
    const file = path.join(folder, fileName)
    const scriptKind: ScriptKind = ext === 'mts' ? 'ts' : (ext as ScriptKind)
    scripts.push(new ObjectFile(kind, name, shown, scriptKind, file, readFileSync(file, 'utf8')))
  }

  const keys = new Map<string, string>()
  for (const s of scripts) {
    const clash = keys.get(s.key)
    if (clash) throw new ScriptError(`${s.fileName}: its history key ${s.key} is ${clash}'s too; rename one of them`)
    keys.set(s.key, s.fileName)
  }

  return orderByDepends(scripts, label)
}

/** The repeatable objects of a chain: `repeatable/` in its script_location. */
export function readRepeatables(scriptLocation: string): ObjectScript[] {
  return readObjectScripts(path.join(scriptLocation, 'repeatable'), 'repeatable', 'repeatable')
}

/** A database's seeds: its seed_location, shown by the folder's name. */
export function readSeeds(seedLocation: string): ObjectScript[] {
  return readObjectScripts(seedLocation, 'seed', path.basename(seedLocation))
}
