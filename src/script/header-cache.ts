import {statSync} from 'node:fs'

import {CacheSlot, folderKey} from '../util/cache-dir.js'
import type {RevisionHeader} from './revision.js'

/**
 * The headers and checksums of a script folder, kept between runs so that
 * listing a long chain stats each file instead of reading and parsing it,
 * and a script whose compiled code is cached is not read at all (issue:
 * performance; history and current on 1,000 revisions spent a third of
 * their time there). One file per folder, beside the compiled scripts
 * (util/cache-dir.ts), keyed by file name.
 *
 * A header is taken from the cache only when the file's size, inode, mtime
 * and ctime (milliseconds as doubles: well under a microsecond) are those recorded, and the file was last written
 * well before it was recorded: a file written in the same clock tick as it
 * was read could change again without its times changing (git's "racily
 * clean" entries), so such a file is read again until it is older.
 */
const FORMAT = 2

/** How much older than its recording a file must be to be trusted: coarser than any file system's timestamps. */
const SETTLED_MS = 2000

interface Entry {
  readonly stamp: string
  readonly recordedAt: number
  readonly header: RevisionHeader
  /** The script's checksum (script-directory.ts), which keys its compiled code: a cached script is then not read at all. */
  readonly checksum: string
}

/** What the cache gives for a file: its header and checksum. */
export interface Known {
  readonly header: RevisionHeader
  readonly checksum: string
}

interface Stamp {
  /** Size, inode, mtime and ctime. */
  readonly key: string
  readonly mtimeMs: number
}

interface CacheFile {
  readonly format: number
  readonly entries: Record<string, Entry>
}

export class HeaderCache {
  private readonly next: Record<string, Entry> = {}
  private dirty = false

  private constructor(
    private readonly slot: CacheSlot,
    private readonly entries: Record<string, Entry>,
  ) {}

  /** The cache of the scripts in `location`; undefined when caches are off. */
  static open(location: string): HeaderCache | undefined {
    const slot = new CacheSlot(`headers-${folderKey(location)}.json`)
    if (slot.disabled) return undefined
    const entries = slot.read((bytes) => {
      const read = JSON.parse(bytes.toString('utf8')) as CacheFile
      return read.format === FORMAT && read.entries && typeof read.entries === 'object' ? read.entries : undefined
    })
    return new HeaderCache(slot, entries ?? {})
  }

  /** What identifies the file's current content; undefined when it cannot be stat'ed (then it is read, and fails there). */
  stamp(file: string): Stamp | undefined {
    // Milliseconds as a double keep the times to well under a microsecond.
    const s = statSync(file, {throwIfNoEntry: false})
    return s ? {key: `${s.size}:${s.ino}:${s.mtimeMs}:${s.ctimeMs}`, mtimeMs: s.mtimeMs} : undefined
  }

  /** What was recorded of `fileName` when its stamp is unchanged and the file had settled when it was recorded. */
  get(fileName: string, stamp: Stamp | undefined): Known | undefined {
    const entry = this.entries[fileName]
    if (!entry || stamp === undefined || entry.stamp !== stamp.key || typeof entry.checksum !== 'string')
      return undefined
    if (stamp.mtimeMs > entry.recordedAt - SETTLED_MS) return undefined
    this.next[fileName] = entry
    return entry
  }

  set(fileName: string, stamp: Stamp | undefined, known: Known): void {
    if (stamp === undefined) return
    this.next[fileName] = {...known, recordedAt: Date.now(), stamp: stamp.key}
    this.dirty = true
  }

  /** Write the file when a header was read from its script, or a script went: only the folder's present scripts stay. */
  save(): void {
    if (!this.dirty && Object.keys(this.next).length === Object.keys(this.entries).length) return
    this.slot.write(JSON.stringify({entries: this.next, format: FORMAT} satisfies CacheFile))
  }
}
