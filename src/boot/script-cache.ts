import {createHash} from 'node:crypto'
import {readdirSync, readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {Script} from 'node:vm'

import {CacheFile, folderKey, NODE_BUILD} from './cache-file.js'

/**
 * Compiled TypeScript scripts, kept between runs: one file per script folder,
 * keyed by each script's checksum (the sha256 of its text). A run whose scripts are all in it
 * reads that one file and loads neither jiti nor sucrase (issue: performance:
 * importing 1,000 scripts through jiti's per-file cache took ~0.9 s).
 *
 * The file lives in one of cacheDirectories() (db-manage's own
 * `node_modules/.cache/db-manage/`, where the benchmark's cold runs clear it).
 * A cache that cannot be read or written only costs time: the scripts are
 * compiled again. Beside it, V8's own code cache of those scripts (V8Code):
 * a run then does not compile them either, as Python runs Alembic's scripts
 * from their .pyc files.
 */
export interface CompiledScript {
  /** CommonJS code of the script, lines as in the source. */
  readonly code: string
  /** The code requires nothing, so it runs as it is; else it goes through jiti, which resolves its imports. */
  readonly plain: boolean
}

interface Stored {
  readonly key: string
  readonly entries: Record<string, CompiledScript>
}

const FORMAT = 2

let compilerKey: string | undefined
/** What the cached code depends on besides the source: this format and the transform's version. */
function cacheKey(): string {
  if (compilerKey === undefined) {
    let sucrase = 'unknown'
    try {
      const file = createRequire(import.meta.url).resolve('sucrase/package.json')
      sucrase = String((JSON.parse(readFileSync(file, 'utf8')) as {version?: string}).version)
    } catch {
      // Unknown: the key still changes with FORMAT.
    }

    compilerKey = `${FORMAT}:sucrase@${sucrase}`
  }

  return compilerKey
}

/**
 * Entries past twice the folder's files (and at least this many) are dropped, oldest first: edited scripts' old
 * versions age out, and a chain of any length stays whole in the cache (a fixed cap made every run past it
 * compile the rest again).
 */
const MIN_ENTRIES = 5000

/** How many entries the cache of `location` keeps: MIN_ENTRIES, or twice the files there. */
function entryCap(location: string): number {
  try {
    return Math.max(MIN_ENTRIES, 2 * readdirSync(location).length)
  } catch {
    return MIN_ENTRIES
  }
}

/** The compiled scripts of one script folder: read once, written back when something was added. */
export class ScriptCache {
  private readonly entries: Record<string, CompiledScript>
  private dirty = false
  private readonly file: CacheFile
  /** V8's compiled code of the scripts, beside the file (`.v8`): read when first asked for. */
  private readonly v8File: CacheFile
  private v8?: V8Code
  /** Scripts compiled by V8 in this run with no code cache: their code is kept when the run is over. */
  private readonly compiledNow = new Map<string, Script>()

  constructor(private readonly location: string) {
    const name = `scripts-${folderKey(location)}.json`
    this.file = new CacheFile('scripts', name)
    this.v8File = new CacheFile('script-code', `${name}.v8`)
    // A file of another format or sucrase is written over, where it is.
    this.entries =
      this.file.read((bytes) => {
        const read = JSON.parse(bytes.toString('utf8')) as Stored
        return read.key === cacheKey() && read.entries && typeof read.entries === 'object' ? read.entries : {}
      }) ?? {}
  }

  get(hash: string): CompiledScript | undefined {
    return this.entries[hash]
  }

  set(hash: string, compiled: CompiledScript): void {
    this.entries[hash] = compiled
    this.dirty = true
  }

  /**
   * The script's compiled CommonJS code as a function of (exports, require,
   * module, __filename, __dirname), compiled by V8 from its code cache when
   * it is there (wrapped as Node wraps a CommonJS module: the lines stay where they are).
   */
  compile(hash: string, code: string, filename: string): (...args: unknown[]) => void {
    this.v8 ??= V8Code.read(this.v8File)
    const cachedData = this.v8.get(hash)
    const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${code}\n})`, {
      cachedData,
      filename,
    })
    if (!this.v8File.disabled && (!cachedData || script.cachedDataRejected)) this.compiledNow.set(hash, script)
    return script.runInThisContext() as (...args: unknown[]) => void
  }

  /**
   * Write the file back when a script was compiled (atomically: a concurrent
   * run reads the old file or the new one); with `code`, once the run is
   * over, V8's code of the scripts compiled without it too: it then holds
   * the functions that ran, not only the scripts' top level.
   */
  save(options: {code?: boolean} = {}): void {
    if (this.dirty && !this.file.disabled) {
      this.dirty = false
      const hashes = Object.keys(this.entries)
      const cap = hashes.length > MIN_ENTRIES ? entryCap(this.location) : MIN_ENTRIES
      for (const hash of hashes.slice(0, Math.max(0, hashes.length - cap))) delete this.entries[hash]
      this.file.write(JSON.stringify({entries: this.entries, key: cacheKey()} satisfies Stored))
    }

    if (options.code && this.compiledNow.size > 0 && this.v8) {
      for (const [hash, script] of this.compiledNow) this.v8.set(hash, script.createCachedData())
      this.compiledNow.clear()
      this.v8.write(this.v8File, new Set(Object.keys(this.entries)))
    }
  }
}

/**
 * V8's code cache of a folder's compiled scripts, in one binary file: a
 * header line, the length of a JSON index, the index (the Node build it
 * is for, a sha1 of the data, each script's offset and length by its
 * checksum), then the data. V8 refuses data of another V8 or other flags;
 * the sha1 refuses a damaged file before V8 sees it.
 */
class V8Code {
  private static readonly MAGIC = 'db-manage v8 code 1\n'

  private constructor(private readonly blobs: Map<string, Buffer>) {}

  static read(file: CacheFile): V8Code {
    const blobs = file.read((bytes) => {
      const magic = Buffer.byteLength(V8Code.MAGIC)
      if (bytes.toString('latin1', 0, magic) !== V8Code.MAGIC) return undefined
      const length = bytes.readUInt32LE(magic)
      const index = JSON.parse(bytes.toString('utf8', magic + 4, magic + 4 + length)) as {
        build: string
        sha1: string
        scripts: Record<string, [number, number]>
      }
      const data = bytes.subarray(magic + 4 + length)
      if (index.build !== NODE_BUILD || createHash('sha1').update(data).digest('hex') !== index.sha1) return undefined
      return new Map(Object.entries(index.scripts).map(([hash, [at, size]]) => [hash, data.subarray(at, at + size)]))
    })
    // Absent or unsound: the scripts are compiled, and their code written anew.
    return new V8Code(blobs ?? new Map())
  }

  get(hash: string): Buffer | undefined {
    return this.blobs.get(hash)
  }

  set(hash: string, data: Buffer): void {
    this.blobs.set(hash, data)
  }

  /** Write the scripts still in the compiled-script cache (`keep`). */
  write(file: CacheFile, keep: ReadonlySet<string>): void {
    const scripts: Record<string, [number, number]> = {}
    const parts: Buffer[] = []
    let at = 0
    for (const [hash, blob] of this.blobs) {
      if (!keep.has(hash)) continue
      scripts[hash] = [at, blob.length]
      parts.push(blob)
      at += blob.length
    }

    const data = Buffer.concat(parts)
    const index = Buffer.from(
      JSON.stringify({build: NODE_BUILD, scripts, sha1: createHash('sha1').update(data).digest('hex')}),
    )
    const length = Buffer.alloc(4)
    length.writeUInt32LE(index.length)
    file.write(Buffer.concat([Buffer.from(V8Code.MAGIC, 'latin1'), length, index, data]))
  }
}
