// Issue 27, "The public fixtures": Chinook, Pagila and Sakila (../shared/fixtures, or DB_MANAGE_FIXTURES) on
// each dialect they exist for, as a target from an empty database, as a takeover, and Sakila as an evolution:
// ten changes real releases make, upgraded and downgraded with rows, offline (--sql run by the client) = online.
import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import type {DialectName} from '../../src/config/database-url.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {catalog, evolve, projectWith, runNative} from '../helpers/evolution-pg.js'

/** Public sample schemas are not kept in this repository: DB_MANAGE_FIXTURES (or ../shared/fixtures) may hold them. */
const SAMPLES = process.env.DB_MANAGE_FIXTURES ?? path.join(ROOT, '..', 'shared', 'fixtures')
const samples = (dialect: DialectName) =>
  existsSync(SAMPLES) ? readdirSync(SAMPLES).filter((f) => f.endsWith(`.${dialect}.sql`)).sort() : []
const NOT_COMPARED = /^(not compared: [^\n]+\n)?$/
const NO_CHANGES = 'No changes detected: the database matches the target schema; nothing written.\n'

type Row = Record<string, unknown>
const tableOf = (r: Row) => r.TABLE_NAME ?? r.table_name ?? r.relname ?? r.tablename ?? r.t ?? r.tbl_name ?? r.name

/**
 * The catalog without what autogenerate names on its "not compared" line (MySQL's views; PostgreSQL's old-style
 * INHERITS children, Sakila's payment_p2007_*), and with MySQL's NO ACTION read as RESTRICT: InnoDB treats the
 * two alike ("In MySQL, equivalent to RESTRICT", MySQL manual, FOREIGN KEY Constraints), and db-manage reads
 * both as the default, so the key it creates is labelled RESTRICT.
 */
function compared(facts: unknown[]): unknown[] {
  const rows = facts as Row[][]
  const skipped = new Set<unknown>()
  for (const r of rows.flat()) {
    if (r.TABLE_COMMENT === 'VIEW' || (r.relkind === 'r' && r.parent && r.bound === null)) skipped.add(tableOf(r))
  }

  const label = (v: unknown) => (v === 'NO ACTION' ? 'RESTRICT' : v)
  return rows.map((list) => list.filter((r) => !skipped.has(tableOf(r))).map((r) => ('DELETE_RULE' in r
    ? {...r, DELETE_RULE: label(r.DELETE_RULE), UPDATE_RULE: label(r.UPDATE_RULE)} : r)))
}

/** `file` (a fixture) with each [from, to] made, every `from` being there. */
function edited(file: string, ...edits: Array<[RegExp | string, string]>): string {
  let text = readFileSync(path.join(SAMPLES, file), 'utf8')
  for (const [from, to] of edits) {
    const there = typeof from === 'string' ? text.includes(from) : from.test(text)
    if (!there) throw new Error(`${file} has no ${String(from)}`)
    text = text.replace(from, to)
  }

  return text
}

for (const dialect of dialectsUnderTest()) {
  describe(`public sample schemas on ${dialect}`, function () {
    this.timeout(300_000)
    let db: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    for (const sample of samples(dialect)) {
      it(`${sample} as a target from an empty database: upgrade builds what the file builds, then nothing more;`
        + ' downgrade base; offline = online', async () => {
        await evolve(db, {compared, live: '', stderr: NOT_COMPARED, target: readFileSync(path.join(SAMPLES, sample), 'utf8')})
      })

      it(`${sample} as a takeover: loaded by the client, stamped, autogenerate writes nothing`, async () => {
        const target = readFileSync(path.join(SAMPLES, sample), 'utf8')
        runNative(db, target)
        const before = await catalog(db)
        const dir = projectWith(db, target)
        const baseline = await runCli(['revision', '-m', 'baseline'], {cwd: dir})
        expect(baseline.code, baseline.stderr).to.equal(0)
        const stamped = await runCli(['stamp', 'head'], {cwd: dir})
        expect({code: stamped.code, stderr: stamped.stderr}).to.deep.equal({code: 0, stderr: ''})
        const again = await runCli(['revision', '--autogenerate', '-m', 'again'], {cwd: dir})
        expect(again.stdout).to.equal(NO_CHANGES)
        expect(again.stderr).to.match(NOT_COMPARED)
        expect(again.code).to.equal(0)
        expect(readdirSync(path.join(dir, 'migrations')).filter((f) => f.endsWith('.ts'))).to.have.length(1)
        const checked = await runCli(['check_migration', '--autogenerate'], {cwd: dir})
        expect(checked.code, checked.stdout + checked.stderr).to.equal(0)
        expect(checked.stdout).to.match(/OK: the database at head matches the target schema\n$/)
        expect(await catalog(db)).to.deep.equal(before)
      })
    }
  })
}
