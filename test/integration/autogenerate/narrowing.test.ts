// Issue 27: "Where a difference cannot be migrated faithfully, the script says so in a comment and the command
// prints it". A column that narrows may refuse rows (or, on MySQL without strict SQL mode, cut them): the script's
// NARROWS comments and revision's stderr say which direction and why, and the upgrade refuses a row that does not fit.
import {expect} from 'chai'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli, tempProject} from '../../helpers/cli.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

const BEFORE =
  'CREATE TABLE item (id integer PRIMARY KEY, sku varchar(100) NOT NULL, qty bigint, price numeric(10,2));\n'
const AFTER = 'CREATE TABLE item (id integer PRIMARY KEY, sku varchar(20) NOT NULL, qty bigint, price numeric(12,2));\n'

const TYPES = {
  mysql: {price: ['decimal(10,2)', 'decimal(12,2)'], sku: ['varchar(100)', 'varchar(20)']},
  postgresql: {price: ['numeric(10,2)', 'numeric(12,2)'], sku: ['character varying(100)', 'character varying(20)']},
}

for (const dialect of dialectsUnderTest()) {
  describe(`${dialect}: a column that narrows`, () => {
    let db: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    function project(): string {
      const dir = tempProject()
      mkdirSync(path.join(dir, 'migrations'))
      writeFileSync(path.join(dir, 'target.sql'), BEFORE)
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\ntarget_schema = target.sql\n\n[database]\nconnection = ${db.url}\n`,
      )
      return dir
    }

    it('is said in the script and printed by revision; the upgrade refuses a row that does not fit', async () => {
      const dir = project()
      expect((await runCli(['revision', '--autogenerate', '-m', 'items'], {cwd: dir})).code).to.equal(0)
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      writeFileSync(path.join(dir, 'target.sql'), AFTER)
      const second = await runCli(['revision', '--autogenerate', '-m', 'shorter sku'], {cwd: dir})
      expect(second.code).to.equal(0)
      const script = readFileSync(path.join(dir, 'migrations', '002_shorter_sku.ts'), 'utf8')
      if (dialect === 'sqlite') {
        // SQLite keeps every value whatever the column declares: nothing narrows, nothing is said.
        expect(second.stderr).to.equal('')
        expect(script).not.to.include('NARROWS')
        await connected(db, (c) => c.query(`INSERT INTO item VALUES (1, '${'x'.repeat(50)}', 1, 1.5)`))
        expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
        const rows = await connected(db, (c) => c.query('SELECT sku FROM item'))
        expect(rows.rows).to.deep.equal([{sku: 'x'.repeat(50)}])
        return
      }

      const [sku100, sku20] = TYPES[dialect].sku
      const [price10, price12] = TYPES[dialect].price
      const cut = dialect === 'mysql' ? ' (without strict SQL mode, MySQL cuts it to fit instead)' : ''
      const up = `item.sku narrows from ${sku100} to ${sku20} (shorter strings): the upgrade fails where a row holds a value that does not fit${cut}`
      const down = `item.price narrows from ${price12} to ${price10} (fewer digits before the point): the downgrade fails where a row holds a value that does not fit${cut}`
      expect(second.stderr).to.equal(`upgrade: ${up}\ndowngrade: ${down}\n`)
      expect(script).to.include(`  // NARROWS: ${up}\n  await op.alterColumn('item', 'sku', {`)
      expect(script).to.include(`  // NARROWS: ${down}\n  await op.alterColumn('item', 'price', {`)

      // A row that does not fit: the upgrade fails in one line and the database stays at 001.
      await connected(db, (c) => c.query(`INSERT INTO item VALUES (1, '${'x'.repeat(50)}', 1, 1.5)`))
      const refused = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(refused.code).to.equal(1)
      expect(refused.stderr.trim().split('\n')).to.have.length(1)
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('001\n')
      await connected(db, (c) => c.query("UPDATE item SET sku = 'short'"))
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      expect((await runCli(['downgrade', '-1'], {cwd: dir})).code).to.equal(0)
    })
  })
}
