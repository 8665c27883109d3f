import {expect} from 'chai'

import {runStatements} from '../../../src/autogenerate/scratch-batch.js'
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
