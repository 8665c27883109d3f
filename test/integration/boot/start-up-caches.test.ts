import {expect} from 'chai'
import {chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {type CliResult, runBinary, shippedProject} from '../../helpers/cli.js'
import {createTestDatabase, dialectsUnderTest} from '../../helpers/databases.js'

// Two caches make start-up fast (issue: performance): V8's compiled code of
// the CLI's bundle, one file per command, and the headers of the scripts,
// stat'ed instead of read. What a user must be able to rely on: the same
// output with or without them, an edited script always read as edited, and a
// damaged cache costing only time.
// Each run is the binary, a process of its own: the code cache is what bin/run.js loads the bundle with.
const cacheDir = () => mkdtempSync(path.join(os.tmpdir(), 'db-manage-caches-'))
const codeFiles = (cache: string) =>
  readdirSync(cache)
    .filter((f) => /^code-[0-9a-f]{16}-[a-z_]+\.bin$/.test(f))
    .sort()
/** The phase line's note on the code cache, and on the headers. */
const notes = (r: CliResult) => ({
  code: /start-up \d+ ms \(code cache (\w+)\)/.exec(r.stderr)?.[1],
  headers: /headers \d+ ms \((\d+ of \d+) from the cache\)/.exec(r.stderr)?.[1],
})
const HISTORY = '004 -> 005 (head), node group limits'

describe("start-up's caches", () => {
  it("the bundle's code cache: one file per command, written by the first run, read by the next, the same output", async () => {
    const dir = shippedProject()
    const env = {DB_MANAGE_SCRIPT_CACHE: cacheDir()}
    const first = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect(first.code, first.stderr).to.equal(0)
    expect(notes(first).code).to.equal('absent')
    expect(codeFiles(env.DB_MANAGE_SCRIPT_CACHE).map((f) => f.slice(22))).to.deep.equal(['history.bin'])
    const second = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect(notes(second).code).to.equal('read')
    expect(second.stdout).to.equal(first.stdout)
    expect(second.stdout.split('\n')[0]).to.equal(HISTORY)

    // Another command has its own file; global flags before the command do not change its name.
    const heads = await runBinary(['--debug', 'heads'], {cwd: dir, env})
    expect([heads.code, heads.stdout, notes(heads).code]).to.deep.equal([0, '005 (head)\n', 'absent'])
    expect(codeFiles(env.DB_MANAGE_SCRIPT_CACHE).map((f) => f.slice(22))).to.deep.equal(['heads.bin', 'history.bin'])

    // A file of another build of db-manage goes when this build writes its own, once it is an hour old (two builds may share a folder).
    const recent = path.join(env.DB_MANAGE_SCRIPT_CACHE, 'code-0123456789abcdef-history.bin')
    const stale = path.join(env.DB_MANAGE_SCRIPT_CACHE, 'code-fedcba9876543210-history.bin')
    writeFileSync(recent, 'another build')
    writeFileSync(stale, 'an older build')
    const twoHoursAgo = new Date(Date.now() - 7_200_000)
    utimesSync(stale, twoHoursAgo, twoHoursAgo)
    await runBinary(['current'], {cwd: dir, env})
    const left = codeFiles(env.DB_MANAGE_SCRIPT_CACHE)
    expect(left).to.include(path.basename(recent)).and.not.include(path.basename(stale))
    expect(left.filter((f) => f !== path.basename(recent)).map((f) => f.slice(22))).to.deep.equal([
      'current.bin',
      'heads.bin',
      'history.bin',
    ])
  })

  it('a damaged or foreign code cache is not used, and is written anew; turned off, the bundle loads as it is', async () => {
    const dir = shippedProject()
    const env = {DB_MANAGE_SCRIPT_CACHE: cacheDir()}
    const good = await runBinary(['history'], {cwd: dir, env})
    const [name] = codeFiles(env.DB_MANAGE_SCRIPT_CACHE)
    const file = path.join(env.DB_MANAGE_SCRIPT_CACHE, name)
    const bytes = readFileSync(file)

    // One byte changed: the file's own checksum refuses it before V8 sees it.
    bytes[bytes.length >> 1] ^= 0xff
    writeFileSync(file, bytes)
    const flipped = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect([flipped.code, flipped.stdout, notes(flipped).code]).to.deep.equal([0, good.stdout, 'absent'])
    const again = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect(notes(again).code).to.equal('read')

    // A checksum that holds over data V8 did not make: V8 refuses it.
    const {createHash} = await import('node:crypto')
    const junk = Buffer.from('not V8 code cache data at all')
    writeFileSync(file, Buffer.concat([createHash('sha1').update(junk).digest(), junk]))
    const refused = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect([refused.code, refused.stdout, notes(refused).code]).to.deep.equal([0, good.stdout, 'refused'])
    expect(notes(await runBinary(['history', '--debug'], {cwd: dir, env})).code).to.equal('read')

    const off = await runBinary(['history', '--debug'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: 'off'}})
    expect([off.code, off.stdout, notes(off)]).to.deep.equal([0, good.stdout, {code: 'off', headers: '0 of 5'}])
    // DB_MANAGE_CACHES_OFF=bundle-code turns this cache alone off (to measure it): no file is read or written.
    const alone = {DB_MANAGE_CACHES_OFF: 'bundle-code', DB_MANAGE_SCRIPT_CACHE: cacheDir()}
    const skipped = await runBinary(['history', '--debug'], {cwd: dir, env: alone})
    expect([skipped.code, skipped.stdout, notes(skipped).code]).to.deep.equal([0, good.stdout, 'off'])
    expect(codeFiles(alone.DB_MANAGE_SCRIPT_CACHE)).to.deep.equal([])

    // What is cached runs as code: a folder others may write to (one planted in /tmp, say) is not used, as if off.
    const open = cacheDir()
    chmodSync(open, 0o777)
    const planted = await runBinary(['history', '--debug'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: open}})
    expect([planted.code, planted.stdout, notes(planted).code]).to.deep.equal([0, good.stdout, 'off'])
    expect(readdirSync(open)).to.deep.equal([])
    // A folder db-manage creates is its user's alone.
    const created = path.join(cacheDir(), 'new')
    await runBinary(['history'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: created}})
    expect(statSync(created).mode & 0o777).to.equal(0o700)
  })

  it('headers come from the cache only for files unchanged and settled: an edit of the same size is read, even with its mtime put back', async () => {
    const dir = shippedProject()
    const env = {DB_MANAGE_SCRIPT_CACHE: cacheDir()}
    const scripts = path.join(dir, 'migrations')
    const last = path.join(scripts, readdirSync(scripts).filter((f) => f.startsWith('005_'))[0])
    // Files written in the last two seconds may change again within their timestamp's tick: read, not trusted.
    const fresh = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect(notes(fresh).headers).to.equal('0 of 5')
    expect(notes(await runBinary(['history', '--debug'], {cwd: dir, env})).headers).to.equal('0 of 5')

    // Written an hour ago, then listed: from then on the headers come from the cache.
    const hourAgo = new Date(Date.now() - 3_600_000)
    for (const f of readdirSync(scripts)) utimesSync(path.join(scripts, f), hourAgo, hourAgo)
    expect(notes(await runBinary(['history', '--debug'], {cwd: dir, env})).headers).to.equal('0 of 5')
    const cached = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect([cached.stdout, notes(cached).headers]).to.deep.equal([fresh.stdout, '5 of 5'])

    // The message edited to one of the same length, and the old mtime put back: the ctime still tells.
    const {mtime} = statSync(last)
    writeFileSync(last, readFileSync(last, 'utf8').replace("'node group limits'", "'NODE GROUP LIMITS'"))
    utimesSync(last, mtime, mtime)
    const edited = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect(edited.stdout.split('\n')[0]).to.equal('004 -> 005 (head), NODE GROUP LIMITS')
    expect(notes(edited).headers).to.equal('4 of 5')

    // A damaged cache file is read as none.
    const [headerFile] = readdirSync(env.DB_MANAGE_SCRIPT_CACHE).filter((f) => f.startsWith('headers-'))
    writeFileSync(path.join(env.DB_MANAGE_SCRIPT_CACHE, headerFile), '{"format": 1, "entries": ')
    const damaged = await runBinary(['history', '--debug'], {cwd: dir, env})
    expect([damaged.code, damaged.stdout, notes(damaged).headers]).to.deep.equal([0, edited.stdout, '0 of 5'])

    // DB_MANAGE_CACHES_OFF=headers turns this cache alone off (to measure it): every header is read.
    await runBinary(['history'], {cwd: dir, env})
    const off = await runBinary(['history', '--debug'], {cwd: dir, env: {...env, DB_MANAGE_CACHES_OFF: 'headers'}})
    expect([off.code, off.stdout, notes(off).headers]).to.deep.equal([0, edited.stdout, '0 of 5'])
    expect(notes(await runBinary(['history', '--debug'], {cwd: dir, env})).headers).to.equal('5 of 5')
  })

  it('on MySQL, mysql2 (a file of its own beside the bundle) goes through the code cache too', async function () {
    if (!dialectsUnderTest().includes('mysql')) this.skip()
    const db = await createTestDatabase('mysql')
    try {
      const dir = shippedProject(db.url)
      const env = {DB_MANAGE_SCRIPT_CACHE: cacheDir()}
      const up = await runBinary(['upgrade', 'head'], {cwd: dir, env})
      expect(up.code, up.stderr).to.equal(0)
      const chunks = () =>
        readdirSync(env.DB_MANAGE_SCRIPT_CACHE).filter((f) =>
          /^code-[0-9a-f]{16}-current\.mysql2-[0-9a-f]{16}\.bin$/.test(f),
        )
      const first = await runBinary(['current'], {cwd: dir, env})
      expect(first).to.deep.equal({code: 0, stderr: '', stdout: '005 (head)\n'})
      expect(chunks()).to.have.length(1)
      const bytes = readFileSync(path.join(env.DB_MANAGE_SCRIPT_CACHE, chunks()[0]))
      // Read, not written again; damaged, refused and written anew: the same answer each time.
      expect(await runBinary(['current'], {cwd: dir, env})).to.deep.equal(first)
      expect(readFileSync(path.join(env.DB_MANAGE_SCRIPT_CACHE, chunks()[0])).equals(bytes)).to.equal(true)
      bytes[bytes.length >> 1] ^= 0xff
      writeFileSync(path.join(env.DB_MANAGE_SCRIPT_CACHE, chunks()[0]), bytes)
      expect(await runBinary(['current'], {cwd: dir, env})).to.deep.equal(first)
      expect(readFileSync(path.join(env.DB_MANAGE_SCRIPT_CACHE, chunks()[0])).equals(bytes)).to.equal(false)
    } finally {
      await db.drop()
    }
  })
})
