import {expect} from 'chai'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {loadConfig} from '../../../src/api/fleet.js'
import {current, upgrade} from '../../../src/api/migrate.js'
import {DatabasesFailed} from '../../../src/api/fleet.js'
import {parseDatabaseUrl} from '../../../src/config/database-url.js'
import {getDialect} from '../../../src/dialects/registry.js'
import {runCli, tempProject} from '../../helpers/cli.js'

const evaluations = globalThis as {dbManageFleetEvaluations?: number}

/**
 * A fleet of SQLite tenants on a 2-revision TypeScript chain whose second script counts how often its top level
 * runs (in globalThis) and records, in each tenant, the count it saw.
 */
function countingFleet(tenants: string): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  mkdirSync(path.join(dir, 'tenants'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\nscript_location = migrations\n\n[fleet:shop]\nurl_template = sqlite:///tenants/\${tenant}.db\n` +
      `tenants = ${tenants}\n`,
  )
  writeFileSync(
    path.join(dir, 'migrations', '001_seen.ts'),
    [
      "import type {Operations} from 'db-manage'",
      "export const revision = '001'",
      'export const downRevision = null',
      "export const message = 'seen'",
      'export async function upgrade(op: Operations) {',
      "  await op.execute('CREATE TABLE seen (evaluations INTEGER NOT NULL)')",
      '}',
      'export async function downgrade(op: Operations) {',
      "  await op.execute('DROP TABLE seen')",
      '}',
      '',
    ].join('\n'),
  )
  writeFileSync(
    path.join(dir, 'migrations', '002_count.ts'),
    [
      "import type {Operations} from 'db-manage'",
      "export const revision = '002'",
      "export const downRevision = '001'",
      "export const message = 'count'",
      'const g = globalThis as {dbManageFleetEvaluations?: number}',
      'g.dbManageFleetEvaluations = (g.dbManageFleetEvaluations ?? 0) + 1',
      'const seen = g.dbManageFleetEvaluations',
      'export async function upgrade(op: Operations) {',
      '  await op.execute(`INSERT INTO seen (evaluations) VALUES (${seen})`)',
      '}',
      'export async function downgrade(op: Operations) {',
      "  await op.execute('DELETE FROM seen')",
      '}',
      '',
    ].join('\n'),
  )
  return dir
}

/** The evaluation counts each tenant's `seen` table holds. */
async function seenBy(dir: string, tenants: string[]): Promise<number[][]> {
  const dialect = await getDialect('sqlite')
  const counts: number[][] = []
  for (const t of tenants) {
    const connection = await dialect.connect(
      parseDatabaseUrl(`sqlite:///${path.join(dir, 'tenants', `${t}.db`)}`),
      5000,
    )
    try {
      counts.push((await connection.query('SELECT evaluations FROM seen')).rows.map((r) => Number(r.evaluations)))
    } finally {
      await connection.close()
    }
  }

  return counts
}

describe("fleets share what is the same across a run's tenants", () => {
  it("a TypeScript script's module is evaluated once for all the tenants of a run (as a .js script's), and again by the next run", async () => {
    const dir = countingFleet('a, b, c, d, e')
    const config = await loadConfig({cwd: dir})
    evaluations.dbManageFleetEvaluations = 0
    const parallel = {...config, parallel: 3}
    const results = await upgrade(parallel)
    expect(results.map((r) => [r.database, r.to])).to.deep.equal(
      ['a', 'b', 'c', 'd', 'e'].map((t) => [`shop/${t}`, '002']),
    )
    expect(evaluations.dbManageFleetEvaluations).to.equal(1)
    // Each tenant ran the one module: every one saw the first evaluation.
    expect(await seenBy(dir, ['a', 'b', 'c', 'd', 'e'])).to.deep.equal([[1], [1], [1], [1], [1]])
    // The run is over and the module dropped: the next run of the fleet evaluates the script again.
    for (const t of ['a', 'b', 'c', 'd', 'e']) {
      expect((await runCli(['downgrade', '001', '--db', `shop/${t}`], {cwd: dir})).code).to.equal(0)
    }

    // (runCli runs in this process too: each of those single-tenant runs evaluated the script.)
    evaluations.dbManageFleetEvaluations = 10
    await upgrade(parallel)
    expect(evaluations.dbManageFleetEvaluations).to.equal(11)
    expect(await seenBy(dir, ['a', 'b', 'c', 'd', 'e'])).to.deep.equal([[11], [11], [11], [11], [11]])
    expect((await current(config)).map((r) => r.current)).to.deep.equal(['002', '002', '002', '002', '002'])
  })

  it('a script that cannot load fails each tenant with its own line, and a fixed script finishes them all', async () => {
    const dir = countingFleet('a, b, c')
    // A header db-manage reads, and a body that does not compile.
    writeFileSync(
      path.join(dir, 'migrations', '002_count.ts'),
      [
        "import type {Operations} from 'db-manage'",
        "export const revision = '002'",
        "export const downRevision = '001'",
        "export const message = 'count'",
        'export async function upgrade(op: Operations) {',
        '  await op.execute(',
        '}',
        '',
      ].join('\n'),
    )
    const config = await loadConfig({cwd: dir})
    const error = await upgrade({...config, parallel: 2}).then(
      () => undefined,
      (error_: unknown) => error_,
    )
    expect(error).to.be.instanceOf(DatabasesFailed)
    expect((error as Error).message).to.match(/^3 of 3 databases failed: shop\/a: .*002_count\.ts: cannot load/)
    const failed = (error as DatabasesFailed).data as {failed: Array<{database: string; error: string}>}
    expect(failed.failed.map((f) => f.database).sort()).to.deep.equal(['shop/a', 'shop/b', 'shop/c'])
    for (const f of failed.failed) expect(f.error).to.match(/002_count\.ts: cannot load/)
    // The failure was not kept for the run's tenants to share: fixed, a rerun loads it and finishes each.
    writeFileSync(
      path.join(dir, 'migrations', '002_count.ts'),
      readFileSync(path.join(countingFleet('x'), 'migrations', '002_count.ts'), 'utf8'),
    )
    await upgrade({...(await loadConfig({cwd: dir})), parallel: 2})
    expect((await current(config)).map((r) => r.current)).to.deep.equal(['002', '002', '002'])
  })
})
