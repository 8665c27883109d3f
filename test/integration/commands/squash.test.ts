// db-manage squash on real databases: the shipped chain and a generated one of 200 revisions, squashed, must build
// on a fresh database the schema (catalog dumps) and rows the unsquashed chain builds; a database at head has
// nothing to do, one inside the range is told how to go on, and the round trip passes on the squashed chain.
import {expect} from 'chai'
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {structure, TABLES} from '../../helpers/catalog.js'
import {type CliResult, linkDbManage, ROOT, runCli, shippedProject, tempProject} from '../../helpers/cli.js'
import {validate} from '../../helpers/json-schema.js'
import {connected, createTestDatabase, dialectsUnderTest, type TestDatabase} from '../../helpers/databases.js'
import {writeGeneratedChain} from '../../helpers/generated-chain.js'
import {parseDatabaseUrl} from '../../../src/config/database-url.js'
import {getDialect} from '../../../src/dialects/registry.js'

const FIXTURES = process.env.DB_MANAGE_FIXTURES ?? path.join(ROOT, 'test/fixtures/public')
const ms = (text: string) => text.replaceAll(/\(\d+ ms\)/g, '(N ms)')

/** Rows in each table, by table: what the data steps left. */
async function rowCounts(db: TestDatabase): Promise<Record<string, number>> {
  return connected(db, async (c) => {
    const counts: Record<string, number> = {}
    for (const {name} of (await c.query(TABLES[db.dialect])).rows as Array<{name: string}>) {
      if (name === 'alembic_version' || name === 'db_manage_history') continue
      counts[name] = Number((await c.query(`SELECT COUNT(*) AS n FROM ${name}`)).rows[0].n)
    }

    return counts
  })
}

const BACKFILL =
  "004_backfill_cluster_events.sql: INSERT INTO cluster_events (cluster_id, event_type, details, created_at) SELECT id, 'created', 'back"

for (const dialect of dialectsUnderTest()) {
  describe(`command: squash (${dialect})`, function () {
    this.timeout(900_000)
    let databases: TestDatabase[] = []
    const database = async () => {
      const db = await createTestDatabase(dialect)
      databases.push(db)
      return db
    }

    afterEach(async () => {
      for (const db of databases) await db.drop()
      databases = []
    })

    it('squashes the shipped chain: fresh, at head, inside the range, round trip', async () => {
      const [reference, fresh, inside] = [await database(), await database(), await database()]
      const dir = shippedProject(reference.url)
      const run = (...args: string[]) => runCli(args, {cwd: dir})
      expect((await run('upgrade', 'head')).code).to.equal(0)
      expect((await run('upgrade', '003', '--url', inside.url)).code).to.equal(0)
      const scripts = readdirSync(path.join(dir, 'migrations'))

      // By default a data step stops the squash, named (its downgrade's too), and nothing changes.
      expect(await run('squash', '001:005')).to.deep.equal({
        code: 1,
        stderr:
          `Error: cannot squash 001:005: the range has data steps: ${BACKFILL}; 004_backfill_cluster_events.sql` +
          " (downgrade): DELETE FROM cluster_events WHERE event_type = 'created' AND details LIKE 'backfilled by 004;%'" +
          ' (--data copy copies them into the squash, in order); nothing was changed\n',
        stdout: '',
      })
      expect(readdirSync(path.join(dir, 'migrations'))).to.deep.equal(scripts)

      expect(await run('squash', '001:005', '--data', 'copy')).to.deep.equal({
        code: 0,
        stderr: '',
        stdout: [
          'squash 001:005 -> 005_squash_of_001_to_005.ts (5 revisions in one)',
          `copied data step: ${BACKFILL.slice(0, 100)}`,
          'moved 5 script(s) to migrations/squashed/001_005',
          '',
        ].join('\n'),
      })
      expect(readdirSync(path.join(dir, 'migrations'))).to.deep.equal(['005_squash_of_001_to_005.ts', 'squashed'])
      expect(readdirSync(path.join(dir, 'migrations/squashed/001_005'))).to.deep.equal(scripts)
      const squashed = readFileSync(path.join(dir, 'migrations/005_squash_of_001_to_005.ts'), 'utf8')
      expect(squashed).to.include("export const revision = '005'\nexport const downRevision = null\n")
      expect(squashed).to.include("export const squashed = '001:005'\n")
      // The backfill after the tables it reads and writes, before 005's changes to them.
      const at = (text: string) => squashed.indexOf(text)
      expect(at('// data step of 004_backfill_cluster_events.sql')).to.be.above(at("op.createTable('node_groups'"))
      expect(at('// data step of 004_backfill_cluster_events.sql')).to.be.below(at("'description'"))

      // At head: nothing to do, and the old 005's recorded checksum is accepted for the squash.
      expect(await run('upgrade', 'head')).to.deep.include({
        code: 0,
        stdout: 'Nothing to upgrade: the database is at 005\n',
      })
      expect(await run('check_migration')).to.deep.include({code: 0, stderr: ''})

      const built = await run('upgrade', 'head', '--url', fresh.url)
      expect(ms(built.stdout)).to.equal('upgrade <base> -> 005, squash of 001 to 005 (N ms)\n')
      expect(await structure(fresh)).to.deep.equal(await structure(reference))

      const told = await run('upgrade', 'head', '--url', inside.url)
      expect(told).to.deep.equal({
        code: 1,
        stderr:
          'Error: the database is at revision 003, which 005_squash_of_001_to_005.ts replaced (squash of 001:005):' +
          ' take it to 005 with "db-manage upgrade 005 --script-location migrations/squashed/001_005" (the chain as it' +
          ` was), then run db-manage again; or, if its schema is 005's already, run "db-manage stamp 005"\n`,
        stdout: '',
      })
      expect((await run('current', '--url', inside.url)).stderr).to.equal(told.stderr)
      const old = ['--url', inside.url, '--script-location', 'migrations/squashed/001_005']
      expect(ms((await run('upgrade', '005', ...old)).stdout)).to.equal(
        'upgrade 003 -> 004, backfill cluster events (N ms)\nupgrade 004 -> 005, node group limits (N ms)\n',
      )
      expect((await run('upgrade', 'head', '--url', inside.url)).stdout).to.equal(
        'Nothing to upgrade: the database is at 005\n',
      )
      expect(await structure(inside)).to.deep.equal(await structure(reference))

      const roundTrip = await run('check_migration', '--round-trip')
      expect(roundTrip.code, roundTrip.stderr).to.equal(0)
      expect(roundTrip.stdout).to.include('OK: round trip of 1 revision(s) on a scratch database')
    })

    it('squashes a chain that starts with a real dump (Chinook), with no downgrade, to the same schema and rows', async () => {
      const [reference, fresh] = [await database(), await database()]
      const pg = dialect === 'postgresql'
      const [genre, genreId, name, customer, company] = pg
        ? ['genre', 'genre_id', 'name', 'customer', 'company']
        : ['Genre', 'GenreId', 'Name', 'Customer', 'Company']
      const dir = tempProject()
      mkdirSync(path.join(dir, 'migrations'))
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${reference.url}\n`,
      )
      linkDbManage(dir)
      const dump = readFileSync(path.join(FIXTURES, `chinook.${dialect}.sql`), 'utf8')
      writeFileSync(
        path.join(dir, 'migrations/001_chinook.sql'),
        `-- revision: 001\n-- down_revision: null\n-- message: chinook\n-- +upgrade\n${dump}`,
      )
      revision(
        dir,
        2,
        [
          `await op.bulkInsert('${genre}', [{${genreId}: 1, ${name}: 'Rock'}, {${genreId}: 2, ${name}: 'Jazz'}])`,
          `await op.batchAlterTable('${customer}', (b) => b.alterColumn('${company}', {existingNullable: true, existingType: 'string(80)', newName: 'employer'}))`,
        ],
        [],
      )
      revision(
        dir,
        3,
        [
          `await op.addColumn('${genre}', op.column('rank', 'integer', {default: 0, nullable: false}))`,
          `await op.createIndex('ix_genre_rank', '${genre}', ['rank'])`,
          `await op.execute('UPDATE ${pg ? genre : `${genre}`} SET rank = ${pg ? genreId : genreId} * 10')`,
        ],
        [],
      )
      const run = (...args: string[]) => runCli(args, {cwd: dir})
      const up = await run('upgrade', 'head')
      expect(up.code, up.stderr).to.equal(0)
      const rows = await rowCounts(reference)
      const squashed = await run('squash', '001:003', '--data', 'copy')
      expect(squashed.code, squashed.stderr).to.equal(0)
      expect(squashed.stdout.split('\n').slice(0, 3)).to.deep.equal([
        'squash 001:003 -> 003_squash_of_001_to_003.ts (3 revisions in one)',
        `copied data step: 002_rev_2.ts: op.bulkInsert('${genre}', ...)`,
        `copied data step: 003_rev_3.ts: UPDATE ${genre} SET rank = ${genreId} * 10`,
      ])
      const text = readFileSync(path.join(dir, 'migrations/003_squash_of_001_to_003.ts'), 'utf8')
      // No script of the range has a downgrade: the squash's goes back to base all the same, and says what it leaves.
      expect(text).to.include('  // NOT UNDONE: the data step of 002_rev_2.ts\n')
      expect(await run('upgrade', 'head')).to.deep.include({
        code: 0,
        stdout: 'Nothing to upgrade: the database is at 003\n',
      })
      const built = await run('upgrade', 'head', '--url', fresh.url)
      expect(built.code, built.stderr).to.equal(0)
      // InnoDB's NO ACTION is its RESTRICT, and autogenerate reads both as the default (mysql-introspector.ts): the
      // dump's explicit ON DELETE NO ACTION comes back as the default, RESTRICT. Everything else is as built.
      const same = (rows: unknown[]) =>
        dialect === 'mysql' ? JSON.parse(JSON.stringify(rows).replaceAll('"NO ACTION"', '"RESTRICT"')) : rows
      expect(same(await structure(fresh))).to.deep.equal(same(await structure(reference)))
      expect(await rowCounts(fresh)).to.deep.equal(rows)
      expect(rows[genre]).to.equal(2)
      const roundTrip = await run('check_migration', '--round-trip', '--url', fresh.url)
      expect(roundTrip.code, roundTrip.stderr).to.equal(0)
    })

    if (dialect === 'postgresql') {
      it('squashes enum types, expression indexes and checks, with data steps between them (PostgreSQL)', async () => {
        const [reference, fresh] = [await database(), await database()]
        const dir = tempProject()
        mkdirSync(path.join(dir, 'migrations'))
        writeFileSync(
          path.join(dir, 'db-manage.ini'),
          `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${reference.url}\n`,
        )
        linkDbManage(dir)
        revision(
          dir,
          1,
          [
            "await op.createEnumType('mood', ['happy', 'sad'])",
            "await op.createTable('people', [op.column('id', 'integer', {primaryKey: true, autoincrement: true}), op.column('mood', 'mood'), op.column('email', 'string(80)', {nullable: false, unique: true})])",
          ],
          ["await op.dropTable('people')", "await op.execute('DROP TYPE mood')"],
        )
        revision(
          dir,
          2,
          [
            "await op.bulkInsert('people', [{email: 'a@x', mood: 'happy'}, {email: 'b@x', mood: 'sad'}])",
            "await op.createTable('pets', [op.column('id', 'integer', {primaryKey: true}), op.column('owner', 'integer', {references: 'people.id', onDelete: 'CASCADE'}), op.column('born', 'timestamptz', {default: op.now()})])",
            `await op.createCheckConstraint('ck_people_email', 'people', "email LIKE '%@%'")`,
          ],
          [
            "await op.dropConstraint('ck_people_email', 'people', {type: 'check'})",
            "await op.dropTable('pets')",
            `await op.execute("DELETE FROM people WHERE email IN ('a@x', 'b@x')")`,
          ],
        )
        writeFileSync(
          path.join(dir, 'migrations/003_nick.sql'),
          [
            '-- revision: 003',
            '-- down_revision: 002',
            '-- message: nick',
            '-- +upgrade',
            "ALTER TABLE people ADD COLUMN nick varchar(20) DEFAULT 'x' NOT NULL;",
            'CREATE INDEX ix_people_nick ON people (lower(nick));',
            'UPDATE people SET nick = upper(email);',
            '-- +downgrade',
            'DROP INDEX ix_people_nick;',
            'ALTER TABLE people DROP COLUMN nick;',
            '',
          ].join('\n'),
        )
        const run = (...args: string[]) => runCli(args, {cwd: dir})
        expect((await run('upgrade', 'head')).code).to.equal(0)
        const squashed = await run('squash', '001:003', '--data', 'copy')
        expect(squashed.code, squashed.stderr).to.equal(0)
        const text = readFileSync(path.join(dir, 'migrations/003_squash_of_001_to_003.ts'), 'utf8')
        // Each data step after the schema it ran on: the rows before pets and the check, the UPDATE after nick.
        const at = (code: string) => text.indexOf(code)
        expect(at("await op.createEnumType('mood', ['happy', 'sad'])")).to.be.below(at('// data step of 002_rev_2.ts'))
        expect(at('// data step of 002_rev_2.ts')).to.be.below(at("op.createTable('pets'"))
        expect(at("op.createIndex('ix_people_nick', 'people', [op.sql('lower(nick::text)')])")).to.be.below(
          at('// data step of 003_nick.sql'),
        )
        expect(text).to.not.include('concurrently')
        expect((await run('upgrade', 'head', '--url', fresh.url)).code).to.equal(0)
        expect(await structure(fresh)).to.deep.equal(await structure(reference))
        const people = (db: TestDatabase) =>
          connected(db, async (c) => (await c.query('SELECT id, email, mood, nick FROM people ORDER BY id')).rows)
        expect(await people(fresh)).to.deep.equal([
          {email: 'a@x', id: 1, mood: 'happy', nick: 'A@X'},
          {email: 'b@x', id: 2, mood: 'sad', nick: 'B@X'},
        ])
        expect(await people(fresh)).to.deep.equal(await people(reference))
        const roundTrip = await run('check_migration', '--round-trip', '--url', fresh.url)
        expect(roundTrip.code, roundTrip.stderr).to.equal(0)
      })
    }

    it('squashes 200 generated revisions, whole and in the middle, to the same schema and rows', async () => {
      const [reference, fresh, before] = [await database(), await database(), await database()]
      const dir = tempProject()
      mkdirSync(path.join(dir, 'migrations'))
      const generated = writeGeneratedChain(path.join(dir, 'migrations'), 200)
      expect(generated.dataRevisions).to.be.above(20)
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${reference.url}\n`,
      )
      linkDbManage(dir)
      const run = (...args: string[]) => runCli(args, {cwd: dir})
      expect((await run('upgrade', 'head')).code).to.equal(0)
      expect((await run('upgrade', '050', '--url', before.url)).code).to.equal(0)
      const rows = await rowCounts(reference)
      expect(Object.values(rows).reduce((a, b) => a + b, 0)).to.be.above(20)

      // The middle first: a database at 050, with its rows, then upgrades through the squash of 051..150.
      const middle = await run('squash', '051:150', '--data', 'copy')
      expect(middle.code, middle.stderr).to.equal(0)
      expect(middle.stdout.split('\n')[0]).to.equal(
        'squash 051:150 -> 150_squash_of_051_to_150.ts (100 revisions in one)',
      )
      const names = readdirSync(path.join(dir, 'migrations'))
      expect(names.filter((n) => /^\d/.test(n))).to.have.length(101)
      expect(names).to.include('150_squash_of_051_to_150.ts')
      expect(await run('upgrade', 'head')).to.deep.include({
        code: 0,
        stdout: 'Nothing to upgrade: the database is at 200\n',
      })
      const through = await run('upgrade', 'head', '--url', before.url)
      expect(through.code, through.stderr).to.equal(0)
      expect(ms(through.stdout).split('\n')[0]).to.equal('upgrade 050 -> 150, squash of 051 to 150 (N ms)')
      expect(await structure(before)).to.deep.equal(await structure(reference))
      expect(await rowCounts(before)).to.deep.equal(rows)

      // Then the whole chain, the squash above in it.
      const whole = await run('squash', '001:200', '--data', 'copy', '--archive', 'old-chain')
      expect(whole.code, whole.stderr).to.equal(0)
      expect(whole.stdout.split('\n').at(-2)).to.equal('moved 101 script(s) to old-chain')
      expect(readdirSync(path.join(dir, 'migrations'))).to.deep.equal(['200_squash_of_001_to_200.ts', 'squashed'])
      expect(await run('upgrade', 'head')).to.deep.include({
        code: 0,
        stdout: 'Nothing to upgrade: the database is at 200\n',
      })
      expect(await run('check_migration')).to.deep.include({code: 0, stderr: ''})
      const built = await run('upgrade', 'head', '--url', fresh.url)
      expect(ms(built.stdout)).to.equal('upgrade <base> -> 200, squash of 001 to 200 (N ms)\n')
      expect(await structure(fresh)).to.deep.equal(await structure(reference))
      expect(await rowCounts(fresh)).to.deep.equal(rows)
      const roundTrip = await run('check_migration', '--round-trip', '--url', fresh.url)
      expect(roundTrip.code, roundTrip.stderr).to.equal(0)
    })
  })
}

/** A TS revision whose upgrade is `up` and downgrade `down` (lines of code). */
function revision(dir: string, id: number, up: string[], down: string[], name = `rev_${id}`): void {
  const pad = (n: number) => String(n).padStart(3, '0')
  writeFileSync(
    path.join(dir, 'migrations', `${pad(id)}_${name}.ts`),
    `import type {Operations} from 'db-manage'

export const revision = '${pad(id)}'
export const downRevision = ${id === 1 ? 'null' : `'${pad(id - 1)}'`}
export const message = '${name.replaceAll('_', ' ')}'

export async function upgrade(op: Operations): Promise<void> {
${up.map((l) => `  ${l}`).join('\n')}
}

export async function downgrade(op: Operations): Promise<void> {
${down.map((l) => `  ${l}`).join('\n')}
}
`,
  )
}

describe('command: squash, what it refuses and what it prints (sqlite)', () => {
  /** 001 creates t, 002 adds a column, 003 is what the test gives, 004 adds an index. */
  function project(third: {up: string[]; down: string[]}): {
    dir: string
    run: (...args: string[]) => Promise<CliResult>
  } {
    const dir = tempProject()
    mkdirSync(path.join(dir, 'migrations'))
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[db_manage]\nscript_location = migrations\n\n[database]\nconnection = sqlite:///app.sqlite\n',
    )
    linkDbManage(dir)
    revision(
      dir,
      1,
      ["await op.createTable('t', [op.column('id', 'integer', {primaryKey: true}), op.column('a', 'integer')])"],
      ["await op.dropTable('t')"],
    )
    revision(
      dir,
      2,
      ["await op.addColumn('t', op.column('b', 'string(10)'))"],
      ["await op.batchAlterTable('t', (b) => b.dropColumn('b'))"],
    )
    revision(dir, 3, third.up, third.down, 'third')
    revision(dir, 4, ["await op.createIndex('ix_t_a', 't', ['a'])"], ["await op.dropIndex('ix_t_a', 't')"])
    return {dir, run: (...args: string[]) => runCli(args, {cwd: dir})}
  }

  it('refuses op.query that reads rows, and SQL making what autogenerate does not compare, naming each', async () => {
    const {dir, run} = project({
      down: ["await op.execute('DROP VIEW v')"],
      up: [
        "const rows = await op.query('SELECT id FROM t WHERE a > ?', [1])",
        "for (const r of rows) await op.execute('UPDATE t SET b = ? WHERE id = ?', ['x', r.id])",
        "await op.execute('CREATE VIEW v AS SELECT id FROM t')",
      ],
    })
    const before = readdirSync(path.join(dir, 'migrations'))
    expect(await run('squash', '002:004', '--data', 'copy')).to.deep.equal({
      code: 1,
      stderr:
        'Error: cannot squash 002:004: it cannot carry over 003_third.ts: op.query("SELECT id FROM t WHERE a > ?")' +
        " (its rows feed the script's own code, which a squash cannot copy); 003_third.ts: CREATE VIEW v AS SELECT id" +
        ' FROM t (it makes or changes what autogenerate does not compare, which a squash cannot rebuild); 003_third.ts:' +
        ' DROP VIEW v (it makes or changes what autogenerate does not compare, which a squash cannot rebuild); nothing' +
        ' was changed\n',
      stdout: '',
    })
    expect(readdirSync(path.join(dir, 'migrations'))).to.deep.equal(before)
  })

  it('copies DML op.query as a data step, leaves session statements out, and prints a dry run without writing', async () => {
    const {dir, run} = project({
      down: ["await op.execute('DELETE FROM t WHERE id = 7')"],
      up: [
        "await op.execute('ANALYZE')",
        "await op.query('INSERT INTO t (id, a, b) VALUES (?, ?, ?)', [7, 2, \"it's\"])",
      ],
    })
    const before = readdirSync(path.join(dir, 'migrations'))
    const dry = await run('squash', '001:004', '--data', 'copy', '--dry-run', '-m', 'baseline')
    expect(dry.code, dry.stderr).to.equal(0)
    expect(dry.stdout.split('\n').slice(0, 5)).to.deep.equal([
      'squash 001:004 -> 004_baseline.ts (4 revisions in one)',
      'copied data step: 003_third.ts: INSERT INTO t (id, a, b) VALUES (?, ?, ?)',
      'left out (a session statement): 003_third.ts: ANALYZE',
      'dry run: nothing written; 4 script(s) would move to migrations/squashed/001_004, and 004_baseline.ts would be:',
      '',
    ])
    expect(dry.stdout).to.include(
      "  // data step of 003_third.ts\n  await op.execute('INSERT INTO t (id, a, b) VALUES (?, ?, ?)', [7, 2, 'it\\'s'])\n",
    )
    expect(readdirSync(path.join(dir, 'migrations'))).to.deep.equal(before)

    const json = await run('squash', '001:004', '--data', 'copy', '--json')
    expect(json.code, json.stderr).to.equal(0)
    const parsed = JSON.parse(json.stdout)
    expect(
      validate(parsed, JSON.parse(readFileSync(path.join(ROOT, 'docs/json-output.schema.json'), 'utf8'))),
    ).to.deep.equal([])
    expect(parsed).to.deep.include({command: 'squash', database: 'default', error: null, ok: true})
    expect(parsed.data).to.deep.include({
      copied: ['003_third.ts: INSERT INTO t (id, a, b) VALUES (?, ?, ?)'],
      dryRun: false,
      fileName: '004_squash_of_001_to_004.ts',
      from: '001',
      replaced: ['001_rev_1.ts', '002_rev_2.ts', '003_third.ts', '004_rev_4.ts'],
      to: '004',
    })
    expect((await run('upgrade', 'head')).code).to.equal(0)
    const db = {
      connect: () => getDialect('sqlite').then((d) => d.connect(parseDatabaseUrl(`sqlite:///${dir}/app.sqlite`), 5000)),
    }
    const rows = await connected(db as TestDatabase, async (c) => (await c.query('SELECT id, a, b FROM t')).rows)
    expect(rows).to.deep.equal([{a: 2, b: "it's", id: 7}])
  })

  it('refuses a range holding a real dump with views and triggers (Sakila), naming each', async () => {
    const {dir, run} = project({down: [], up: ["await op.addColumn('t', op.column('c', 'integer'))"]})
    const dump = readFileSync(path.join(FIXTURES, 'sakila.sqlite.sql'), 'utf8')
    writeFileSync(
      path.join(dir, 'migrations/005_sakila.sql'),
      `-- revision: 005\n-- down_revision: 004\n-- message: sakila\n-- +upgrade\n${dump}`,
    )
    expect((await run('upgrade', 'head')).code).to.equal(0)
    const refused = await run('squash', '003:005', '--data', 'copy')
    expect(refused.code).to.equal(1)
    const named = refused.stderr.match(/005_sakila\.sql: CREATE (VIEW|TRIGGER) \w+/g) ?? []
    const statements = dump.match(/^CREATE (VIEW|TRIGGER) \w+/gim) ?? []
    // The dump's actor_info view stands inside a /* */ comment: it is not a statement.
    expect(statements).to.have.length(36)
    expect(named).to.deep.equal(
      statements.filter((t) => t !== 'CREATE VIEW actor_info').map((t) => `005_sakila.sql: ${t}`),
    )
    expect(refused.stderr).to.match(
      /^Error: cannot squash 003:005: it cannot carry over 005_sakila\.sql: CREATE TRIGGER/,
    )
    expect(refused.stderr.split('\n')).to.have.length(2)
  })

  it('refuses a bad range and a configured database inside it with one line each', async () => {
    const {run} = project({
      down: ["await op.dropColumn('t', 'c')"],
      up: ["await op.addColumn('t', op.column('c', 'integer'))"],
    })
    const oneLine = async (args: string[], stderr: string, code = 2) =>
      expect(await run(...args)).to.deep.equal({code, stderr: `Error: ${stderr}\n`, stdout: ''})
    await oneLine(['squash', '003:002'], 'squash 003:002: START must come before END (003 is after END)')
    await oneLine(['squash', '002:002'], 'squash 002:002: START must come before END (002 is END itself)')
    await oneLine(['squash', '002'], 'squash 002: expected START:END, two revisions of the chain (e.g. 001:040)')
    await oneLine(['squash', 'base:002'], 'squash base:002: base is not a revision; START is the first to replace')
    await oneLine(['squash', '001:009'], 'unknown revision "009" (the chain runs 001 to 004)', 1)
    expect((await run('upgrade', '002')).code).to.equal(0)
    expect(await run('squash', '001:004')).to.deep.include({
      code: 1,
      stderr:
        'Error: squash 001:004: the database [default] is at 002, inside the range: upgrade it to 004 first (or' +
        ' squash a range it is not inside)\n',
    })
  })
})
