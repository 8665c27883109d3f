// The offline invariant: the SQL that --sql writes, run by the database's own
// client (psql, mysql, sqlite3), leaves exactly the schema and version row
// that the online run leaves, compared through the catalog.
import {expect} from 'chai'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {writeChain} from '../../../bench/generate.mjs'
import {runCli, shippedProject, tempProject} from '../../helpers/cli.js'
import {applyWithClient, snapshot} from '../../helpers/catalog.js'
import {dialectsUnderTest, freshDatabases} from '../../helpers/databases.js'

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

/** 001 creates hosts with op.createTable, 002 indexes it CONCURRENTLY (the autocommit block offline), 003 goes on. */
function concurrentIndexChain(): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    '[db_manage]\nscript_location = migrations\n[database]\nconnection = sqlite:///unused.sqlite\n',
  )
  const script = (id: string, down: null | string, up: string, downgrade: string) =>
    writeFileSync(
      path.join(dir, 'migrations', `${id}_r.ts`),
      [
        `export const revision = '${id}'`,
        `export const downRevision = ${down === null ? 'null' : `'${down}'`}`,
        `export const message = 'r${id}'`,
        `export async function upgrade(op) {\n  ${up}\n}`,
        `export async function downgrade(op) {\n  ${downgrade}\n}`,
        '',
      ].join('\n'),
    )
  script(
    '001',
    null,
    "await op.createTable('hosts', [op.column('id', 'integer', {primaryKey: true}), op.column('name', 'string(80)')])",
    "await op.dropTable('hosts')",
  )
  script(
    '002',
    '001',
    "await op.createIndex('ix_hosts_name', 'hosts', ['name'], {concurrently: true})",
    "await op.dropIndex('ix_hosts_name', 'hosts')",
  )
  script(
    '003',
    '002',
    "await op.addColumn('hosts', op.column('zone', 'string(20)'))",
    "await op.dropColumn('hosts', 'zone')",
  )
  return dir
}

for (const dialect of dialectsUnderTest()) {
  describe(`offline SQL equals the online run on ${dialect}`, function () {
    this.timeout(180_000)
    const fresh = freshDatabases(dialect)

    const chains: Array<[string, () => string, string]> = [
      ['the shipped migrations', () => shippedProject(), '002'],
      [
        'a generated chain of 30 revisions',
        () => {
          const dir = tempProject()
          writeChain(dir, 30)
          return dir
        },
        '0012',
      ],
      ...(dialect === 'postgresql'
        ? [
            ['a chain with a concurrent index on a table the chain made', concurrentIndexChain, '001'] as [
              string,
              () => string,
              string,
            ],
          ]
        : []),
    ]

    for (const [title, makeProject, middle] of chains) {
      it(`${title}: base to head, a START:END range on top of an online upgrade, and downgrade --sql`, async () => {
        const dir = makeProject()
        const online = await fresh()
        await cli(dir, ['upgrade', 'head'], online.url)
        const atHead = await snapshot(online)
        expect(atHead.version).to.have.length(1)
        // One history row per revision, each with its script's checksum: the offline runs below must write the same.
        expect((atHead.history as Array<{direction: string; checksum: string}>).map((r) => r.direction)).to.deep.equal(
          Array.from({length: (atHead.history as unknown[]).length}, () => 'upgrade'),
        )
        expect((atHead.history as Array<{checksum: string}>).every((r) => /^[\da-f]{64}$/.test(r.checksum))).to.equal(
          true,
        )

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
