import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runBinary, runCli, tempProject} from '../../helpers/cli.js'

function project(): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(path.join(dir, 'db-manage.ini'), '[database]\nconnection = sqlite:///app.sqlite\n')
  return dir
}

const header = (id: string, down: null | string) =>
  `export const revision = '${id}'\nexport const downRevision = ${down ? `'${down}'` : 'null'}\nexport const message = 'm${id}'\n`

describe('script kinds', () => {
  it('runs .ts, .js, .mjs and .sql scripts in one chain, with --json data', async () => {
    const dir = project()
    const m = (file: string, text: string) => writeFileSync(path.join(dir, 'migrations', file), text)
    m(
      '001_a.ts',
      `${header('001', null)}export async function upgrade(op: {execute(s: string): Promise<void>}): Promise<void> { await op.execute('CREATE TABLE a (id INTEGER)') }\n`,
    )
    m(
      '002_b.js',
      `${header('002', '001')}export async function upgrade(op) { await op.execute('CREATE TABLE b (id INTEGER)') }\n`,
    )
    m(
      '003_c.mjs',
      `${header('003', '002')}export async function upgrade(op) { await op.execute('CREATE TABLE c (id INTEGER)') }\n`,
    )
    m(
      '004_d.sql',
      '-- revision: 004\n-- down_revision: 003\n-- message: m004\n-- +upgrade\nCREATE TABLE d (id INTEGER);\n-- +downgrade\nDROP TABLE d;\n',
    )
    // The binary, end to end: bin/run.js imports the .js and .mjs scripts with its own import() (runCli: the runner's).
    const result = await runBinary(['upgrade', '--json'], {cwd: dir})
    expect(result.code, result.stderr).to.equal(0)
    const json = JSON.parse(result.stdout).data
    expect(json).to.have.length(1)
    expect(json[0]).to.deep.include({database: 'default', from: null, to: '004'})
    expect(
      json[0].steps.map((s: {direction: string; from: null | string; to: string; message: string}) => [
        s.direction,
        s.from,
        s.to,
        s.message,
      ]),
    ).to.deep.equal([
      ['upgrade', null, '001', 'm001'],
      ['upgrade', '001', '002', 'm002'],
      ['upgrade', '002', '003', 'm003'],
      ['upgrade', '003', '004', 'm004'],
    ])
    expect(JSON.parse((await runCli(['current', '--json'], {cwd: dir})).stdout).data[0].current).to.equal('004')
  })

  it('loads TypeScript with a top-level await and an import of a sibling helper', async () => {
    const dir = project()
    writeFileSync(path.join(dir, 'migrations', 'helpers.ts'), "export const tableName: string = 'from_helper'\n")
    writeFileSync(
      path.join(dir, 'migrations', '001_a.ts'),
      `import {tableName} from './helpers'
${header('001', null)}const suffix: string = await Promise.resolve('_tla')
export async function upgrade(op: {execute(s: string): Promise<void>}): Promise<void> { await op.execute(\`CREATE TABLE \${tableName}\${suffix} (id INTEGER)\`) }
`,
    )
    const result = await runCli(['upgrade', '--debug'], {cwd: dir})
    expect(result.code, result.stderr).to.equal(0)
    expect(result.stderr).to.include('SQL: CREATE TABLE from_helper_tla (id INTEGER)')
  })

  it('a forgotten await: the operations still run in order, a failing one fails its step (rolled back), and a stray promise of the script is one line, not a crash', async () => {
    const dir = project()
    const m = (file: string, text: string) => writeFileSync(path.join(dir, 'migrations', file), text)
    // No await anywhere: the table exists before the insert, all the same.
    m(
      '001_a.js',
      `${header('001', null)}export async function upgrade(op) { op.execute('CREATE TABLE a (id INTEGER)'); op.execute('INSERT INTO a VALUES (1)'); op.execute('INSERT INTO a VALUES (2)') }\n`,
    )
    const ok = await runCli(['upgrade', '001'], {cwd: dir})
    expect(ok.code, ok.stderr).to.equal(0)
    m(
      '002_b.js',
      `${header('002', '001')}export async function upgrade(op) { op.execute('CREATE TABLE b (id INTEGER)'); op.execute('INSERT INTO no_such VALUES (1)') }\n`,
    )
    expect(await runCli(['upgrade', '002'], {cwd: dir})).to.deep.equal({
      code: 1,
      stderr:
        'Error: upgrade 001 -> 002 (002_b.js) failed: no such table: no_such (SQLITE_ERROR) [SQL: INSERT INTO no_such VALUES (1)]; rolled back, the database is at 001\n',
      stdout: '',
    })
    // A failure the script awaited and caught is its own choice: the step goes on.
    m(
      '002_b.js',
      `${header('002', '001')}export async function upgrade(op) { await op.execute('DROP TABLE no_such').catch(() => {}); await op.execute('CREATE TABLE b (id INTEGER)') }\n`,
    )
    expect((await runCli(['upgrade', '002'], {cwd: dir})).code).to.equal(0)
    m(
      '003_c.js',
      `${header('003', '002')}export async function upgrade(op) { Promise.reject(new Error('lookup failed')); await new Promise((r) => setTimeout(r, 50)); await op.execute('CREATE TABLE c (id INTEGER)') }\n`,
    )
    // The binary: a stray rejection ends the process (process.exit), which is what is tested.
    expect(await runBinary(['upgrade', '003'], {cwd: dir})).to.deep.equal({
      code: 1,
      stderr: 'Error: lookup failed (a promise nobody awaited: does a script miss an "await"?)\n',
      stdout: '',
    })
    const {default: Database} = await import('better-sqlite3')
    const db = new Database(path.join(dir, 'app.sqlite'))
    expect(db.prepare('SELECT id FROM a ORDER BY id').all()).to.deep.equal([{id: 1}, {id: 2}])
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name IN ('b', 'c')").all()).to.deep.equal([{name: 'b'}])
    expect(db.prepare('SELECT version_num FROM alembic_version').all()).to.deep.equal([{version_num: '002'}])
    db.close()
  })

  it('a script that does not load is one line naming it, and nothing runs', async () => {
    const dir = project()
    writeFileSync(
      path.join(dir, 'migrations', '001_a.ts'),
      `${header('001', null)}export async function upgrade(op: any) { await op.execute('CREATE TABLE a (id INTEGER)') }\n`,
    )
    writeFileSync(
      path.join(dir, 'migrations', '002_b.ts'),
      `${header('002', '001')}export async function upgrade(op: any) { await op.execute( }\n`,
    )
    const result = await runCli(['upgrade'], {cwd: dir})
    expect(result.code).to.equal(1)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.match(/^Error: 002_b\.ts: cannot load: .+\n$/)
    expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('<base>\n')
  })

  it('with transaction_per_migration = false a failure rolls the whole run back', async () => {
    const dir = project()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[db_manage]\ntransaction_per_migration = false\n\n[database]\nconnection = sqlite:///app.sqlite\n',
    )
    writeFileSync(
      path.join(dir, 'migrations', '001_a.ts'),
      `${header('001', null)}export async function upgrade(op: any) { await op.execute('CREATE TABLE a (id INTEGER)') }\n`,
    )
    writeFileSync(
      path.join(dir, 'migrations', '002_b.ts'),
      `${header('002', '001')}export async function upgrade(op: any) { await op.execute('CREATE TABLE b (id INTEGER)'); throw new Error('boom') }\n`,
    )
    const result = await runCli(['upgrade'], {cwd: dir})
    expect(result.code).to.equal(1)
    expect(result.stderr).to.equal(
      'Error: upgrade 001 -> 002 (002_b.ts) failed: boom; the whole run was rolled back (transaction_per_migration = false): the database is at base\n',
    )
    expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('<base>\n')
  })

  it('a script whose exported id differs from its header is refused', async () => {
    const dir = project()
    writeFileSync(
      path.join(dir, 'migrations', '001_a.js'),
      `${header('001', null)}export const revision2 = 1\nexport async function upgrade() {}\n`.replace(
        "export const revision = '001'",
        "export const revision = '001'\n// export const revision = 'x'",
      ),
    )
    writeFileSync(
      path.join(dir, 'migrations', '002_b.mjs'),
      `const id = '009'\nexport {id as revision}\n// export const revision = '002'\nexport const downRevision = '001'\nexport async function upgrade() {}\n`,
    )
    const result = await runCli(['upgrade'], {cwd: dir})
    expect(result).to.deep.include({
      code: 1,
      stderr: 'Error: 002_b.mjs: exports revision 009 but its header says 002\n',
    })
  })
})
