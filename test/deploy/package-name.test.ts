import {expect} from 'chai'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runBinary, runCli, tempProject} from '../helpers/cli.js'

const header = (id: string, down: null | string) =>
  `export const revision = '${id}'\nexport const downRevision = ${down ? `'${down}'` : 'null'}\nexport const message = 'm${id}'\n`

describe("'db-manage' in a project that has not installed it", () => {
  it('resolves to the running db-manage in .ts and .mjs scripts and in a target schema', async () => {
    const dir = tempProject()
    mkdirSync(path.join(dir, 'migrations'))
    expect(existsSync(path.join(dir, 'node_modules'))).to.equal(false)
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[db_manage]\ntarget_schema = schema.ts\n\n[database]\nconnection = sqlite:///app.sqlite\n',
    )
    const m = (file: string, text: string) => writeFileSync(path.join(dir, 'migrations', file), text)
    // Values imported at run time, not only types: each needs the package itself.
    m(
      '001_a.ts',
      `import {sql, type Operations} from 'db-manage'\n${header('001', null)}export async function upgrade(op: Operations): Promise<void> {\n  await op.createTable('a', [op.column('id', 'integer', {primaryKey: true}), op.column('at', 'timestamp', {default: sql('CURRENT_TIMESTAMP')})])\n}\n`,
    )
    m(
      '002_b.mjs',
      `import {now} from 'db-manage'\n${header('002', '001')}export async function upgrade(op) {\n  await op.createTable('b', [op.column('id', 'integer', {primaryKey: true}), op.column('at', 'timestamp', {default: now()})])\n}\n`,
    )
    writeFileSync(
      path.join(dir, 'schema.ts'),
      `import {column, defineSchema, now, sql} from 'db-manage'
export default defineSchema({tables: {
  a: {columns: [column('id', 'integer', {primaryKey: true}), column('at', 'timestamp', {default: sql('CURRENT_TIMESTAMP')})]},
  b: {columns: [column('id', 'integer', {primaryKey: true}), column('at', 'timestamp', {default: now()})]},
}})
`,
    )
    // The binary, end to end: the .mjs script is imported by bin/run.js's own import().
    const up = await runBinary(['upgrade', 'head'], {cwd: dir})
    expect(up.code, up.stderr).to.equal(0)
    expect(up.stdout.replaceAll(/ \(\d+ ms\)/g, '')).to.equal('upgrade <base> -> 001, m001\nupgrade 001 -> 002, m002\n')
    const check = await runCli(['check_migration', '--autogenerate'], {cwd: dir})
    expect(check).to.deep.include({code: 0, stderr: ''})
    expect(check.stdout).to.include('OK: the database at head matches the target schema\n')
  })

  it('still names a package the project really lacks', async () => {
    const dir = tempProject()
    mkdirSync(path.join(dir, 'migrations'))
    writeFileSync(path.join(dir, 'db-manage.ini'), '[database]\nconnection = sqlite:///app.sqlite\n')
    writeFileSync(
      path.join(dir, 'migrations', '001_a.ts'),
      `import {thing} from 'no-such-package'\n${header('001', null)}export async function upgrade(): Promise<void> { thing() }\n`,
    )
    const r = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(r.code).to.equal(1)
    expect(r.stderr).to.match(/^Error: 001_a\.ts: cannot load: .*no-such-package/)
  })
})
