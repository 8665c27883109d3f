import {createHash} from 'node:crypto'
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
  writeSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * Where db-manage keeps what it compiled, first choice first: its own
 * `node_modules/.cache/db-manage/` (where build tools keep such caches), else
 * the OS temporary folder; `DB_MANAGE_SCRIPT_CACHE` names another folder and
 * `off` turns the caches off (none). Both the compiled scripts and the CLI's
 * code cache live there; a cache that cannot be read or written only costs time.
 *
 * What is there runs as code, so a folder that another user owns or may
 * write to (one planted in the shared temporary folder under the name this
 * user's would have) is not used at all; db-manage creates its folders for
 * its user alone (0700).
 */
export function cacheDirectories(env: NodeJS.ProcessEnv = process.env): string[] {
  const chosen = env.DB_MANAGE_SCRIPT_CACHE
  if (chosen === 'off') return []
  if (chosen) return [chosen].filter(private_)
  // dist/<folder>/<file>.js, bundled or not: two levels up is the package.
  const own = fileURLToPath(new URL('../../node_modules/.cache/db-manage', import.meta.url))
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user'
  return [own, path.join(tmpdir(), `db-manage-${uid}`)].filter(private_)
}

/** Absent (then created 0700), or a real folder of this user's that nobody else may write to. */
function private_(dir: string): boolean {
  try {
    return ownedPrivately(lstatSync(dir))
  } catch {
    return true
  }
}

function ownedPrivately(s: Stats): boolean {
  const mine = typeof process.getuid !== 'function' || s.uid === process.getuid()
  return s.isDirectory() && mine && (s.mode & 0o022) === 0
}

/**
 * `dir` exists and is this user's alone, and so is the way to it, checked
 * when it is used: a folder another user created after cacheDirectories()
 * looked (under the name this user's would have), or one inside a folder
 * another user could rename it out of, is neither read nor written. Each
 * folder above it is this user's or root's, and closed to others or sticky
 * (as /tmp is: nobody renames what is not theirs there).
 */
function usable(dir: string): boolean {
  try {
    const real = realpathSync(dir)
    if (!ownedPrivately(lstatSync(real))) return false
    for (let up = path.dirname(real); ; up = path.dirname(up)) {
      const s = lstatSync(up)
      const owner = typeof process.getuid !== 'function' || s.uid === process.getuid() || s.uid === 0
      if (!owner || ((s.mode & 0o022) !== 0 && (s.mode & 0o1000) === 0)) return false
      if (path.dirname(up) === up) return true
    }
  } catch {
    return false
  }
}

/**
 * A folder `name` of db-manage's own in the first cache folder that takes
 * it, created 0700 and checked after, for a loader that keeps its own files
 * (jiti's compiled helper imports); undefined when caches are off or no
 * folder is private: the loader then keeps none.
 */
export function privateCacheFolder(name: string, directories = cacheDirectories()): string | undefined {
  for (const dir of directories) {
    const folder = path.join(dir, name)
    try {
      mkdirSync(folder, {mode: 0o700, recursive: true})
    } catch {
      continue
    }

    if (usable(dir) && usable(folder)) return folder
  }

  return undefined
}

/**
 * Write `data` to the first of `files` that takes it, atomically (a run that
 * reads it at the same time sees the old file or the new one): through a
 * temporary file beside it, which is gone whether the write succeeds or not.
 * The file written, or undefined when none could be (a read-only install:
 * only time is lost).
 */
function writeCacheFile(files: readonly string[], data: CacheData): string | undefined {
  for (const file of new Set(files)) {
    try {
      mkdirSync(path.dirname(file), {mode: 0o700, recursive: true})
      if (!usable(path.dirname(file))) continue
    } catch {
      continue
    }

    // A write cut short or a rename refused (the name taken by a folder, a full disk) leaves no temporary file.
    const temporary = `${file}.${process.pid}.tmp`
    try {
      if (Array.isArray(data)) {
        const fd = openSync(temporary, 'w')
        try {
          for (const part of data as readonly Uint8Array[])
            for (let at = 0; at < part.length;) at += writeSync(fd, part, at)
        } finally {
          closeSync(fd)
        }
      } else {
        writeFileSync(temporary, data as string | Uint8Array)
      }

      renameSync(temporary, file)
      return file
    } catch {
      try {
        rmSync(temporary, {force: true})
      } catch {
        // Nothing more to do: the folder refuses even that.
      }
      // Not writable here: the next folder.
    }
  }

  return undefined
}

/** What a cache file holds: text, bytes, or bytes in parts (written one after the other, never joined in memory). */
export type CacheData = readonly Uint8Array[] | string | Uint8Array

/** The Node build compiled code is for: V8's code of one build means nothing to another. */
export const NODE_BUILD = `${process.version} ${process.platform} ${process.arch}`

/** A script folder's part of a cache file's name (its absolute path, hashed). */
export function folderKey(location: string): string {
  return createHash('sha256').update(path.resolve(location)).digest('hex').slice(0, 16)
}

/**
 * The caches, each of which `DB_MANAGE_CACHES_OFF` (a comma-separated list of
 * these names) turns off alone, to measure what it saves (docs/start-up.md).
 */
export type CacheKind = 'bundle-code' | 'headers' | 'script-code' | 'scripts'

/** Whether the cache `kind` is turned off by `DB_MANAGE_CACHES_OFF`. */
export function cacheTurnedOff(kind: CacheKind, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.DB_MANAGE_CACHES_OFF ?? '').split(',').some((name) => name.trim() === kind)
}

/**
 * One cache file of the cache `kind`, looked for under `name` in each cache
 * folder in turn: read from the first that holds a sound one, written back
 * where it was read, else to the first folder that takes it. Caches off (all,
 * or this kind), it reads nothing and writes nothing.
 */
export class CacheFile {
  private readonly files: readonly string[]
  private from?: string

  constructor(kind: CacheKind, name: string, directories: readonly string[] = cacheDirectories()) {
    this.files = cacheTurnedOff(kind) ? [] : directories.map((dir) => path.join(dir, name))
  }

  /** No cache folder at all (caches off, or none is private). */
  get disabled(): boolean {
    return this.files.length === 0
  }

  /** What `parse` makes of the first file it accepts (undefined refuses one, as a throw does); undefined when none. */
  read<T>(parse: (bytes: Buffer) => T | undefined): T | undefined {
    for (const file of this.files) {
      if (!usable(path.dirname(file))) continue
      try {
        const value = parse(readFileSync(file))
        if (value !== undefined) {
          this.from = file
          return value
        }
      } catch {
        // Absent or unreadable: the next folder.
      }
    }

    return undefined
  }

  /**
   * The first file `parse` accepts, opened: `parse` reads what it needs from the descriptor (a file written over
   * later is another file: this one stays as it was); the caller closes it. Undefined when none.
   */
  open<T>(parse: (fd: number) => T | undefined): T | undefined {
    for (const file of this.files) {
      if (!usable(path.dirname(file))) continue
      let fd: number | undefined
      try {
        fd = openSync(file, 'r')
        const value = parse(fd)
        if (value !== undefined) {
          this.from = file
          return value
        }
      } catch {
        // Absent or unreadable: the next folder.
      }

      if (fd !== undefined) closeSync(fd)
    }

    return undefined
  }

  /** Write `data` (see writeCacheFile); the file written, or undefined. */
  write(data: CacheData): string | undefined {
    const written = writeCacheFile(this.from ? [this.from, ...this.files] : this.files, data)
    if (written) this.from = written
    return written
  }
}
