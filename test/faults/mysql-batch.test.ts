import {expect} from 'chai'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {applyWithClient} from '../helpers/catalog.js'
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

    it('steps sent ahead: a statement of 003 fails on the server while 004 was prepared; 001 and 002 are reported, 004 never runs', async () => {
      const dir = chainProject(db.url, 2)
      const script = (id: string, down: string, body: string) =>
        writeFileSync(
          path.join(dir, 'migrations', `${id}_ahead.ts`),
          `export const revision = '${id}'\nexport const downRevision = '${down}'\nexport const message = 'ahead ${id}'\n\n` +
            `export async function upgrade(op: any) {\n${body}\n}\n\nexport async function downgrade(op: any) {}\n`,
        )
      script(
        '003',
        '002',
        [
          "  await op.createTable('t_3', [op.column('id', 'integer', {primaryKey: true})])",
          "  await op.addColumn('missing', op.column('v', 'string(20)'))",
          "  await op.createTable('u_3', [op.column('id', 'integer')])",
        ].join('\n'),
      )
      script('004', '003', "  await op.createTable('t_4', [op.column('id', 'integer', {primaryKey: true})])")
      const {code, stderr, stdout} = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(code).to.equal(1)
      expect(stdout.replaceAll(/\(\d+ ms\)/g, '(ms)')).to.equal(
        'upgrade <base> -> 001, step 1 (ms)\nupgrade 001 -> 002, step 2 (ms)\n',
      )
      expect(stderr).to.match(
        /^Error: upgrade 002 -> 003 \(003_ahead\.ts\) failed: Table '[^']+\.missing' doesn't exist \(ER_NO_SUCH_TABLE\) \[SQL: ALTER TABLE `missing` ADD COLUMN `v` VARCHAR\(20\)\]; the version table still says 002 and 1 of its statements had already committed \(MySQL commits DDL as it goes; the last: CREATE TABLE `t_3` /,
      )
      expect(await tablesOf(db, ['t_2', 't_3', 'u_3', 't_4'])).to.deep.equal(['t_2', 't_3'])
      const history = await connected(db, (c) =>
        c.query('SELECT revision, direction FROM db_manage_history ORDER BY id'),
      )
      expect(history.rows).to.deep.equal([
        {direction: 'upgrade', revision: '001'},
        {direction: 'upgrade', revision: '002'},
        {direction: 'started', revision: '003'},
      ])
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002\n')
    })

    it('the version move is checked by the server in the batch: a script that moved the version stops the run there', async () => {
      const dir = chainProject(db.url, 1)
      writeFileSync(
        path.join(dir, 'migrations', '002_moves.ts'),
        `export const revision = '002'
export const downRevision = '001'
export const message = 'moves'

export async function upgrade(op: any) {
  await op.createTable('t_2', [op.column('id', 'integer', {primaryKey: true})])
  await op.execute("UPDATE alembic_version SET version_num = '999'")
}

export async function downgrade(op: any) {}
`,
      )
      writeFileSync(
        path.join(dir, 'migrations', '003_after.ts'),
        `export const revision = '003'
export const downRevision = '002'
export const message = 'after'

export async function upgrade(op: any) {
  await op.createTable('t_3', [op.column('id', 'integer', {primaryKey: true})])
}

export async function downgrade(op: any) {}
`,
      )
      const {code, stderr} = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(code).to.equal(1)
      expect(stderr).to.match(
        /^Error: upgrade 001 -> 002 \(002_moves\.ts\) failed: alembic_version did not hold 001 when this revision finished; another tool changed it; the version table still says 001 and 3 of its statements had already committed /,
      )
      // 003, prepared while 002 ran, never ran.
      expect(await tablesOf(db, ['t_2', 't_3'])).to.deep.equal(['t_2'])
      const version = await connected(db, (c) => c.query('SELECT version_num FROM alembic_version'))
      expect(version.rows).to.deep.equal([{version_num: '999'}])
    })

    it('offline SQL stopped half-way by mariadb: the next run names the revision it stopped in, or completes the row of the one it finished', async () => {
      const dir = chainProject(db.url, 3)
      const file = path.join(dir, 'all.sql')
      expect((await runCli(['upgrade', 'head', '--sql', '-o', file], {cwd: dir})).code).to.equal(0)
      const statements = readFileSync(file, 'utf8').split(';\n\n')
      const upTo = (test: (s: string) => boolean) => {
        const cut = path.join(dir, 'cut.sql')
        writeFileSync(cut, `${statements.slice(0, statements.findIndex(test) + 1).join(';\n\n')};\n`)
        return cut
      }

      // Stopped right after 003's mark: 003 is named, 002's row is complete.
      applyWithClient(
        db,
        upTo((s) => s.includes("'003', 'started'")),
      )
      const named = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(named.code).to.equal(1)
      expect(named.stderr).to.match(/^Error: upgrade 002 -> 003 \(003_step\.sql\) started at .* and did not finish/)
      const history = async () =>
        (await connected(db, (c) => c.query('SELECT revision, direction FROM db_manage_history ORDER BY id'))).rows
      expect(await history()).to.deep.equal([
        {direction: 'upgrade', revision: '001'},
        {direction: 'upgrade', revision: '002'},
        {direction: 'started', revision: '003'},
      ])

      // Stopped right after 002's version move, before the UPDATE that completes its row: the next run does.
      await connected(db, (c) =>
        c.query('DROP TABLE applied_log, t_1, u_1, t_2, u_2, alembic_version, db_manage_history'),
      )
      applyWithClient(
        db,
        upTo((s) => s.includes("SET version_num='002'")),
      )
      const resumed = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(resumed.code, resumed.stderr).to.equal(0)
      expect(resumed.stdout).to.match(/^upgrade 002 -> 003, step 3 \(\d+ ms\)\n$/)
      expect(await history()).to.deep.equal([
        {direction: 'upgrade', revision: '001'},
        {direction: 'upgrade', revision: '002'},
        {direction: 'upgrade', revision: '003'},
      ])
    })
  })
}
