import {createHash} from 'node:crypto'
import {closeSync, readdirSync, readFileSync, readSync} from 'node:fs'
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
  /**
   * What the caller recorded of the module's exports once it ran (load-script: which functions, whether it runs in
   * a transaction), so that a run can check its plan without importing every script first. Only for plain code:
   * what it exports depends on its text alone, not on files it imports.
   */
  readonly facts?: unknown
}

const FORMAT = 3

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

/** Where a cached script's bytes are in its file's data: offset, length, and the first 16 hex digits of their sha1. */
type Place = readonly [at: number, size: number, sum: string]

/** An entry of the compiled-script file's index: where its code is, whether it is plain, its facts. */
type IndexEntry = readonly [...Place, plain: 0 | 1, facts?: unknown]

function sum(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex').slice(0, 16)
}

/**
 * A cache file read by parts (issue 32: memory flat in the chain length): a header line, the length of a JSON
 * index, the index, then the data, of which a run reads only the parts it uses, each checked by its own sha1 (a
 * damaged part is refused alone: its script is compiled again). The file stays open for the command; one written
 * over meanwhile (by another run, or this one's save) is another file: this one reads on as it was.
 */
class PartsFile<Index> {
  private constructor(
    private readonly fd: number,
    readonly index: Index,
    private readonly dataAt: number,
  ) {}

  /** The file's index when its header is `magic` and `accept` takes the index, else undefined. */
  static open<Index>(file: CacheFile, magic: string, accept: (index: Index) => boolean): PartsFile<Index> | undefined {
    return file.open((fd) => {
      const head = Buffer.alloc(Buffer.byteLength(magic) + 4)
      if (
        readSync(fd, head, 0, head.length, 0) !== head.length ||
        head.toString('latin1', 0, head.length - 4) !== magic
      )
        return undefined
      const length = head.readUInt32LE(head.length - 4)
      const bytes = Buffer.alloc(length)
      if (readSync(fd, bytes, 0, length, head.length) !== length) return undefined
      const index = JSON.parse(bytes.toString('utf8')) as Index
      return index && typeof index === 'object' && accept(index)
        ? new PartsFile(fd, index, head.length + length)
        : undefined
    })
  }

  /** The bytes at `place` (an index entry, its place first), when they are all there and their sha1 holds. */
  read(place: readonly unknown[]): Buffer | undefined {
    try {
      const [at, size, expected] = place as Place
      const bytes = Buffer.allocUnsafe(size)
      if (readSync(this.fd, bytes, 0, size, this.dataAt + at) !== size || sum(bytes) !== expected) return undefined
      return bytes
    } catch {
      return undefined
    }
  }

  close(): void {
    try {
      closeSync(this.fd)
    } catch {
      // Closed already: nothing held.
    }
  }

  /** The file's bytes for `magic`, `index` (its places filled in by `place`) and the parts, in that order. */
  static bytes(magic: string, index: (place: (part: Buffer) => Place) => unknown, parts: Buffer[]): Buffer[] {
    let at = 0
    const placed = index((part) => {
      const place: Place = [at, part.length, sum(part)]
      parts.push(part)
      at += part.length
      return place
    })
    const json = Buffer.from(JSON.stringify(placed))
    const length = Buffer.alloc(4)
    length.writeUInt32LE(json.length)
    return [Buffer.from(magic, 'latin1'), length, json]
  }
}

interface ScriptIndex {
  readonly key: string
  readonly entries: Record<string, IndexEntry>
}

/**
 * The compiled scripts of one script folder, for one command: the file's index read once, each script's code
 * read when it is asked for, the file written back when something was added (compiled, or facts noted).
 */
export class ScriptCache {
  /** The file as it was read: its index, and its scripts' code read by parts. */
  private readonly stored?: PartsFile<ScriptIndex>
  /** Scripts compiled, or given facts, in this command. */
  private readonly added = new Map<string, CompiledScript>()
  private readonly file: CacheFile
  /** V8's compiled code of the scripts, beside the file (`.v8`): opened when first asked for. */
  private readonly v8File: CacheFile
  private v8?: V8Code
  /** Scripts compiled by V8 in this command with no code cache: their code is taken once their step has run. */
  private readonly compiledNow = new Map<string, Script>()

  constructor(private readonly location: string) {
    const name = `scripts-${folderKey(location)}.json`
    this.file = new CacheFile('scripts', name)
    this.v8File = new CacheFile('script-code', `${name}.v8`)
    // A file of another format or sucrase is written over, where it is.
    this.stored = PartsFile.open<ScriptIndex>(
      this.file,
      SCRIPTS_MAGIC,
      (index) => index.key === cacheKey() && typeof index.entries === 'object' && index.entries !== null,
    )
  }

  /** The script of `hash`, its code read from the file; undefined when absent or damaged (it is compiled again). */
  get(hash: string): CompiledScript | undefined {
    const added = this.added.get(hash)
    if (added) return added
    const entry = this.entryOf(hash)
    const code = entry && this.stored!.read(entry)
    return code && {code: code.toString('utf8'), facts: entry[4], plain: entry[3] === 1}
  }

  /** What was noted of the script of `hash` (note()), without reading its code. */
  facts(hash: string): unknown {
    return this.added.has(hash) ? this.added.get(hash)!.facts : this.entryOf(hash)?.[4]
  }

  private entryOf(hash: string): IndexEntry | undefined {
    const entries = this.stored?.index.entries
    return entries && Object.hasOwn(entries, hash) ? entries[hash] : undefined
  }

  set(hash: string, compiled: CompiledScript): void {
    this.added.set(hash, compiled)
    this.dirty = true
  }

  /** Record `facts` in the entry of `hash` (a plain one), written back with the file when they are new. */
  note(hash: string, facts: unknown): void {
    if (JSON.stringify(this.facts(hash)) === JSON.stringify(facts)) return
    const entry = this.get(hash)
    if (entry?.plain) this.set(hash, {...entry, facts})
  }

  /**
   * The script's compiled CommonJS code as a function of (exports, require,
   * module, __filename, __dirname), compiled by V8 from its code cache when
   * it is there (wrapped as Node wraps a CommonJS module: the lines stay where they are).
   */
  compile(hash: string, code: string, filename: string): (...args: unknown[]) => void {
    this.v8 ??= V8Code.open(this.v8File)
    const cachedData = this.v8.get(hash)
    const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${code}\n})`, {
      cachedData,
      filename,
    })
    if (!this.v8File.disabled && (!cachedData || script.cachedDataRejected)) this.compiledNow.set(hash, script)
    return script.runInThisContext() as (...args: unknown[]) => void
  }

  /**
   * The script of `hash` has run (its step is over): V8's code of it is taken (with the functions that ran) and the
   * compiled script let go, so a cold run does not hold every script until it ends; on the event loop's next turn,
   * so that on a server it is taken while this thread waits for the step's next statement.
   */
  ran(hash: string): void {
    if (!this.compiledNow.has(hash) || !this.v8) return
    this.ranNow.push(hash)
    // A run whose steps never give the event loop a turn (SQLite's are synchronous) takes them here, a few at once.
    if (this.ranNow.length >= RAN_PENDING) this.takeRan()
    if (this.ranNow.length !== 1) return
    // Taken on the event loop's next turn: on a server, while this thread waits for the step's next statement (its
    // version update, its commit), not before that statement is sent. save() takes what is still pending.
    setImmediate(() => this.takeRan()).unref()
  }

  private takeRan(): void {
    for (const ran of this.ranNow.splice(0)) this.takeCode(ran)
  }

  /** Scripts that have run, whose V8 code is taken on the event loop's next turn (ran). */
  private readonly ranNow: string[] = []

  private takeCode(hash: string): void {
    const script = this.compiledNow.get(hash)
    if (!script || !this.v8) return
    this.compiledNow.delete(hash)
    this.v8.set(hash, script.createCachedData())
  }

  /**
   * Write the file back when a script was compiled (atomically: a concurrent
   * run reads the old file or the new one); with `code`, once the command is
   * over, V8's code of the scripts compiled without it too (of the functions that ran, for those that ran), and
   * the files are let go: the next command reads them again.
   */
  save(options: {code?: boolean} = {}): void {
    const entries = this.stored?.index.entries ?? {}
    if (this.dirty && !this.file.disabled) {
      this.dirty = false
      // Oldest first: the file's entries in their order, then this command's.
      const hashes = [...Object.keys(entries).filter((hash) => !this.added.has(hash)), ...this.added.keys()]
      const cap = hashes.length > MIN_ENTRIES ? entryCap(this.location) : MIN_ENTRIES
      const kept = hashes.slice(Math.max(0, hashes.length - cap))
      const parts: Buffer[] = []
      const head = PartsFile.bytes(
        SCRIPTS_MAGIC,
        (place) => {
          const index: Record<string, IndexEntry> = {}
          for (const hash of kept) {
            const added = this.added.get(hash)
            const code = added ? Buffer.from(added.code) : this.stored!.read(entries[hash])
            if (!code) continue
            const plain = (added ? added.plain : entries[hash][3] === 1) ? 1 : 0
            const facts = added ? added.facts : entries[hash][4]
            index[hash] = facts === undefined ? [...place(code), plain] : [...place(code), plain, facts]
          }

          return {entries: index, key: cacheKey()} satisfies ScriptIndex
        },
        parts,
      )
      this.file.write([...head, ...parts])
      this.written = new Set(kept)
    }

    if (options.code && this.v8) {
      this.ranNow.length = 0
      for (const hash of [...this.compiledNow.keys()]) this.takeCode(hash)
      const known = this.written ?? new Set([...Object.keys(entries), ...this.added.keys()])
      if (this.v8.changed) this.v8.write(this.v8File, known)
    }

    if (options.code) {
      this.stored?.close()
      this.v8?.close()
    }
  }

  private dirty = false
  /** The scripts of the file as last written, when this command wrote it. */
  private written?: Set<string>
}

/** Scripts that have run whose V8 code may wait for the event loop's next turn (ScriptCache.ran). */
const RAN_PENDING = 16

const SCRIPTS_MAGIC = `db-manage scripts ${FORMAT}\n`

interface V8Index {
  readonly build: string
  readonly scripts: Record<string, Place>
}

/**
 * V8's code cache of a folder's compiled scripts, in one file of parts
 * (PartsFile): the index names the Node build it is for and each script's
 * place by its checksum. V8 refuses data of another V8 or other flags;
 * each part's sha1 refuses a damaged one before V8 sees it.
 */
class V8Code {
  private static readonly MAGIC = 'db-manage v8 code 2\n'
  /** Code taken in this command. */
  private readonly added = new Map<string, Buffer>()

  private constructor(private readonly stored: PartsFile<V8Index> | undefined) {}

  static open(file: CacheFile): V8Code {
    // Absent or unsound: the scripts are compiled, and their code written anew.
    return new V8Code(
      PartsFile.open<V8Index>(
        file,
        V8Code.MAGIC,
        (index) => index.build === NODE_BUILD && typeof index.scripts === 'object' && index.scripts !== null,
      ),
    )
  }

  get changed(): boolean {
    return this.added.size > 0
  }

  get(hash: string): Buffer | undefined {
    const added = this.added.get(hash)
    if (added) return added
    const scripts = this.stored?.index.scripts
    return scripts && Object.hasOwn(scripts, hash) ? this.stored!.read(scripts[hash]) : undefined
  }

  set(hash: string, data: Buffer): void {
    this.added.set(hash, data)
  }

  /** Write the scripts still in the compiled-script cache (`keep`). */
  write(file: CacheFile, keep: ReadonlySet<string>): void {
    const stored = this.stored?.index.scripts ?? {}
    const hashes = new Set([...Object.keys(stored), ...this.added.keys()])
    const parts: Buffer[] = []
    const head = PartsFile.bytes(
      V8Code.MAGIC,
      (place) => {
        const scripts: Record<string, Place> = {}
        for (const hash of hashes) {
          if (!keep.has(hash)) continue
          const blob = this.get(hash)
          if (blob) scripts[hash] = place(blob)
        }

        return {build: NODE_BUILD, scripts} satisfies V8Index
      },
      parts,
    )
    file.write([...head, ...parts])
  }

  close(): void {
    this.stored?.close()
  }
}
