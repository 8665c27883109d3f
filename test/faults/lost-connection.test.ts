import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli, spawnCli, tempProject} from '../helpers/cli.js'
import {
  adminConnection,
  connected,
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/databases.js'

// The server goes away while a revision runs (here: another session ends the
// run's backend, as an operator or a failover would). What the server did
// last is unknown to db-manage: the message says what it read (the version
// before the revision), which revision was running, that whether it
// committed is unknown, and the command that finds out. It never states a
// version it did not read.
const SLEEP = {mysql: 'SELECT SLEEP(60)', postgresql: 'SELECT pg_sleep(60)'} as const

function project(url: string, perMigration: boolean): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\nscript_location = migrations\ntransaction_per_migration = ${perMigration}\n\n[database]\nconnection = ${url}\n`,
  )
  const sql = (id: string, down: string, body: string) =>
    writeFileSync(
      path.join(dir, 'migrations', `${id}_step.sql`),
      `-- revision: ${id}\n-- down_revision: ${down}\n-- message: step ${id}\n-- +upgrade\n${body}\n`,
    )
  sql('001', '', 'CREATE TABLE t_1 (id INTEGER);')
  sql('002', '001', 'CREATE TABLE t_2 (id INTEGER);')
  return dir
}

/** The sleeping statement's session, once it runs; ended from another connection. */
async function endTheSleeper(db: TestDatabase): Promise<void> {
  const admin = await adminConnection(db.dialect as 'mysql' | 'postgresql')
  try {
    const name = new URL(db.url).pathname.slice(1)
    const find =
      db.dialect === 'postgresql'
        ? `SELECT pid AS id FROM pg_stat_activity WHERE datname = '${name}' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()`
        : `SELECT id FROM information_schema.processlist WHERE db = '${name}' AND info LIKE 'SELECT SLEEP(60)%'`
    for (let i = 0; i < 600; i++) {
      const [row] = (await admin.query(find)).rows
      if (row) {
        await admin.query(
          db.dialect === 'postgresql' ? `SELECT pg_terminate_backend(${Number(row.id)})` : `KILL ${Number(row.id)}`,
        )
        return
      }

      await new Promise((resolve) => setTimeout(resolve, 50))
    }

    throw new Error('the sleeping statement never ran')
  } finally {
    await admin.close()
  }
}

for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite')) {
  describe(`the connection lost mid-revision on ${dialect}`, function () {
    this.timeout(120_000)
    let db!: TestDatabase
    beforeEach(async () => {
      db = await createTestDatabase(dialect)
    })
    afterEach(async () => {
      await db.drop()
    })

    for (const perMigration of dialect === 'postgresql' ? [true, false] : [true]) {
      it(`says what is known and that the outcome is unknown${perMigration ? '' : ' (one transaction for the run)'}`, async () => {
        const dir = project(db.url, perMigration)
        expect((await runCli(['upgrade', '001'], {cwd: dir})).code).to.equal(0)
        writeFileSync(
          path.join(dir, 'migrations', '003_sleep.sql'),
          `-- revision: 003\n-- down_revision: 002\n-- message: sleeps\n-- +upgrade\nCREATE TABLE t_3 (id INTEGER);\n${SLEEP[dialect as keyof typeof SLEEP]};\n`,
        )
        const run = spawnCli(['upgrade', 'head'], {cwd: dir})
        await endTheSleeper(db)
        const {code, stderr, stdout} = await run.done
        expect(code).to.equal(1)
        const lost = `upgrade 002 -> 003 (003_sleep.sql) failed: the connection to the server was lost (`
        const lines = stderr.split('\n').filter(Boolean)
        expect(lines, stderr).to.have.length(1)
        expect(lines[0].startsWith(`Error: ${lost}`), lines[0]).to.equal(true)
        expect(lines[0]).to.include(`[SQL: ${SLEEP[dialect as keyof typeof SLEEP]}]`)
        if (dialect === 'postgresql' && perMigration) {
          expect(stdout).to.equal(`upgrade 001 -> 002, step 002 (${/\((\d+) ms\)/.exec(stdout)?.[1]} ms)\n`)
          expect(lines[0]).to.match(
            /; the database was at 002 before 003_sleep\.sql, and whether 003_sleep\.sql committed is unknown: run "db-manage current" to see where it is$/,
          )
        } else if (dialect === 'postgresql') {
          expect(lines[0]).to.match(
            /; the database was at 001 before this run, and whether the run \(one transaction, transaction_per_migration = false\) committed is unknown: run "db-manage current" to see where it is$/,
          )
        } else {
          expect(lines[0]).to.match(
            /; the database was at 002 before 003_sleep\.sql, 1 of its statements had committed \(MySQL commits DDL as it goes; the last: CREATE TABLE t_3 \(id INTEGER\)\), and whether the statement running then and its version update committed is unknown: run "db-manage current" to see where it is; while 003_sleep\.sql is marked unfinished, upgrade and downgrade refuse to run: undo its statements by hand and run "db-manage stamp 002", or finish them and run "db-manage stamp 003"$/,
          )
        }

        // It states no version it did not read: no "rolled back", no "is at", no "still says".
        expect(lines[0]).not.to.match(/rolled back|database is at|still says/)
        // The command it names tells: the server rolled back the revision's transaction (PostgreSQL); on MySQL it stays at 002.
        const current = await runCli(['current'], {cwd: dir})
        expect([current.code, current.stdout]).to.deep.equal([0, `${perMigration ? '002' : '001'}\n`])
        const tables = await connected(db, async (c) =>
          (
            await c.query(
              dialect === 'postgresql'
                ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 't\\_%'"
                : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 't\\_%'",
            )
          ).rows
            .map((r) => String(r.name))
            .sort(),
        )
        expect(tables).to.deep.equal(
          dialect === 'mysql' ? ['t_1', 't_2', 't_3'] : perMigration ? ['t_1', 't_2'] : ['t_1'],
        )
      })
    }

    it('exec: says what committed before, and that the statement running (and its transaction) is unknown', async () => {
      const dir = tempProject()
      writeFileSync(
        path.join(dir, 'job.sql'),
        `CREATE TABLE e_1 (id INTEGER);\n${SLEEP[dialect as keyof typeof SLEEP]};\nCREATE TABLE e_2 (id INTEGER);\n`,
      )
      const run = spawnCli(['exec', 'job.sql', '--url', db.url], {cwd: dir})
      await endTheSleeper(db)
      const {code, stderr} = await run.done
      expect(code).to.equal(1)
      const known =
        dialect === 'mysql'
          ? 'statement 1 was committed and stays; whether statement 2 committed is unknown'
          : 'nothing before it had committed; whether statement 2 and the transaction it was in (statements 1 to 2) committed is unknown'
      expect(stderr).to.match(
        new RegExp(
          `^Error: job\\.sql: statement 2 of 3 failed: the connection to the server was lost \\(.+\\); ${known.replaceAll(/[()]/g, '\\$&')}: check the database before running the file again; statement 3 was not run\n$`,
        ),
      )
    })
  })
}
