// MySQL/MariaDB: a CREATE INDEX that an operation writes right after its table's CREATE TABLE is built with the
// table, as one of its elements (one data-dictionary change instead of one per index), online and in --sql alike;
// what the script asked to be built while the table takes writes, and SQL the script runs itself, stay as written.
import {expect} from 'chai'
import path from 'node:path'

import {chainProject as project} from '../../helpers/chain-project.js'
import {runCli} from '../../helpers/cli.js'
import {applyWithClient, snapshot} from '../../helpers/catalog.js'
import {connected, dialectsUnderTest, freshDatabases, type TestDatabase} from '../../helpers/databases.js'

const HOSTS: [string, string] = [
  [
    "  await op.createTable('hosts', [",
    "    op.column('id', 'integer', {primaryKey: true, autoincrement: true}),",
    "    op.column('name', 'string(80)', {nullable: false}),",
    "    op.column('url', 'string(500)'),",
    "    op.column('notes', 'text'),",
    "    op.column('zone', 'string(20)'),",
    '  ])',
    "  await op.createIndex('ix_hosts_name', 'hosts', ['name'])",
    "  await op.createIndex('ux_hosts_url', 'hosts', ['url'], {unique: true, lengths: {url: 191}})",
    "  await op.createIndex('ft_hosts_notes', 'hosts', ['notes'], {fulltext: true})",
    "  await op.createIndex('ix_hosts_name_url', 'hosts', ['name', 'url'], {concurrently: true, lengths: {url: 100}})",
    "  await op.createIndex('ix_hosts_zone', 'hosts', ['zone'])",
    "  await op.execute('CREATE INDEX ix_hosts_raw ON hosts (zone, name)')",
  ].join('\n'),
  "  await op.dropTable('hosts')",
]

/** The CREATE TABLE with the three indexes that directly follow it; the rest as written. */
const HOSTS_SQL = [
  'CREATE TABLE `hosts` (',
  '    `id` INTEGER NOT NULL AUTO_INCREMENT,',
  '    `name` VARCHAR(80) NOT NULL,',
  '    `url` VARCHAR(500),',
  '    `notes` TEXT,',
  '    `zone` VARCHAR(20),',
  '    PRIMARY KEY (`id`),',
  '    INDEX `ix_hosts_name` (`name`),',
  '    UNIQUE INDEX `ux_hosts_url` (`url`(191)),',
  '    FULLTEXT INDEX `ft_hosts_notes` (`notes`)',
  ');',
  '',
  'CREATE INDEX `ix_hosts_name_url` ON `hosts` (`name`, `url`(100)) ALGORITHM=INPLACE LOCK=NONE;',
  '',
  'CREATE INDEX `ix_hosts_zone` ON `hosts` (`zone`);',
  '',
  'CREATE INDEX ix_hosts_raw ON hosts (zone, name);',
  '',
].join('\n')

async function indexes(db: TestDatabase, table: string): Promise<string[]> {
  return connected(db, async (c) => {
    const {rows} = await c.query(
      'SELECT index_name, non_unique, index_type, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols' +
        ' FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?' +
        ' GROUP BY index_name, non_unique, index_type ORDER BY index_name',
      [table],
    )
    return rows.map((r) => `${r.index_name} ${r.non_unique} ${r.index_type} ${r.cols}`)
  })
}

for (const dialect of dialectsUnderTest().filter((d) => d === 'mysql')) {
  describe('indexes built with their table on mysql', function () {
    this.timeout(120_000)
    const fresh = freshDatabases(dialect)

    it('--sql writes the indexes that follow CREATE TABLE into it, and the others as they are', async () => {
      const dir = project([HOSTS])
      const db = await fresh()
      const result = await runCli(['upgrade', 'head', '--sql', '--url', db.url], {cwd: dir})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stdout).to.include(`-- Running upgrade  -> 001\n\n`)
      expect(result.stdout).to.include(`);\n\n${HOSTS_SQL}\nINSERT INTO alembic_version`)
    })

    it('online, the server receives the same CREATE TABLE, and builds what the --sql file builds', async () => {
      const dir = project([HOSTS, ["  await op.addColumn('hosts', op.column('rack', 'integer'))", '']])
      const online = await fresh()
      const result = await runCli(['upgrade', 'head', '--debug', '--url', online.url], {cwd: dir})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include(HOSTS_SQL.split('\n\n')[0].slice(0, -1))
      expect(result.stderr).not.to.match(/CREATE INDEX `ix_hosts_name` ON/)
      expect(await indexes(online, 'hosts')).to.deep.equal([
        'ft_hosts_notes 1 FULLTEXT notes',
        'ix_hosts_name 1 BTREE name',
        'ix_hosts_name_url 1 BTREE name,url',
        'ix_hosts_raw 1 BTREE zone,name',
        'ix_hosts_zone 1 BTREE zone',
        'PRIMARY 0 BTREE id',
        'ux_hosts_url 0 BTREE url',
      ])

      const offline = await fresh()
      const file = path.join(dir, 'up.sql')
      const written = await runCli(['upgrade', 'head', '--sql', '-o', file, '--url', offline.url], {cwd: dir})
      expect(written.code, written.stderr).to.equal(0)
      applyWithClient(offline, file)
      expect(await snapshot(offline)).to.deep.equal(await snapshot(online))
    })

    it('a folded index that the server refuses fails its revision: the table is not left behind without it', async () => {
      const dir = project([
        [
          "  await op.createTable('zones', [op.column('id', 'integer', {primaryKey: true})])",
          "  await op.dropTable('zones')",
        ],
        [
          [
            "  await op.createTable('racks', [op.column('id', 'integer', {primaryKey: true}), op.column('label', 'string(20)')])",
            "  await op.createIndex('ix_racks_missing', 'racks', ['missing'])",
          ].join('\n'),
          "  await op.dropTable('racks')",
        ],
      ])
      const db = await fresh()
      const result = await runCli(['upgrade', 'head', '--url', db.url], {cwd: dir})
      expect(result.code).to.equal(1)
      expect(result.stderr).to.match(/002/)
      expect(result.stderr).to.match(/missing/)
      expect(result.stderr).not.to.match(/\n\s+at /)
      const current = await runCli(['current', '--url', db.url], {cwd: dir})
      expect(current.stdout).to.match(/^001\b/m)
      const tables = await connected(db, async (c) =>
        (
          await c.query(
            "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('zones', 'racks')",
          )
        ).rows.map((r) => r.t),
      )
      expect(tables).to.deep.equal(['zones'])
    })

    it('after a read of the table, an index goes as its own statement', async () => {
      const dir = project([
        [
          [
            "  await op.createTable('pods', [op.column('id', 'integer', {primaryKey: true}), op.column('label', 'string(20)')])",
            "  await op.query('SELECT COUNT(*) FROM pods')",
            "  await op.createIndex('ix_pods_label', 'pods', ['label'])",
          ].join('\n'),
          "  await op.dropTable('pods')",
        ],
      ])
      const db = await fresh()
      const result = await runCli(['upgrade', 'head', '--debug', '--url', db.url], {cwd: dir})
      expect(result.code, result.stderr).to.equal(0)
      expect(result.stderr).to.include('CREATE INDEX `ix_pods_label` ON `pods` (`label`)')
      expect(await indexes(db, 'pods')).to.deep.equal(['ix_pods_label 1 BTREE label', 'PRIMARY 0 BTREE id'])
    })
  })
}
