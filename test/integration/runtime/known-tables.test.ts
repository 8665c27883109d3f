// MySQL/MariaDB: an alterColumn restates its whole column. On a table the run itself created, and changed since only
// by operations, the column is taken from those operations (no read, so the revisions sent ahead are not stopped);
// after SQL of the script's own, a read of the database, a TIMESTAMP column, or on a table the run did not create,
// the server says what the column is, and what the operation does not change (here a collation) is kept.
import {expect} from 'chai'

import {chainProject} from '../../helpers/chain-project.js'
import {runCli} from '../../helpers/cli.js'
import {connected, dialectsUnderTest, freshDatabases, type TestDatabase} from '../../helpers/databases.js'

/** The read of a table's columns that an online alterColumn makes (MysqlIntrospector.columnsOf), in --debug. */
const COLUMNS_READ = /^SQL: SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name/m

const TABLE =
  "  await op.createTable('hosts', [op.column('id', 'integer', {primaryKey: true}), op.column('name', 'string(40)')])"
const NOT_NULL = "  await op.alterColumn('hosts', 'name', {nullable: false})"

async function column(db: TestDatabase, name: string): Promise<string> {
  return connected(db, async (c) => {
    const {rows} = await c.query(
      'SELECT COLUMN_TYPE AS t, IS_NULLABLE AS n, COLLATION_NAME AS k, COLUMN_DEFAULT AS d FROM information_schema.columns' +
        " WHERE table_schema = DATABASE() AND table_name = 'hosts' AND column_name = ?",
      [name],
    )
    return rows.map((r) => `${r.t} ${r.n} ${r.k} ${r.d}`).join('')
  })
}

for (const dialect of dialectsUnderTest().filter((d) => d === 'mysql')) {
  describe('alterColumn on a table the run created, on mysql', function () {
    this.timeout(120_000)
    const fresh = freshDatabases(dialect)

    const upgrade = async (dir: string, db: TestDatabase, target = 'head') => {
      const result = await runCli(['upgrade', target, '--debug', '--url', db.url], {cwd: dir})
      expect(result.code, result.stderr).to.equal(0)
      return result.stderr
    }

    it('restates the column from the operations that made it, without reading it, and builds the same column', async () => {
      const dir = chainProject([
        [
          [TABLE, "  await op.addColumn('hosts', op.column('zone', 'string(20)', {default: 'a'}))"].join('\n'),
          "  await op.dropTable('hosts')",
        ],
        [[NOT_NULL, "  await op.alterColumn('hosts', 'zone', {nullable: false, newName: 'region'})"].join('\n'), ''],
      ])
      const run = await fresh()
      expect(await upgrade(dir, run)).not.to.match(COLUMNS_READ)
      // The same chain in two runs: the second reads the table the first made, and the columns come out the same.
      const apart = await fresh()
      expect(await upgrade(dir, apart, '001')).not.to.match(COLUMNS_READ)
      expect(await upgrade(dir, apart)).to.match(COLUMNS_READ)
      for (const name of ['name', 'region']) expect(await column(run, name)).to.equal(await column(apart, name))
      expect(await column(run, 'region')).to.match(/^varchar\(20\) NO \w+ 'a'$/)
    })

    it('after SQL the script ran itself, reads the column, and keeps the collation that SQL gave it', async () => {
      const dir = chainProject([
        [
          [
            TABLE,
            "  await op.execute('ALTER TABLE hosts MODIFY name VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_bin')",
            NOT_NULL,
          ].join('\n'),
          "  await op.dropTable('hosts')",
        ],
      ])
      const db = await fresh()
      expect(await upgrade(dir, db)).to.match(COLUMNS_READ)
      expect(await column(db, 'name')).to.equal('varchar(40) NO latin1_bin null')
    })

    it('after a read of the database, and on a table with a TIMESTAMP column, reads the column', async () => {
      const query = chainProject([
        [[TABLE, "  await op.query('SELECT 1')", NOT_NULL].join('\n'), "  await op.dropTable('hosts')"],
      ])
      expect(await upgrade(query, await fresh())).to.match(COLUMNS_READ)
      const timestamp = chainProject([
        [
          [
            "  await op.createTable('hosts', [op.column('id', 'integer', {primaryKey: true}), op.column('name', 'string(40)'), op.column('seen', 'TIMESTAMP', {nullable: true})])",
            NOT_NULL,
          ].join('\n'),
          "  await op.dropTable('hosts')",
        ],
      ])
      expect(await upgrade(timestamp, await fresh())).to.match(COLUMNS_READ)
    })
  })
}
