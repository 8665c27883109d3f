import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseMysqlVersion, parsePostgresVersion} from '../../../src/config/load-config.js'
import {linkDbManage, runCli, tempProject} from '../../helpers/cli.js'

/** A chain of three revisions: operations with a finding, a .sql revision with raw SQL not read, a safe one. */
function project(ini = ''): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(path.join(dir, 'db-manage.ini'), `[db_manage]\nscript_location = migrations\n${ini}`)
  linkDbManage(dir)
  writeFileSync(
    path.join(dir, 'migrations', '001_token.ts'),
    `import type {Operations} from 'db-manage'

export const revision = '001'
export const downRevision = null
export const message = 'token'

export async function upgrade(op: Operations): Promise<void> {
  await op.addColumn('users', op.column('token', 'uuid', {default: op.sql('gen_random_uuid()')}))
  await op.execute(\`
    CREATE INDEX CONCURRENTLY ix_users_token ON users (token);
    UPDATE users SET token = NULL\`)
}
`,
  )
  writeFileSync(
    path.join(dir, 'migrations', '002_fdw.sql'),
    `-- revision: 002
-- down_revision: 001
-- message: fdw, "quoted"
-- +upgrade
CREATE INDEX CONCURRENTLY ix_users_email ON users (email);

IMPORT FOREIGN SCHEMA remote FROM SERVER legacy INTO imported;
`,
  )
  writeFileSync(
    path.join(dir, 'migrations', '003_safe.sql'),
    "-- revision: 003\n-- down_revision: 002\n-- message: safe\n-- +upgrade\nALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\n",
  )
  return dir
}

const lint = (dir: string, ...extra: string[]) =>
  runCli(['check_migration', '--lint', '--no-db', '--dialect', 'postgresql', ...extra], {cwd: dir})

describe('check_migration --lint output', () => {
  it('text: each finding at the line of its statement or operation call; raw SQL not read is "not analysed"', async () => {
    const result = await lint(project())
    expect(result.code).to.equal(1)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines.slice(0, -1).map((l) => l.split(': ').slice(0, 2).join(': '))).to.deep.equal([
      'OK: 3 revision(s), 001 -> 003, one linear sequential chain',
      '001_token.ts:8: DM112 error',
      '001_token.ts:11: DM144 warning',
      '002_fdw.sql:7: DM110 info',
    ])
    expect(lines.at(-1)).to.equal(
      'lint of 3 revision(s) (all) for postgresql: needs-care: 001; not analysed (raw SQL the lint cannot classify): 002; online-safe: 1',
    )
    expect(result.stderr).to.equal(
      'Error: check_migration --lint found 1 error(s) not allowed: fix them, or allow each with "// db-manage: allow DMxxx -- reason" in the script\n',
    )
  })

  it('github: one annotation a finding, on the file and line, its text escaped', async () => {
    const result = await lint(project(), '--format', 'github')
    expect(result.code).to.equal(1)
    const annotations = result.stdout.split('\n').filter((l) => l.startsWith('::'))
    expect(annotations.map((a) => a.split('::').slice(0, 2).join('::'))).to.deep.equal([
      '::error file=migrations/001_token.ts,line=8,title=DM112 error',
      '::warning file=migrations/001_token.ts,line=11,title=DM144 warning',
      '::notice file=migrations/002_fdw.sql,line=7,title=DM110 info',
    ])
    expect(annotations[0]).to.equal(
      '::error file=migrations/001_token.ts,line=8,title=DM112 error::add column users.token with the volatile default gen_random_uuid(): the server computes the default for every existing row: the table is rewritten under an exclusive lock; fix: add the column without a default, then SET DEFAULT, then backfill the existing rows in batches',
    )
  })

  it('json: one document on stdout, the other checks on stderr, the target named', async () => {
    const result = await lint(project('lint_postgresql_version = 10.5\n'), '--format', 'json')
    expect(result.code).to.equal(1)
    const document = JSON.parse(result.stdout)
    expect(document.errors).to.equal(2)
    const [db] = document.databases
    expect(db.target).to.equal('PostgreSQL 10.5 (lint_postgresql_version)')
    expect(db.revisions.map((r: {class: string}) => r.class)).to.deep.equal([
      'needs-care',
      'not-analysed',
      'needs-care',
    ])
    // Before PostgreSQL 11 a constant default rewrites the table too.
    expect(db.revisions[2].findings.map((f: {rule: string; line: number}) => [f.rule, f.line])).to.deep.equal([
      ['DM112', 5],
    ])
    expect(result.stderr).to.include('OK: 3 revision(s), 001 -> 003, one linear sequential chain\n')
  })

  it('lint_rules turns a rule off or changes its severity; an unknown rule or setting is one clear error', async () => {
    const off = await lint(project('lint_rules = DM112 off, DM144 error, DM110 warning\n'))
    expect(off.stdout).not.to.include('DM112')
    expect(off.stdout).to.include('001_token.ts:11: DM144 error: ')
    expect(off.stdout).to.include('002_fdw.sql:7: DM110 warning: ')
    expect(off.stdout).to.include('needs-care: 001, 002; online-safe: 1')
    const unknown = await lint(project('lint_rules = DM999 off\n'))
    expect([unknown.code, unknown.stderr]).to.deep.equal([
      2,
      'Error: lint_rules: there is no rule DM999 (the rules are DM101-DM147)\n',
    ])
    const bad = await lint(project('lint_rules = DM112 loud\n'))
    expect(bad.code).to.equal(2)
    expect(bad.stderr).to.match(/lint_rules: "DM112 loud" should be a rule and what to make of it/)
  })

  it('history -v shows the class of a revision whose SQL was not read', async () => {
    const dir = project('\n[database]\nconnection = postgresql://nobody@127.0.0.1:1/none\n')
    const verbose = await runCli(['history', '-v'], {cwd: dir})
    expect(verbose.stdout).to.match(/Rev: 002\n[\s\S]*?    Class: not-analysed \(DM110\)\n/)
    expect(verbose.stdout).to.match(/Rev: 001 \(base\)\n[\s\S]*?    Class: needs-care \(DM112, DM144\)\n/)
  })

  it('reads server versions as the config and VERSION() write them', () => {
    expect(parsePostgresVersion('13', 'k')).to.equal(130_000)
    expect(parsePostgresVersion('14.3', 'k')).to.equal(140_003)
    expect(parsePostgresVersion('9.6', 'k')).to.equal(90_600)
    expect(parsePostgresVersion('150004', 'k')).to.equal(150_004)
    expect(() => parsePostgresVersion('fifteen', 'k')).to.throw('k: "fifteen" is not a PostgreSQL version')
    expect(parseMysqlVersion('8.0.35', 'k')).to.deep.equal({mariadb: false, version: 80_035})
    expect(parseMysqlVersion('10.11.6-MariaDB-0+deb12u1', 'k')).to.deep.equal({mariadb: true, version: 101_106})
    expect(parseMysqlVersion('mariadb 10.6', 'k')).to.deep.equal({mariadb: true, version: 100_600})
    expect(parseMysqlVersion('8.4', 'k')).to.deep.equal({mariadb: false, version: 80_400})
  })
})
