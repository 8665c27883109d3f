import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import path from 'node:path'

import {StampCache, warmUpCompiling, WORKER_FROM} from '../boot/index.js'
import {ConfigError, errorMessage, ScriptError} from '../util/errors.js'
import {readHeader, SCRIPT_FILE, type ScriptKind} from './header.js'
import type {Revision, RevisionHeader} from './revision.js'
import {RevisionMap} from './revision-map.js'

export interface ScriptRevision extends Revision {
  readonly fileName: string
  readonly path: string
  readonly kind: ScriptKind
  /** The file name's part after the id: `add_users` of `007_add_users.ts`. */
  readonly slug: string
  /**
   * sha256 of the script as written (CRLF read as LF, a BOM left out), recorded in the history table when it is
   * applied.
   */
  readonly checksum: string
  /** The file's text, read with its header or, when the header came from the cache, when first asked for. */
  readonly source?: string
}

/**
 * What the header cache keeps of a script: with the checksum known, a script whose compiled code is cached is not read
 * at all.
 */
interface Known {
  readonly header: RevisionHeader
  readonly checksum: string
}

function isKnown(value: Known): boolean {
  return typeof value === 'object' && typeof value.checksum === 'string' && typeof value.header?.id === 'string'
}

/** The checksum of a script's text: line endings and a BOM, which editors change, do not count. */
export function scriptChecksum(text: string): string {
  return createHash('sha256')
    .update(text.replace(/^\uFEFF/, '').replaceAll('\r\n', '\n'))
    .digest('hex')
}

/**
 * A script as listed: its text is read with its header, or when first asked for if the header and checksum came from
 * the cache.
 */
class ScriptFile implements ScriptRevision {
  readonly id: string
  readonly downRevision: null | string
  readonly message: string
  readonly createdAt?: string
  readonly squashed?: string
  readonly squashedChecksum?: string

  constructor(
    header: RevisionHeader,
    readonly fileName: string,
    readonly kind: ScriptKind,
    readonly path: string,
    readonly slug: string,
    private text?: string,
    private sum?: string,
  ) {
    this.id = header.id
    this.downRevision = header.downRevision
    this.message = header.message
    if (header.createdAt !== undefined) this.createdAt = header.createdAt
    if (header.squashed !== undefined) this.squashed = header.squashed
    if (header.squashedChecksum !== undefined) this.squashedChecksum = header.squashedChecksum
  }

  get source(): string {
    this.text ??= readFileSync(this.path, 'utf8')
    return this.text
  }

  /** Hashed when first asked for (a step applied, a check, history -v), not by every command that lists the chain. */
  get checksum(): string {
    this.sum ??= scriptChecksum(this.source)
    return this.sum
  }
}

/** A file that looks like a script but whose header could not be read. */
export interface UnreadableScript {
  readonly fileName: string
  readonly message: string
}

export interface ScriptDirectory {
  readonly location: string
  readonly scripts: readonly ScriptRevision[]
  readonly unreadable: readonly UnreadableScript[]
  readonly map: RevisionMap
  /** How many headers came from the header cache (boot/stamp-cache.ts), unread. */
  readonly cached: number
}

/** The sound chain, or a ScriptError/ChainError naming what is wrong. */
export function requireChain(dir: ScriptDirectory): readonly ScriptRevision[] {
  if (dir.unreadable.length > 0) throw new ScriptError(dir.unreadable[0].message)
  return dir.map.linear() as readonly ScriptRevision[]
}

/**
 * List the scripts of a folder and read every header, without importing any. `forImport`: the command will import
 * the chain's scripts (upgrade, downgrade): on a first run (the header cache knows fewer than half the files), the
 * worker that compiles them is started now, and compiles the folder's TypeScript files while the headers are read
 * (boot/compile-worker.ts).
 */
export async function readScriptDirectory(
  location: string,
  digits = 3,
  options: {forImport?: boolean} = {},
): Promise<ScriptDirectory> {
  let names: string[]
  try {
    names = await readdir(location)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new ConfigError(`script_location ${location} does not exist (run "db-manage init" or fix script_location)`)
    throw new ConfigError(`cannot read script_location ${location}: ${code ?? errorMessage(error)}`)
  }

  const files = names.filter((n) => SCRIPT_FILE.test(n) && !n.endsWith('.d.ts')).sort()
  const cache = StampCache.open<Known>(location, isKnown)
  if (options.forImport && cache && cache.size < files.length / 2 && files.length >= WORKER_FROM)
    warmUpCompiling(files.filter((name) => /\.m?ts$/.test(name)).map((name) => path.join(location, name)))
  let cached = 0
  // Synchronous reads: for many small files far cheaper than fs/promises,
  // and chain-only commands read every header at start-up.
  const read = files.map((fileName) => {
    const [, , slug, ext] = SCRIPT_FILE.exec(fileName)!
    const kind: ScriptKind = ext === 'mts' ? 'ts' : (ext as ScriptKind)
    const file = path.join(location, fileName)
    try {
      const stamp = cache?.stamp(file)
      const known = cache?.get(fileName, stamp)
      if (known) {
        cached += 1
        return new ScriptFile(known.header, fileName, kind, file, slug, undefined, known.checksum)
      }

      const text = readFileSync(file, 'utf8')
      const header = readHeader(text, kind, fileName)
      if (!cache) return new ScriptFile(header, fileName, kind, file, slug, text)
      // Recorded, the checksum saves the next runs reading the file: it is worth hashing now.
      const checksum = scriptChecksum(text)
      cache.set(fileName, stamp, {checksum, header})
      return new ScriptFile(header, fileName, kind, file, slug, text, checksum)
    } catch (error) {
      return {fileName, message: errorMessage(error)} satisfies UnreadableScript
    }
  })
  cache?.save()
  const scripts = read.filter((r): r is ScriptRevision => 'id' in r)
  const unreadable = read.filter((r): r is UnreadableScript => !('id' in r))
  return {cached, location, map: new RevisionMap(scripts, digits), scripts, unreadable}
}
