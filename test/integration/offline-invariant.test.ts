// The offline invariant: the SQL that --sql writes, run by the database's own
// client (psql, mysql, sqlite3), leaves exactly the schema and version row
// that the online run leaves, compared through the catalog.
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {writeChain} from '../../bench/generate.mjs'
import {runCli, shippedProject, tempProject} from '../helpers/cli.js'
import {createTestDatabase, dialectsUnderTest, type TestDatabase} from '../helpers/databases.js'

const CATALOG: Record<string, string[]> = {
  mysql: [
    'SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION',
    'SELECT TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2, 3',
    'SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1, 2',
    'SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1',
    'SELECT CONSTRAINT_NAME, DELETE_RULE, UPDATE_RULE, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1',
  ],
  postgresql: [
    "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default, is_identity FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2",
    "SELECT conrelid::regclass::text AS t, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
  ],
  sqlite: ["SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY type, name"],
}

interface Snapshot {
  catalog: unknown[]
  version: unknown[]
}

async function snapshot(db: TestDatabase): Promise<Snapshot> {
  const c = await db.connect()
  try {
    const catalog = []
    for (const sql of CATALOG[db.dialect]) catalog.push((await c.query(sql)).rows)
    const version = await c.query('SELECT version_num FROM alembic_version').then((r) => r.rows, () => ['no version table'])
    return {catalog, version}
  } finally {
    await c.close()
  }
}

/** Run a SQL file with the database's own command-line client. */
function applyWithClient(db: TestDatabase, file: string): void {
  if (db.dialect === 'sqlite') {
    execFileSync('sqlite3', ['-bail', parseDatabaseUrl(db.url).filename!], {input: readFileSync(file)})
  } else if (db.dialect === 'postgresql') {
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, db.url], {stdio: ['ignore', 'ignore', 'pipe']})
  } else {
    const u = parseDatabaseUrl(db.url)
    execFileSync('mariadb', ['--no-defaults', '-h', u.host!, '-P', String(u.port), '-u', u.user!, `-p${u.password}`, u.database!], {input: readFileSync(file)})
  }
}

async function cli(dir: string, args: string[], url: string): Promise<string> {
  const result = await runCli([...args, '--url', url], {cwd: dir})
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).to.equal(0)
  return result.stdout
}

async function offline(dir: string, args: string[], url: string): Promise<string> {
  const file = path.join(dir, `offline-${Date.now()}-${Math.random().toString(36).slice(2)}.sql`)
  await cli(dir, [...args, '--sql', '-o', file], url)
  return file
}

for (const dialect of dialectsUnderTest()) {
  describe(`offline SQL equals the online run on ${dialect}`, function () {
    this.timeout(180_000)
    const dbs: TestDatabase[] = []
    const fresh = async () => {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      return db
    }

    afterEach(async () => {
      for (const db of dbs.splice(0)) await db.drop()
    })

    const chains: Array<[string, () => string, string]> = [
      ['the shipped migrations', () => shippedProject(), '002'],
      ['a generated chain of 30 revisions', () => {
        const dir = tempProject()
        writeChain(dir, 30)
        return dir
      }, '0012'],
    ]

    for (const [title, makeProject, middle] of chains) {
      it(`${title}: base to head, a START:END range on top of an online upgrade, and downgrade --sql`, async () => {
        const dir = makeProject()
        const online = await fresh()
        await cli(dir, ['upgrade', 'head'], online.url)
        const atHead = await snapshot(online)
        expect(atHead.version).to.have.length(1)

        const whole = await fresh()
        applyWithClient(whole, await offline(dir, ['upgrade', 'base:head'], whole.url))
        expect(await snapshot(whole)).to.deep.equal(atHead)

        const ranged = await fresh()
        await cli(dir, ['upgrade', middle], ranged.url)
        applyWithClient(ranged, await offline(dir, ['upgrade', `${middle}:head`], ranged.url))
        expect(await snapshot(ranged)).to.deep.equal(atHead)

        const downOnline = await fresh()
        await cli(dir, ['upgrade', 'head'], downOnline.url)
        await cli(dir, ['downgrade', middle], downOnline.url)
        const downOffline = await fresh()
        await cli(dir, ['upgrade', 'head'], downOffline.url)
        applyWithClient(downOffline, await offline(dir, ['downgrade', `head:${middle}`], downOffline.url))
        const expected = await snapshot(downOnline)
        expect(expected.version).to.deep.equal([{version_num: middle}])
        expect(await snapshot(downOffline)).to.deep.equal(expected)

        const clean = await fresh()
        await cli(dir, ['upgrade', middle], clean.url)
        const file = await offline(dir, ['upgrade', `${middle}:head`, '--no-version-table'], clean.url)
        expect(readFileSync(file, 'utf8')).to.not.include('alembic_version')
        applyWithClient(clean, file)
        const cleanSnapshot = await snapshot(clean)
        expect(cleanSnapshot.catalog).to.deep.equal(atHead.catalog)
        expect(cleanSnapshot.version).to.deep.equal([{version_num: middle}])
      })
    }

    it('a downgrade to base leaves only the version table, empty, as online', async () => {
      const dir = shippedProject()
      const online = await fresh()
      await cli(dir, ['upgrade', 'head'], online.url)
      await cli(dir, ['downgrade', 'base'], online.url)
      const offlineDb = await fresh()
      await cli(dir, ['upgrade', 'head'], offlineDb.url)
      applyWithClient(offlineDb, await offline(dir, ['downgrade', 'head:base'], offlineDb.url))
      const expected = await snapshot(online)
      expect(expected.version).to.deep.equal([])
      expect(await snapshot(offlineDb)).to.deep.equal(expected)
    })
  })
}
