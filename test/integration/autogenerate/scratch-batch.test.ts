import {expect} from 'chai'

import {runStatements} from '../../../src/autogenerate/scratch-batch.js'
import {foldIndexes} from '../../../src/autogenerate/scratch-fold.js'
import {getDialect} from '../../../src/dialects/registry.js'
import {connected, useTestDatabase} from '../../helpers/databases.js'
import {dialectsUnderTest} from '../../helpers/dialects.js'

for (const dialect of dialectsUnderTest()) {
  describe(`the scratch build's batches on ${dialect}`, function () {
    this.timeout(60_000)
    let db!: Parameters<Parameters<typeof useTestDatabase>[1]>[0]
    useTestDatabase(dialect, (d) => (db = d))

    it('runs 450 statements in a few round trips; a failing one is run alone and reported with its own index and error', async () => {
      const {adapter} = await getDialect(dialect)
      await connected(db, async (connection) => {
        let roundTrips = 0
        const counting = {
          ...connection,
          batch:
            connection.batch &&
            ((statements: readonly string[]) => {
              roundTrips++
              return connection.batch!.call(connection, statements)
            }),
          query(sql: string, params?: readonly unknown[]) {
            roundTrips++
            return connection.query(sql, params)
          },
        }
        const statements = Array.from({length: 450}, (_, i) => `CREATE TABLE sb_${i} (id INTEGER)`)
        // Statement 301 (index 300) fails: its table exists already; the ones before it in its batch are kept.
        statements[300] = 'CREATE TABLE sb_7 (id INTEGER)'
        const failures: Array<[number, string]> = []
        await runStatements(counting, statements, adapter.supportsTransactionalDdl, async (index, sql, error) => {
          failures.push([index, sql])
          expect(String((error as Error).message)).to.match(/sb_7/)
        })
        expect(failures).to.deep.equal([[300, 'CREATE TABLE sb_7 (id INTEGER)']])
        const names = async () =>
          (
            await connection.query(
              dialect === 'sqlite'
                ? "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name LIKE 'sb\\_%' ESCAPE '\\'"
                : dialect === 'postgresql'
                  ? "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'sb\\_%'"
                  : "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'sb\\_%'",
            )
          ).rows[0].n
        // Every table but sb_300, whose statement was replaced.
        expect(Number(await names())).to.equal(449)
        if (dialect === 'sqlite') expect(roundTrips).to.equal(450)
        // 200 + (100 before the failure, again on PostgreSQL, whose batch rolled back) + the failing one + 149.
        else expect(roundTrips).to.equal(dialect === 'postgresql' ? 5 : 4)
      })
    })
  })
}

if (dialectsUnderTest().includes('mysql')) {
  describe("the scratch build's CREATE INDEX statements written into their CREATE TABLE on mysql", function () {
    this.timeout(60_000)
    let db!: Parameters<Parameters<typeof useTestDatabase>[1]>[0]
    useTestDatabase('mysql', (d) => (db = d))

    // SQLAlchemy's way: each table, then its indexes. Keys a later index serves (fk_child_parent on parent_id),
    // a unique key on a table without a primary key, prefixes, DESC, USING, a quoted name, and what is left alone.
    const statements = [
      'CREATE TABLE parent (id INTEGER NOT NULL AUTO_INCREMENT, code VARCHAR(40) NOT NULL, PRIMARY KEY (id))',
      'CREATE UNIQUE INDEX ux_parent_code ON parent (code)',
      'CREATE TABLE child (\n\tid INTEGER NOT NULL,\n\tparent_id INTEGER,\n\tother_id INTEGER,\n\tname VARCHAR(200),\n\t' +
        'CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id),\n\t' +
        "FOREIGN KEY (other_id) REFERENCES parent (id) ON DELETE CASCADE -- the last line\n) COMMENT='child rows'",
      'CREATE INDEX ix_child_parent ON child (parent_id, name(20))',
      'CREATE INDEX `ix child name` USING BTREE ON child (name DESC)',
      "CREATE INDEX ix_child_other ON child (other_id) COMMENT 'left as it is'",
      'CREATE TABLE nokey (u INTEGER NOT NULL, v INTEGER)',
      'CREATE UNIQUE INDEX ux_nokey_u ON nokey (u)',
      'CREATE INDEX ix_nokey_v ON nokey (v) USING HASH',
      'CREATE INDEX ix_parent_both ON parent (code, id)',
    ]

    it('builds the very tables, keys and indexes the statements build one by one, in fewer statements', async () => {
      const {adapter, introspector} = await getDialect('mysql')
      const units = foldIndexes(statements)
      // parent + 1 index; child + 2 (the one with a COMMENT stays); nokey + 2; the index after another table's.
      expect(units.map((u) => [u.from, u.to])).to.deep.equal([
        [0, 2],
        [2, 5],
        [5, 6],
        [6, 9],
        [9, 10],
      ])
      await connected(db, async (connection) => {
        const build = async (folded: boolean) => {
          await connection.query('SET FOREIGN_KEY_CHECKS = 0')
          await connection.query('DROP TABLE IF EXISTS parent, child, nokey')
          const fail = async (_: number, sql: string, error: unknown) => {
            throw new Error(`${sql}: ${String(error)}`)
          }

          await runStatements(
            connection,
            statements,
            adapter.supportsTransactionalDdl,
            fail,
            folded ? units : undefined,
          )
          await connection.query('SET FOREIGN_KEY_CHECKS = 1')
          return introspector(connection).schema()
        }

        const oneByOne = await build(false)
        expect(oneByOne.map((t) => t.name)).to.deep.equal(['child', 'nokey', 'parent'])
        // The keys' own indexes (fk_child_parent, other_id) gave way to the indexes made after them, which serve them.
        expect(oneByOne[0].indexes.map((i) => i.name)).to.deep.equal([
          'ix child name',
          'ix_child_other',
          'ix_child_parent',
        ])
        expect(await build(true)).to.deep.equal(oneByOne)
      })
    })

    it("a folded statement that fails is run again statement by statement: the error is the index's own", async () => {
      const {adapter} = await getDialect('mysql')
      const failing = [
        'CREATE TABLE lone (id INTEGER)',
        'CREATE INDEX ix_lone ON lone (missing)',
        'CREATE TABLE after_it (id INTEGER)',
      ]
      expect(foldIndexes(failing).map((u) => [u.from, u.to])).to.deep.equal([
        [0, 2],
        [2, 3],
      ])
      await connected(db, async (connection) => {
        const failures: Array<[number, string]> = []
        await runStatements(
          connection,
          failing,
          adapter.supportsTransactionalDdl,
          async (index, sql, error) => {
            failures.push([index, sql])
            expect(String((error as Error).message)).to.match(/missing/)
          },
          foldIndexes(failing),
        )
        expect(failures).to.deep.equal([[1, 'CREATE INDEX ix_lone ON lone (missing)']])
        const {rows} = await connection.query(
          "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('lone', 'after_it') ORDER BY 1",
        )
        expect(rows.map((r) => r.t)).to.deep.equal(['after_it', 'lone'])
      })
    })
  })
}
