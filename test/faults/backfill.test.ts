import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli, spawnCli, tempProject} from '../helpers/cli.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const ROWS = 2400

/**
 * op.backfill against each server: batches by a composite primary key, each
 * committed with its place; a run killed between two batches resumes after
 * the last committed one. The backfill adds 1 to a counter, so a row updated
 * twice (or never) shows.
 */
for (const dialect of dialectsUnderTest()) {
  describe(`op.backfill on ${dialect}`, function () {
    this.timeout(90_000)
    let db!: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    function project(backfill: string, after = ''): string {
      const dir = tempProject()
      mkdirSync(path.join(dir, 'migrations'))
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${db.url}\n`,
      )
      writeFileSync(
        path.join(dir, 'migrations', '001_orders.ts'),
        [
          "export const revision = '001'",
          'export const downRevision = null',
          "export const message = 'orders'",
          'export async function upgrade(op) {',
          "  await op.createTable('orders', [op.column('tenant_id', 'integer', {primaryKey: true}),",
          "    op.column('id', 'integer', {primaryKey: true}), op.column('total', 'integer', {nullable: false})])",
          '}',
          "export async function downgrade(op) { await op.dropTable('orders') }",
          '',
        ].join('\n'),
      )
      writeFileSync(
        path.join(dir, 'migrations', '002_touched.ts'),
        [
          "export const revision = '002'",
          "export const downRevision = '001'",
          "export const message = 'touched'",
          'export async function upgrade(op) {',
          "  await op.addColumn('orders', op.column('touched', 'integer', {nullable: false, default: 0}))",
          `  ${backfill}`,
          `  ${after}`,
          '}',
          "export async function downgrade(op) { await op.dropColumn('orders', 'touched') }",
          '',
        ].join('\n'),
      )
      return dir
    }

    /** 001 applied and ROWS orders in it: tenants 1..3, ids 1..ROWS/3 each. */
    async function seeded(dir: string): Promise<void> {
      const up = await runCli(['upgrade', '001'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      await connected(db, async (c) => {
        const values: string[] = []
        for (let i = 0; i < ROWS; i++) values.push(`(${(i % 3) + 1}, ${Math.floor(i / 3) + 1}, ${i})`)
        await c.query(`INSERT INTO orders (tenant_id, id, total) VALUES ${values.join(', ')}`)
      })
    }

    const counts = () =>
      connected(db, async (c) => {
        const {rows} = await c.query('SELECT touched, COUNT(*) AS n FROM orders GROUP BY touched ORDER BY touched')
        return rows.map((r) => `${r.touched}:${r.n}`)
      })

    const backfillRows = () =>
      connected(db, async (c) => {
        try {
          return (await c.query('SELECT revision, direction, ordinal, row_count, done FROM db_manage_backfill')).rows
        } catch {
          return undefined
        }
      })

    it('updates every selected row once, in batches, and leaves nothing in its table', async () => {
      const dir = project(
        "await op.backfill('orders', {set: {touched: op.sql('touched + 1')}, where: 'total >= 100'}, {batchSize: 500})",
      )
      await seeded(dir)
      const result = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout).to.match(/^upgrade 001 -> 002, touched \(\d+ ms\)\n$/)
      expect(result.stderr).to.equal('')
      expect(await counts()).to.deep.equal([`0:100`, `1:${ROWS - 100}`])
      expect(await backfillRows()).to.deep.equal([])
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002 (head)\n')
    })

    it('killed between two batches: the next upgrade resumes after the last committed batch', async () => {
      const dir = project(
        "await op.backfill('orders', {set: {touched: op.sql('touched + 1')}}, {batchSize: 200, pauseMs: 150})",
        "await op.createIndex('ix_orders_touched', 'orders', ['touched'])",
      )
      await seeded(dir)
      const run = spawnCli(['upgrade', 'head'], {cwd: dir})
      let done = 0
      for (let waited = 0; done < 600; waited += 25) {
        expect(run.child.exitCode, 'the run ended before its third batch').to.equal(null)
        expect(waited, 'no batch committed in 30 s').to.be.below(30_000)
        await sleep(25)
        const rows = await backfillRows()
        done = rows && rows.length > 0 ? Number(rows[0].row_count) : 0
      }

      run.child.kill('SIGKILL')
      expect((await run.done).code).to.equal(137)
      // What the table says committed is exactly what was updated: no batch half-done.
      const [place] = (await backfillRows())!
      const committed = Number(place.row_count)
      expect(committed % 200).to.equal(0)
      expect(await counts()).to.deep.equal([`0:${ROWS - committed}`, `1:${committed}`])

      const current = await runCli(['current'], {cwd: dir})
      expect(current.stdout).to.match(/^001\b/)
      const resumed = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(resumed.code, resumed.stderr).to.equal(0)
      expect(resumed.stderr).to.equal(
        'resuming upgrade of revision 002: the operations before its backfill committed and are not run again;' +
          ` the backfill goes on after ${committed} rows\n`,
      )
      expect(resumed.stdout).to.match(/^upgrade 001 -> 002, touched \(\d+ ms\)\n$/)
      expect(await counts()).to.deep.equal([`1:${ROWS}`])
      expect(await backfillRows()).to.deep.equal([])
      const history = await runCli(['history', '--verbose'], {cwd: dir})
      expect(history.code, history.stderr).to.equal(0)
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002 (head)\n')
      // The step is recorded once, as applied.
      const directions = await connected(db, async (c) =>
        (await c.query("SELECT direction FROM db_manage_history WHERE revision = '002'")).rows.map((r) => r.direction),
      )
      expect(directions).to.deep.equal(['upgrade'])
    })

    it('a table without a primary key: refused in one line before the backfill begins (SQLite: rowid ranges)', async () => {
      const dir = project("await op.backfill('loose', {set: {v: 1}}, {batchSize: 2})")
      await seeded(dir)
      await connected(db, (c) => c.query('CREATE TABLE loose (v INTEGER)'))
      await connected(db, (c) => c.query('INSERT INTO loose (v) VALUES (5), (6), (7)'))
      const result = await runCli(['upgrade', 'head'], {cwd: dir})
      if (dialect === 'sqlite') {
        expect(result.code, result.stderr).to.equal(0)
        const vs = await connected(db, async (c) => (await c.query('SELECT v FROM loose')).rows.map((r) => r.v))
        expect(vs).to.deep.equal([1, 1, 1])
        return
      }

      expect(result.code).to.equal(1)

      expect(result.stderr).to.match(
        /^Error: upgrade 001 -> 002 \(002_touched\.ts\) failed: op\.backfill\("loose"\): loose has no primary key, and batches are ranges of it; add one, or update it with op\.execute in one statement; /,
      )
      expect(result.stderr.split('\n').filter(Boolean)).to.have.length(1)
      expect((await runCli(['current'], {cwd: dir})).stdout).to.match(/^001\b/)
    })

    it('offline, one UPDATE', async () => {
      const dir = project(
        "await op.backfill('orders', {set: {touched: op.sql('touched + 1'), total: 5}, where: 'total < 0'})",
      )
      const sql = await runCli(['upgrade', '001:002', '--sql'], {cwd: dir})
      expect(sql.code, sql.stderr).to.equal(0)
      const q = dialect === 'mysql' ? '`' : '"'
      expect(sql.stdout).to.have.string(
        `UPDATE ${q}orders${q} SET ${q}touched${q} = touched + 1, ${q}total${q} = 5 WHERE (total < 0);\n`,
      )
    })
  })
}
