import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli, spawnCli} from '../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {chainProject, chainState} from './chain.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite')) {
  describe(`statement_lock_timeout on ${dialect}`, function () {
    this.timeout(60_000)
    let db!: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    const said =
      dialect === 'postgresql'
        ? 'canceling statement due to lock timeout'
        : 'Lock wait timeout exceeded; try restarting transaction (ER_LOCK_WAIT_TIMEOUT)'
    const where =
      dialect === 'postgresql'
        ? 'rolled back, the database is at 001'
        : 'none of its statements had run: the database is at 001'
    const failed = `upgrade 001 -> 002 (002_alter.sql) failed: ${said} [SQL: ALTER TABLE t_1 ADD COLUMN w INTEGER]; ${where}`

    /** A project at 001 whose 002 alters t_1, with `settings` in [db_manage] (`own` in [database]). */
    async function alterProject(settings: string, own = ''): Promise<string> {
      const dir = chainProject(db.url, 1)
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      writeFileSync(
        path.join(dir, 'migrations', '002_alter.sql'),
        '-- revision: 002\n-- down_revision: 001\n-- message: alter\n-- +upgrade\nALTER TABLE t_1 ADD COLUMN w INTEGER;\n-- +downgrade\nALTER TABLE t_1 DROP COLUMN w;\n',
      )
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\nscript_location = migrations\n${settings}\n\n[database]\nconnection = ${db.url}\n${own}\n`,
      )
      return dir
    }

    /** A reader with a transaction open on t_1 (ACCESS SHARE; MySQL: the table's metadata lock), and its session id. */
    async function openReader() {
      const reader = await db.connect()
      const {rows} = await reader.query(
        dialect === 'postgresql' ? 'SELECT pg_backend_pid() AS id' : 'SELECT CONNECTION_ID() AS id',
      )
      await reader.query(dialect === 'postgresql' ? 'BEGIN' : 'START TRANSACTION')
      await reader.query('SELECT count(*) FROM t_1')
      return {id: String(rows[0].id), reader}
    }

    const blocker = (id: string) =>
      dialect === 'postgresql'
        ? new RegExp(
            `; blocked by pid ${id} \\(db-manage, query started [-0-9T:.]+Z, idle in transaction: SELECT count\\(\\*\\) FROM t_1\\)`,
          )
        : new RegExp(
            `; blocked by connection ${id} \\(dbm@[^,]+, transaction started [-0-9T:.]+Z, idle in transaction\\)`,
          )

    it('readers never queue behind the waiting ALTER for longer than the lock timeout; the revision gives up, naming the reader', async () => {
      const dir = await alterProject('statement_lock_timeout = 1\nstatement_lock_retries = 0')
      const {id, reader} = await openReader()
      try {
        const run = spawnCli(['upgrade', 'head'], {cwd: dir})
        const third = await db.connect()
        try {
          // Once the ALTER waits in the lock queue, a third session's read must not wait behind it for long.
          const queued =
            dialect === 'postgresql'
              ? "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ALTER TABLE t_1 %'"
              : "SELECT count(*) AS n FROM information_schema.PROCESSLIST WHERE STATE = 'Waiting for table metadata lock' AND INFO LIKE 'ALTER TABLE t_1%'"
          while (Number((await third.query(queued)).rows[0].n) === 0) {
            expect(run.child.exitCode, 'the run ended before its ALTER queued').to.equal(null)
            await sleep(20)
          }
          const started = performance.now()
          const {rows} = await third.query('SELECT count(*) AS n FROM t_1')
          expect(Number(rows[0].n)).to.equal(3)
          expect(performance.now() - started).to.be.below(2000)
        } finally {
          await third.close()
        }

        const blocked = await run.done
        expect(blocked.code).to.equal(1)
        expect(blocked.stderr, blocked.stderr).to.have.string(
          `Error: ${failed}; gave up after 1 try (statement_lock_timeout = 1 s, statement_lock_retries = 0); blocked by `,
        )
        expect(blocked.stderr).to.match(blocker(id))
        expect(blocked.stderr.split('\n').filter(Boolean)).to.have.length(1)
      } finally {
        await reader.query('ROLLBACK')
        await reader.close()
      }

      expect((await chainState(db, 1)).version).to.equal(1)
      // The flag wins over the key: 0 waits as the server does, so with the reader gone it goes through.
      const next = await runCli(['upgrade', 'head', '--statement-lock-timeout', '0'], {cwd: dir})
      expect(next.code, next.stderr).to.equal(0)
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002 (head)\n')
    })

    it('a revision that gave up is rolled back and tried again, each try logged, and goes through once the reader commits', async () => {
      const dir = await alterProject('statement_lock_timeout = 1')
      const {id, reader} = await openReader()
      let run
      try {
        run = spawnCli(['upgrade', 'head'], {cwd: dir})
        // The first try gives up after 1 s; the second starts 1 s after that: the reader ends in between.
        let stderr = ''
        run.child.stderr.on('data', (d) => (stderr += d))
        while (!stderr.includes('trying again') && run.child.exitCode === null) await sleep(50)
      } finally {
        await reader.query('COMMIT')
        await reader.close()
      }

      const done = await run!.done
      expect(done.code, done.stderr).to.equal(0)
      expect(done.stdout).to.match(/^upgrade 001 -> 002, alter \(\d+ ms\)\n$/)
      const lines = done.stderr.split('\n').filter(Boolean)
      expect(lines, done.stderr).to.have.length(1)
      expect(lines[0], done.stderr).to.have.string(`${failed}; blocked by `)
      expect(lines[0]).to.match(blocker(id))
      expect(lines[0]).to.match(/; try 1 of 4, trying again in 1 s$/)
      expect((await chainState(db, 1)).version).to.equal(2)
    })

    it('gives up after statement_lock_retries tries, the database at the last completed revision', async () => {
      const dir = await alterProject('statement_lock_timeout = 1\nstatement_lock_retries = 1')
      const {id, reader} = await openReader()
      try {
        const done = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(done.code).to.equal(1)
        const lines = done.stderr.split('\n').filter(Boolean)
        expect(lines).to.have.length(2)
        expect(lines[0]).to.match(/; try 1 of 2, trying again in 1 s$/)
        expect(lines[1], lines[1]).to.have.string(
          `Error: ${failed}; gave up after 2 tries (statement_lock_timeout = 1 s, statement_lock_retries = 1); blocked by `,
        )
        expect(lines[1]).to.match(blocker(id))
      } finally {
        await reader.query('ROLLBACK')
        await reader.close()
      }

      expect((await chainState(db, 1)).version).to.equal(1)
    })

    it("a database section's own statement_lock_timeout and statement_lock_retries win over [db_manage]'s", async () => {
      const dir = await alterProject(
        'statement_lock_timeout = 30\nstatement_lock_retries = 5',
        'statement_lock_timeout = 1\nstatement_lock_retries = 0',
      )
      const {id, reader} = await openReader()
      try {
        const done = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(done.code).to.equal(1)
        expect(done.stderr).to.have.string(
          `Error: ${failed}; gave up after 1 try (statement_lock_timeout = 1 s, statement_lock_retries = 0); blocked by `,
        )
        expect(done.stderr).to.match(blocker(id))
      } finally {
        await reader.query('ROLLBACK')
        await reader.close()
      }

      expect((await chainState(db, 1)).version).to.equal(1)
    })

    if (dialect === 'postgresql') {
      it('with transaction_per_migration = false the whole run is rolled back and tried again from where it began', async () => {
        const dir = await alterProject('statement_lock_timeout = 1\ntransaction_per_migration = false')
        const {reader} = await openReader()
        let run
        try {
          run = spawnCli(['upgrade', 'head'], {cwd: dir})
          let stderr = ''
          run.child.stderr.on('data', (d) => (stderr += d))
          while (!stderr.includes('trying again') && run.child.exitCode === null) await sleep(50)
        } finally {
          await reader.query('COMMIT')
          await reader.close()
        }

        const done = await run!.done
        expect(done.code, done.stderr).to.equal(0)
        const lines = done.stderr.split('\n').filter(Boolean)
        expect(lines, done.stderr).to.have.length(1)
        expect(lines[0]).to.have.string(
          `upgrade 001 -> 002 (002_alter.sql) failed: ${said} [SQL: ALTER TABLE t_1 ADD COLUMN w INTEGER]; the whole` +
            ' run was rolled back (transaction_per_migration = false): the database is at 001; blocked by ',
        )
        expect(lines[0]).to.match(/; try 1 of 4, trying again in 1 s$/)
        expect((await chainState(db, 1)).version).to.equal(2)
      })
    }

    it('--statement-timeout ends a statement that runs too long: the revision rolls back and is not tried again', async () => {
      const dir = chainProject(db.url, 1)
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      const slow = dialect === 'postgresql' ? 'SELECT pg_sleep(3)' : 'SELECT SLEEP(3) FROM t_1'
      writeFileSync(
        path.join(dir, 'migrations', '002_slow.sql'),
        `-- revision: 002\n-- down_revision: 001\n-- message: slow\n-- +upgrade\n${slow};\n-- +downgrade\nSELECT 1;\n`,
      )
      const done = await runCli(['upgrade', 'head', '--statement-timeout', '1'], {cwd: dir})
      expect(done.code).to.equal(1)
      const said =
        dialect === 'postgresql'
          ? 'canceling statement due to statement timeout'
          : 'Query execution was interrupted (max_statement_time exceeded)'
      const where =
        dialect === 'postgresql'
          ? 'rolled back, the database is at 001'
          : 'none of its statements had run: the database is at 001'
      expect(done.stderr).to.equal(
        `Error: upgrade 001 -> 002 (002_slow.sql) failed: ${said} [SQL: ${slow}]; ${where}\n`,
      )
      expect((await chainState(db, 1)).version).to.equal(1)
    })
  })
}

describe('statement_lock_timeout on sqlite (busy_timeout)', function () {
  this.timeout(60_000)
  let db!: TestDatabase
  if (!dialectsUnderTest().includes('sqlite')) return
  useTestDatabase('sqlite', (d) => (db = d))

  it('a reader holding the file: the revision waits busy_timeout, rolls back, is tried again, and goes through once the reader ends', async () => {
    const dir = chainProject(db.url, 1)
    expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
    writeFileSync(
      path.join(dir, 'migrations', '002_alter.sql'),
      '-- revision: 002\n-- down_revision: 001\n-- message: alter\n-- +upgrade\nALTER TABLE t_1 ADD COLUMN w INTEGER;\n-- +downgrade\nALTER TABLE t_1 DROP COLUMN w;\n',
    )
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${db.url}\nstatement_lock_timeout = 1\n`,
    )
    // A reader's open transaction holds a SHARED lock on the file: the writer's COMMIT cannot take EXCLUSIVE.
    const reader = await db.connect()
    await reader.query('BEGIN')
    await reader.query('SELECT count(*) FROM t_1')
    let run
    const started = performance.now()
    try {
      run = spawnCli(['upgrade', 'head'], {cwd: dir})
      let stderr = ''
      run.child.stderr.on('data', (d) => (stderr += d))
      while (!stderr.includes('trying again') && run.child.exitCode === null) await sleep(50)
      expect(run.child.exitCode, stderr).to.equal(null)
      // The first try gave up after about the timeout, not at once and not after the driver's default.
      expect(performance.now() - started).to.be.within(900, 10_000)
    } finally {
      await reader.query('COMMIT')
      await reader.close()
    }

    const done = await run!.done
    expect(done.code, done.stderr).to.equal(0)
    const lines = done.stderr.split('\n').filter(Boolean)
    expect(lines, done.stderr).to.have.length(1)
    expect(lines[0]).to.match(
      /^upgrade 001 -> 002 \(002_alter\.sql\) failed: database is locked \(SQLITE_BUSY\) \[SQL: COMMIT\]; rolled back, the database is at 001; blocked by .*; try 1 of 4, trying again in 1 s$/,
    )
    expect((await chainState(db, 1)).version).to.equal(2)
  })
})
