// What users bring: an oslo sahara.conf, sahara's command line, real passwords
// with @ / : # %, several chains in one file, a database ahead of the scripts.
import {expect} from 'chai'
import {cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {ROOT, runCli, shippedProject, tempProject} from '../helpers/cli.js'
import {
  adminConnection,
  connected,
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
  useTestDatabase,
} from '../helpers/databases.js'

const PASSWORD = 'p@ss/w:rd#1%'
const rowsOf = (db: TestDatabase, sql: string) => connected(db, async (c) => (await c.query(sql)).rows)
const columnsOf = async (db: TestDatabase, table: string) =>
  (
    await rowsOf(
      db,
      `SELECT column_name AS c FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
    )
  ).map((r) => r.c)
const stripMs = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/ \(\d+ ms\)$/, ''))
const SHIPPED_STEPS = [
  'upgrade <base> -> 001, create clusters',
  'upgrade 001 -> 002, create node groups',
  'upgrade 002 -> 003, create cluster events',
  'upgrade 003 -> 004, backfill cluster events',
  'upgrade 004 -> 005, node group limits',
]

/** A login role with a password that breaks naive URL building, owning a fresh database. */
async function passwordRole(
  dialect: 'mysql' | 'postgresql',
): Promise<{db: TestDatabase; user: string; host: string; port: number; database: string}> {
  const db = await createTestDatabase(dialect)
  const url = parseDatabaseUrl(db.url)
  const user = `dbm_pw_${Math.random().toString(36).slice(2, 8)}`
  const admin = await adminConnection(dialect)
  try {
    if (dialect === 'postgresql') {
      await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${PASSWORD}'`)
      await admin.query(`ALTER DATABASE ${url.database} OWNER TO ${user}`)
    } else {
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`)
      await admin.query(`GRANT ALL ON ${url.database}.* TO '${user}'@'%'`)
    }
  } finally {
    await admin.close()
  }

  return {database: url.database!, db, host: url.host!, port: url.port!, user}
}

for (const dialect of dialectsUnderTest().filter((d): d is 'mysql' | 'postgresql' => d !== 'sqlite')) {
  describe(`real passwords on ${dialect}`, function () {
    this.timeout(120_000)
    it(`connects with ${PASSWORD} from POSTGRES_* style variables and from discrete keys, and never prints it`, async () => {
      const role = await passwordRole(dialect)
      try {
        const dir = shippedProject()
        const scheme = dialect === 'postgresql' ? 'postgresql' : 'mysql'
        const ini = path.join(dir, 'db-manage.ini')
        writeFileSync(
          ini,
          readFileSync(ini, 'utf8').replace(
            /^connection = .*$/m,
            `connection = ${scheme}://\${DB_USER}:\${DB_PASSWORD}@\${DB_HOST}:\${DB_PORT:-5432}/\${DB_NAME}`,
          ),
        )
        const env = {
          DB_HOST: role.host,
          DB_NAME: role.database,
          DB_PASSWORD: PASSWORD,
          DB_PORT: String(role.port),
          DB_USER: role.user,
        }
        const up = await runCli(['upgrade', 'head'], {cwd: dir, env})
        expect(up.stderr).to.equal('')
        expect(stripMs(up.stdout)).to.deep.equal(SHIPPED_STEPS)
        const verbose = await runCli(['current', '-v'], {cwd: dir, env})
        expect(verbose.stdout).to.equal(
          `Current revision for ${scheme}://${role.user}:***@${role.host}:${role.port}/${role.database} (table alembic_version):\n005 (head), node group limits\n`,
        )

        // The same with discrete keys.
        writeFileSync(
          ini,
          readFileSync(ini, 'utf8').replace(
            /^connection = .*$/m,
            [
              `dialect = ${dialect}`,
              'host = ${DB_HOST}',
              'port = ${DB_PORT}',
              'username = ${DB_USER}',
              'password = ${DB_PASSWORD}',
              'database = ${DB_NAME}',
            ].join('\n'),
          ),
        )
        expect(await runCli(['current'], {cwd: dir, env})).to.deep.equal({code: 0, stderr: '', stdout: '005 (head)\n'})

        // A wrong port, and a wrong password: one line each, no password, also under --debug.
        for (const [bad, args] of [
          [{...env, DB_PORT: '1'}, ['current']],
          [{...env, DB_PASSWORD: `${PASSWORD}x`}, ['current', '--debug']],
        ] as Array<[Record<string, string>, string[]]>) {
          const failed = await runCli([...args], {cwd: dir, env: bad})
          expect(failed.code).to.equal(1)
          expect(failed.stderr).to.match(
            new RegExp(
              `^Error: cannot connect to ${scheme}://${role.user}:\\*\\*\\*@${role.host.replaceAll('.', String.raw`\.`)}:\\d+/${role.database}: `,
            ),
          )
          expect(failed.stdout + failed.stderr).not.to.include(PASSWORD)
          expect(failed.stdout + failed.stderr).not.to.include(encodeURIComponent(PASSWORD))
          if (!args.includes('--debug')) expect(failed.stderr.trimEnd().split('\n')).to.have.length(1)
        }
      } finally {
        await role.db.drop()
      }
    })
  })
}

if (dialectsUnderTest().includes('mysql')) {
  describe('an oslo sahara.conf, called as sahara-db-manage is', function () {
    this.timeout(120_000)
    it('db-manage --config-file sahara.conf upgrade head migrates the [database] connection, other sections ignored', async () => {
      const role = await passwordRole('mysql')
      try {
        const dir = tempProject()
        cpSync(path.join(ROOT, 'migrations'), path.join(dir, 'migrations'), {recursive: true})
        cpSync(path.join(ROOT, 'test', 'fixtures', 'sahara.conf'), path.join(dir, 'sahara.conf'))
        const conf = path.join(dir, 'sahara.conf')
        writeFileSync(
          conf,
          readFileSync(conf, 'utf8').replace('mysql+pymysql://sahara:', `mysql+pymysql://${role.user}:`),
        )
        const env = {
          SAHARA_DB_HOST: role.host,
          SAHARA_DB_NAME: role.database,
          SAHARA_DB_PASSWORD: PASSWORD,
          SAHARA_DB_PORT: String(role.port),
        }
        const elsewhere = tempProject()
        const up = await runCli(['--config-file', conf, 'upgrade', 'head'], {cwd: elsewhere, env})
        expect(up.stderr).to.equal('')
        expect(stripMs(up.stdout)).to.deep.equal(SHIPPED_STEPS)
        const debug = await runCli(['-c', conf, '--debug', 'current'], {cwd: elsewhere, env})
        expect(debug.stdout).to.equal('005 (head)\n')
        // --debug's only extra is the phase line: no SQL is logged for a read, and the password never shows.
        expect(debug.stderr).to.match(
          /^db-manage: phases: start-up \d+ ms \(code cache (?:read|absent)\), config \d+ ms, headers \d+ ms \(\d of 5 from the cache\); total \d+ ms\n$/,
        )
        expect(
          (await runCli(['--config-file', conf, 'history'], {cwd: elsewhere, env})).stdout.split('\n')[0],
        ).to.equal('004 -> 005 (head) (current), node group limits')
      } finally {
        await role.db.drop()
      }
    })
  })
}

describe('commands that write, on several chains', () => {
  it('revision without --db refuses and lists the databases; with --db it writes one script', async () => {
    const dir = tempProject()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      [
        '[database:catalog]',
        'connection = sqlite:///catalog.sqlite',
        'script_location = catalog',
        '[database:monitoring]',
        'connection = sqlite:///monitoring.sqlite',
        'script_location = monitoring',
      ].join('\n'),
    )
    mkdirSync(path.join(dir, 'catalog'))
    mkdirSync(path.join(dir, 'monitoring'))
    const refused = await runCli(['revision', '-m', 'add hosts'], {cwd: dir})
    expect(refused).to.deep.equal({
      code: 2,
      stderr:
        'Error: revision writes into one chain, and 2 databases are configured with their own script_location: choose one with --db (catalog, monitoring)\n',
      stdout: '',
    })
    const written = await runCli(['revision', '-m', 'add hosts', '--db', 'monitoring'], {cwd: dir})
    expect(written.code).to.equal(0)
    expect(written.stdout).to.equal(`Generated ${path.join(dir, 'monitoring', '001_add_hosts.ts')}\n`)
    expect(readdirSync(path.join(dir, 'catalog'))).to.deep.equal([])
    // Read-only commands still act on all.
    expect((await runCli(['heads'], {cwd: dir})).stdout).to.equal('[monitoring] 001 (head)\n')
  })

  it('upgrade prints each database\'s lines in the databases\' order, "Nothing to upgrade" included', async () => {
    const dir = tempProject()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      [
        '[database:catalog]',
        'connection = sqlite:///catalog.sqlite',
        'script_location = catalog',
        '[database:monitoring]',
        'connection = sqlite:///monitoring.sqlite',
        'script_location = monitoring',
      ].join('\n'),
    )
    for (const name of ['catalog', 'monitoring']) {
      mkdirSync(path.join(dir, name))
      expect((await runCli(['revision', '-m', `${name} start`, '--db', name], {cwd: dir})).code).to.equal(0)
    }

    expect((await runCli(['upgrade', 'head', '--db', 'catalog'], {cwd: dir})).code).to.equal(0)
    const both = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(both.code, both.stderr).to.equal(0)
    expect(both.stdout.replace(/ \(\d+ ms\)/g, '')).to.equal(
      '[catalog] Nothing to upgrade: the database is at 001\n[monitoring] upgrade <base> -> 001, monitoring start\n',
    )
  })
})

describe('a database at a revision the scripts do not know', () => {
  it('current exits 1 naming the revision and the script folder', async () => {
    const dir = shippedProject()
    expect((await runCli(['stamp', 'head'], {cwd: dir})).code).to.equal(0)
    const {default: Database} = await import('better-sqlite3')
    const db = new Database(path.join(dir, 'app.sqlite'))
    db.prepare("UPDATE alembic_version SET version_num = '999'").run()
    db.close()
    expect(await runCli(['current'], {cwd: dir})).to.deep.equal({
      code: 1,
      stderr: `Error: the database is at revision 999, which no script in ${path.join(dir, 'migrations')} declares\n`,
      stdout: '',
    })
  })
})

if (dialectsUnderTest().includes('postgresql')) {
  describe('exec as the runner of a container job: a URL and a file name, no config file', function () {
    this.timeout(60_000)
    let db: TestDatabase
    useTestDatabase('postgresql', (created) => {
      db = created
    })

    it('runs DB_MANAGE_EXEC_FILE from DB_MANAGE_EXEC_DIR against DATABASE_URL, and --dry-run needs only --dialect', async () => {
      const job = tempProject()
      const sqlDir = tempProject()
      writeFileSync(
        path.join(sqlDir, '003.sql'),
        "CREATE TABLE hosts (id integer PRIMARY KEY, name text);\nINSERT INTO hosts VALUES (1, 'a');\nSELECT count(*) AS n FROM hosts;\n",
      )
      const env = {DATABASE_URL: db.url, DB_MANAGE_EXEC_DIR: sqlDir, DB_MANAGE_EXEC_FILE: '003.sql'}
      const ran = await runCli(['exec'], {cwd: job, env})
      expect(ran).to.deep.equal({
        code: 0,
        stderr: '',
        stdout:
          '-- statement 1\nCREATE TABLE hosts (id integer PRIMARY KEY, name text);\n  (done)\n-- statement 2\nINSERT INTO hosts VALUES (1, \'a\');\n  (1 row affected)\n-- statement 3\nSELECT count(*) AS n FROM hosts;\n  {"n":"1"}\n  (1 row)\n',
      })
      const dry = await runCli(['exec', '--dry-run', '--dialect', 'postgresql'], {
        cwd: job,
        env: {DB_MANAGE_EXEC_DIR: sqlDir, DB_MANAGE_EXEC_FILE: '003.sql'},
      })
      expect(dry.code).to.equal(0)
      expect(dry.stdout.split('\n')[0]).to.equal('-- statement 1')
      // An explicit ./ path wins over the folder.
      const local = await runCli(['exec', './003.sql', '--dry-run', '--dialect', 'postgresql'], {
        cwd: job,
        env: {DB_MANAGE_EXEC_DIR: sqlDir},
      })
      expect(local.code).to.equal(2)
      expect(local.stderr).to.equal('Error: cannot read SQL file ./003.sql: ENOENT\n')
    })

    it("a job renders the clean file with --script-location and runs it with exec: the file's own blocks are respected and reported", async () => {
      const repo = tempProject()
      mkdirSync(path.join(repo, 'scripts'))
      writeFileSync(
        path.join(repo, 'scripts', '001_hosts.sql'),
        '-- revision: 001\n-- down_revision: none\n-- message: hosts\n-- +upgrade\nCREATE TABLE hosts (id integer PRIMARY KEY, name text);\n-- +downgrade\nDROP TABLE hosts;\n',
      )
      writeFileSync(
        path.join(repo, 'scripts', '002_clusters.sql'),
        '-- revision: 002\n-- down_revision: 001\n-- message: clusters\n-- +upgrade\nCREATE TABLE clusters (id integer PRIMARY KEY, host_id integer REFERENCES hosts (id));\nCREATE INDEX ix_clusters_host ON clusters (host_id);\n-- +downgrade\nDROP TABLE clusters;\n',
      )
      // No config file anywhere: the scripts' folder and the dialect are all the render needs.
      const sqlDir = tempProject()
      const rendered = await runCli(
        [
          'upgrade',
          '--sql',
          '--dialect',
          'postgresql',
          '--script-location',
          'scripts',
          '-o',
          path.join(sqlDir, '002.sql'),
        ],
        {cwd: repo},
      )
      expect(rendered.code, rendered.stderr).to.equal(0)
      const file = readFileSync(path.join(sqlDir, '002.sql'), 'utf8')
      expect(file.match(/^(BEGIN|COMMIT);$/gm)).to.deep.equal(['BEGIN;', 'COMMIT;', 'BEGIN;', 'COMMIT;'])
      // The target already has a table the second block creates: that block fails, the first stays.
      await connected(db, (c) => c.query('CREATE TABLE clusters (x integer)'))
      const job = tempProject()
      const env = {DATABASE_URL: db.url, DB_MANAGE_EXEC_DIR: sqlDir, DB_MANAGE_EXEC_FILE: '002.sql'}
      const failed = await runCli(['exec'], {cwd: job, env})
      expect(failed.code).to.equal(1)
      expect(failed.stderr).to.equal(
        `Error: ${path.join(sqlDir, '002.sql')}: statement 9 of 13 failed: relation "clusters" already exists; statements 1 to 7 were committed and stay (1 BEGIN ... COMMIT block of the file); statements 8 to 9 were rolled back (the block its statement 8 opened); statements 10 to 13 were not run\n`,
      )
      // current needs no config either: the URL alone reads the version table the first block wrote.
      expect(await runCli(['current'], {cwd: job, env: {DATABASE_URL: db.url}})).to.deep.equal({
        code: 0,
        stderr: '',
        stdout: '001\n',
      })
      expect(
        await runCli(['current', '--url', db.url, '--script-location', path.join(repo, 'scripts'), '-v'], {cwd: job}),
      ).to.deep.include({
        code: 0,
        stdout: `Current revision for ${parseDatabaseUrl(db.url).masked} (table alembic_version):\n001, hosts\n`,
      })
      expect(await columnsOf(db, 'clusters')).to.deep.equal(['x'])
      expect(await columnsOf(db, 'hosts')).to.deep.equal(['id', 'name'])
    })

    it("commands that never connect need none of the connection's variables, and --url or DATABASE_URL replace it unexpanded", async () => {
      const dir = shippedProject()
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
          /^connection = .*$/m,
          'connection = postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@${POSTGRES_HOST}/app',
        ),
      )
      const env = {POSTGRES_HOST: undefined, POSTGRES_PASSWORD: undefined, POSTGRES_USER: undefined}
      for (const args of [
        ['revision', '-m', 'x'],
        ['history'],
        ['heads'],
        ['check_migration'],
        ['upgrade', '--sql', '--dialect', 'postgresql'],
      ]) {
        const r = await runCli(args, {cwd: dir, env})
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0)
      }

      expect(await runCli(['current', '--url', db.url], {cwd: dir, env})).to.deep.equal({
        code: 0,
        stderr: '',
        stdout: '<base>\n',
      })
      expect(await runCli(['current'], {cwd: dir, env: {...env, DATABASE_URL: db.url}})).to.deep.equal({
        code: 0,
        stderr: '',
        stdout: '<base>\n',
      })
      expect((await runCli(['current'], {cwd: dir, env})).stderr).to.equal(
        'Error: db-manage.ini [database] connection: environment variable POSTGRES_USER is not set (write ${POSTGRES_USER:-default} to give a default)\n',
      )
    })

    it('runs CREATE INDEX CONCURRENTLY on its own, and --no-transaction runs each statement on its own', async () => {
      const job = tempProject()
      const env = {DATABASE_URL: db.url}
      writeFileSync(
        path.join(job, 'index.sql'),
        'CREATE TABLE t1 (id integer);\nCREATE INDEX CONCURRENTLY ix_t1 ON t1 (id);\nINSERT INTO t1 VALUES (1);\n',
      )
      expect(await runCli(['exec', 'index.sql'], {cwd: job, env})).to.deep.equal({
        code: 0,
        stderr: '',
        stdout:
          '-- statement 1\nCREATE TABLE t1 (id integer);\n  (done)\n-- statement 2\nCREATE INDEX CONCURRENTLY ix_t1 ON t1 (id);\n  (done, on its own: it cannot run inside a transaction)\n-- statement 3\nINSERT INTO t1 VALUES (1);\n  (1 row affected)\n',
      })
      writeFileSync(
        path.join(job, 'mixed.sql'),
        'CREATE TABLE t2 (id integer);\nCREATE INDEX CONCURRENTLY ix_t2 ON t2 (id);\nINSERT INTO t2 VALUES (1);\nINSERT INTO nowhere VALUES (1);\nSELECT 1;\n',
      )
      const mixed = await runCli(['exec', 'mixed.sql'], {cwd: job, env})
      expect(mixed.stderr).to.equal(
        'Error: mixed.sql: statement 4 of 5 failed: relation "nowhere" does not exist; statements 1 to 2 were committed and stay; statements 3 to 4 were rolled back; statement 5 was not run\n',
      )
      expect(await rowsOf(db, 'SELECT count(*)::int AS n FROM t2')).to.deep.equal([{n: 0}])
      writeFileSync(
        path.join(job, 'each.sql'),
        'CREATE TABLE t3 (id integer);\nINSERT INTO t3 VALUES (1);\nINSERT INTO nowhere VALUES (1);\n',
      )
      const each = await runCli(['exec', 'each.sql', '--no-transaction'], {cwd: job, env})
      expect(each).to.deep.include({
        code: 1,
        stderr:
          'Error: each.sql: statement 3 of 3 failed: relation "nowhere" does not exist; statements 1 to 2 were committed and stay\n',
      })
      expect(await rowsOf(db, 'SELECT count(*)::int AS n FROM t3')).to.deep.equal([{n: 1}])
      writeFileSync(path.join(job, 'open.sql'), 'BEGIN;\nCREATE TABLE t4 (id integer);\n')
      expect((await runCli(['exec', 'open.sql'], {cwd: job, env})).stderr).to.equal(
        'Error: open.sql: the file ends inside the transaction its statement 1 opened, without COMMIT: statements 1 to 2 were rolled back\n',
      )
      expect(await rowsOf(db, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't4'")).to.deep.equal([
        {n: 0},
      ])
    })
  })
}

if (dialectsUnderTest().includes('mysql')) {
  describe('exec on MariaDB: a file with its own transaction', function () {
    this.timeout(60_000)
    let db: TestDatabase
    useTestDatabase('mysql', (created) => {
      db = created
    })

    it("rolls back the open transaction's data on failure and says what stays", async () => {
      const job = tempProject()
      writeFileSync(
        path.join(job, 'fix.sql'),
        'CREATE TABLE m (id int);\nSTART TRANSACTION;\nINSERT INTO m VALUES (1);\nINSERT INTO nowhere VALUES (1);\nCOMMIT;\n',
      )
      const failed = await runCli(['exec', 'fix.sql'], {cwd: job, env: {DATABASE_URL: db.url}})
      expect(failed).to.deep.include({
        code: 1,
        stderr: `Error: fix.sql: statement 4 of 5 failed: Table '${parseDatabaseUrl(db.url).database}.nowhere' doesn't exist (ER_NO_SUCH_TABLE); statement 1 was applied and stays (MySQL commits as it goes); statements 2 to 4 were rolled back (the transaction its statement 2 opened), except any DDL among them, which MySQL commits as it runs; statement 5 was not run\n`,
      })
      expect(await rowsOf(db, 'SELECT count(*) AS n FROM m')).to.deep.equal([{n: 0}])
    })
  })
}
