import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {linkDbManage, ROOT, runBinary, runCli, shippedProject, tempProject} from '../../helpers/cli.js'
import {validate} from '../../helpers/json-schema.js'

function script(dir: string, file: string, id: string, down: null | string, message = `rev ${id}`): void {
  const table = `t_${file.replace(/\.\w+$/, '')}`
  writeFileSync(
    path.join(dir, 'migrations', file),
    `import type {Operations} from 'db-manage'

export const revision = '${id}'
export const downRevision = ${down === null ? 'null' : `'${down}'`}
export const message = '${message}'
export const createdAt = '2026-11-22T10:00:00Z'

export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('${table}', [op.column('id', 'integer', {primaryKey: true})])
}

export async function downgrade(op: Operations): Promise<void> {
  await op.dropTable('${table}')
}
`,
  )
}

async function initProject(): Promise<string> {
  const dir = tempProject()
  const result = await runCli(['init'], {cwd: dir})
  expect(result.code).to.equal(0)
  return dir
}

describe('command: init', () => {
  it('writes a SQLite config and an empty migrations folder, and refuses to overwrite', async () => {
    const dir = tempProject()
    const first = await runCli(['init'], {cwd: dir})
    expect(first).to.deep.include({code: 0, stdout: `Created ${dir}/db-manage.ini\nCreated ${dir}/migrations/\n`})
    expect(readFileSync(path.join(dir, 'db-manage.ini'), 'utf8')).to.include('connection = sqlite:///db-manage.sqlite')
    const again = await runCli(['init'], {cwd: dir})
    expect(again).to.deep.equal({
      code: 2,
      stderr: `Error: ${dir}/db-manage.ini already exists; not overwriting\n`,
      stdout: '',
    })
  })
})

describe('command: revision, history, heads, show', () => {
  it('writes sequential scripts that the chain commands read', async () => {
    const dir = await initProject()
    const a = await runCli(['revision', '-m', 'create clusters'], {cwd: dir})
    expect(a).to.deep.include({code: 0, stdout: `Generated ${dir}/migrations/001_create_clusters.ts\n`})
    const b = await runCli(['revision', '-m', 'backfill events', '--template', 'sql'], {cwd: dir})
    expect(b.stdout).to.equal(`Generated ${dir}/migrations/002_backfill_events.sql\n`)
    expect(readFileSync(path.join(dir, 'migrations/002_backfill_events.sql'), 'utf8')).to.match(
      /^-- revision: 002\n-- down_revision: 001\n-- message: backfill events\n/,
    )

    expect((await runCli(['history'], {cwd: dir})).stdout).to.equal(
      '001 -> 002 (head), backfill events\n<base> -> 001, create clusters\n',
    )
    expect((await runCli(['history', '-r', ':001'], {cwd: dir})).stdout).to.equal('<base> -> 001, create clusters\n')
    expect((await runCli(['heads'], {cwd: dir})).stdout).to.equal('002 (head)\n')
    const show = await runCli(['show', 'head-1'], {cwd: dir})
    expect(show.stdout).to.match(
      /^Rev: 001 \(base\)\nParent: <base>\nPath: migrations\/001_create_clusters\.ts\n\n {4}create clusters\n\n {4}Create Date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n\n$/,
    )
    const json = JSON.parse((await runCli(['heads', '--json'], {cwd: dir})).stdout).data
    expect(json).to.deep.equal([
      {
        database: 'default',
        heads: [
          {
            createdAt: json[0].heads[0].createdAt,
            downRevision: '001',
            id: '002',
            isBase: false,
            isHead: true,
            message: 'backfill events',
            path: `${dir}/migrations/002_backfill_events.sql`,
          },
        ],
      },
    ])
  })

  it('pads ids to revision_digits', async () => {
    const dir = await initProject()
    const ini = path.join(dir, 'db-manage.ini')
    writeFileSync(ini, readFileSync(ini, 'utf8').replace('revision_digits = 3', 'revision_digits = 4'))
    expect((await runCli(['revision', '-m', 'x'], {cwd: dir})).stdout).to.equal(
      `Generated ${dir}/migrations/0001_x.ts\n`,
    )
  })

  it('refuses a new revision on a branched chain and names unknown revisions', async () => {
    const dir = await initProject()
    script(dir, '001_a.ts', '001', null)
    script(dir, '002_b.ts', '002', '001')
    script(dir, '002_c.ts', '002', '001')
    const r = await runCli(['revision', '-m', 'more'], {cwd: dir})
    expect(r).to.deep.equal({
      code: 1,
      stderr:
        'Error: cannot add a revision: the chain has 2 heads (002_b.ts, 002_c.ts); run "db-manage renumber" first\n',
      stdout: '',
    })
    expect((await runCli(['heads'], {cwd: dir})).stdout).to.equal('002 (head)\n002 (head)\n')
    const clean = await initProject()
    script(clean, '001_a.ts', '001', null)
    expect(await runCli(['show', '042'], {cwd: clean})).to.deep.equal({
      code: 1,
      stderr: 'Error: unknown revision "042" (the chain runs 001 to 001)\n',
      stdout: '',
    })
  })
})

describe('command: check_migration', () => {
  it('passes a sound chain with one summary line', async () => {
    const dir = shippedProject()
    expect(await runCli(['check_migration'], {cwd: dir})).to.deep.equal({
      code: 0,
      stderr: '',
      stdout:
        'OK: 5 revision(s), 001 -> 005, one linear sequential chain\nOK: the database is at base; 5 pending: 001, 002, 003, 004, 005\n',
    })
    expect(await runCli(['check_migration', '--no-db'], {cwd: dir})).to.deep.equal({
      code: 0,
      stderr: '',
      stdout: 'OK: 5 revision(s), 001 -> 005, one linear sequential chain\n',
    })
    // Asking a SQLite database that does not exist yet does not create it.
    expect(existsSync(path.join(dir, 'app.sqlite'))).to.equal(false)
    expect((await runCli(['check-migration'], {cwd: dir})).code).to.equal(0)
  })

  const cases: Array<[string, (dir: string) => void, string[]]> = [
    [
      'two heads and a duplicate id',
      (dir) => {
        script(dir, '001_a.ts', '001', null)
        script(dir, '002_b.ts', '002', '001')
        script(dir, '002_c.ts', '002', '001')
      },
      [
        'duplicate revision 002: 002_b.ts, 002_c.ts',
        '2 heads: 002_b.ts, 002_c.ts (run "db-manage renumber" to make the chain linear)',
      ],
    ],
    [
      'two bases',
      (dir) => {
        script(dir, '001_a.ts', '001', null)
        script(dir, '002_b.ts', '002', null)
      },
      [
        '2 base revisions: 001_a.ts, 002_b.ts',
        '2 heads: 001_a.ts, 002_b.ts (run "db-manage renumber" to make the chain linear)',
        '002_b.ts: revision 002 is not sequential as the first revision (expected 001)',
      ],
    ],
    [
      'a missing down revision',
      (dir) => {
        script(dir, '001_a.ts', '001', null)
        script(dir, '003_b.ts', '003', '002')
      },
      [
        '003_b.ts: down revision 002 does not exist',
        '2 heads: 001_a.ts, 003_b.ts (run "db-manage renumber" to make the chain linear)',
      ],
    ],
    [
      'a cycle',
      (dir) => {
        script(dir, '001_a.ts', '001', null)
        script(dir, '002_b.ts', '002', '003')
        script(dir, '003_c.ts', '003', '002')
      },
      [
        'cycle: 003 -> 002 -> 003 (003_c.ts, 002_b.ts)',
        '002_b.ts: revision 002 is not sequential after 003 (expected 004)',
      ],
    ],
    [
      'a non-sequential id',
      (dir) => {
        script(dir, '001_a.ts', '001', null)
        script(dir, '005_b.ts', '005', '001')
      },
      ['005_b.ts: revision 005 is not sequential after 001 (expected 002)'],
    ],
    [
      'a file name that does not match its id',
      (dir) => {
        script(dir, '001_a.ts', '001', null)
        script(dir, '003_b.ts', '002', '001')
      },
      ['003_b.ts: file name does not start with its revision id 002'],
    ],
    [
      'an unreadable header',
      (dir) => {
        script(dir, '001_a.ts', '001', null)
        writeFileSync(path.join(dir, 'migrations', '002_b.ts'), 'export const downRevision = "001"\n')
      },
      [`002_b.ts: no "export const revision = '...'" found`],
    ],
  ]
  for (const [title, build, problems] of cases) {
    it(`fails on ${title}, naming the files`, async () => {
      const dir = await initProject()
      build(dir)
      const result = await runCli(['check_migration'], {cwd: dir})
      expect(result.stdout.trimEnd().split('\n')).to.deep.equal(problems)
      expect(result.stderr).to.equal(
        `Error: check_migration found ${problems.length} problem(s) in the revision chain\n`,
      )
      expect(result.code).to.equal(1)
    })
  }

  it('gives the problems as JSON and still exits non-zero', async () => {
    const dir = await initProject()
    script(dir, '001_a.ts', '001', null)
    script(dir, '005_b.ts', '005', '001')
    const result = await runCli(['check_migration', '--json'], {cwd: dir})
    expect(result.code).to.equal(1)
    // One document: what was found, and the error.
    const json = JSON.parse(result.stdout)
    expect(json).to.deep.include({command: 'check_migration', database: 'default', ok: false})
    expect(json.error).to.deep.equal({
      code: 1,
      message: 'check_migration found 1 problem(s) in the revision chain',
      name: 'ChainError',
    })
    expect(json.data.chain[0]).to.deep.include({database: 'default', ok: false, revisions: 2})
    expect(json.data.chain[0].problems).to.deep.equal([
      {kind: 'non-sequential', message: '005_b.ts: revision 005 is not sequential after 001 (expected 002)'},
    ])
  })

  it('refuses a revision id that is not a plain word, in one line, before it reaches SQL', async () => {
    const dir = await initProject()
    writeFileSync(
      path.join(dir, 'migrations', '001_a.ts'),
      `export const revision = "00'1"\nexport const downRevision = null\nexport async function upgrade() {}\n`,
    )
    const check = await runCli(['check_migration'], {cwd: dir})
    expect(check.code).to.equal(1)
    expect(check.stdout).to.equal('001_a.ts: revision "00\'1" is not a plain word (letters, digits and _ only)\n')
    const offline = await runCli(['upgrade', '--sql', '--dialect', 'postgresql'], {cwd: dir})
    expect(offline).to.deep.equal({
      code: 1,
      stderr: 'Error: 001_a.ts: revision "00\'1" is not a plain word (letters, digits and _ only)\n',
      stdout: '',
    })
  })
})

describe('--json', () => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'docs/json-output.schema.json'), 'utf8'))

  it('prints exactly one JSON document for every command, on success and on failure, in the envelope docs/json-output.schema.json describes', async () => {
    const good = shippedProject()
    const bad = tempProject()
    writeFileSync(path.join(good, 'fix.sql'), 'SELECT 1 AS one;\n')
    const two = tempProject()
    writeFileSync(
      path.join(two, 'db-manage.ini'),
      '[database:a]\nconnection = sqlite:///a.sqlite\n\n[database:b]\nconnection = sqlite:///b.sqlite\n',
    )
    cpSync(path.join(good, 'migrations'), path.join(two, 'migrations'), {recursive: true})
    linkDbManage(two)
    // Repeatable objects and seeds: their steps and states in upgrade, current, history, seed and reset.
    const objects = shippedProject()
    mkdirSync(path.join(objects, 'migrations', 'repeatable'))
    writeFileSync(
      path.join(objects, 'migrations', 'repeatable', 'cluster_names.sql'),
      'DROP VIEW IF EXISTS cluster_names;\nCREATE VIEW cluster_names AS SELECT name FROM clusters;\n',
    )
    mkdirSync(path.join(objects, 'seeds'))
    writeFileSync(
      path.join(objects, 'seeds', '01_clusters.sql'),
      "DELETE FROM clusters;\nINSERT INTO clusters (id, name, tenant_id) VALUES ('c1', 'one', 't');\n",
    )
    const cases: Array<[string[], string, number, null | string]> = [
      [['init', 'fresh'], bad, 0, null],
      [['history'], good, 0, 'default'],
      [['heads'], good, 0, 'default'],
      [['show', 'head'], good, 0, 'default'],
      [['check_migration'], good, 0, 'default'],
      [['check-migration', '--no-db'], good, 0, 'default'],
      [['current'], good, 0, 'default'],
      [['upgrade', 'head'], good, 0, 'default'],
      [['upgrade', '--sql', '--dialect', 'sqlite'], good, 0, 'default'],
      [['downgrade', '-1'], good, 0, 'default'],
      [['downgrade', '--sql', 'head:003'], good, 0, 'default'],
      [['stamp', 'head'], good, 0, 'default'],
      [['stamp', '--accept-edit', 'head'], good, 0, 'default'],
      [['stamp', '--sql', '005'], good, 0, 'default'],
      [['exec', 'fix.sql'], good, 0, 'default'],
      [['exec', 'fix.sql', '--dry-run'], good, 0, 'default'],
      [['check_migration', '--lint'], good, 0, 'default'],
      [['renumber', '--dry-run'], good, 0, 'default'],
      [['revision', '-m', 'x'], good, 0, 'default'],
      [['upgrade', 'head'], objects, 0, 'default'],
      [['seed'], objects, 0, 'default'],
      [['current'], objects, 0, 'default'],
      [['history', '-v'], objects, 0, 'default'],
      [['reset'], objects, 0, 'default'],
      [['upgrade', '--sql', '--dialect', 'postgresql'], objects, 0, 'default'],
      [['diff', 'chain:head', 'chain:head'], good, 0, 'default'],
      [['diff', 'chain:base', 'chain:head'], good, 1, 'default'],
      [['pull'], good, 0, 'default'],
      [['diff', 'nothing'], good, 2, null],
      [['upgrade', 'head'], two, 0, null],
      [['current'], two, 0, null],
      [['exec', 'none.sql'], good, 2, 'default'],
      [['show', 'nope'], good, 1, 'default'],
      [['downgrade'], good, 2, 'default'],
      [['history'], bad, 2, null],
      [['upgrade', 'head'], bad, 2, null],
      [['check_migration', '--autogenerate'], bad, 2, null],
      [['revision', '-m', 'x'], bad, 2, null],
      [['check_migration', '--autogenerate', '--no-db'], good, 2, null],
      [['exec', 'fix.sql'], two, 2, null],
    ]
    for (const [args, cwd, code, database] of cases) {
      const what = args.join(' ')
      const result = await runCli([...args, '--json'], {cwd})
      expect(result.code, `${what}: ${result.stderr}`).to.equal(code)
      let parsed: any
      expect(() => (parsed = JSON.parse(result.stdout)), `${what}: ${result.stdout}`).not.to.throw()
      expect(validate(parsed, schema), what).to.deep.equal([])
      expect(parsed.command, what).to.equal(args[0] === 'check-migration' ? 'check_migration' : args[0])
      expect(parsed.ok, what).to.equal(code === 0)
      expect(parsed.database, what).to.equal(database)
      if (code === 0) expect(parsed.error, what).to.equal(null)
      else expect(parsed.error.code, what).to.equal(code)
    }

    const objectState = JSON.parse((await runCli(['current', '--json'], {cwd: objects})).stdout)
    expect(objectState.data[0].repeatables).to.deep.equal([{file: 'repeatable/cluster_names.sql', state: 'applied'}])
    const seeded = JSON.parse((await runCli(['seed', '--all', '--json'], {cwd: objects})).stdout)
    expect(
      seeded.data[0].steps.map((step: {rerun: unknown; message: string}) => [step.rerun, step.message]),
    ).to.deep.equal([[{file: '01_clusters.sql', kind: 'seed'}, 'again (--all)']])
  })

  it('names the failing database of several in the error', async () => {
    const dir = tempProject()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[database:a]\nconnection = sqlite:///a.sqlite\nscript_location = a\n\n[database:b]\nconnection = sqlite:///b.sqlite\nscript_location = b\n',
    )
    for (const folder of ['a', 'b']) mkdirSync(path.join(dir, folder))
    writeFileSync(
      path.join(dir, 'a', '001_good.sql'),
      '-- revision: 001\n-- down_revision: null\n-- message: good\n-- +upgrade\nCREATE TABLE t (id INTEGER);\n',
    )
    writeFileSync(
      path.join(dir, 'b', '001_bad.sql'),
      '-- revision: 001\n-- down_revision: null\n-- message: bad\n-- +upgrade\nSELECT * FROM nope;\n',
    )
    // The binary, end to end: a failure's one JSON document on stdout and exit code 1.
    const result = await runBinary(['upgrade', '--json'], {cwd: dir})
    expect(result.code).to.equal(1)
    const json = JSON.parse(result.stdout)
    expect(validate(json, schema)).to.deep.equal([])
    expect(json).to.deep.include({command: 'upgrade', data: null, database: null, ok: false})
    expect(json.error).to.deep.include({code: 1, database: 'b'})
    expect(json.error.message).to.match(/^upgrade <base> -> 001 \(001_bad\.sql\) failed: no such table: nope/)
  })

  it('the schema check fails a document that strays from the envelope', () => {
    const ok = {
      command: 'current',
      data: [{current: '001', database: 'default', isHead: true, url: 'sqlite:///x', versionTable: 'alembic_version'}],
      database: 'default',
      error: null,
      ok: true,
    }
    expect(validate(ok, schema)).to.deep.equal([])
    expect(validate({...ok, result: []}, schema)).to.deep.equal(['$: "result" is not allowed'])
    expect(validate({...ok, command: 'upgrad'}, schema)[0]).to.match(/^\$\.command: "upgrad" is not one of/)
    expect(validate({...ok, ok: false}, schema)).to.deep.equal(['$.error: expected object, got null'])
    expect(validate({...ok, data: [{database: 'default'}]}, schema)).to.deep.equal([
      '$.data[0]: "url" is required',
      '$.data[0]: "versionTable" is required',
      '$.data[0]: "current" is required',
      '$.data[0]: "isHead" is required',
    ])
    const {database: _, ...noDatabase} = ok
    expect(validate(noDatabase, schema)).to.deep.equal(['$: "database" is required'])
  })
})

describe('command: renumber', () => {
  it('puts the later branch after the earlier one, by git commit time, and the chain loads again', async () => {
    const dir = await initProject()
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      })
    const commitAt = (when: string) => git('-c', 'commit.gpgsign=false', 'commit', '-qm', when, '--date', when)
    git('init', '-q')
    for (let i = 1; i <= 3; i++) script(dir, `00${i}_base_${i}.ts`, `00${i}`, i === 1 ? null : `00${i - 1}`)
    git('add', '-A')
    process.env.GIT_COMMITTER_DATE = '2026-01-01T00:00:00Z'
    commitAt('2026-01-01T00:00:00Z')
    // Branch B (committed later) added 004 and 005; branch A (committed earlier) added 004.
    script(dir, '004_feature_a.ts', '004', '003')
    git('add', '-A')
    process.env.GIT_COMMITTER_DATE = '2026-02-01T00:00:00Z'
    commitAt('2026-02-01T00:00:00Z')
    script(dir, '004_feature_b.ts', '004', '003')
    script(dir, '005_feature_b_more.ts', '005', '004')
    git('add', '-A')
    process.env.GIT_COMMITTER_DATE = '2026-03-01T00:00:00Z'
    commitAt('2026-03-01T00:00:00Z')
    delete process.env.GIT_COMMITTER_DATE

    expect((await runCli(['check_migration'], {cwd: dir})).code).to.equal(1)
    const dry = await runCli(['renumber', '--dry-run'], {cwd: dir})
    expect(dry.stdout).to.equal(
      [
        '004_feature_b.ts -> 005_feature_b.ts (revision 004 -> 005, down 003 -> 004)',
        '005_feature_b_more.ts -> 006_feature_b_more.ts (revision 005 -> 006, down 004 -> 005)',
        '2 file(s) would change (dry run: nothing written)',
        '',
      ].join('\n'),
    )
    expect(readdirSync(path.join(dir, 'migrations'))).to.include('004_feature_b.ts')
    const real = await runCli(['renumber'], {cwd: dir})
    expect(real.code).to.equal(0)
    expect(real.stdout).to.include('2 file(s) renumbered')
    expect(readdirSync(path.join(dir, 'migrations')).sort()).to.deep.equal([
      '001_base_1.ts',
      '002_base_2.ts',
      '003_base_3.ts',
      '004_feature_a.ts',
      '005_feature_b.ts',
      '006_feature_b_more.ts',
    ])
    expect(await runCli(['check_migration', '--no-db'], {cwd: dir})).to.deep.include({
      code: 0,
      stdout: 'OK: 6 revision(s), 001 -> 006, one linear sequential chain\n',
    })
    const up = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(up.code, up.stderr).to.equal(0)
    expect(
      up.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/ \(\d+ ms\)$/, '')),
    ).to.deep.equal([
      'upgrade <base> -> 001, rev 001',
      'upgrade 001 -> 002, rev 002',
      'upgrade 002 -> 003, rev 003',
      'upgrade 003 -> 004, rev 004',
      'upgrade 004 -> 005, rev 004',
      'upgrade 005 -> 006, rev 005',
    ])
    expect((await runCli(['renumber'], {cwd: dir})).stdout).to.equal(
      'Nothing to renumber: the chain is linear and sequential.\n',
    )
  })

  it('history lists a branched chain whole, the branch point marked, until renumber makes it linear', async () => {
    const dir = await initProject()
    for (let i = 1; i <= 7; i++) script(dir, `00${i}_r${i}.ts`, `00${i}`, i === 1 ? null : `00${i - 1}`)
    // A merge brought two revisions on 007.
    script(dir, '008_ours.ts', '008', '007', 'ours')
    script(dir, '009_theirs.ts', '009', '007', 'theirs')
    script(dir, '010_theirs_more.ts', '010', '009', 'theirs more')
    const history = await runCli(['history'], {cwd: dir})
    expect(history).to.deep.equal({
      code: 0,
      stderr: '',
      stdout: [
        '009 -> 010 (head), theirs more',
        '007 -> 009, theirs',
        '007 -> 008 (head), ours',
        '006 -> 007 (branchpoint), rev 007',
        '005 -> 006, rev 006',
        '004 -> 005, rev 005',
        '003 -> 004, rev 004',
        '002 -> 003, rev 003',
        '001 -> 002, rev 002',
        '<base> -> 001, rev 001',
        '',
      ].join('\n'),
    })
    const show = await runCli(['show', '9'], {cwd: dir})
    expect(show.code, show.stderr).to.equal(0)
    expect(show.stdout.split('\n').slice(0, 2)).to.deep.equal(['Rev: 009', 'Parent: 007'])
    expect((await runCli(['show', '007'], {cwd: dir})).stdout.split('\n')[0]).to.equal('Rev: 007 (branchpoint)')
    expect(await runCli(['history', '-r', '003:'], {cwd: dir})).to.deep.equal({
      code: 1,
      stderr: 'Error: a range needs a linear chain, and this one has 2 heads: run "db-manage renumber" first\n',
      stdout: '',
    })
    expect((await runCli(['check_migration'], {cwd: dir})).code).to.equal(1)
    expect((await runCli(['renumber'], {cwd: dir})).code).to.equal(0)
    expect((await runCli(['history', '-r', '007:'], {cwd: dir})).stdout).to.equal(
      ['009 -> 010 (head), theirs more', '008 -> 009, theirs', '007 -> 008, ours', '006 -> 007, rev 007', ''].join(
        '\n',
      ),
    )
  })

  it('turns Alembic-style hex ids into sequential ones', async () => {
    const dir = await initProject()
    script(dir, '1975ea83b712_create.ts', '1975ea83b712', null)
    script(dir, 'ae1027a6acf_add.ts', 'ae1027a6acf', '1975ea83b712')
    const result = await runCli(['renumber'], {cwd: dir})
    expect(result.stdout).to.equal(
      [
        '1975ea83b712_create.ts -> 001_create.ts (revision 1975ea83b712 -> 001, down null -> null)',
        'ae1027a6acf_add.ts -> 002_add.ts (revision ae1027a6acf -> 002, down 1975ea83b712 -> 001)',
        '2 file(s) renumbered',
        '',
      ].join('\n'),
    )
    expect((await runCli(['check_migration'], {cwd: dir})).code).to.equal(0)
  })
})

describe('errors', () => {
  it('no config: one line, exit 2, no stack trace unless --debug', async () => {
    const dir = tempProject()
    // The binary, end to end: a config error's exit code 2 and its one line are the process's.
    const result = await runBinary(['history'], {cwd: dir})
    expect(result.code).to.equal(2)
    expect(result.stdout).to.equal('')
    expect(result.stderr).to.match(
      /^Error: no db-manage config found in \S+ or its parents \(looked for db-manage.ini, .db-managerc, .db-managerc.ini and a "db-manage" key in package.json\): run "db-manage init", or pass --config-file or --script-location\n$/,
    )
    const debug = await runCli(['history', '--debug'], {cwd: dir})
    expect(debug.stderr).to.match(/^Error: no db-manage config found/)
    expect(debug.stderr).to.include('    at ')
  })

  it('--config-file and DB_MANAGE_CONFIG name the config', async () => {
    const dir = shippedProject()
    const elsewhere = tempProject()
    expect(
      (await runCli(['heads', '--config-file', path.join(dir, 'db-manage.ini')], {cwd: elsewhere})).stdout,
    ).to.equal('005 (head)\n')
    expect(
      (await runCli(['heads'], {cwd: elsewhere, env: {DB_MANAGE_CONFIG: path.join(dir, 'db-manage.ini')}})).stdout,
    ).to.equal('005 (head)\n')
  })

  it('a bad URL is one line and never shows the password', async () => {
    const dir = shippedProject()
    const result = await runCli(['current', '--url', 'postgresql://app:hunter2@127.0.0.1'], {cwd: dir})
    expect(result).to.deep.equal({
      code: 2,
      stderr: 'Error: --url: postgresql:// URL names no database (add /DBNAME after the host)\n',
      stdout: '',
    })
  })
})

describe('shell completion', () => {
  it('db-manage autocomplete bash/zsh writes completions for every command and its flags', async () => {
    const cache = tempProject()
    const dir = shippedProject()
    for (const shell of ['bash', 'zsh']) {
      const result = await runCli(['autocomplete', shell], {cwd: dir, env: {XDG_CACHE_HOME: cache}})
      expect(result.code, shell).to.equal(0)
      expect(result.stdout).to.include(`db-manage autocomplete script ${shell}`)
    }

    const bash = readFileSync(
      path.join(cache, 'db-manage', 'autocomplete', 'functions', 'bash', 'db-manage.bash'),
      'utf8',
    )
    for (const word of [
      'upgrade',
      'downgrade',
      'check_migration',
      'revision',
      '--config-file',
      '--autogenerate',
      '--sql',
    ])
      expect(bash, word).to.include(word)
    const zsh = readFileSync(path.join(cache, 'db-manage', 'autocomplete', 'functions', 'zsh', '_db-manage'), 'utf8')
    expect(zsh).to.include('check_migration')
  })
})
