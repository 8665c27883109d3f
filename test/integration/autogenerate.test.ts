import {expect} from 'chai'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {getDialect} from '../../src/dialects/registry.js'
import type {TableSchema} from '../../src/model/table-schema.js'
import {ROOT, runCli, shippedProject} from '../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'

/** The schema as db-manage reflects it, in a stable order. */
async function reflected(db: TestDatabase): Promise<TableSchema[]> {
  const c = await db.connect()
  try {
    const tables = await (await getDialect(db.dialect)).introspector(c).schema()
    const byName = <T extends {name?: string}>(xs: readonly T[]) =>
      [...xs].sort((a, b) => String(a.name).localeCompare(String(b.name)))
    return tables
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => ({
        ...t,
        checks: byName(t.checks),
        columns: byName(t.columns),
        foreignKeys: byName(t.foreignKeys),
        indexes: byName(t.indexes),
        uniques: byName(t.uniques),
      }))
  } finally {
    await c.close()
  }
}

/** The shipped target schema with a change of every kind (a partial index where the dialect has them). */
function changedTarget(dialect: string): string {
  const partial = dialect === 'mysql' ? '' : `, where: "tag <> 'x'"`
  return (
    readFileSync(path.join(ROOT, 'schema', 'target.ts'), 'utf8')
      // drop table cluster_events (its block is the first table)
      .replace(/ {4}cluster_events: \{[\s\S]*?\n {4}\},\n/, '')
      // clusters: longer name, new default, NOT NULL updated_at, drop description, add region, swap an index, add a unique constraint
      .replace("column('name', 'string(80)', {nullable: false})", "column('name', 'string(120)', {nullable: false})")
      .replace("{default: 'Inactive', nullable: false}", "{default: 'New', nullable: false}")
      .replace("column('updated_at', 'timestamp'),", "column('updated_at', 'timestamp', {nullable: false}),")
      .replace("column('description', 'text'),", "column('region', 'string(20)'),")
      .replace(
        "{columns: ['tenant_id'], name: 'ix_clusters_tenant_id'},",
        "{columns: ['status'], name: 'ix_clusters_status'},",
      )
      .replace(
        "name: 'uq_clusters_tenant_id_name', unique: true},\n      ],",
        "name: 'uq_clusters_tenant_id_name', unique: true},\n      ],\n      uniques: [{columns: ['name', 'tenant_id'], name: 'uq_clusters_name_tenant'}],",
      )
      // node_groups: another check, the foreign key without cascade
      .replace(
        "checks: [{condition: 'count > 0', name: 'ck_node_groups_count_positive'}],",
        "checks: [{condition: 'max_count >= count', name: 'ck_node_groups_max'}],",
      )
      .replace(
        "column('cluster_id', 'string(36)', {nullable: false, onDelete: 'CASCADE', references: 'clusters.id'}),\n        column('name', 'string(80)', {nullable: false}),\n        column('flavor_id'",
        "column('cluster_id', 'string(36)', {nullable: false, references: 'clusters.id'}),\n        column('name', 'string(80)', {nullable: false}),\n        column('flavor_id'",
      )
      // a new table with every kind of constraint
      .replace(
        '  tables: {\n',
        `  tables: {
    cluster_tags: {
      checks: [{condition: "tag <> ''", name: 'ck_cluster_tags_tag'}],
      columns: [
        column('id', 'integer', {autoincrement: true, primaryKey: true}),
        column('cluster_id', 'string(36)', {nullable: false, onDelete: 'CASCADE', references: 'clusters.id'}),
        column('tag', 'string(40)', {nullable: false}),
      ],
      indexes: [{columns: ['tag'], name: 'ix_cluster_tags_tag'${partial}}],
      uniques: [{columns: ['cluster_id', 'tag'], name: 'uq_cluster_tags_cluster_tag'}],
    },
`,
      )
  )
}

function migrationFiles(dir: string): string[] {
  return readdirSync(path.join(dir, 'migrations')).sort()
}

for (const dialect of dialectsUnderTest()) {
  describe(`autogenerate on ${dialect}`, function () {
    this.timeout(120_000)
    let db: TestDatabase
    useTestDatabase(dialect, (created) => {
      db = created
    })

    async function cli(dir: string, ...args: string[]) {
      return runCli([...args, '--url', db.url], {cwd: dir})
    }

    it('a target equal to the database yields nothing; a changed one round-trips exactly', async () => {
      const dir = shippedProject()
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
          'target_schema = schema/target.ts',
          'target_schema = target.ts',
        ),
      )
      writeFileSync(path.join(dir, 'target.ts'), readFileSync(path.join(ROOT, 'schema', 'target.ts'), 'utf8'))
      expect((await cli(dir, 'upgrade', 'head')).code).to.equal(0)
      const before = await reflected(db)

      const same = await cli(dir, 'revision', '-m', 'nothing', '--autogenerate')
      expect(same).to.deep.include({
        code: 0,
        stdout: 'No changes detected: the database matches the target schema; nothing written.\n',
      })
      expect((await cli(dir, 'check_migration', '--autogenerate')).code).to.equal(0)

      writeFileSync(path.join(dir, 'target.ts'), changedTarget(dialect))
      const drift = await cli(dir, 'check_migration', '--autogenerate')
      expect(drift.code).to.equal(1)
      expect(drift.stderr).to.match(
        /^Error: check_migration --autogenerate found \d+ difference\(s\) between the database and the target schema/,
      )
      for (const line of [
        'add table cluster_tags',
        'drop table cluster_events',
        'add column clusters.region',
        'drop column clusters.description',
      ]) {
        expect(drift.stdout).to.include(line)
      }

      const files = migrationFiles(dir)
      const generated = await cli(dir, 'revision', '-m', 'model changes', '--autogenerate')
      expect(generated.code, generated.stderr).to.equal(0)
      expect(generated.stdout).to.match(/Generated .*\/migrations\/006_model_changes\.ts\n$/)
      const script = readFileSync(path.join(dir, 'migrations', '006_model_changes.ts'), 'utf8')
      expect(script).to.include('// DATA LOSS: drop table cluster_events')
      expect(script).to.include('// DATA LOSS: drop column clusters.description')
      if (dialect === 'sqlite') expect(script).to.include("await op.batchAlterTable('clusters', (batch) => {")
      if (dialect !== 'mysql')
        expect(script).to.match(/createIndex\('ix_cluster_tags_tag', (?:'cluster_tags', )?\['tag'\], \{where: /)

      const up = await cli(dir, 'upgrade', 'head')
      expect(up.code, `${up.stderr}\n${script}`).to.equal(0)
      const again = await cli(dir, 'revision', '-m', 'again', '--autogenerate')
      expect(again.stdout, script).to.equal(
        'No changes detected: the database matches the target schema; nothing written.\n',
      )
      expect(migrationFiles(dir)).to.deep.equal([...files, '006_model_changes.ts'])

      const down = await cli(dir, 'downgrade', '-1')
      expect(down.code, `${down.stderr}\n${script}`).to.equal(0)
      expect(await reflected(db)).to.deep.equal(before)
    })

    it('a .sql target works the same, and renames are only what the flags say', async () => {
      const dir = shippedProject()
      expect((await cli(dir, 'upgrade', 'head')).code).to.equal(0)
      const before = await reflected(db)
      const offline = await cli(dir, 'upgrade', 'base:head', '--sql', '--no-version-table')
      writeFileSync(path.join(dir, 'target.sql'), offline.stdout)
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
          'target_schema = schema/target.ts',
          'target_schema = target.sql',
        ),
      )
      expect((await cli(dir, 'revision', '-m', 'nothing', '--autogenerate')).stdout).to.equal(
        'No changes detected: the database matches the target schema; nothing written.\n',
      )

      // Rename a table and a column in the target: without flags that is drop + add (data loss), with them a rename.
      writeFileSync(
        path.join(dir, 'target.sql'),
        `${offline.stdout.replaceAll(/\bcluster_events\b/g, 'events').replaceAll(/\bdetails\b/g, 'body')}\nCREATE TABLE audit_log (id INTEGER NOT NULL PRIMARY KEY, note VARCHAR(100));\n`,
      )
      const guessed = await cli(dir, 'check_migration', '--autogenerate')
      expect(guessed.stdout).to.include('drop table cluster_events')
      const renamed = await cli(
        dir,
        'revision',
        '-m',
        'rename events',
        '--autogenerate',
        '--rename-table',
        'cluster_events=events',
        '--rename-column',
        'events.details=body',
      )
      expect(renamed.code, renamed.stderr).to.equal(0)
      expect(renamed.stdout).to.include('rename table cluster_events to events')
      expect(renamed.stdout).to.include('rename column events.details to body')
      expect(renamed.stdout).to.include('add table audit_log')
      expect(renamed.stdout).to.not.include('drop table')
      const script = readFileSync(path.join(dir, 'migrations', '006_rename_events.ts'), 'utf8')
      expect((await cli(dir, 'upgrade', 'head')).code).to.equal(0)
      expect((await cli(dir, 'check_migration', '--autogenerate')).stdout, script).to.include(
        'OK: the database at head matches the target schema',
      )
      expect((await cli(dir, 'downgrade', '-1')).code).to.equal(0)
      const after = await reflected(db)
      // A renamed table keeps the names of the indexes and constraints it was created with.
      expect(after.map((t) => t.name)).to.deep.equal(before.map((t) => t.name))
      expect(after).to.deep.equal(before)
    })

    it('include_tables and exclude_tables narrow what is compared', async () => {
      const dir = shippedProject()
      expect((await cli(dir, 'upgrade', 'head')).code).to.equal(0)
      writeFileSync(path.join(dir, 'target.ts'), changedTarget(dialect))
      const ini = path.join(dir, 'db-manage.ini')
      const base = readFileSync(ini, 'utf8').replace('target_schema = schema/target.ts', 'target_schema = target.ts')
      writeFileSync(ini, base.replace('[db_manage]\n', '[db_manage]\nexclude_tables = cluster*\n'))
      const excluded = await cli(dir, 'check_migration', '--autogenerate')
      const differences = excluded.stdout.split('\n').filter((l) => /^(add|drop|change)/.test(l))
      expect(differences.length).to.be.greaterThan(0)
      expect(differences.filter((l) => / (cluster_events|cluster_tags)\b| clusters\./.test(l))).to.deep.equal([])
      expect(differences.every((l) => l.includes('node_groups'))).to.equal(true)
      writeFileSync(ini, base.replace('[db_manage]\n', '[db_manage]\ninclude_tables = cluster_tags, cluster_events\n'))
      const included = await cli(dir, 'check_migration', '--autogenerate')
      expect(included.stdout).to.include('add table cluster_tags')
      expect(included.stdout).to.include('drop table cluster_events')
      expect(included.stdout).to.not.include('clusters.region')
      expect(included.stdout).to.not.include('node_groups')
    })

    it('a dropped NOT NULL column comes back in the downgrade of a table with rows as it was, NOT NULL, the rows holding the zero of its type (issue 27 item 7)', async () => {
      const dir = shippedProject()
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
          'target_schema = schema/target.ts',
          'target_schema = target.ts',
        ),
      )
      writeFileSync(
        path.join(dir, 'target.ts'),
        readFileSync(path.join(ROOT, 'schema', 'target.ts'), 'utf8')
          .replace("        column('tenant_id', 'string(36)', {nullable: false}),\n", '')
          .replace("        column('status', 'string(32)', {default: 'Inactive', nullable: false}),\n", '')
          .replace(
            "        {columns: ['tenant_id'], name: 'ix_clusters_tenant_id'},\n        {columns: ['tenant_id', 'name'], name: 'uq_clusters_tenant_id_name', unique: true},\n",
            '',
          ),
      )
      expect((await cli(dir, 'upgrade', 'head')).code).to.equal(0)
      const before = await reflected(db)
      const rows = "INSERT INTO clusters (id, name, tenant_id) VALUES ('c1', 'one', 't1'), ('c2', 'two', 't1')"
      writeFileSync(path.join(dir, 'rows.sql'), `${rows};\n`)
      const inserted = await cli(dir, 'exec', 'rows.sql')
      expect(inserted.code, inserted.stderr).to.equal(0)
      const generated = await cli(dir, 'revision', '-m', 'drop tenant', '--autogenerate')
      expect(generated.code, generated.stderr).to.equal(0)
      expect(generated.stderr).to.equal(
        "downgrade: the upgrade dropped clusters.tenant_id and its values: it comes back NOT NULL holding '' in every row\n",
      )
      const script = readFileSync(path.join(dir, 'migrations', '006_drop_tenant.ts'), 'utf8')
      const note =
        "// DATA LOSS: the upgrade dropped clusters.tenant_id and its values: it comes back NOT NULL holding '' in every row"
      expect(script.split('\n').map((l) => l.trim())).to.include(note)
      const up = await cli(dir, 'upgrade', 'head')
      expect(up.code, `${up.stderr}\n${script}`).to.equal(0)
      const down = await cli(dir, 'downgrade', '-1')
      expect(down.code, `${down.stderr}\n${script}`).to.equal(0)
      const clusters = (await reflected(db)).find((t) => t.name === 'clusters')!
      const was = before.find((t) => t.name === 'clusters')!
      expect(clusters.columns.find((c) => c.name === 'tenant_id')).to.deep.equal(
        was.columns.find((c) => c.name === 'tenant_id'),
      )
      expect(clusters.columns.find((c) => c.name === 'status')).to.deep.equal(
        was.columns.find((c) => c.name === 'status'),
      )
    })

    it('a string default that reads as SQL in the target is one clear line, and sql()/now() say what is meant', async () => {
      const dir = shippedProject()
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
          'target_schema = schema/target.ts',
          'target_schema = target.ts',
        ),
      )
      const target = readFileSync(path.join(ROOT, 'schema', 'target.ts'), 'utf8')
      writeFileSync(
        path.join(dir, 'target.ts'),
        target.replace(
          "column('updated_at', 'timestamp'),",
          "column('updated_at', 'timestamp', {default: 'CURRENT_TIMESTAMP'}),",
        ),
      )
      expect((await cli(dir, 'upgrade', 'head')).code).to.equal(0)
      const wrong = await cli(dir, 'check_migration', '--autogenerate')
      expect(wrong.code).to.equal(1)
      expect(wrong.stderr).to.match(
        /^Error: .*column updated_at: default 'CURRENT_TIMESTAMP' reads as SQL but is a string, so the column would default to that text; write sql\('CURRENT_TIMESTAMP'\) \(op.sql in a migration script\) for what the server computes, or sql\("'CURRENT_TIMESTAMP'"\) if the text is meant\n$/,
      )
      writeFileSync(
        path.join(dir, 'target.ts'),
        target.replace("column('updated_at', 'timestamp'),", "column('updated_at', 'timestamp', {default: now()}),"),
      )
      const drift = await cli(dir, 'check_migration', '--autogenerate')
      expect(drift.code).to.equal(1)
      expect(drift.stdout).to.match(
        /change column clusters\.updated_at: .* NULL -> .* NULL DEFAULT (CURRENT_TIMESTAMP|current_timestamp\(\)|now\(\))/i,
      )
    })

    it('refuses when the database is not at head', async () => {
      const dir = shippedProject()
      expect((await cli(dir, 'upgrade', '003')).code).to.equal(0)
      const result = await cli(dir, 'revision', '-m', 'x', '--autogenerate')
      expect(result).to.deep.include({
        code: 1,
        stderr:
          'Error: the database is at 003 but the head is 005: run "db-manage upgrade head" before autogenerating\n',
      })
    })
  })
}
