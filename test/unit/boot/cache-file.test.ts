import {expect} from 'chai'
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {CacheFile} from '../../../src/boot/cache-file.js'

describe('boot: cache files', () => {
  let base: string
  let first: string
  let second: string
  beforeEach(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'db-manage-cache-file-'))
    first = path.join(base, 'first')
    second = path.join(base, 'second')
  })
  afterEach(() => {
    rmSync(base, {force: true, recursive: true})
    delete process.env.DB_MANAGE_CACHES_OFF
  })

  it('a refused rename leaves no temporary file: the write goes to the next folder', () => {
    // A folder where the file would go: the temporary file is written, its rename onto the name fails.
    mkdirSync(path.join(first, 'scripts-x.json'), {recursive: true})
    const file = new CacheFile('scripts', 'scripts-x.json', [first, second])
    expect(file.write('{"a":1}')).to.equal(path.join(second, 'scripts-x.json'))
    expect(readdirSync(first)).to.deep.equal(['scripts-x.json'])
    expect(readdirSync(path.join(first, 'scripts-x.json'))).to.deep.equal([])
    expect(readdirSync(second)).to.deep.equal(['scripts-x.json'])
    expect(readFileSync(path.join(second, 'scripts-x.json'), 'utf8')).to.equal('{"a":1}')
  })

  it('with no folder that takes it, nothing is written and nothing is left behind', () => {
    mkdirSync(path.join(first, 'headers-x.json'), {recursive: true})
    const file = new CacheFile('headers', 'headers-x.json', [first])
    expect(file.write('data')).to.equal(undefined)
    expect(readdirSync(first)).to.deep.equal(['headers-x.json'])
  })

  it('is read from the first folder with a file the parser accepts, and written back there', () => {
    mkdirSync(first, {mode: 0o700})
    mkdirSync(second, {mode: 0o700})
    writeFileSync(path.join(first, 'c.json'), 'not json')
    writeFileSync(path.join(second, 'c.json'), '{"n":2}')
    const file = new CacheFile('scripts', 'c.json', [first, second])
    expect(file.read((bytes) => JSON.parse(bytes.toString('utf8')) as {n: number})).to.deep.equal({n: 2})
    expect(file.write('{"n":3}')).to.equal(path.join(second, 'c.json'))
    expect(readFileSync(path.join(first, 'c.json'), 'utf8')).to.equal('not json')
    expect(readdirSync(second)).to.deep.equal(['c.json'])
  })

  it('a folder other users may write to is neither read nor written', () => {
    mkdirSync(first)
    writeFileSync(path.join(first, 'c.json'), '{"n":1}')
    // Set outright: mkdir's mode is masked by the umask.
    chmodSync(first, 0o777)
    const file = new CacheFile('scripts', 'c.json', [first])
    expect(file.read((bytes) => bytes.toString('utf8'))).to.equal(undefined)
    expect(file.write('{"n":2}')).to.equal(undefined)
    expect(readFileSync(path.join(first, 'c.json'), 'utf8')).to.equal('{"n":1}')
  })

  it('DB_MANAGE_CACHES_OFF turns off the caches it names, and only those', () => {
    mkdirSync(first, {mode: 0o700})
    writeFileSync(path.join(first, 'headers-x.json'), 'h')
    writeFileSync(path.join(first, 'scripts-x.json'), 's')
    process.env.DB_MANAGE_CACHES_OFF = 'bundle-code, headers'
    const headers = new CacheFile('headers', 'headers-x.json', [first])
    const scripts = new CacheFile('scripts', 'scripts-x.json', [first])
    expect([headers.disabled, scripts.disabled]).to.deep.equal([true, false])
    expect(headers.read((bytes) => bytes.toString('utf8'))).to.equal(undefined)
    expect(scripts.read((bytes) => bytes.toString('utf8'))).to.equal('s')
    expect(headers.write('new')).to.equal(undefined)
    expect(readFileSync(path.join(first, 'headers-x.json'), 'utf8')).to.equal('h')
  })
})
