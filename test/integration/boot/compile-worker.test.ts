import {expect} from 'chai'
import {mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {WORKER_FROM} from '../../../src/boot/compile-worker.js'
import {runBinary, tempProject} from '../../helpers/cli.js'
import {cacheIndex, v8Index} from '../../helpers/script-cache-file.js'

// The first run of a long chain (no compiled-script cache) compiles its scripts on a worker thread
// (boot/compile-worker.ts). What a user sees: the same statements as ever, in the same order, a cache the next run
// uses, and a script that cannot be compiled stopping the run with its one line before anything changes.
const COUNT = WORKER_FROM + 6
const id = (i: number) => String(i).padStart(3, '0')

function script(i: number): string {
  const body = `import type {Operations} from 'db-manage'
export const revision = '${id(i)}'
export const downRevision = ${i === 1 ? 'null' : `'${id(i - 1)}'`}
export const message = 'm${id(i)}'
export async function upgrade(op: Operations): Promise<void> {
  await op.execute('CREATE TABLE t${id(i)}${i === 5 ? '${suffix}' : ''} (id INTEGER)')
}
export async function downgrade(op: Operations): Promise<void> {
  await op.execute('DROP TABLE t${id(i)}${i === 5 ? '${suffix}' : ''}')
}
`
  // CRLF and a BOM (the checksum leaves them out), a helper import and a top-level await (both through jiti).
  if (i === 2) return body.replaceAll('\n', '\r\n')
  if (i === 3) return `\uFEFF${body}`
  if (i === 4) return `${body}export const later = await Promise.resolve(1)\n`
  if (i === 5)
    return `import {suffix} from '../lib/names.ts'\n${body.replaceAll("'CREATE", '`CREATE').replaceAll("INTEGER)'", 'INTEGER)`').replaceAll("'DROP TABLE t005${suffix}'", '`DROP TABLE t005${suffix}`')}`
  return body
}

function project(): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  mkdirSync(path.join(dir, 'lib'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    '[db_manage]\nscript_location = migrations\n\n[database]\nconnection = sqlite:///app.sqlite\n',
  )
  writeFileSync(path.join(dir, 'lib', 'names.ts'), "export const suffix: string = '_helper'\n")
  for (let i = 1; i <= COUNT; i++) writeFileSync(path.join(dir, 'migrations', `${id(i)}_s.ts`), script(i))
  return dir
}

const table = (i: number) => `t${id(i)}${i === 5 ? '_helper' : ''}`
/** What each run's upgrade head sends, in order. */
const creates = Array.from({length: COUNT}, (_, k) => `CREATE TABLE ${table(k + 1)} (id INTEGER)`)
const statements = (stderr: string, verb: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith(`SQL: ${verb} t`))
    .map((l) => l.replace(/^SQL: /, ''))
const phases = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('db-manage: phases:')) ?? ''

describe('the compile worker (a first run of a long chain)', () => {
  let cache: string
  beforeEach(() => {
    cache = mkdtempSync(path.join(os.tmpdir(), 'db-manage-cache-'))
  })
  afterEach(() => rmSync(cache, {force: true, recursive: true}))

  it('runs the same statements in order, writes the cache the next run uses, and compiles downgrades too', async () => {
    const dir = project()
    const env = {DB_MANAGE_SCRIPT_CACHE: cache}
    const first = await runBinary(['upgrade', 'head', '--debug'], {cwd: dir, env})
    expect(first.code, first.stderr).to.equal(0)
    expect(statements(first.stderr, 'CREATE TABLE')).to.deep.equal(creates)
    expect(phases(first.stderr)).to.include(
      `(${COUNT} compiled on a second thread, started with the bundle, waited for `,
    )
    const file = readdirSync(cache).find((f) => /^scripts-[0-9a-f]{16}\.json$/.test(f))!
    const {entries} = cacheIndex(path.join(cache, file))
    expect(Object.keys(entries)).to.have.length(COUNT)
    // V8's code of every plain script that ran (taken after its step, on the event loop's next turn, or at the end).
    const plain = Object.keys(entries).filter((hash) => entries[hash][3] === 1)
    expect(plain).to.have.length(COUNT - 2)
    expect(Object.keys(v8Index(path.join(cache, `${file}.v8`)).scripts).sort()).to.deep.equal(plain.sort())

    // Warm: the same statements, from the cache, no worker.
    rmSync(path.join(dir, 'app.sqlite'))
    const warm = await runBinary(['upgrade', 'head', '--debug'], {cwd: dir, env})
    expect(warm.code, warm.stderr).to.equal(0)
    expect(statements(warm.stderr, 'CREATE TABLE')).to.deep.equal(creates)
    expect(phases(warm.stderr)).not.to.include('second thread')

    // Cold again, the other way: the worker follows the imports from the head down.
    rmSync(cache, {force: true, recursive: true})
    const down = await runBinary(['downgrade', 'base', '--debug'], {cwd: dir, env})
    expect(down.code, down.stderr).to.equal(0)
    expect(statements(down.stderr, 'DROP TABLE')).to.deep.equal(
      creates.map((c) => c.replace('CREATE', 'DROP').replace(' (id INTEGER)', '')).reverse(),
    )
    expect(phases(down.stderr)).to.include(
      `(${COUNT} compiled on a second thread, started with the bundle, waited for `,
    )
  })

  it('started after the headers when their cache is off; started early and stopped unused when only they are cold', async () => {
    const dir = project()
    // The bundle's code cache off too: else the loader starts the worker, before the headers are read.
    const env = {DB_MANAGE_CACHES_OFF: 'headers,bundle-code', DB_MANAGE_SCRIPT_CACHE: cache}
    const first = await runBinary(['upgrade', 'head', '--debug'], {cwd: dir, env})
    expect(first.code, first.stderr).to.equal(0)
    expect(statements(first.stderr, 'CREATE TABLE')).to.deep.equal(creates)
    expect(phases(first.stderr)).to.include(`(${COUNT} compiled on a second thread, waited for `)

    // The compiled scripts cached, the headers not: the worker warmed up for a first run has nothing to do.
    rmSync(path.join(dir, 'app.sqlite'))
    const again = await runBinary(['upgrade', 'head', '--debug'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: cache}})
    expect(again.code, again.stderr).to.equal(0)
    expect(statements(again.stderr, 'CREATE TABLE')).to.deep.equal(creates)
    expect(phases(again.stderr)).to.include(`headers`).and.not.to.include('second thread')
  })

  it('started by the loader on the first upgrade after an install; stopped unused when the scripts are cached', async () => {
    const dir = project()
    const env = {DB_MANAGE_SCRIPT_CACHE: cache}
    const first = await runBinary(['upgrade', 'head', '--debug'], {cwd: dir, env})
    expect(first.code, first.stderr).to.equal(0)
    expect(phases(first.stderr))
      .to.include('code cache absent')
      .and.to.include(`(${COUNT} compiled on a second thread, started with the bundle, waited for `)

    // db-manage upgraded (its bundle's code cache gone), the project's scripts cached: the worker goes unused.
    for (const name of readdirSync(cache)) if (/^code-.*\.bin$/.test(name)) rmSync(path.join(cache, name))
    rmSync(path.join(dir, 'app.sqlite'))
    const again = await runBinary(['upgrade', 'head', '--debug'], {cwd: dir, env})
    expect(again.code, again.stderr).to.equal(0)
    expect(statements(again.stderr, 'CREATE TABLE')).to.deep.equal(creates)
    expect(phases(again.stderr)).to.include('code cache absent').and.not.to.include('second thread')
  })

  it('a script that cannot be compiled stops the run with its one line, before anything changes', async () => {
    const dir = project()
    const broken = path.join(dir, 'migrations', `${id(COUNT - 1)}_s.ts`)
    writeFileSync(broken, `${script(COUNT - 1)}export const broken = (\n`)
    const run = await runBinary(['upgrade', 'head'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: cache}})
    expect(run.code).to.equal(1)
    expect(run.stdout).to.equal('')
    const lines = run.stderr.trim().split('\n')
    expect(lines, run.stderr).to.have.length(1)
    expect(lines[0]).to.match(new RegExp(`^Error: ${id(COUNT - 1)}_s\\.ts: cannot load: .*Unexpected token`))
    const current = await runBinary(['current'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: cache}})
    expect(current.stdout.trim()).to.equal('<base>')
  })
})
