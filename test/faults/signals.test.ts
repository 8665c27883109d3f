import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import type {DialectName} from '../../src/util/dialect-names.js'
import {runCli, spawnCli} from '../helpers/cli.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {chainProject, chainState} from './chain.js'

/** A statement that runs for seconds on each database. */
const SLOW: Record<DialectName, string> = {
  // MySQL's SLEEP cannot be cancelled from here: the first signal waits for it.
  mysql: 'SELECT SLEEP(5);',
  postgresql: 'SELECT pg_sleep(30);',
  // better-sqlite3 runs a statement to its end: this one counts for a second or two.
  sqlite:
    'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000000) SELECT count(*) AS n FROM n;',
}

/** Revision 002 of a 3-revision chain made slow: its table, then the slow statement, then another table. */
function slowProject(db: TestDatabase): string {
  const dir = chainProject(db.url, 3)
  writeFileSync(
    path.join(dir, 'migrations', '002_step.sql'),
    [
      '-- revision: 002',
      '-- down_revision: 001',
      '-- message: slow',
      '-- +upgrade',
      'CREATE TABLE t_2 (id INTEGER PRIMARY KEY, v VARCHAR(20));',
      SLOW[db.dialect],
      'CREATE TABLE u_2 (id INTEGER);',
      "INSERT INTO applied_log (revision) VALUES ('002');",
      '-- +downgrade',
      'DROP TABLE u_2;',
      'DROP TABLE t_2;',
      '',
    ].join('\n'),
  )
  return dir
}

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** ms from the last signal to the exit. */
  readonly afterSignal: number
}

/** Run `args`, wait until the slow statement runs, send `signals` (the second 300 ms after the first). */
async function signalled(db: TestDatabase, dir: string, args: string[], signals: NodeJS.Signals[]): Promise<Run> {
  const run = spawnCli(args, {cwd: dir})
  await untilSlow(db, run.stdout)
  let last = 0
  for (const [i, signal] of signals.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, 300))
    run.child.kill(signal)
    last = performance.now()
  }

  return {...(await run.done), afterSignal: performance.now() - last}
}

/** Counts the slow statements running on the server. */
const PROBE: Record<DialectName, string> = {
  mysql: "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(5)%'",
  postgresql:
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'db-manage' AND query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'",
  sqlite: '',
}

/** Until the run is inside its slow statement, as the server shows it (SQLite: shortly after 001 is done). */
async function untilSlow(db: TestDatabase, stdout: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (
      db.dialect === 'sqlite'
        ? /001, step 1/.test(stdout())
        : Number((await connected(db, (c) => c.query(PROBE[db.dialect]))).rows[0].n) > 0
    ) {
      if (db.dialect === 'sqlite') await new Promise((r) => setTimeout(r, 300))
      return
    }

    await new Promise((r) => setTimeout(r, 50))
  }

  throw new Error('the run never reached its slow statement')
}

for (const dialect of dialectsUnderTest()) {
  describe(`signals on ${dialect}`, function () {
    this.timeout(120_000)
    let db!: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    it('SIGTERM inside a slow revision: stops after the current statement, says where the database is, exits 143, and the next run completes', async () => {
      const dir = slowProject(db)
      const run = await signalled(db, dir, ['upgrade', 'head'], ['SIGTERM'])
      expect(run.code).to.equal(143)
      expect(run.stdout).to.match(/^upgrade <base> -> 001, step 1 \(\d+ ms\)\n$/)
      const [notice, error, rest] = run.stderr.split('\n')
      expect(notice).to.equal(
        'db-manage: SIGTERM received: stopping after the current statement (SIGTERM again exits at once)',
      )
      expect(rest).to.equal('')
      if (dialect === 'mysql') {
        // MySQL committed 002's first table as it ran, and says so; 002 is marked unfinished.
        expect(error).to.equal(
          'Error: upgrade 001 -> 002 (002_step.sql) failed: interrupted by SIGTERM; the version table still says 001 and 2 of its statements had already committed (MySQL commits DDL as it goes; the last: SELECT SLEEP(5)): ' +
            'undo them by hand and run "db-manage stamp 001", or finish them and run "db-manage stamp 002"; until then upgrade and downgrade refuse to run (002_step.sql is marked unfinished)',
        )
        expect(await chainState(db, 3)).to.deep.include({partial: [2], version: 1})
        const refused = await runCli(['upgrade', 'head', '--lock-timeout', '1'], {cwd: dir})
        expect(refused.code, 'the lock was released').to.equal(1)
        expect(refused.stderr).to.match(/^Error: upgrade 001 -> 002 \(002_step\.sql\) started at .* and did not finish/)
        await connected(db, (c) => c.query('DROP TABLE t_2'))
        expect((await runCli(['stamp', '001'], {cwd: dir})).code).to.equal(0)
        // With the slow statement gone, the chain completes.
        writeFileSync(
          path.join(dir, 'migrations', '002_step.sql'),
          "-- revision: 002\n-- down_revision: 001\n-- message: quick\n-- +upgrade\nCREATE TABLE t_2 (id INTEGER PRIMARY KEY);\nCREATE TABLE u_2 (id INTEGER);\nINSERT INTO applied_log (revision) VALUES ('002');\n",
        )
      } else {
        expect(error).to.equal(
          'Error: upgrade 001 -> 002 (002_step.sql) failed: interrupted by SIGTERM; rolled back, the database is at 001',
        )
        // The slow statement was cancelled on the server, not waited for (SQLite runs a statement to its end).
        if (dialect === 'postgresql') expect(run.afterSignal).to.be.below(5000)
        expect(await chainState(db, 3)).to.deep.equal({logged: ['001'], partial: [], version: 1, whole: [1]})
        writeFileSync(
          path.join(dir, 'migrations', '002_step.sql'),
          "-- revision: 002\n-- down_revision: 001\n-- message: quick\n-- +upgrade\nCREATE TABLE t_2 (id INTEGER PRIMARY KEY);\nCREATE TABLE u_2 (id INTEGER);\nINSERT INTO applied_log (revision) VALUES ('002');\n",
        )
      }

      const next = await runCli(['upgrade', 'head', '--lock-timeout', '1'], {cwd: dir})
      expect(next.stderr).to.equal('')
      expect(next.stdout.split('\n').map((l) => l.replace(/ \(\d+ ms\)$/, ''))).to.deep.equal([
        'upgrade 001 -> 002, quick',
        'upgrade 002 -> 003, step 3',
        '',
      ])
      const state = await chainState(db, 3)
      expect(state.version).to.equal(3)
      expect(state.logged).to.deep.equal(['001', '002', '003'])
    })

    it('SIGINT (Ctrl-C) exits 130 the same way', async () => {
      const dir = slowProject(db)
      const run = await signalled(db, dir, ['upgrade', 'head'], ['SIGINT'])
      expect(run.code).to.equal(130)
      expect(run.stderr).to.match(
        /^db-manage: SIGINT received: stopping after the current statement \(SIGINT again exits at once\)\nError: upgrade 001 -> 002 \(002_step\.sql\) failed: interrupted by SIGINT; /,
      )
      expect((await chainState(db, 3)).version).to.equal(1)
    })

    if (dialect !== 'sqlite') {
      it('a second signal exits at once, even while a statement runs, and the server stops that statement within seconds', async () => {
        // exec --no-transaction: the slow statement runs on its own, so the first signal lets it finish.
        const dir = chainProject(db.url, 1)
        writeFileSync(path.join(dir, 'slow.sql'), `${SLOW[dialect]}\nCREATE TABLE after_slow (id INTEGER);\n`)
        const run = await signalled(db, dir, ['exec', 'slow.sql', '--no-transaction'], ['SIGTERM', 'SIGTERM'])
        expect(run.code).to.equal(143)
        expect(run.afterSignal).to.be.below(2000)
        expect(run.stderr).to.equal(
          'db-manage: SIGTERM received: stopping after the current statement (SIGTERM again exits at once)\n',
        )
        // The server notices the client is gone (PostgreSQL: client_connection_check_interval) and ends the statement.
        const started = performance.now()
        while (Number((await connected(db, (c) => c.query(PROBE[dialect]))).rows[0].n) > 0) {
          expect(performance.now() - started).to.be.below(6000)
          await new Promise((r) => setTimeout(r, 100))
        }

        expect((await chainState(db, 1)).version).to.equal(0)
      })
    }

    it('a signal before any revision runs exits at once and changes nothing', async () => {
      const dir = chainProject(db.url, 2)
      const run = spawnCli(['upgrade', 'head'], {cwd: dir})
      run.child.kill('SIGTERM')
      // Killed before its handler was installed (the default action) or by it: either way 143 and nothing applied.
      expect((await run.done).code).to.equal(143)
      expect((await chainState(db, 2)).version).to.equal(0)
    })
  })
}
