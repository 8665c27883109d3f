import {expect} from 'chai'
import {createHash} from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {runBinary, tempProject} from '../../helpers/cli.js'
import {noHistory} from '../../helpers/revision-file.js'
import {cacheIndex} from '../../helpers/script-cache-file.js'

// TypeScript scripts are compiled once and kept in one cache file per script
// folder, keyed by their text: a warm run loads no TypeScript loader at all.
// What matters to a user: an edited script runs as edited, a script that
// imports a helper still works, and a cache that is broken, unwritable or
// turned off only costs time.
// Each run is the binary, a process of its own: the cache is read when a process starts (in one process, as runCli's
// runs share, it is read once and then kept in memory).
function script(
  id: string,
  down: null | string,
  body: string,
  imports = "import type {Operations} from 'db-manage'",
  table = `t${id}`,
): string {
  return `${imports}
export const revision = '${id}'
export const downRevision = ${down === null ? 'null' : `'${down}'`}
export const message = 'm${id}'
export async function upgrade(op: Operations): Promise<void> {
  ${body}
}
export async function downgrade(op: Operations): Promise<void> {
  await op.execute('DROP TABLE IF EXISTS ${table}')
}
`
}

/** The project's offline SQL (SQLite), without the history table's statements (offline.test.ts pins them). */
const OFFLINE = `CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 001

CREATE TABLE t001 (id INTEGER);

INSERT INTO alembic_version (version_num) VALUES ('001');

-- Running upgrade 001 -> 002

CREATE TABLE t002_helper (id INTEGER);

UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';

`

function project(): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  mkdirSync(path.join(dir, 'lib'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    '[db_manage]\nscript_location = migrations\n\n[database]\nconnection = sqlite:///app.sqlite\n',
  )
  writeFileSync(path.join(dir, 'lib', 'names.ts'), "export const suffix: string = '_helper'\n")
  writeFileSync(
    path.join(dir, 'migrations', '001_a.ts'),
    script('001', null, "await op.execute('CREATE TABLE t001 (id INTEGER)')"),
  )
  writeFileSync(
    path.join(dir, 'migrations', '002_b.ts'),
    script(
      '002',
      '001',
      'await op.execute(`CREATE TABLE t002${suffix} (id INTEGER)`)',
      "import type {Operations} from 'db-manage'\nimport {suffix} from '../lib/names.ts'",
      't002_helper',
    ),
  )
  return dir
}

const cacheFiles = (cache: string) => readdirSync(cache).filter((f) => /^scripts-[0-9a-f]{16}\.json$/.test(f))
const offlineSql = async (dir: string, env: NodeJS.ProcessEnv) =>
  (await runBinary(['upgrade', '--sql', 'head'], {cwd: dir, env})).stdout

describe('the compiled-script cache', () => {
  it('keeps each script by its text in one file: an edited script runs as edited, a helper import still resolves', async () => {
    const dir = project()
    const cache = mkdtempSync(path.join(os.tmpdir(), 'db-manage-cache-'))
    const env = {DB_MANAGE_SCRIPT_CACHE: cache}
    const first = await runBinary(['upgrade', 'head'], {cwd: dir, env})
    expect(first.code, first.stderr).to.equal(0)
    expect(first.stdout.replaceAll(/ \(\d+ ms\)$/gm, '')).to.equal(
      'upgrade <base> -> 001, m001\nupgrade 001 -> 002, m002\n',
    )
    const [file] = cacheFiles(cache)
    const entries = Object.values(cacheIndex(path.join(cache, file)).entries)
    // 001 needs nothing at run time; 002 imports a helper, so it goes through the loader that resolves it.
    expect(entries.map((e) => e[3]).sort()).to.deep.equal([0, 1])

    // Edited after it ran: the downgrade and the upgrade run the new text, not the cached one.
    expect((await runBinary(['downgrade', 'base'], {cwd: dir, env})).code).to.equal(0)
    writeFileSync(
      path.join(dir, 'migrations', '001_a.ts'),
      script('001', null, "await op.execute('CREATE TABLE t001_edited (id INTEGER)')", undefined, 't001_edited'),
    )
    const again = await runBinary(['upgrade', 'head', '--debug'], {cwd: dir, env})
    expect(again.code, again.stderr).to.equal(0)
    expect(again.stderr).to.include('SQL: CREATE TABLE t001_edited (id INTEGER)')
    expect(again.stderr).to.include('SQL: CREATE TABLE t002_helper (id INTEGER)')
    expect(cacheFiles(cache)).to.have.length(1)
  })

  it('a corrupt, unwritable or disabled cache only costs time: the same SQL, nothing on stderr', async () => {
    const dir = project()
    const off = await runBinary(['upgrade', '--sql', 'head'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: 'off'}})
    expect(off.code, off.stderr).to.equal(0)
    expect(noHistory(off.stdout)).to.equal(OFFLINE)

    const cache = mkdtempSync(path.join(os.tmpdir(), 'db-manage-cache-'))
    expect(await offlineSql(dir, {DB_MANAGE_SCRIPT_CACHE: cache})).to.equal(off.stdout)
    const [file] = cacheFiles(cache)
    writeFileSync(path.join(cache, file), '{"entries": {"x": ')
    const corrupt = await runBinary(['upgrade', '--sql', 'head'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: cache}})
    expect(corrupt).to.deep.equal({code: 0, stderr: '', stdout: off.stdout})
    // Written anew, whole.
    expect(Object.keys(cacheIndex(path.join(cache, file)).entries)).to.have.length(2)
    // One script's code damaged (a byte of it flipped): that script alone is compiled again, and its code written anew.
    const scripts = readFileSync(path.join(cache, file))
    scripts[scripts.length - 3] ^= 0x20
    writeFileSync(path.join(cache, file), scripts)
    expect(
      await runBinary(['upgrade', '--sql', 'head'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: cache}}),
    ).to.deep.equal({code: 0, stderr: '', stdout: off.stdout})
    expect(readFileSync(path.join(cache, file)).equals(scripts)).to.equal(false)
    expect(Object.keys(cacheIndex(path.join(cache, file)).entries)).to.have.length(2)

    // V8's code of the scripts, beside it: damaged (one byte flipped), or of another Node, it is not used, and is written anew.
    const v8 = path.join(cache, `${file}.v8`)
    const bytes = readFileSync(v8)
    expect(bytes.toString('latin1', 0, 20)).to.equal('db-manage v8 code 2\n')
    bytes[bytes.length - 5] ^= 0xff
    writeFileSync(v8, bytes)
    expect(
      await runBinary(['upgrade', '--sql', 'head'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: cache}}),
    ).to.deep.equal({
      code: 0,
      stderr: '',
      stdout: off.stdout,
    })
    expect(readFileSync(v8).equals(bytes)).to.equal(false)
    writeFileSync(v8, readFileSync(v8, 'latin1').replace(/"build":"v\d+/, '"build":"v0'), 'latin1')
    expect(
      await runBinary(['upgrade', '--sql', 'head'], {cwd: dir, env: {DB_MANAGE_SCRIPT_CACHE: cache}}),
    ).to.deep.equal({
      code: 0,
      stderr: '',
      stdout: off.stdout,
    })
    expect(readFileSync(v8, 'latin1')).to.match(/"build":"v[1-9]/)

    // A "folder" that is a file cannot hold the cache.
    const notADirectory = path.join(cache, file)
    const unwritable = await runBinary(['upgrade', '--sql', 'head'], {
      cwd: dir,
      env: {DB_MANAGE_SCRIPT_CACHE: notADirectory},
    })
    expect(unwritable).to.deep.equal({code: 0, stderr: '', stdout: off.stdout})

    // Turned off one by one (DB_MANAGE_CACHES_OFF, to measure them): the same SQL, and no file of the cache turned off.
    for (const [names, left] of [
      ['scripts', ['.json.v8']],
      ['script-code', ['.json']],
      ['scripts,script-code', []],
    ] as const) {
      const alone = mkdtempSync(path.join(os.tmpdir(), 'db-manage-cache-'))
      const env = {DB_MANAGE_CACHES_OFF: names, DB_MANAGE_SCRIPT_CACHE: alone}
      for (let run = 0; run < 2; run++) expect(await offlineSql(dir, env), names).to.equal(off.stdout)
      const kinds = readdirSync(alone)
        .filter((f) => f.startsWith('scripts-'))
        .map((f) => f.slice('scripts-0123456789abcdef'.length))
      expect(kinds, names).to.deep.equal(left)
    }
  })

  it('runs nothing from a shared temporary folder: a planted /tmp/jiti of another user is not read', async () => {
    // jiti's own default keeps compiled helper imports in <tmpdir>/jiti and runs them on the next load: another
    // local user who creates that folder first (open to all, as jiti needs it) plants code there.
    const dir = project()
    const shared = mkdtempSync(path.join(os.tmpdir(), 'db-manage-shared-tmp-'))
    chmodSync(shared, 0o1777)
    const planted = path.join(shared, 'jiti')
    mkdirSync(planted)
    const marker = path.join(dir, 'planted-code-ran')
    const md5 = (text: string) => createHash('md5').update(text).digest('hex')
    for (const file of [path.join(dir, 'lib', 'names.ts'), path.join(dir, 'migrations', '002_b.ts')]) {
      // jiti 2's cache file: <folder>-<name>.<md5 of the path>.<cjs|mjs>, taken when it ends with the source's md5.
      const name = `${path.basename(path.dirname(file))}-${path.basename(file, '.ts')}.${md5(file).slice(0, 8)}`
      const write = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, ${JSON.stringify(file)})`
      const code = `${write}; exports.suffix = '_planted'`
      const tail = ` /* v9-${md5(readFileSync(file, 'utf8')).slice(0, 16)} */\n`
      for (const ext of ['.cjs', '.mjs', '.i.cjs', '.i.mjs']) writeFileSync(path.join(planted, name + ext), code + tail)
    }

    chmodSync(planted, 0o777)
    // Another uid (nobody) when the tests run as root; otherwise a folder of this user's, which jiti would use as well.
    if (process.getuid?.() === 0) chownSync(planted, 65_534, 65_534)
    const plantedFiles = readdirSync(planted).sort()

    // The plant is what jiti reads: jiti itself, told to use that folder, runs it.
    const {createJiti} = await import('jiti')
    await createJiti(import.meta.url, {fsCache: planted, moduleCache: false}).import(path.join(dir, 'lib', 'names.ts'))
    expect(existsSync(marker), 'the planted module is not one jiti would read: fix the test').to.equal(true)
    rmSync(marker)

    const own = mkdtempSync(path.join(os.tmpdir(), 'db-manage-cache-'))
    for (const cache of [undefined, own, 'off']) {
      // undefined: db-manage's default cache folders (its own, else <tmpdir>/db-manage-<uid>).
      const env = {DB_MANAGE_SCRIPT_CACHE: cache, TMPDIR: shared}
      const run = await runBinary(['upgrade', '--sql', 'head'], {cwd: dir, env})
      expect(run.code, `${cache}: ${run.stderr}`).to.equal(0)
      expect(noHistory(run.stdout)).to.equal(OFFLINE)
      expect(existsSync(marker), `planted code ran (DB_MANAGE_SCRIPT_CACHE=${cache})`).to.equal(false)
      expect(readdirSync(planted).sort()).to.deep.equal(plantedFiles)
    }

    // The helper's compiled code is kept in db-manage's own folder, for its user alone; with caches off, nowhere.
    const kept = path.join(own, 'jiti')
    expect(statSync(kept).mode & 0o777).to.equal(0o700)
    expect(readdirSync(kept).some((f) => f.startsWith('lib-names.'))).to.equal(true)
    expect(readdirSync(shared).filter((f) => f !== 'jiti' && !f.startsWith('db-manage-'))).to.deep.equal([])
  })

  it('a warm run imports each cached script when its step runs; a missing function still stops it first', async () => {
    // Each script says on stderr when it is imported and when its upgrade runs.
    const dir = project()
    const traced = (id: string, down: null | string, downgrade = true) => {
      const text = script(id, down, `process.stderr.write('run ${id}\\n')`)
      return `process.stderr.write('import ${id}\\n')\n${downgrade ? text : text.replace(/export async function downgrade[^]*$/, '')}`
    }

    writeFileSync(path.join(dir, 'migrations', '001_a.ts'), traced('001', null))
    writeFileSync(path.join(dir, 'migrations', '002_b.ts'), traced('002', '001', false))
    const env = {DB_MANAGE_SCRIPT_CACHE: mkdtempSync(path.join(os.tmpdir(), 'db-manage-cache-'))}
    const stderr = async (argv: string[]) => {
      const run = await runBinary(argv, {cwd: dir, env})
      return `${run.code}: ${run.stderr}`
    }

    // Cold: every script is imported (and checked) before the first step; the cache then knows their functions.
    expect(await stderr(['upgrade', '--sql', 'head'])).to.equal('0: import 001\nimport 002\nrun 001\nrun 002\n')
    expect(await stderr(['upgrade', '--sql', 'head'])).to.equal('0: import 001\nrun 001\nimport 002\nrun 002\n')
    // 002 has no downgrade(): refused from what the cache knows, before anything is imported or written.
    expect(await stderr(['downgrade', '--sql', '002:base'])).to.equal(
      '1: Error: 002_b.ts has no downgrade() function; nothing was changed\n',
    )
    expect(await stderr(['upgrade', 'head'])).to.equal('0: import 001\nrun 001\nimport 002\nrun 002\n')
  })
})
