import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'

import {cacheDirectories, writeCacheFile} from '../util/cache-dir.js'

/**
 * Compiled TypeScript scripts, kept between runs: one file per script folder,
 * keyed by each script's checksum (the sha256 of its text). A run whose scripts are all in it
 * reads that one file and loads neither jiti nor sucrase (issue: performance:
 * importing 1,000 scripts through jiti's per-file cache took ~0.9 s).
 *
 * The file lives in one of cacheDirectories() (db-manage's own
 * `node_modules/.cache/db-manage/`, where the benchmark's cold runs clear it).
 * A cache that cannot be read or written only costs time: the scripts are
 * compiled again.
 */
export interface CompiledScript {
  /** CommonJS code of the script, lines as in the source. */
  readonly code: string
  /** The code requires nothing, so it runs as it is; else it goes through jiti, which resolves its imports. */
  readonly plain: boolean
}

interface CacheFile {
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


/** Entries past this many are dropped, oldest first: edited scripts' old versions age out. */
const MAX_ENTRIES = 5000

/** The compiled scripts of one script folder: read once, written back when something was added. */
export class ScriptCache {
  private entries: Record<string, CompiledScript> = {}
  private dirty = false
  private readonly name: string
  /** Where the file was read from, and so where it is written back. */
  private file?: string

  constructor(location: string) {
    this.name = `scripts-${createHash('sha256').update(path.resolve(location)).digest('hex').slice(0, 16)}.json`
    for (const dir of cacheDirectories()) {
      const file = path.join(dir, this.name)
      try {
        const read = JSON.parse(readFileSync(file, 'utf8')) as CacheFile
        if (read.key === cacheKey() && read.entries && typeof read.entries === 'object') this.entries = read.entries
        this.file = file
        break
      } catch {
        // Absent (the first run) or unreadable: compiled again, and written to the first folder that takes it.
      }
    }
  }

  get(hash: string): CompiledScript | undefined {
    return this.entries[hash]
  }

  set(hash: string, compiled: CompiledScript): void {
    this.entries[hash] = compiled
    this.dirty = true
  }

  /** Write the file back when a script was compiled (atomically: a concurrent run reads the old file or the new one). */
  save(): void {
    if (!this.dirty) return
    this.dirty = false
    const hashes = Object.keys(this.entries)
    for (const hash of hashes.slice(0, Math.max(0, hashes.length - MAX_ENTRIES))) delete this.entries[hash]
    const text = JSON.stringify({entries: this.entries, key: cacheKey()} satisfies CacheFile)
    const written = writeCacheFile([...(this.file ? [this.file] : []), ...cacheDirectories().map((dir) => path.join(dir, this.name))], text)
    if (written) this.file = written
  }
}
