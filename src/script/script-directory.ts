import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {readdir} from 'node:fs/promises'
import path from 'node:path'

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
  /** sha256 of the script as written (CRLF read as LF, a BOM left out), recorded in the history table when it is applied. */
  readonly checksum: string
  /** The file's text, read with its header. */
  readonly source?: string
}

/** The checksum of a script's text: line endings and a BOM, which editors change, do not count. */
export function scriptChecksum(text: string): string {
  return createHash('sha256')
    .update(text.replace(/^\uFEFF/, '').replaceAll('\r\n', '\n'))
    .digest('hex')
}

/** A script as listed: its text is read with its header, and hashed when first asked for. */
class ScriptFile implements ScriptRevision {
  readonly id: string
  readonly downRevision: null | string
  readonly message: string
  readonly createdAt?: string
  private sum?: string

  constructor(
    header: RevisionHeader,
    readonly fileName: string,
    readonly kind: ScriptKind,
    readonly path: string,
    readonly slug: string,
    readonly source: string,
  ) {
    this.id = header.id
    this.downRevision = header.downRevision
    this.message = header.message
    if (header.createdAt !== undefined) this.createdAt = header.createdAt
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
}

/** The sound chain, or a ScriptError/ChainError naming what is wrong. */
export function requireChain(dir: ScriptDirectory): readonly ScriptRevision[] {
  if (dir.unreadable.length > 0) throw new ScriptError(dir.unreadable[0].message)
  return dir.map.linear() as readonly ScriptRevision[]
}

/** List the scripts of a folder and read every header, without importing any. */
export async function readScriptDirectory(location: string, digits = 3): Promise<ScriptDirectory> {
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
  // Synchronous reads: for many small files far cheaper than fs/promises,
  // and chain-only commands read every header at start-up.
  const read = files.map((fileName) => {
    const [, , slug, ext] = SCRIPT_FILE.exec(fileName)!
    const kind: ScriptKind = ext === 'mts' ? 'ts' : (ext as ScriptKind)
    const file = path.join(location, fileName)
    try {
      const text = readFileSync(file, 'utf8')
      return new ScriptFile(readHeader(text, kind, fileName), fileName, kind, file, slug, text)
    } catch (error) {
      return {fileName, message: errorMessage(error)} satisfies UnreadableScript
    }
  })
  const scripts = read.filter((r): r is ScriptRevision => 'id' in r)
  const unreadable = read.filter((r): r is UnreadableScript => !('id' in r))
  return {location, map: new RevisionMap(scripts, digits), scripts, unreadable}
}
