import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {
  compileScript,
  scriptsCompiledByWorker,
  startCompiling,
  stopCompiling,
  warmUpCompiling,
  WORKER_FROM,
} from '../../../src/boot/compile-worker.js'
import {compileSource} from '../../../src/boot/module-loader.js'
import {scriptChecksum} from '../../../src/script/script-directory.js'

// A first run's scripts are compiled on a worker thread (boot/compile-worker.ts). What matters: each import gets the
// code of the text it is imported under, compiled as this thread would compile it; a text the worker did not see, or
// could not compile, is compiled here, with the error this thread would give.
const COUNT = WORKER_FROM + 6

function text(i: number): string {
  const id = String(i).padStart(3, '0')
  const body = `import type {Operations} from 'db-manage'
export const revision = '${id}'
export async function upgrade(op: Operations): Promise<void> {
  await op.execute('CREATE TABLE t${id} (id INTEGER)')
}
`
  // Line endings and a BOM, which the checksum leaves out, and code that goes through jiti (a top-level await).
  if (i === 1) return body.replaceAll('\n', '\r\n')
  if (i === 2) return `\uFEFF${body}`
  if (i === 3) return `${body}export const later = await Promise.resolve(1)\n`
  if (i === 4) return `${body}export const broken = (\n`
  return body
}

describe('boot: the compile worker', () => {
  let dir: string
  let files: string[]
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-compile-worker-'))
    files = Array.from({length: COUNT}, (_, i) => {
      const file = path.join(dir, `${String(i).padStart(3, '0')}_s.ts`)
      writeFileSync(file, text(i))
      return file
    })
  })
  afterEach(() => {
    stopCompiling()
    rmSync(dir, {force: true, recursive: true})
  })

  const source = (i: number) => async () => text(i)

  it("gives each script this thread's compiled code, in either order, the checksum's BOM and CRLF rule included", async () => {
    for (const order of [files.keys(), [...files.keys()].reverse()]) {
      startCompiling(files)
      const before = scriptsCompiledByWorker()
      for (const i of order) {
        if (i === 4) continue
        const compiled = await compileScript(files[i], scriptChecksum(text(i)), source(i))
        expect(compiled, files[i]).to.deep.equal(await compileSource(text(i), files[i]))
      }

      expect(scriptsCompiledByWorker() - before).to.equal(COUNT - 1)
      stopCompiling()
    }
  })

  it('a text other than the one it read, or one it cannot compile, is compiled on this thread', async () => {
    startCompiling(files)
    const before = scriptsCompiledByWorker()
    const edited = 'export const edited: number = 1\n'
    const compiled = await compileScript(files[0], scriptChecksum(edited), async () => edited)
    expect(compiled.code).to.include('exports.edited = edited')
    expect(compiled.code).not.to.include('CREATE TABLE')

    let error: unknown
    try {
      await compileScript(files[4], scriptChecksum(text(4)), source(4))
    } catch (error_) {
      error = error_
    }

    const expected = await compileSource(text(4), files[4]).catch((error_: unknown) => error_)
    expect(String(error)).to.equal(String(expected)).and.to.include('Unexpected token')
    expect(scriptsCompiledByWorker() - before).to.equal(0)
    // What it compiled and no import took is handed back by checksum, for the cache.
    const rest = stopCompiling()
    expect([...rest.keys()].every((hash) => files.some((_, i) => scriptChecksum(text(i)) === hash))).to.equal(true)
  })

  it("given the folder's files as the headers are read, it goes on with the chain's; an edit meanwhile is seen", async () => {
    warmUpCompiling(files)
    const before = scriptsCompiledByWorker()
    // The chain: the folder's files but the first (cached, say), one of them edited after the worker read it.
    expect(startCompiling(files.slice(1)).started).to.equal(true)
    const edited = 'export const edited: number = 1\n'
    for (const i of files.keys()) {
      if (i === 0 || i === 4) continue
      const now = i === 7 ? edited : text(i)
      const compiled = await compileScript(files[i], scriptChecksum(now), async () => now)
      expect(compiled, files[i]).to.deep.equal(await compileSource(now, files[i]))
    }

    expect(scriptsCompiledByWorker() - before).to.equal(COUNT - 3)
    // A chain with a file it was not given: a worker of its own, which has that file.
    const other = path.join(dir, '999_other.ts')
    writeFileSync(other, text(9))
    expect(startCompiling([...files.slice(1), other]).started).to.equal(true)
    const again = scriptsCompiledByWorker()
    expect(await compileScript(other, scriptChecksum(text(9)), source(9))).to.deep.equal(
      await compileSource(text(9), other),
    )
    expect(scriptsCompiledByWorker() - again).to.equal(1)
  })

  it('below WORKER_FROM scripts, or with files it cannot read, this thread compiles', async () => {
    startCompiling(files.slice(0, WORKER_FROM - 1))
    const before = scriptsCompiledByWorker()
    expect((await compileScript(files[0], scriptChecksum(text(0)), source(0))).plain).to.equal(true)
    expect(scriptsCompiledByWorker()).to.equal(before)

    const gone = files.map((f) => `${f}.gone`)
    startCompiling(gone)
    expect((await compileScript(gone[5], scriptChecksum(text(5)), source(5))).code).to.include('CREATE TABLE t005')
    expect(scriptsCompiledByWorker()).to.equal(before)
  })
})
