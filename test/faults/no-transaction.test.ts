import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli, spawnCli} from '../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {chainProject, chainState} from './chain.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite')) {
  describe(`a transaction = false revision on ${dialect}`, function () {
    this.timeout(60_000)
    let db!: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    const pause = dialect === 'postgresql' ? 'SELECT pg_sleep(30)' : 'SELECT SLEEP(30)'

    /** A project at 001 whose 002 runs outside a transaction: a table, `middle`, another table. */
    async function outsideProject(middle: string): Promise<string> {
      const dir = chainProject(db.url, 1)
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      writeFileSync(
        path.join(dir, 'migrations', '002_outside.sql'),
        [
          '-- revision: 002',
          '-- down_revision: 001',
          '-- message: outside',
          '-- transaction: false',
          '-- +upgrade',
          'CREATE TABLE nt_a (id INTEGER);',
          `${middle};`,
          'CREATE TABLE nt_b (id INTEGER);',
          '-- +downgrade',
          'DROP TABLE nt_b;',
          'DROP TABLE nt_a;',
          '',
        ].join('\n'),
      )
      return dir
    }

    async function tables(): Promise<string[]> {
      const c = await db.connect()
      try {
        const sql =
          dialect === 'postgresql'
            ? "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'nt_%' ORDER BY 1"
            : "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'nt_%' ORDER BY 1"
        return (await c.query(sql)).rows.map((r) => String(r.t))
      } finally {
        await c.close()
      }
    }

    const unfinished =
      /^Error: upgrade 001 -> 002 \(002_outside\.sql\) started at [-0-9 :.]+ UTC by \S+ and did not finish \(the run was killed or failed part-way\): /

    it('killed in the middle: its first statement stays committed, the next upgrade names it and says what to do, a stamp resolves it', async () => {
      const dir = await outsideProject(pause)
      const run = spawnCli(['upgrade', 'head'], {cwd: dir})
      const watcher = await db.connect()
      let session: string | undefined
      try {
        const find =
          dialect === 'postgresql'
            ? "SELECT pid AS id FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()"
            : "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(30)%' AND ID <> CONNECTION_ID()"
        while (session === undefined) {
          expect(run.child.exitCode, 'the run ended before its second statement').to.equal(null)
          const {rows} = await watcher.query(find)
          if (rows.length > 0) session = String(rows[0].id)
          else await sleep(20)
        }

        run.child.kill('SIGKILL')
        expect((await run.done).code).to.equal(137)
        // The killed client's session sleeps on in the server: ended as a DBA would end it.
        await watcher.query(dialect === 'postgresql' ? `SELECT pg_terminate_backend(${session})` : `KILL ${session}`)
      } finally {
        await watcher.close()
      }

      expect(await tables()).to.deep.equal(['nt_a'])
      expect((await chainState(db, 1)).version).to.equal(1)
      const next = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(next.code).to.equal(1)
      expect(next.stdout).to.equal('')
      expect(next.stderr).to.match(unfinished)
      expect(next.stderr).to.have.string(
        dialect === 'postgresql'
          ? '002_outside.sql runs outside a transaction (transaction = false), each statement committing as it runs,' +
              ' so some of its statements may have been applied while the version table says 001; check the schema,' +
              ' then undo them by hand and run "db-manage stamp 001", or finish them and run "db-manage stamp 002";' +
              ' until then upgrade and downgrade refuse to run (002_outside.sql is marked unfinished)\n'
          : 'MySQL commits DDL as it goes, so some of its statements may have been applied while the version table says' +
              ' 001; check the schema, then undo them by hand and run "db-manage stamp 001", or finish them and run' +
              ' "db-manage stamp 002"; until then upgrade and downgrade refuse to run (002_outside.sql is marked unfinished)\n',
      )
      expect(next.stderr.split('\n').filter(Boolean)).to.have.length(1)
      expect(await tables()).to.deep.equal(['nt_a'])

      // Undone by hand and stamped back: the next upgrade runs the revision whole.
      const c = await db.connect()
      await c.query('DROP TABLE nt_a')
      await c.close()
      const stamped = await runCli(['stamp', '001'], {cwd: dir})
      expect(stamped.code, stamped.stderr).to.equal(0)
      writeFileSync(
        path.join(dir, 'migrations', '002_outside.sql'),
        (await import('node:fs'))
          .readFileSync(path.join(dir, 'migrations', '002_outside.sql'), 'utf8')
          .replace(`${pause};`, 'SELECT 1;'),
      )
      const again = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(again.code, again.stderr).to.equal(0)
      expect(again.stdout).to.match(/^upgrade 001 -> 002, outside \(\d+ ms\)\n$/)
      expect(await tables()).to.deep.equal(['nt_a', 'nt_b'])
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002 (head)\n')
    })

    it('a statement that fails: the ones before it stay committed and are counted, the version is not moved', async () => {
      const dir = await outsideProject('SELECT * FROM nt_missing')
      const failed = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(failed.code).to.equal(1)
      expect(failed.stderr).to.match(
        /^Error: upgrade 001 -> 002 \(002_outside\.sql\) failed: .*nt_missing.* \[SQL: SELECT \* FROM nt_missing\]; the version table still says 001 and 1 of its statements had already committed \(/,
      )
      expect(failed.stderr).to.have.string(
        (dialect === 'postgresql'
          ? 'it runs outside a transaction (transaction = false): each statement commits as it runs'
          : 'MySQL commits DDL as it goes') +
          '; the last: CREATE TABLE nt_a (id INTEGER)): undo them by hand and run "db-manage stamp 001", or finish them and run "db-manage stamp 002"',
      )
      expect(await tables()).to.deep.equal(['nt_a'])
      expect((await chainState(db, 1)).version).to.equal(1)
    })
  })
}
