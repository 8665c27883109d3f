import {expect} from 'chai'
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import type {DialectName} from '../../../src/util/dialect-names.js'
import type {Connection} from '../../../src/dialects/connection.js'
import {RULES} from '../../../src/lint/rules.js'
import {scriptChecksum} from '../../../src/script/script-directory.js'
import {ROOT, runBinary, runCli, shippedProject, startCli, tempProject, withConnection} from '../../helpers/cli.js'
import {TABLES} from '../../helpers/catalog.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

const COLUMNS: Record<DialectName, string> = {
  mysql:
    'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
  postgresql:
    "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
  sqlite: 'SELECT name FROM pragma_table_info(?) ORDER BY cid',
}

async function tables(db: TestDatabase): Promise<string[]> {
  return (await query(db, TABLES[db.dialect], [], 'name')).sort()
}

async function columns(db: TestDatabase, table: string): Promise<string[]> {
  return query(db, COLUMNS[db.dialect], [table], 'name')
}

async function query(db: TestDatabase, sql: string, params: unknown[] = [], column?: string): Promise<any[]> {
  const connection: Connection = await db.connect()
  try {
    const {rows} = await connection.query(sql, params)
    return column ? rows.map((r) => r[column]) : rows
  } finally {
    await connection.close()
  }
}

const stripMs = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/ \(\d+ ms\)$/, ''))

function writeScript(
  dir: string,
  file: string,
  header: {id: string; down: null | string; message: string},
  upgrade: string,
  downgrade = '',
): void {
  mkdirSync(path.join(dir, 'migrations'), {recursive: true})
  writeFileSync(
    path.join(dir, 'migrations', file),
    `import type {Operations} from 'db-manage'
export const revision = '${header.id}'
export const downRevision = ${header.down === null ? 'null' : `'${header.down}'`}
export const message = '${header.message}'
export async function upgrade(op: Operations): Promise<void> {
${upgrade}
}
${downgrade ? `export async function downgrade(op: Operations): Promise<void> {\n${downgrade}\n}\n` : ''}`,
  )
}

/** A project on `url`; `perMigration` false: one transaction for the whole run. */
function project(url: string, perMigration = true): string {
  const dir = tempProject()
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\nscript_location = migrations\n${perMigration ? '' : 'transaction_per_migration = false\n'}\n[database]\nconnection = ${url}\n`,
  )
  return dir
}

for (const dialect of dialectsUnderTest()) {
  describe(`online migrations on ${dialect}`, function () {
    this.timeout(120_000)
    let db: TestDatabase
    useTestDatabase(dialect, (created) => {
      db = created
    })

    it('upgrades the shipped chain to head, downgrades to base and upgrades again', async () => {
      const dir = shippedProject(db.url)
      // The binary, end to end: the dialect's driver (mysql2, a chunk of its own beside the bundle), online.
      const up = await runBinary(['upgrade', 'head'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(stripMs(up.stdout)).to.deep.equal([
        'upgrade <base> -> 001, create clusters',
        'upgrade 001 -> 002, create node groups',
        'upgrade 002 -> 003, create cluster events',
        'upgrade 003 -> 004, backfill cluster events',
        'upgrade 004 -> 005, node group limits',
      ])
      expect(await tables(db)).to.deep.equal([
        'alembic_version',
        'cluster_events',
        'clusters',
        'db_manage_history',
        'node_groups',
      ])
      expect(await columns(db, 'node_groups')).to.deep.equal([
        'id',
        'cluster_id',
        'name',
        'flavor_id',
        'count',
        'node_processes',
        'max_count',
      ])
      expect(await columns(db, 'clusters')).to.include('description')
      expect(await query(db, 'SELECT version_num FROM alembic_version', [], 'version_num')).to.deep.equal(['005'])
      expect(await runCli(['current'], {cwd: dir})).to.deep.include({code: 0, stdout: '005 (head)\n'})

      // The check constraint added by 005 through batchAlterTable holds.
      const p = dialect === 'postgresql' ? ['$1', '$2'] : ['?', '?']
      await query(db, `INSERT INTO clusters (id, name, tenant_id) VALUES (${p[0]}, ${p[1]}, 't')`, ['c1', 'one'])
      let rejected = false
      try {
        await query(
          db,
          `INSERT INTO node_groups (id, cluster_id, name, flavor_id, count) VALUES ('n1', 'c1', 'workers', 'm1', 0)`,
        )
      } catch {
        rejected = true
      }

      expect(rejected, 'count > 0 check').to.equal(true)
      await query(db, 'DELETE FROM clusters')

      const down = await runCli(['downgrade', 'base'], {cwd: dir})
      expect(down.code, down.stderr).to.equal(0)
      expect(stripMs(down.stdout)).to.deep.equal([
        'downgrade 005 -> 004, node group limits',
        'downgrade 004 -> 003, backfill cluster events',
        'downgrade 003 -> 002, create cluster events',
        'downgrade 002 -> 001, create node groups',
        'downgrade 001 -> <base>, create clusters',
      ])
      expect(await tables(db)).to.deep.equal(['alembic_version', 'db_manage_history'])
      expect(await runCli(['current'], {cwd: dir})).to.deep.include({stdout: '<base>\n'})

      const again = await runCli(['upgrade', '--delta', '2'], {cwd: dir})
      expect(stripMs(again.stdout)).to.deep.equal([
        'upgrade <base> -> 001, create clusters',
        'upgrade 001 -> 002, create node groups',
      ])
      const rest = await runCli(['upgrade'], {cwd: dir})
      expect(rest.code, rest.stderr).to.equal(0)
      expect(await columns(db, 'node_groups')).to.include('max_count')
      expect((await runCli(['downgrade', '-1'], {cwd: dir})).stdout).to.match(
        /^downgrade 005 -> 004, node group limits \(\d+ ms\)\n$/,
      )
      expect(await columns(db, 'node_groups')).to.not.include('max_count')
    })

    it('takes over a database Alembic managed, from its alembic_version row', async () => {
      const dir = shippedProject(db.url)
      expect((await runCli(['upgrade', '002'], {cwd: dir})).code).to.equal(0)
      // Recreate the version table exactly as Alembic writes it.
      await query(db, 'DROP TABLE alembic_version')
      await query(
        db,
        'CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))',
      )
      await query(db, "INSERT INTO alembic_version (version_num) VALUES ('002')")
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002\n')
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(stripMs(up.stdout)).to.deep.equal([
        'upgrade 002 -> 003, create cluster events',
        'upgrade 003 -> 004, backfill cluster events',
        'upgrade 004 -> 005, node group limits',
      ])
    })

    it('records every step in the history table; check_migration names an applied script edited since, until stamp --accept-edit', async () => {
      const dir = shippedProject(db.url)
      const env = {DB_MANAGE_ACTOR: 'deployer@ci'}
      const {version} = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
      const file = (name: string) => path.join(dir, 'migrations', name)
      expect((await runCli(['upgrade', '003'], {cwd: dir, env})).code).to.equal(0)
      const rows = await query(
        db,
        'SELECT revision, direction, from_revision, to_revision, checksum, duration_ms, applied_by, db_manage_version FROM db_manage_history ORDER BY id',
      )
      expect(
        rows.map((r) => [r.revision, r.direction, r.from_revision, r.to_revision, r.applied_by, r.db_manage_version]),
      ).to.deep.equal([
        ['001', 'upgrade', null, '001', 'deployer@ci', version],
        ['002', 'upgrade', '001', '002', 'deployer@ci', version],
        ['003', 'upgrade', '002', '003', 'deployer@ci', version],
      ])
      expect(rows.map((r) => r.checksum)).to.deep.equal(
        ['001_create_clusters.ts', '002_create_node_groups.ts', '003_create_cluster_events.ts'].map((f) =>
          scriptChecksum(readFileSync(file(f), 'utf8')),
        ),
      )
      for (const r of rows) expect(Number(r.duration_ms)).to.be.at.least(0)

      const chainOk = 'OK: 5 revision(s), 001 -> 005, one linear sequential chain\n'
      expect(await runCli(['check_migration'], {cwd: dir})).to.deep.equal({
        code: 0,
        stderr: '',
        stdout: `${chainOk}OK: the database is at 003; 2 pending: 004, 005; 3 applied scripts match their recorded checksums\n`,
      })
      const pending = await runCli(['check_migration', '--fail-on-pending'], {cwd: dir})
      expect(pending).to.deep.equal({
        code: 1,
        stderr: "Error: check_migration found 1 problem(s) with the database's revisions\n",
        stdout: `${chainOk}2 revision(s) pending: 004, 005 (--fail-on-pending)\n`,
      })

      // A line ending rewritten by an editor is no edit; a changed line is.
      writeFileSync(
        file('001_create_clusters.ts'),
        readFileSync(file('001_create_clusters.ts'), 'utf8').replaceAll('\n', '\r\n'),
      )
      writeFileSync(
        file('002_create_node_groups.ts'),
        `${readFileSync(file('002_create_node_groups.ts'), 'utf8')}// tidied\n`,
      )
      const edited = await runCli(['check_migration'], {cwd: dir})
      expect(edited.code).to.equal(1)
      expect(edited.stdout).to.match(
        /^OK: 5 revision\(s\), 001 -> 005, one linear sequential chain\n002_create_node_groups\.ts was edited after it was applied \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by deployer@ci\): its checksum was [\da-f]{12}, it is [\da-f]{12} now; undo the edit, or accept it with "db-manage stamp --accept-edit 002"\n$/,
      )
      const verbose = await runCli(['history', '-v', '-r', '001:002'], {cwd: dir})
      expect(verbose.stdout).to.match(
        /Rev: 002\n[\s\S]*    Applied: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by deployer@ci in \d+ ms; checksum DIFFERS: the script was edited after it was applied\n/,
      )
      expect(verbose.stdout).to.match(
        /Rev: 001 \(base\)\n[\s\S]*    Applied: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by deployer@ci in \d+ ms; checksum matches\n/,
      )

      const accepted = await runCli(['stamp', '--accept-edit', '002'], {
        cwd: dir,
        env: {DB_MANAGE_ACTOR: 'reviewer@ci'},
      })
      expect(accepted.stdout).to.match(
        /^accepted the edit of 002_create_node_groups\.ts: its checksum is now [\da-f]{12}\n$/,
      )
      expect((await runCli(['check_migration'], {cwd: dir})).code).to.equal(0)
      expect(
        await query(db, "SELECT applied_by FROM db_manage_history WHERE direction = 'accept-edit'", [], 'applied_by'),
      ).to.deep.equal(['reviewer@ci'])
      expect((await runCli(['stamp', '--accept-edit', '005'], {cwd: dir})).stderr).to.equal(
        'Error: 005 is not applied (the database is at 003): there is no edit to accept\n',
      )
      expect((await runCli(['check_migration', '--no-db'], {cwd: dir})).stdout).to.equal(chainOk)

      // A revision no script declares fails the check.
      await query(db, "UPDATE alembic_version SET version_num = '042'")
      expect((await runCli(['check_migration'], {cwd: dir})).stdout).to.equal(
        `${chainOk}the database is at revision 042, which no script in ${path.join(dir, 'migrations')} declares\n`,
      )
    })

    it('upgrade refuses before applying anything when an applied script was edited, naming each, until the edit is accepted or validate_on_migrate is off', async () => {
      const dir = shippedProject(db.url)
      const file = (name: string) => path.join(dir, 'migrations', name)
      expect((await runCli(['upgrade', '002'], {cwd: dir, env: {DB_MANAGE_ACTOR: 'deployer@ci'}})).code).to.equal(0)
      for (const name of ['001_create_clusters.ts', '002_create_node_groups.ts'])
        writeFileSync(file(name), `${readFileSync(file(name), 'utf8')}// tidied\n`)
      const edit = (name: string, id: string) =>
        `${name} was edited after it was applied \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC by deployer@ci\\): its checksum was [\\da-f]{12}, it is [\\da-f]{12} now; undo the edit, or accept it with "db-manage stamp --accept-edit ${id}"`
      const refused = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(refused.code).to.equal(1)
      expect(refused.stdout).to.equal('')
      expect(refused.stderr).to.match(
        new RegExp(
          `^Error: upgrade refused, nothing was applied: ${edit('001_create_clusters\\.ts', '001')}; ${edit('002_create_node_groups\\.ts', '002')} \\(validate_on_migrate = false in \\[db_manage\\] skips this check\\)\n$`,
        ),
      )
      expect(await query(db, 'SELECT version_num FROM alembic_version', [], 'version_num')).to.deep.equal(['002'])
      expect(await tables(db)).to.not.include('cluster_events')

      expect((await runCli(['stamp', '--accept-edit', '001'], {cwd: dir})).code).to.equal(0)
      const still = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(still.stderr).to.match(
        new RegExp(`^Error: upgrade refused, nothing was applied: ${edit('002_create_node_groups\\.ts', '002')} \\(`),
      )

      const ini = path.join(dir, 'db-manage.ini')
      writeFileSync(
        ini,
        readFileSync(ini, 'utf8').replace('[db_manage]\n', '[db_manage]\nvalidate_on_migrate = false\n'),
      )
      const applied = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(applied.code, applied.stderr).to.equal(0)
      expect(stripMs(applied.stdout)).to.deep.equal([
        'upgrade 002 -> 003, create cluster events',
        'upgrade 003 -> 004, backfill cluster events',
        'upgrade 004 -> 005, node group limits',
      ])
      // check_migration still names the edit: the setting only lets upgrade go on.
      expect((await runCli(['check_migration'], {cwd: dir})).code).to.equal(1)
    })

    it('takes over an Alembic database silently: the history table appears, earlier checksums are unknown, a stamp is marked as one', async () => {
      const dir = shippedProject(db.url)
      // What Alembic leaves: the schema at 002 and its version table, no history.
      expect((await runCli(['upgrade', '002'], {cwd: dir})).code).to.equal(0)
      await query(db, 'DROP TABLE db_manage_history')
      expect(await tables(db)).to.deep.equal(['alembic_version', 'clusters', 'node_groups'])
      const up = await runCli(['upgrade', '003'], {cwd: dir})
      expect(up).to.deep.include({code: 0, stderr: ''})
      expect(await tables(db)).to.deep.equal([
        'alembic_version',
        'cluster_events',
        'clusters',
        'db_manage_history',
        'node_groups',
      ])
      expect((await runCli(['check_migration'], {cwd: dir})).stdout.split('\n')[1]).to.equal(
        'OK: the database is at 003; 2 pending: 004, 005; 1 applied script matches its recorded checksum; no checksum recorded for 001, 002 (applied before db-manage kept a history)',
      )
      expect((await runCli(['stamp', '005'], {cwd: dir})).code).to.equal(0)
      expect(
        await query(db, "SELECT direction, from_revision, to_revision FROM db_manage_history WHERE revision = '005'"),
      ).to.deep.equal([{direction: 'stamp', from_revision: '003', to_revision: '005'}])
    })

    it('check_migration --round-trip names the first revision whose downgrade does not restore the schema', async () => {
      const dir = project(db.url)
      writeScript(
        dir,
        '001_a.ts',
        {down: null, id: '001', message: 'a'},
        "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true}), op.column('b', 'string(20)')])",
        "await op.dropTable('a')",
      )
      writeScript(
        dir,
        '002_b.ts',
        {down: '001', id: '002', message: 'b'},
        "await op.createIndex('ix_a_b', 'a', ['b'])",
        "await op.execute('SELECT 1')",
      )
      writeScript(
        dir,
        '003_c.ts',
        {down: '002', id: '003', message: 'c'},
        "await op.addColumn('a', op.column('c', 'integer'))",
      )
      const chainOk = 'OK: 3 revision(s), 001 -> 003, one linear sequential chain\n'
      const forgot = await runCli(['check_migration', '--round-trip', '--no-db'], {cwd: dir})
      expect(forgot).to.deep.equal({
        code: 1,
        stderr: 'Error: check_migration --round-trip found 1 problem(s)\n',
        stdout: `${chainOk}002_b.ts: its downgrade does not restore the schema it started from (to get back: drop index ix_a_b on a (b))\n`,
      })
      writeScript(
        dir,
        '002_b.ts',
        {down: '001', id: '002', message: 'b'},
        "await op.createIndex('ix_a_b', 'a', ['b'])",
        "await op.dropIndex('ix_a_b', 'a')",
      )
      expect(await runCli(['check_migration', '--round-trip', '--no-db'], {cwd: dir})).to.deep.equal({
        code: 0,
        stderr: '',
        stdout: `${chainOk}003_c.ts has no downgrade(): not round-tripped\nOK: round trip of 2 revision(s) on a scratch database: every downgrade restores the schema before its upgrade\n`,
      })
      expect((await runCli(['check_migration', '--round-trip', '--no-db', '--strict'], {cwd: dir})).code).to.equal(1)
      expect(
        (await runCli(['check_migration', '--round-trip', '--no-db', '--from', '002'], {cwd: dir})).stdout,
      ).to.include('OK: round trip of 1 revision(s)')
      // The configured database itself was never touched: the round trip ran on a scratch one.
      expect(await tables(db)).to.deep.equal([])
      if (dialect === 'postgresql') {
        // Types are compared too: an enum the downgrade leaves behind is named.
        writeScript(
          dir,
          '003_c.ts',
          {down: '002', id: '003', message: 'c'},
          "await op.createEnumType('mood', ['ok', 'meh'])",
          "await op.execute('SELECT 1')",
        )
        expect((await runCli(['check_migration', '--round-trip', '--no-db'], {cwd: dir})).stdout).to.equal(
          `${chainOk}003_c.ts: its downgrade does not restore the schema it started from (to get back: drop enum type mood)\n`,
        )
      }

      // Views, functions and triggers are compared (issue 31): a view the downgrade leaves behind is named.
      writeScript(
        dir,
        '003_c.ts',
        {down: '002', id: '003', message: 'c'},
        "await op.execute('CREATE VIEW a_ids AS SELECT id FROM a')",
        "await op.execute('SELECT 1')",
      )
      expect((await runCli(['check_migration', '--round-trip', '--no-db'], {cwd: dir})).stdout).to.equal(
        `${chainOk}003_c.ts: its downgrade does not restore the schema it started from (to get back: drop view a_ids)\n`,
      )
    })

    it("check_migration --lint checks the pending revisions' operations with the rules of this dialect, and an allowed finding needs a reason", async () => {
      const dir = project(db.url)
      writeScript(
        dir,
        '001_a.ts',
        {down: null, id: '001', message: 'a'},
        "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true}), op.column('b', 'string(20)')])",
      )
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      const steps: Array<[string, string]> = [
        ['002_index.ts', "await op.createIndex('ix_a_b', 'a', ['b'])"],
        ['003_notnull.ts', "await op.addColumn('a', op.column('c', 'integer', {nullable: false}))"],
        ['004_retype.ts', "await op.alterColumn('a', 'b', {existingType: 'string(20)', type: 'string(40)'})"],
        [
          '005_keys.ts',
          "await op.createForeignKey('fk_a_self', 'a', 'a', ['c'], ['id']); await op.alterColumn('a', 'c', {existingNullable: true, existingType: 'integer', nullable: false}); await op.createUniqueConstraint('uq_a_b', 'a', ['b'])",
        ],
        [
          '006_rename.ts',
          "// db-manage: allow DM101 -- c was never read\nawait op.renameTable('a', 'a2'); await op.dropColumn('a2', 'c')",
        ],
        ['007_raw.ts', "await op.execute('UPDATE a2 SET b = NULL')"],
        ['008_batch.ts', "await op.batchAlterTable('a2', (batch) => { batch.addColumn(op.column('d', 'integer')) })"],
        [
          '009_fresh.ts',
          "await op.createTable('t', [op.column('id', 'integer', {primaryKey: true}), op.column('v', 'integer')]); await op.createIndex('ix_t_v', 't', ['v'])",
        ],
      ]
      for (const [i, [file, body]] of steps.entries()) {
        const id = file.slice(0, 3)
        writeScript(dir, file, {down: `00${i + 1}`, id, message: file.slice(4, -3)}, body)
      }

      const line = (file: string, rule: string, status: string, what: string) => {
        const r = RULES[rule]
        // The line of the script that called the operation: the body starts at line 6, after one comment at 7.
        return `${file}:${file.startsWith('006') ? 7 : 6}: ${rule} ${status}: ${what}: ${r.reason}; fix: ${r.fix}`
      }

      // 004 widens a varchar: binary-compatible on PostgreSQL and within its length byte on MySQL, so no rewrite.
      const expected = [
        ...(dialect === 'postgresql'
          ? [line('002_index.ts', 'DM103', 'error', 'create index ix_a_b on existing table a without concurrently')]
          : []),
        line('003_notnull.ts', 'DM102', 'error', 'add NOT NULL column a.c without a default'),
        ...(dialect === 'postgresql' ? [line('004_retype.ts', 'DM123', 'info', 'column a.b is string(40)')] : []),
        ...(dialect === 'postgresql'
          ? [
              line('005_keys.ts', 'DM105', 'warning', 'add foreign key fk_a_self on existing table a'),
              line('005_keys.ts', 'DM107', 'warning', 'set a.c NOT NULL'),
              line('005_keys.ts', 'DM108', 'warning', 'add unique constraint uq_a_b on existing table a'),
            ]
          : []),
        ...(dialect === 'mysql'
          ? [
              line(
                '005_keys.ts',
                'DM140',
                'warning',
                'add foreign key fk_a_self on a with foreign_key_checks on (ALGORITHM=COPY)',
              ),
              line('005_keys.ts', 'DM142', 'info', 'make a.c NOT NULL rebuilds a'),
            ]
          : []),
        line('006_rename.ts', 'DM106', 'warning', 'rename table a to a2'),
        line('006_rename.ts', 'DM101', 'allowed (c was never read)', 'drop column a2.c'),
        line('007_raw.ts', 'DM144', 'warning', 'update every row of a2 in one statement'),
        ...(dialect === 'sqlite'
          ? [line('008_batch.ts', 'DM109', 'warning', 'batchAlterTable rebuilds existing table a2')]
          : []),
        ...(dialect === 'sqlite' ? [] : [line('009_fresh.ts', 'DM121', 'info', 'key column t.id is integer')]),
      ]
      const care = {mysql: '003, 005, 006, 007', postgresql: '002, 003, 005, 006, 007', sqlite: '003, 006, 007, 008'}[
        dialect
      ]
      const result = await runCli(['check_migration', '--lint'], {cwd: dir})
      expect(result.code).to.equal(1)
      expect(result.stderr).to.equal(
        `Error: check_migration --lint found ${dialect === 'postgresql' ? 2 : 1} error(s) not allowed: fix them, or allow each with "// db-manage: allow DMxxx -- reason" in the script\n`,
      )
      expect(result.stdout.trimEnd().split('\n').slice(2)).to.deep.equal([
        ...expected,
        `lint of 8 revision(s) (pending on the database, at 001) for ${dialect}: needs-care: ${care}; online-safe: ${8 - care.split(', ').length}`,
      ])
      // The rules judged for the database's own server version.
      const json = await runCli(['check_migration', '--lint', '--format', 'json'], {cwd: dir})
      const target = {
        mysql: /^(MariaDB|MySQL) \d+\.\d+\.\d+ \(the database\)$/,
        postgresql: /^PostgreSQL \d+\.\d+ \(the database\)$/,
        sqlite: /^SQLite$/,
      }[dialect]
      expect(JSON.parse(json.stdout).databases[0].target).to.match(target)
      // history -v shows each revision's class.
      const verbose = (await runCli(['history', '-v'], {cwd: dir})).stdout
      expect(verbose).to.match(/Rev: 003\n[\s\S]*?    Class: needs-care \(DM102\)\n/)
      expect(verbose).to.match(/Rev: 009 \(head\)\n[\s\S]*?    Class: online-safe\n/)
      // Allowed with their reasons, the errors no longer fail the check; --since narrows what is checked.
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `${readFileSync(path.join(dir, 'db-manage.ini'), 'utf8')}\n[db_manage]\nlint_allow = DM102 -- the table is empty in every environment | DM103 -- a has ten rows\n`
          .replace('[db_manage]\nscript_location = migrations\n', '')
          .replace('[db_manage]\nlint_allow', '[db_manage]\nscript_location = migrations\nlint_allow'),
      )
      const allowed = await runCli(['check_migration', '--lint', '--since', '005'], {cwd: dir})
      expect(allowed.code, allowed.stderr).to.equal(0)
      expect(allowed.stdout.trimEnd().split('\n').at(-1)).to.match(
        new RegExp(`^lint of 4 revision\\(s\\) \\(after 005\\) for ${dialect}: `),
      )
      const all = await runCli(['check_migration', '--lint', '--no-db', '--since', '001'], {cwd: dir})
      expect(all.code, all.stdout + all.stderr).to.equal(0)
      writeScript(
        dir,
        '010_bad.ts',
        {down: '009', id: '010', message: 'bad'},
        "// db-manage: allow DM101\nawait op.dropTable('t')",
      )
      expect((await runCli(['check_migration', '--lint', '--since', '009'], {cwd: dir})).stderr).to.equal(
        'Error: 010_bad.ts: "db-manage: allow DM101" needs a reason after " -- "\n',
      )
    })

    it('stamps without migrating, and --purge clears stray rows', async () => {
      const dir = shippedProject(db.url)
      expect((await runCli(['stamp', '003'], {cwd: dir})).stdout).to.equal('stamp <base> -> 003\n')
      expect(await tables(db)).to.deep.equal(['alembic_version', 'db_manage_history'])
      await query(db, "INSERT INTO alembic_version (version_num) VALUES ('999')")
      const confused = await runCli(['current'], {cwd: dir})
      expect(confused.code).to.equal(1)
      expect(confused.stderr).to.equal(
        'Error: alembic_version holds 2 rows (003, 999): db-manage keeps one linear chain; fix it with "db-manage stamp REV --purge"\n',
      )
      expect((await runCli(['stamp', 'base', '--purge'], {cwd: dir})).stdout).to.equal('stamp <base> -> <base>\n')
      expect(await query(db, 'SELECT version_num FROM alembic_version')).to.deep.equal([])
    })

    it('a script that throws leaves the database at the last revision that completed', async () => {
      const dir = project(db.url)
      writeScript(
        dir,
        '001_a.ts',
        {down: null, id: '001', message: 'a'},
        "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true})])",
        "await op.dropTable('a')",
      )
      writeScript(
        dir,
        '002_b.ts',
        {down: '001', id: '002', message: 'b'},
        "await op.createTable('b', [op.column('id', 'integer', {primaryKey: true})])\n  throw new Error('boom in 002')",
      )
      writeScript(
        dir,
        '003_c.ts',
        {down: '002', id: '003', message: 'c'},
        "await op.createTable('c', [op.column('id', 'integer', {primaryKey: true})])",
      )
      const result = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(result.code).to.equal(1)
      expect(stripMs(result.stdout)).to.deep.equal(['upgrade <base> -> 001, a'])
      expect(result.stderr.split('\n')).to.have.length(2)
      if (dialect === 'mysql') {
        expect(result.stderr).to.match(
          /^Error: upgrade 001 -> 002 \(002_b\.ts\) failed: boom in 002; the version table still says 001 and 1 of its statements had already committed \(MySQL commits DDL as it goes; the last: CREATE TABLE `b` .*\): undo them by hand and run "db-manage stamp 001", or finish them and run "db-manage stamp 002"; until then upgrade and downgrade refuse to run \(002_b\.ts is marked unfinished\)\n$/,
        )
        expect(await tables(db)).to.deep.equal(['a', 'alembic_version', 'b', 'db_manage_history'])
        // The next run names the unfinished revision and refuses to guess, until a stamp settles it.
        const refused = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(refused.code).to.equal(1)
        expect(refused.stderr).to.match(
          /^Error: upgrade 001 -> 002 \(002_b\.ts\) started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by \S+ and did not finish \(the run was killed or failed part-way\): MySQL commits DDL as it goes, so some of its statements may have been applied while the version table says 001; check the schema, then undo them by hand and run "db-manage stamp 001", or finish them and run "db-manage stamp 002"; until then upgrade and downgrade refuse to run \(002_b\.ts is marked unfinished\)\n$/,
        )
        expect(await tables(db)).to.deep.equal(['a', 'alembic_version', 'b', 'db_manage_history'])
        await query(db, 'DROP TABLE b')
        expect((await runCli(['stamp', '001'], {cwd: dir})).stdout).to.equal('stamp 001 -> 001\n')
        expect(await query(db, 'SELECT revision, direction FROM db_manage_history ORDER BY id')).to.deep.equal([
          {direction: 'upgrade', revision: '001'},
          {direction: 'interrupted', revision: '002'},
          {direction: 'stamp', revision: '001'},
        ])
        const again = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(again.stderr).to.match(/^Error: upgrade 001 -> 002 \(002_b\.ts\) failed: boom in 002; /)
      } else {
        expect(result.stderr).to.equal(
          'Error: upgrade 001 -> 002 (002_b.ts) failed: boom in 002; rolled back, the database is at 001\n',
        )
        expect(await tables(db)).to.deep.equal(['a', 'alembic_version', 'db_manage_history'])
      }

      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('001\n')
    })

    if (dialect === 'postgresql') {
      for (const perMigration of [true, false]) {
        it(`a revision that steps out of its transaction (CREATE INDEX CONCURRENTLY) and then fails says what was kept (transaction_per_migration = ${perMigration})`, async () => {
          const dir = project(db.url, perMigration)
          writeScript(
            dir,
            '001_a.ts',
            {down: null, id: '001', message: 'a'},
            "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true})])",
            "await op.dropTable('a')",
          )
          writeScript(
            dir,
            '002_b.ts',
            {down: '001', id: '002', message: 'b'},
            [
              "await op.createTable('b', [op.column('id', 'integer', {primaryKey: true}), op.column('v', 'integer')])",
              "await op.createIndex('ix_b_v', 'b', ['v'], {concurrently: true})",
              "await op.createTable('c', [op.column('id', 'integer', {primaryKey: true})])",
              "throw new Error('boom in 002')",
            ].join('\n'),
          )
          const result = await runCli(['upgrade', 'head'], {cwd: dir})
          expect(result.code).to.equal(1)
          // With one transaction per revision, 001 committed on its own; with one for the run, the step out committed it.
          expect(result.stderr).to.equal(
            'Error: upgrade 001 -> 002 (002_b.ts) failed: boom in 002; rolled back only to where 002_b.ts stepped out of the transaction for ' +
              'CREATE INDEX CONCURRENTLY "ix_b_v" ON "b" ("v"), which committed what came before it: the version table says 001, and 002_b.ts\'s statements up to that one ' +
              'were kept: undo or finish them by hand, then "db-manage stamp 002" or run again\n',
          )
          // What the message says is what the database holds: a and b with its index, not c; the version 001.
          expect(await tables(db)).to.deep.equal(['a', 'alembic_version', 'b', 'db_manage_history'])
          expect(
            await query(
              db,
              "SELECT indexname FROM pg_indexes WHERE tablename = 'b' AND indexname = 'ix_b_v'",
              [],
              'indexname',
            ),
          ).to.deep.equal(['ix_b_v'])
          expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('001\n')
        })
      }
    }

    it('SQL that fails mid-chain stops there, naming the revision', async () => {
      const dir = project(db.url)
      writeScript(
        dir,
        '001_a.ts',
        {down: null, id: '001', message: 'a'},
        "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true})])",
      )
      writeFileSync(
        path.join(dir, 'migrations', '002_b.sql'),
        '-- revision: 002\n-- down_revision: 001\n-- message: b\n-- +upgrade\nINSERT INTO a (id) VALUES (1);\nINSERT INTO no_such_table (id) VALUES (2);\n-- +downgrade\nDELETE FROM a;\n',
      )
      const result = await runCli(['upgrade', 'head'], {cwd: dir})
      const failed = '[SQL: INSERT INTO no_such_table (id) VALUES (2)]'
      const rolledBack = 'rolled back, the database is at 001'
      expect({...result, stdout: result.stdout.replace(/ \(\d+ ms\)$/m, '')}).to.deep.equal({
        code: 1,
        stderr: `Error: upgrade 001 -> 002 (002_b.sql) failed: ${
          {
            mysql: `Table '${new URL(db.url).pathname.slice(1)}.no_such_table' doesn't exist (ER_NO_SUCH_TABLE) ${failed}; the version table still says 001 and 1 of its statements had already committed (MySQL commits DDL as it goes; the last: INSERT INTO a (id) VALUES (1)): undo them by hand and run "db-manage stamp 001", or finish them and run "db-manage stamp 002"; until then upgrade and downgrade refuse to run (002_b.sql is marked unfinished)`,
            postgresql: `relation "no_such_table" does not exist ${failed}; ${rolledBack}`,
            sqlite: `no such table: no_such_table (SQLITE_ERROR) ${failed}; ${rolledBack}`,
          }[dialect]
        }\n`,
        stdout: 'upgrade <base> -> 001, a\n',
      })
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('001\n')
      const rows = await query(db, 'SELECT id FROM a', [], 'id')
      expect(rows).to.deep.equal(dialect === 'mysql' ? [1] : [])
    })

    // PostgreSQL sends a revision's statements and its version update in one round trip: the failing one is still named.
    for (const perMigration of [true, false]) {
      it(`names the statement that failed among a revision's operations, and keeps the version check (transaction_per_migration = ${perMigration})`, async () => {
        const dir = project(db.url, perMigration)
        writeScript(
          dir,
          '001_a.ts',
          {down: null, id: '001', message: 'a'},
          "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true})])",
        )
        writeScript(
          dir,
          '002_b.ts',
          {down: '001', id: '002', message: 'b'},
          [
            "await op.createTable('b', [op.column('id', 'integer', {primaryKey: true}), op.column('v', 'integer')])",
            // Not right after CREATE TABLE, so MySQL does not build the indexes with the table (test/integration/
            // runtime/index-fold.test.ts): each is a statement of its own, and the second fails.
            "await op.addColumn('b', op.column('w', 'integer'))",
            "await op.createIndex('ix_b_v', 'b', ['v'])",
            "await op.createIndex('ix_b_nope', 'b', ['nope'])",
            "await op.createTable('c', [op.column('id', 'integer', {primaryKey: true})])",
          ].join('\n'),
        )
        const result = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(result.code).to.equal(1)
        expect(stripMs(result.stdout)).to.deep.equal(['upgrade <base> -> 001, a'])
        const at =
          perMigration || dialect === 'mysql'
            ? 'rolled back, the database is at 001'
            : 'the whole run was rolled back (transaction_per_migration = false): the database is at base'
        const failed = {
          mysql:
            /^Error: upgrade 001 -> 002 \(002_b\.ts\) failed: Key column 'nope' doesn't exist in table \(ER_KEY_COLUMN_DOES_NOT_EXITS\) \[SQL: CREATE INDEX `ix_b_nope` ON `b` \(`nope`\)\]; the version table still says 001 and 3 of its statements had already committed \(MySQL commits DDL as it goes; the last: CREATE INDEX `ix_b_v` ON `b` \(`v`\)\): /,
          postgresql: `Error: upgrade 001 -> 002 (002_b.ts) failed: column "nope" does not exist [SQL: CREATE INDEX "ix_b_nope" ON "b" ("nope")]; ${at}\n`,
          sqlite: `Error: upgrade 001 -> 002 (002_b.ts) failed: no such column: "nope" - should this be a string literal in single-quotes? (SQLITE_ERROR) [SQL: CREATE INDEX "ix_b_nope" ON "b" ("nope")]; ${at}\n`,
        }[dialect]
        if (typeof failed === 'string') expect(result.stderr).to.equal(failed)
        else expect(result.stderr).to.match(failed)
        if (dialect === 'mysql') return
        expect(await tables(db)).to.deep.equal(
          perMigration ? ['a', 'alembic_version', 'db_manage_history'] : ['alembic_version', 'db_manage_history'],
        )

        // A script that moves the version row itself: the version update finds it elsewhere and the revision rolls back.
        writeScript(
          dir,
          '002_b.ts',
          {down: '001', id: '002', message: 'b'},
          [
            "await op.createTable('b', [op.column('id', 'integer', {primaryKey: true})])",
            'await op.execute("UPDATE alembic_version SET version_num = \'999\'")',
          ].join('\n'),
        )
        const moved = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(moved.code).to.equal(1)
        expect(moved.stderr).to.equal(
          `Error: upgrade 001 -> 002 (002_b.ts) failed: alembic_version did not hold 001 when this revision finished; another tool changed it; ${at}\n`,
        )
        expect((await runCli(['current'], {cwd: dir})).stdout).to.equal(perMigration ? '001\n' : '<base>\n')
        writeScript(
          dir,
          '002_b.ts',
          {down: '001', id: '002', message: 'b'},
          "await op.createTable('b', [op.column('id', 'integer', {primaryKey: true})])",
        )
        expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
        expect(await query(db, 'SELECT revision, from_revision FROM db_manage_history ORDER BY id')).to.deep.equal([
          {from_revision: null, revision: '001'},
          {from_revision: '001', revision: '002'},
        ])
      })
    }

    if (dialect === 'postgresql') {
      it('a revision is one round trip with a transaction each (its version move checked by the server, so the COMMIT goes along), and a run in one transaction sends its steps together', async () => {
        for (const perMigration of [true, false]) {
          const dir = project(db.url, perMigration)
          writeScript(
            dir,
            '001_a.ts',
            {down: null, id: '001', message: 'a'},
            "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true})])",
            "await op.dropTable('a')",
          )
          writeScript(
            dir,
            '002_b.ts',
            {down: '001', id: '002', message: 'b'},
            "await op.addColumn('a', op.column('b', 'integer'))",
            "await op.dropColumn('a', 'b')",
          )
          writeScript(
            dir,
            '003_c.ts',
            {down: '002', id: '003', message: 'c'},
            "await op.addColumn('a', op.column('c', 'integer'))",
            "await op.dropColumn('a', 'c')",
          )
          const result = await runCli(['upgrade', 'head', '--debug'], {cwd: dir})
          expect(result.code, result.stderr).to.equal(0)
          const trips = result.stderr
            .split('\n')
            .filter((l) => l.includes('round trip:'))
            .map((l) => l.replace(/^.*round trip: \d+ statement\(s\) in one query, the last /, ''))
          if (perMigration) {
            expect(trips).to.deep.equal(['COMMIT', 'COMMIT', 'COMMIT'])
            expect(result.stderr).to.include(
              "SQL: WITH moved AS (UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001' RETURNING 1) SELECT 1 / count(*) FROM moved",
            )
          } else {
            // One transaction for the run: its steps go together (50 at a time), with the run's COMMIT.
            expect(trips).to.deep.equal(['COMMIT'])
          }

          expect((await runCli(['downgrade', 'base'], {cwd: dir})).code).to.equal(0)
        }
      })

      it('one transaction for the run, 60 revisions sent 50 at a time: a failure in either batch names its own revision, and only the revisions before it are reported', async () => {
        const dir = project(db.url, false)
        const chain = (fail: number, how: string) => {
          rmSync(path.join(dir, 'migrations'), {force: true, recursive: true})
          for (let i = 1; i <= 60; i++) {
            const id = String(i).padStart(3, '0')
            const body =
              i === fail ? how : `await op.createTable('t${id}', [op.column('id', 'integer', {primaryKey: true})])`
            writeScript(
              dir,
              `${id}_r.ts`,
              {down: i === 1 ? null : String(i - 1).padStart(3, '0'), id, message: 'r'},
              body,
            )
          }
        }

        const reported = (stdout: string) =>
          stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => l.replace(/ \(\d+ ms\)$/, ''))
        const upTo = (n: number) =>
          Array.from(
            {length: n},
            (_, i) =>
              `upgrade ${i === 0 ? '<base>' : String(i).padStart(3, '0')} -> ${String(i + 1).padStart(3, '0')}, r`,
          )
        const whole = 'the whole run was rolled back (transaction_per_migration = false): the database is at base'
        // A statement of revision 12, in the first batch: sent ahead while the client went on to 13..50 and beyond.
        chain(12, "await op.createIndex('ix_nope', 't011', ['nope'])")
        const early = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(early.stderr).to.equal(
          `Error: upgrade 011 -> 012 (012_r.ts) failed: column "nope" does not exist [SQL: CREATE INDEX "ix_nope" ON "t011" ("nope")]; ${whole}\n`,
        )
        expect(reported(early.stdout)).to.deep.equal(upTo(11))
        // A statement of revision 55, in the last batch, which goes with the COMMIT.
        chain(55, "await op.createIndex('ix_nope', 't054', ['nope'])")
        const late = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(late.stderr).to.equal(
          `Error: upgrade 054 -> 055 (055_r.ts) failed: column "nope" does not exist [SQL: CREATE INDEX "ix_nope" ON "t054" ("nope")]; ${whole}\n`,
        )
        expect(reported(late.stdout)).to.deep.equal(upTo(54))
        // A script that throws in revision 55: the first 50 were confirmed by the server; nothing after them ran.
        chain(55, "throw new Error('boom')")
        const thrown = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(thrown.stderr).to.equal(`Error: upgrade 054 -> 055 (055_r.ts) failed: boom; ${whole}\n`)
        expect(reported(thrown.stdout)).to.deep.equal(upTo(50))
        expect(await tables(db)).to.deep.equal(['alembic_version', 'db_manage_history'])
        expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('<base>\n')
        // And the chain as it should be: every revision reported, in order, each with its history row.
        chain(0, '')
        const ok = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(ok.stderr).to.equal('')
        expect(reported(ok.stdout)).to.deep.equal(upTo(60))
        expect(
          await query(db, 'SELECT count(*)::int AS n, count(DISTINCT revision)::int AS d FROM db_manage_history'),
        ).to.deep.equal([{d: 60, n: 60}])
      })

      it('a revision sent in one round trip records the time the server spent on it', async () => {
        const dir = project(db.url)
        writeScript(
          dir,
          '001_a.ts',
          {down: null, id: '001', message: 'a'},
          [
            "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true})])",
            "await op.execute('INSERT INTO a (id) VALUES (1)')",
            'await op.execute("CREATE FUNCTION slow_one() RETURNS integer VOLATILE LANGUAGE sql AS \'SELECT 1 FROM pg_sleep(0.4)\'")',
          ].join('\n'),
        )
        // A volatile default is evaluated for the row already there: the ALTER, queued with the version update, takes 0.4 s on the server.
        writeScript(
          dir,
          '002_b.ts',
          {down: '001', id: '002', message: 'b'},
          "await op.addColumn('a', op.column('slow', 'integer', {default: op.sql('slow_one()')}))",
        )
        const result = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(result.code, result.stderr).to.equal(0)
        const printed = Number(/^upgrade 001 -> 002, b \((\d+) ms\)$/m.exec(result.stdout)?.[1])
        const [row] = await query(db, "SELECT duration_ms FROM db_manage_history WHERE revision = '002'")
        expect(printed).to.be.at.least(400)
        expect(row.duration_ms).to.be.at.least(400).and.at.most(printed)

        // One transaction for the run: the steps go together, and each row times its own step from the marker it set.
        await query(db, 'DROP TABLE a, alembic_version, db_manage_history; DROP FUNCTION slow_one()')
        writeFileSync(
          path.join(dir, 'db-manage.ini'),
          readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
            'script_location = migrations\n',
            'script_location = migrations\ntransaction_per_migration = false\n',
          ),
        )
        expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
        const rows = await query(
          db,
          "SELECT revision, duration_ms FROM db_manage_history WHERE direction = 'upgrade' ORDER BY id DESC LIMIT 2",
        )
        expect(rows.map((r) => r.revision)).to.deep.equal(['002', '001'])
        expect(rows[0].duration_ms).to.be.at.least(400)
        expect(rows[1].duration_ms).to.be.below(400)
      })
    }

    it('refuses a downgrade through a script without downgrade() before changing anything', async () => {
      const dir = project(db.url)
      writeScript(
        dir,
        '001_a.ts',
        {down: null, id: '001', message: 'a'},
        "await op.createTable('a', [op.column('id', 'integer', {primaryKey: true})])",
      )
      writeScript(
        dir,
        '002_b.ts',
        {down: '001', id: '002', message: 'b'},
        "await op.createTable('b', [op.column('id', 'integer', {primaryKey: true})])",
        "await op.dropTable('b')",
      )
      expect((await runCli(['upgrade'], {cwd: dir})).code).to.equal(0)
      const result = await runCli(['downgrade', 'base'], {cwd: dir})
      expect(result).to.deep.equal({
        code: 1,
        stderr: 'Error: 001_a.ts has no downgrade() function; nothing was changed\n',
        stdout: '',
      })
      expect(await tables(db)).to.deep.equal(['a', 'alembic_version', 'b', 'db_manage_history'])
      const unknown = await runCli(['upgrade', '042'], {cwd: dir})
      expect(unknown).to.deep.equal({
        code: 1,
        stderr: 'Error: unknown revision "042" (the chain runs 001 to 002)\n',
        stdout: '',
      })
    })

    it('eight concurrent upgrade runs apply each revision exactly once', async () => {
      const dir = project(db.url)
      writeScript(
        dir,
        '001_log.ts',
        {down: null, id: '001', message: 'log'},
        "await op.createTable('applied', [op.column('revision', 'string(8)', {nullable: false})])\n  await op.bulkInsert('applied', [{revision: '001'}])",
      )
      for (let i = 2; i <= 6; i++) {
        const id = String(i).padStart(3, '0')
        writeScript(
          dir,
          `${id}_step.ts`,
          {down: String(i - 1).padStart(3, '0'), id, message: `step ${i}`},
          `await op.createTable('t${i}', [op.column('id', 'integer', {primaryKey: true})])\n  await op.bulkInsert('applied', [{revision: '${id}'}])`,
        )
      }

      const runs = await Promise.all(Array.from({length: 8}, () => startCli(['upgrade', 'head'], {cwd: dir})))
      for (const run of runs) expect(run.code, run.stderr).to.equal(0)
      const applied = runs.flatMap((r) => r.stdout.split('\n').filter((l) => /\(\d+ ms\)$/.test(l)))
      expect(applied.map((l) => l.replace(/ \(\d+ ms\)$/, '')).sort()).to.deep.equal([
        'upgrade 001 -> 002, step 2',
        'upgrade 002 -> 003, step 3',
        'upgrade 003 -> 004, step 4',
        'upgrade 004 -> 005, step 5',
        'upgrade 005 -> 006, step 6',
        'upgrade <base> -> 001, log',
      ])
      expect((await query(db, 'SELECT revision FROM applied', [], 'revision')).sort()).to.deep.equal([
        '001',
        '002',
        '003',
        '004',
        '005',
        '006',
      ])
      expect(await query(db, 'SELECT version_num FROM alembic_version', [], 'version_num')).to.deep.equal(['006'])
    })

    if (dialect !== 'sqlite') {
      it('connection failures are one line without the password', async () => {
        const dir = shippedProject(db.url)
        const scheme = dialect === 'postgresql' ? 'postgresql' : 'mysql'
        const cases: Array<[string, RegExp]> = [
          [
            `${scheme}://app:secret@127.0.0.1:1/app`,
            /^Error: cannot connect to \w+:\/\/app:\*\*\*@127\.0\.0\.1:1\/app: connect ECONNREFUSED 127\.0\.0\.1:1\n$/,
          ],
          [
            db.badPasswordUrl,
            dialect === 'postgresql'
              ? /password authentication failed for user "postgres"/
              : /Access denied for user 'dbm'/,
          ],
          [
            db.url.replace(/\/[^/]+$/, '/no_such_database'),
            dialect === 'postgresql'
              ? /database "no_such_database" does not exist/
              : /Unknown database 'no_such_database'/,
          ],
        ]
        for (const [url, message] of cases) {
          const result = await runCli(['upgrade', 'head', '--url', url], {cwd: dir})
          expect(result.code).to.equal(1)
          expect(result.stdout).to.equal('')
          expect(result.stderr).to.match(message)
          expect(result.stderr).to.match(/^Error: cannot connect to .*:\*\*\*@/)
          expect(result.stderr.split('\n')).to.have.length(2)
          expect(result.stderr).to.not.include('secret')
          expect(result.stderr).to.not.include('wrong-password')
        }
      })
    }
  })
}

describe('several databases in one config', () => {
  it('migrates each [database:NAME] in file order, or one with --db', async () => {
    const dir = tempProject()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[database:subscriber]\nconnection = sqlite:///sub.sqlite\nscript_location = sub\n\n[database:publisher]\nconnection = sqlite:///pub.sqlite\nscript_location = pub\n',
    )
    for (const folder of ['sub', 'pub']) {
      mkdirSync(path.join(dir, folder))
      writeFileSync(
        path.join(dir, folder, '001_init.sql'),
        `-- revision: 001\n-- down_revision: null\n-- message: ${folder} init\n-- +upgrade\nCREATE TABLE ${folder}_t (id INTEGER);\n-- +downgrade\nDROP TABLE ${folder}_t;\n`,
      )
    }

    const all = await runCli(['upgrade'], {cwd: dir})
    expect(stripMs(all.stdout)).to.deep.equal([
      '[subscriber] upgrade <base> -> 001, sub init',
      '[publisher] upgrade <base> -> 001, pub init',
    ])
    expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('[subscriber] 001 (head)\n[publisher] 001 (head)\n')
    const one = await runCli(['downgrade', 'base', '--db', 'publisher'], {cwd: dir})
    expect(stripMs(one.stdout)).to.deep.equal(['downgrade 001 -> <base>, pub init'])
    expect((await runCli(['current', '--db', 'subscriber'], {cwd: dir})).stdout).to.equal('001 (head)\n')
    withConnection(dir, 'sqlite:///x.sqlite')
  })

  it('names the database on every line and error; --sql and exec over several need --db (or -o DIR); --autogenerate --no-db is refused', async () => {
    const dir = tempProject()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[database:catalog]\nconnection = sqlite:///catalog.sqlite\nscript_location = catalog\n\n[database:monitoring]\nconnection = sqlite:///monitoring.sqlite\nscript_location = monitoring\n',
    )
    for (const folder of ['catalog', 'monitoring']) {
      mkdirSync(path.join(dir, folder))
      writeFileSync(
        path.join(dir, folder, '001_init.sql'),
        `-- revision: 001\n-- down_revision: null\n-- message: ${folder} init\n-- +upgrade\nCREATE TABLE ${folder}_t (id INTEGER);\n-- +downgrade\nDROP TABLE ${folder}_t;\n`,
      )
    }

    writeFileSync(
      path.join(dir, 'monitoring', '002_bad.sql'),
      '-- revision: 002\n-- down_revision: 001\n-- message: bad\n-- +upgrade\nSELECT * FROM nope;\n',
    )
    const failed = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(failed.code).to.equal(1)
    expect(stripMs(failed.stdout)).to.deep.equal([
      '[catalog] upgrade <base> -> 001, catalog init',
      '[monitoring] upgrade <base> -> 001, monitoring init',
    ])
    expect(failed.stderr).to.equal(
      '[monitoring] Error: upgrade 001 -> 002 (002_bad.sql) failed: no such table: nope (SQLITE_ERROR) [SQL: SELECT * FROM nope]; rolled back, the database is at 001\n',
    )
    expect((await runCli(['history'], {cwd: dir})).stdout).to.equal(
      '[catalog] <base> -> 001 (head) (current), catalog init\n[monitoring] 001 -> 002 (head), bad\n[monitoring] <base> -> 001 (current), monitoring init\n',
    )
    const shown = await runCli(['show', '001'], {cwd: dir})
    for (const line of shown.stdout.trimEnd().split('\n')) expect(line).to.match(/^\[(catalog|monitoring)\]( |$)/)

    // The offline route: one file per database, never one text for both.
    expect(await runCli(['upgrade', '--sql', 'base:001', '--no-version-table'], {cwd: dir})).to.deep.equal({
      code: 2,
      stdout: '',
      stderr:
        'Error: upgrade --sql would write the SQL of 2 databases (catalog, monitoring) as one text: choose one with --db NAME, or give -o DIR for one file per database\n',
    })
    expect((await runCli(['upgrade', '--sql', 'base:001', '-o', '001.sql'], {cwd: dir})).stderr).to.equal(
      'Error: upgrade --sql -o 001.sql: 2 databases (catalog, monitoring) need a folder, one file each (-o 001/), or --db NAME\n',
    )
    expect((await runCli(['stamp', '--sql', '001'], {cwd: dir})).code).to.equal(2)
    const perDb = await runCli(['upgrade', '--sql', 'base:001', '--no-version-table', '-o', 'seed/'], {cwd: dir})
    expect(perDb.stderr).to.match(
      /^Wrote \d+ bytes of SQL to seed\/catalog\.sql\nWrote \d+ bytes of SQL to seed\/monitoring\.sql\n$/,
    )
    expect(readFileSync(path.join(dir, 'seed/monitoring.sql'), 'utf8')).to.equal(
      '-- Running upgrade  -> 001\n\nCREATE TABLE monitoring_t (id INTEGER);\n\n',
    )
    const one = await runCli(['upgrade', '--sql', 'base:001', '--no-version-table', '--db', 'catalog'], {cwd: dir})
    expect(one.stdout).to.equal('-- Running upgrade  -> 001\n\nCREATE TABLE catalog_t (id INTEGER);\n\n')

    writeFileSync(path.join(dir, 'fix.sql'), 'SELECT 1 AS one;\n')
    expect(await runCli(['exec', 'fix.sql'], {cwd: dir})).to.deep.equal({
      code: 2,
      stdout: '',
      stderr:
        "Error: exec runs fix.sql on one database, and 2 are configured (catalog, monitoring): choose one with --db NAME (a fleet's name runs it on each tenant)\n",
    })
    expect((await runCli(['exec', 'fix.sql', '--db', 'catalog'], {cwd: dir})).stdout).to.equal(
      '-- statement 1\nSELECT 1 AS one;\n  {"one":1}\n  (1 row)\n',
    )

    for (const flag of ['--autogenerate', '--fail-on-pending']) {
      expect(await runCli(['check_migration', flag, '--no-db'], {cwd: dir})).to.deep.equal({
        code: 2,
        stdout: '',
        stderr: `Error: ${flag} asks the database, and --no-db asks none: give one or the other\n`,
      })
    }
  })
})
