import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli} from '../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {chainProject, chainState} from './chain.js'

for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite')) {
  describe(`statement_lock_timeout on ${dialect}`, function () {
    this.timeout(60_000)
    let db!: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    it('DDL behind a long transaction gives up after the timeout instead of queueing, and the revision rolls back', async () => {
      const dir = chainProject(db.url, 1)
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      writeFileSync(
        path.join(dir, 'migrations', '002_alter.sql'),
        '-- revision: 002\n-- down_revision: 001\n-- message: alter\n-- +upgrade\nALTER TABLE t_1 ADD COLUMN w INTEGER;\n-- +downgrade\nALTER TABLE t_1 DROP COLUMN w;\n',
      )
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\nscript_location = migrations\nstatement_lock_timeout = 1\n\n[database]\nconnection = ${db.url}\n`,
      )
      // A reader's open transaction holds a lock on t_1: ALTER TABLE would queue behind it, and every reader behind the ALTER.
      const reader = await db.connect()
      try {
        await reader.query(dialect === 'postgresql' ? 'BEGIN' : 'START TRANSACTION')
        await reader.query('SELECT count(*) FROM t_1')
        const started = performance.now()
        const blocked = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(performance.now() - started).to.be.below(10_000)
        expect(blocked.code).to.equal(1)
        const said =
          dialect === 'postgresql'
            ? 'canceling statement due to lock timeout'
            : 'Lock wait timeout exceeded; try restarting transaction (ER_LOCK_WAIT_TIMEOUT)'
        const where =
          dialect === 'postgresql'
            ? 'rolled back, the database is at 001'
            : 'none of its statements had run: the database is at 001'
        expect(blocked.stderr).to.equal(
          `Error: upgrade 001 -> 002 (002_alter.sql) failed: ${said} [SQL: ALTER TABLE t_1 ADD COLUMN w INTEGER] (statement_lock_timeout: another transaction holds a lock on the table; run again when it ends); ${where}\n`,
        )
        // The flag wins over the key: 0 waits as the server does, so with the reader gone it goes through.
      } finally {
        await reader.query('ROLLBACK')
        await reader.close()
      }

      const next = await runCli(['upgrade', 'head', '--statement-lock-timeout', '0'], {cwd: dir})
      expect(next.code, next.stderr).to.equal(0)
      expect((await chainState(db, 1)).version).to.equal(2)
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002 (head)\n')
    })
  })
}
