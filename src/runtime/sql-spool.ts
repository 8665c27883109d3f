import {closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Spools' folders not yet removed: gone when the process exits, however the command ended. */
const left = new Set<string>()

function removeLeft(): void {
  for (const dir of left) rmSync(dir, {force: true, recursive: true})
  left.clear()
}

/** Write all of `bytes` at the descriptor's position. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at)
}

// 64 KB: the copy of each chunk (a write may hold the last) is garbage at the end of a run, when the heap is at its
// largest; 1 MB chunks cost 2.5 MB of peak RSS at 1,000 revisions and 9 MB at 10,000 (bench/README.md, "mem2").
const CHUNK = 1 << 16

/**
 * Offline SQL (`--sql`) written as it is rendered, into a temporary file of this user's alone (issue 32: a long
 * chain's text is never held whole in memory); once the whole text is there, it goes to the --output-file or to
 * stdout (copyTo). A render that fails part-way has written nothing, as before: the spool is removed.
 */
export class SqlSpool {
  private readonly dir: string
  private fd?: number
  private readonly pending: string[] = []
  private pendingLength = 0
  /** The last character written: stdout's text ends with a line break. */
  private last = ''

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-sql-'))
    if (left.size === 0) process.once('exit', removeLeft)
    left.add(this.dir)
    this.fd = openSync(path.join(this.dir, 'out.sql'), 'wx+', 0o600)
  }

  /** Add `text` (written to the file in blocks of about 64 KB). */
  write(text: string): void {
    if (text.length === 0) return
    this.pending.push(text)
    this.pendingLength += text.length
    this.last = text.at(-1)!
    if (this.pendingLength >= 1 << 16) this.flush()
  }

  private flush(): void {
    if (this.pending.length === 0 || this.fd === undefined) return
    writeAll(this.fd, Buffer.from(this.pending.join('')))
    this.pending.length = 0
    this.pendingLength = 0
  }

  /** Whether nothing was written. */
  get empty(): boolean {
    return this.last === ''
  }

  /** Whether the text ends with a line break. */
  get endsWithNewline(): boolean {
    return this.last === '\n'
  }

  /** The whole text, in order, in chunks of at most 64 KB (`write` may be async: each chunk waits for the last). */
  async copyTo(write: (chunk: Buffer) => Promise<void> | void): Promise<void> {
    this.flush()
    if (this.fd === undefined) throw new Error('SqlSpool: read after remove()')
    const buffer = Buffer.allocUnsafe(CHUNK)
    for (let at = 0; ;) {
      const read = readSync(this.fd, buffer, 0, CHUNK, at)
      if (read === 0) return
      at += read
      // A copy: the next read reuses the buffer while the last write may still hold it.
      await write(Buffer.from(buffer.subarray(0, read)))
    }
  }

  /** Remove the file (once its text has been copied, or when the render failed). */
  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
    rmSync(this.dir, {force: true, recursive: true})
    left.delete(this.dir)
  }
}
