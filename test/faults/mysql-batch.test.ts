import {expect} from 'chai'
import {rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli, spawnCli} from '../helpers/cli.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {chainProject} from './chain.js'

/** Which of `names` are tables of the test database. */
async function tablesOf(db: TestDatabase, names: string[]): Promise<string[]> {
  const {rows} = await connected(db, (c) =>
    c.query(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${names.map((n) => `'${n}'`).join(', ')}) ORDER BY TABLE_NAME`,
    ),
  )
  return rows.map((r) => String(r.name))
}

if (dialectsUnderTest().includes('mysql')) {
  describe('a MySQL revision sent in one round trip (issue 32)', function () {
    this.timeout(120_000)
    let db!: TestDatabase
    useTestDatabase('mysql', (d) => (db = d))

    /** Revision 002, in TypeScript: three operations, whose statements go to the server together at its end. */
    function batchedProject(): string {
      const dir = chainProject(db.url, 2)
      rmSync(path.join(dir, 'migrations', '002_step.sql'))
      writeFileSync(
        path.join(dir, 'migrations', '002_batched.ts'),
        `export const revision = '002'
export const downRevision = '001'
export const message = 'batched'

export async function upgrade(op: any) {
  await op.createTable('t_2', [op.column('id', 'integer', {primaryKey: true})])
  await op.addColumn('held', op.column('v', 'string(20)'))
  await op.createTable('u_2', [op.column('id', 'integer')])
}

export async function downgrade(op: any) {
  await op.dropTable('u_2')
  await op.dropColumn('held', 'v')
  await op.dropTable('t_2')
}
`,
      )
      return dir
    }

    it('SIGTERM while one of its statements waits: the batch stops after it, and the report counts what committed', async () => {
      const dir = batchedProject()
      await connected(db, (c) => c.query('CREATE TABLE held (id INTEGER)'))
      const holder = await db.connect()
      try {
        // The ALTER of `held` waits for this session's lock, in the middle of revision 002's batch.
        await holder.query('LOCK TABLES held WRITE')
        const run = spawnCli(['upgrade', 'head'], {cwd: dir})
        let waiting = false
        for (let i = 0; i < 300 && !waiting; i++) {
          await new Promise((r) => setTimeout(r, 50))
          const {rows} = await connected(db, (c) =>
            c.query(
              "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE `held` ADD COLUMN%'",
            ),
          )
          waiting = Number(rows[0].n) > 0
        }

        expect(waiting, 'the ALTER never waited').to.equal(true)
        run.child.kill('SIGTERM')
        await new Promise((r) => setTimeout(r, 500))
        await holder.query('UNLOCK TABLES')
        const {code, stderr, stdout} = await run.done
        expect(code).to.equal(143)
        expect(stdout).to.match(/^upgrade <base> -> 001, step 1 \(\d+ ms\)\n$/)
        expect(stderr.split('\n')).to.deep.equal([
          'db-manage: SIGTERM received: stopping after the current statement (SIGTERM again exits at once)',
          'Error: upgrade 001 -> 002 (002_batched.ts) failed: interrupted by SIGTERM; the version table still says 001 and 2 of its statements had already committed (MySQL commits DDL as it goes; the last: ALTER TABLE `held` ADD COLUMN `v` VARCHAR(20)): ' +
            'undo them by hand and run "db-manage stamp 001", or finish them and run "db-manage stamp 002"; until then upgrade and downgrade refuse to run (002_batched.ts is marked unfinished)',
          '',
        ])
        // The statement after the one that waited never ran; the version did not move.
        expect(await tablesOf(db, ['t_2', 'u_2'])).to.deep.equal(['t_2'])
        expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('001\n')
      } finally {
        await holder.close()
      }
    })

    it('a failing statement in the batch: the ones before it committed and are counted, the ones after it never ran', async () => {
      const dir = batchedProject()
      // No table `held`: the ALTER fails, after t_2 was created.
      const {code, stderr} = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(code).to.equal(1)
      expect(stderr).to.match(
        /^Error: upgrade 001 -> 002 \(002_batched\.ts\) failed: Table '[^']+\.held' doesn't exist \(ER_NO_SUCH_TABLE\) \[SQL: ALTER TABLE `held` ADD COLUMN `v` VARCHAR\(20\)\]; the version table still says 001 and 1 of its statements had already committed \(MySQL commits DDL as it goes; the last: CREATE TABLE `t_2` /,
      )
      expect(await tablesOf(db, ['t_2', 'u_2'])).to.deep.equal(['t_2'])
      const history = await connected(db, (c) =>
        c.query('SELECT revision, direction FROM db_manage_history ORDER BY id'),
      )
      expect(history.rows).to.deep.equal([
        {direction: 'upgrade', revision: '001'},
        {direction: 'started', revision: '002'},
      ])
    })
  })
}
