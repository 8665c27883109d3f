import {statSync} from 'node:fs'

import {CacheFile, folderKey} from './cache-file.js'

/**
 * What was read from each file of a folder (a script's header and checksum),
 * kept between runs so that listing a long chain stats each file instead of
 * reading and parsing it (issue: performance; history and current on 1,000
 * revisions spent a third of their time there). One file per folder
 * (`headers-<folder>.json`), beside the compiled scripts, keyed by file name.
 *
 * A value is taken from the cache only when the file's size, inode, mtime
 * and ctime (milliseconds as doubles: well under a microsecond) are those
 * recorded, and the file was last written well before it was recorded: a
 * file written in the same clock tick as it was read could change again
 * without its times changing (git's "racily clean" entries), so such a file
 * is read again until it is older.
 */
const FORMAT = 3

/** How much older than its recording a file must be to be trusted: coarser than any file system's timestamps. */
const SETTLED_MS = 2000

interface Entry<T> {
  readonly stamp: string
  readonly recordedAt: number
  readonly value: T
}

/** What identifies a file's content: size, inode, mtime and ctime. */
export interface Stamp {
  readonly key: string
  readonly mtimeMs: number
}

interface Stored<T> {
  readonly format: number
  readonly entries: Record<string, Entry<T>>
}

export class StampCache<T> {
  private readonly next: Record<string, Entry<T>> = {}
  private dirty = false

  private constructor(
    private readonly file: CacheFile,
    private readonly entries: Record<string, Entry<T>>,
    private readonly sound: (value: T) => boolean,
  ) {}

  /**
   * The cache of the files in `location`; undefined when caches are off.
   * `sound` says whether a stored value still has the shape this build expects.
   */
  static open<T>(location: string, sound: (value: T) => boolean): StampCache<T> | undefined {
    const file = new CacheFile('headers', `headers-${folderKey(location)}.json`)
    if (file.disabled) return undefined
    const entries = file.read((bytes) => {
      const read = JSON.parse(bytes.toString('utf8')) as Stored<T>
      return read.format === FORMAT && read.entries && typeof read.entries === 'object' ? read.entries : undefined
    })
    return new StampCache(file, entries ?? {}, sound)
  }

  /** How many files it has a record of (none on a first run). */
  get size(): number {
    return Object.keys(this.entries).length
  }

  /**
   * What identifies the file's current content; undefined when it cannot be stat'ed (then it is read, and fails there).
   */
  stamp(file: string): Stamp | undefined {
    const s = statSync(file, {throwIfNoEntry: false})
    return s ? {key: `${s.size}:${s.ino}:${s.mtimeMs}:${s.ctimeMs}`, mtimeMs: s.mtimeMs} : undefined
  }

  /** What was recorded of `fileName` when its stamp is unchanged and the file had settled when it was recorded. */
  get(fileName: string, stamp: Stamp | undefined): T | undefined {
    const entry = this.entries[fileName]
    if (!entry || stamp === undefined || entry.stamp !== stamp.key || !this.sound(entry.value)) return undefined
    if (stamp.mtimeMs > entry.recordedAt - SETTLED_MS) return undefined
    this.next[fileName] = entry
    return entry.value
  }

  set(fileName: string, stamp: Stamp | undefined, value: T): void {
    if (stamp === undefined) return
    this.next[fileName] = {recordedAt: Date.now(), stamp: stamp.key, value}
    this.dirty = true
  }

  /** Write the file when a value was read from its file, or a file went: only the folder's present files stay. */
  save(): void {
    if (!this.dirty && Object.keys(this.next).length === Object.keys(this.entries).length) return
    this.file.write(JSON.stringify({entries: this.next, format: FORMAT} satisfies Stored<T>))
  }
}
