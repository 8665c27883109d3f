import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {linkDbManage, runCli, startCli, tempProject} from '../../helpers/cli.js'
import {adminConnection, connected, createTestDatabase, dialectsUnderTest} from '../../helpers/databases.js'
import {noHistory} from '../../helpers/revision-file.js'
import {chainProject} from '../../faults/chain.js'

/** A project whose config is one fleet over `tenants`, on a 5-revision chain of plain SQL. */
function fleetProject(section: string): string {
  const dir = chainProject('sqlite:///unused.db', 5)
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\nscript_location = migrations\n\n[fleet:customers]\n${section}\n`,
  )
  // The tenants' SQLite files go in a folder of their own, which must exist (db-manage does not create one).
  mkdirSync(path.join(dir, 'tenants'))
  return dir
}

describe('fleets: one chain over many tenant databases', () => {
  it('SQLite: tenants from a list or a file, --parallel, --db NAME/TENANT, --shard I/N, a failing tenant that does not stop the others, and a rerun that finishes it', async () => {
    const dir = fleetProject('url_template = sqlite:///tenants/${tenant}.db\ntenants_file = tenants.txt')
    writeFileSync(path.join(dir, 'tenants.txt'), '# one per line\nacme\nglobex\n\ninitech  # the third\numbrella\n')
    // umbrella already has the table revision 003 creates.
    expect((await runCli(['upgrade', '002', '--db', 'customers/umbrella'], {cwd: dir})).code).to.equal(0)
    writeFileSync(path.join(dir, 'stray.sql'), 'CREATE TABLE t_3 (id INTEGER);\n')
    expect((await runCli(['exec', 'stray.sql', '--db', 'customers/umbrella'], {cwd: dir})).code).to.equal(0)

    const run = await runCli(['upgrade', 'head', '--parallel', '2'], {cwd: dir})
    expect(run.code).to.equal(1)
    const lines = run.stdout.trim().split('\n')
    // Every tenant's lines carry its name; the summary closes the run.
    expect(
      lines.filter((l) => l.startsWith('[customers/acme] ')).map((l) => l.replace(/ \(\d+ ms\)$/, '')),
    ).to.deep.equal(
      [1, 2, 3, 4, 5].map((k) => `[customers/acme] upgrade ${k === 1 ? '<base>' : `00${k - 1}`} -> 00${k}, step ${k}`),
    )
    expect(lines.at(-1)).to.equal('Summary: 3 migrated, 0 already there, 1 failed (customers/umbrella)')
    expect(run.stderr, run.stderr).to.match(
      /^Error: 1 of 4 databases failed: customers\/umbrella: upgrade 002 -> 003 \(003_step\.sql\) failed: table t_3 already exists \(SQLITE_ERROR\) \[SQL: CREATE TABLE t_3 \(id INTEGER PRIMARY KEY, v VARCHAR\(20\)\)\]; rolled back, the database is at 002\n$/,
    )
    const current = await runCli(['current'], {cwd: dir})
    expect(current.stdout).to.equal(
      '[customers/acme] 005 (head)\n[customers/globex] 005 (head)\n[customers/initech] 005 (head)\n[customers/umbrella] 002\n',
    )

    // Fixed, a rerun finishes the one that failed and leaves the others be.
    writeFileSync(path.join(dir, 'fix.sql'), 'DROP TABLE t_3;\n')
    expect((await runCli(['exec', 'fix.sql', '--db', 'customers/umbrella'], {cwd: dir})).code).to.equal(0)
    const rerun = await runCli(['upgrade', 'head', '--parallel', '4'], {cwd: dir})
    expect(rerun.code, rerun.stderr).to.equal(0)
    expect(rerun.stdout.split('\n').filter((l) => / \(\d+ ms\)$/.test(l))).to.have.length(3)
    expect(rerun.stdout.trim().split('\n').at(-1)).to.equal('Summary: 1 migrated, 3 already there, 0 failed')

    // --shard splits the tenants the same way every time, each in exactly one shard.
    const shard = async (i: number) =>
      (
        JSON.parse((await runCli(['current', '--json', '--shard', `${i}/3`], {cwd: dir})).stdout).data as Array<{
          database: string
        }>
      ).map((r) => r.database)
    const shards = [await shard(0), await shard(1), await shard(2)]
    expect(shards.flat().sort()).to.deep.equal([
      'customers/acme',
      'customers/globex',
      'customers/initech',
      'customers/umbrella',
    ])
    expect(await shard(1)).to.deep.equal(shards[1])
    expect((await runCli(['current', '--shard', '3/3'], {cwd: dir})).stderr).to.equal(
      'Error: --shard 3/3: expected I/N with 0 <= I < N (e.g. --shard 0/4)\n',
    )
  })

  it('order fixes the order of [database:NAME] sections, whatever the file order; a failure stops the later ones', async () => {
    const dir = chainProject('sqlite:///unused.db', 2)
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[db_manage]\nscript_location = migrations\n\n[database:publisher]\nconnection = sqlite:///pub.db\norder = 20\n\n[database:subscriber]\nconnection = sqlite:///sub.db\norder = 10\n',
    )
    const run = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(run.code, run.stderr).to.equal(0)
    expect(
      run.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.replace(/ \(\d+ ms\)$/, '')),
    ).to.deep.equal([
      '[subscriber] upgrade <base> -> 001, step 1',
      '[subscriber] upgrade 001 -> 002, step 2',
      '[publisher] upgrade <base> -> 001, step 1',
      '[publisher] upgrade 001 -> 002, step 2',
    ])
    // The subscriber failing leaves the publisher alone, even with --parallel.
    writeFileSync(
      path.join(dir, 'migrations', '003_step.sql'),
      '-- revision: 003\n-- down_revision: 002\n-- message: bad\n-- +upgrade\nINSERT INTO no_such_table VALUES (1);\n',
    )
    const failed = await runCli(['upgrade', 'head', '--parallel', '4'], {cwd: dir})
    expect(failed.code).to.equal(1)
    expect(failed.stderr).to.match(
      /^Error: 1 of 2 databases failed; 1 not run: subscriber: upgrade 002 -> 003 \(003_step\.sql\) failed: no such table: no_such_table/,
    )
    expect((await runCli(['current', '--db', 'publisher'], {cwd: dir})).stdout).to.equal('002\n')
  })

  it('refuses a fleet without url_template, with two tenant sources, or a tenant that is not a plain name, in one line', async () => {
    const cases: Array<[string, string]> = [
      [
        'tenants = a, b',
        "Error: db-manage.ini [fleet:customers] url_template: a fleet needs url_template, with ${tenant} where each tenant's name goes (or a schema_template that has it)\n",
      ],
      [
        'url_template = sqlite:///t/one.db\ntenants = a, b',
        'Error: db-manage.ini [fleet:customers] url_template: no ${tenant} in url_template: every tenant would be the same database\n',
      ],
      [
        'url_template = postgresql://u@h/db\nschema_template = tenant-${tenant}\ntenants = a',
        'Error: db-manage.ini [fleet:customers] schema_template: "tenant-a" is not a plain schema name\n',
      ],
      [
        'url_template = sqlite:///t/${tenant}.db\ntenants = a\ntenants_file = t.txt',
        'Error: db-manage.ini [fleet:customers] tenants: give exactly one of tenants, tenants_file or tenants_query (it has tenants, tenants_file)\n',
      ],
      [
        'url_template = sqlite:///t/${tenant}.db\ntenants = a, ../etc',
        'Error: db-manage.ini [fleet:customers] tenants: tenant "../etc" is not a plain name (letters, digits, _ and -, at most 63)\n',
      ],
      [
        'url_template = sqlite:///t/${tenant}.db\ntenants_query = SELECT 1',
        'Error: db-manage.ini [fleet:customers] tenants_query: needs control_url, the database to ask\n',
      ],
      [
        'url_template = sqlite:///one.db\nschema_template = tenant_${tenant}\ntenants = a',
        'Error: db-manage.ini [fleet:customers] schema_template: a schema per tenant needs PostgreSQL, and url_template is not a postgresql:// URL\n',
      ],
    ]
    for (const [section, error] of cases) {
      const result = await runCli(['current'], {cwd: fleetProject(section)})
      expect(result).to.deep.equal({code: 2, stderr: error, stdout: ''})
    }
  })

  it('a run over a fleet names its tenant even when only one is acted on (a shard of one); --db NAME/TENANT does not', async () => {
    const dir = fleetProject('url_template = sqlite:///tenants/${tenant}.db\ntenants = solo')
    const up = await runCli(['upgrade', '001'], {cwd: dir})
    expect(up.stdout.replace(/ \(\d+ ms\)/, '')).to.equal(
      '[customers/solo] upgrade <base> -> 001, step 1\nSummary: 1 migrated, 0 already there, 0 failed\n',
    )
    expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('[customers/solo] 001\n')
    expect((await runCli(['current', '--db', 'customers'], {cwd: dir})).stdout).to.equal('[customers/solo] 001\n')
    expect((await runCli(['current', '--db', 'customers/solo'], {cwd: dir})).stdout).to.equal('001\n')
    expect(noHistory((await runCli(['upgrade', '001:002', '--sql'], {cwd: dir})).stdout)).to
      .equal(`-- Database: customers/solo

-- Running upgrade 001 -> 002

CREATE TABLE t_2 (id INTEGER PRIMARY KEY, v VARCHAR(20));

INSERT INTO t_2 (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c');

CREATE INDEX ix_t_2 ON t_2 (v);

INSERT INTO applied_log (revision) VALUES ('002');

CREATE TABLE u_2 (id INTEGER);

UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';

`)
  })

  it("--sql over several tenants needs --db or -o DIR: the fleet's name renders every tenant under a comment naming it, -o DIR one file each; --db NAME/TENANT renders one", async () => {
    const dir = fleetProject('url_template = sqlite:///tenants/${tenant}.db\ntenants = acme, globex')
    expect(await runCli(['upgrade', '004:005', '--sql'], {cwd: dir})).to.deep.equal({
      code: 2,
      stdout: '',
      stderr:
        'Error: upgrade --sql would write the SQL of 2 databases (customers/acme, customers/globex) as one text: choose one with --db NAME, or give -o DIR for one file per database\n',
    })
    const all = await runCli(['upgrade', '004:005', '--sql', '--db', 'customers'], {cwd: dir})
    expect(all.code, all.stderr).to.equal(0)
    const files = await runCli(['upgrade', '004:005', '--sql', '-o', 'seed/'], {cwd: dir})
    const size = (tenant: string) => readFileSync(path.join(dir, 'seed', 'customers', `${tenant}.sql`)).length
    expect(files.stderr).to.equal(
      `Wrote ${size('acme')} bytes of SQL to seed/customers/acme.sql\nWrote ${size('globex')} bytes of SQL to seed/customers/globex.sql\n`,
    )
    const one = await runCli(['upgrade', '004:005', '--sql', '--db', 'customers/globex'], {cwd: dir})
    expect(one.code, one.stderr).to.equal(0)
    expect(noHistory(one.stdout)).to.equal(`-- Running upgrade 004 -> 005

CREATE TABLE t_5 (id INTEGER PRIMARY KEY, v VARCHAR(20));

INSERT INTO t_5 (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c');

CREATE INDEX ix_t_5 ON t_5 (v);

INSERT INTO applied_log (revision) VALUES ('005');

CREATE TABLE u_5 (id INTEGER);

UPDATE alembic_version SET version_num='005' WHERE alembic_version.version_num = '004';

`)
    expect(all.stdout).to.equal(
      `-- Database: customers/acme\n\n${one.stdout}-- Database: customers/globex\n\n${one.stdout}`,
    )
    expect(`${readFileSync(path.join(dir, 'seed/customers/globex.sql'), 'utf8').replace(/\n$/, '')}\n`).to.equal(
      one.stdout,
    )
  })

  if (dialectsUnderTest().includes('postgresql')) {
    it('PostgreSQL: a schema per tenant (schema_template), 100 schemas of one database at --parallel 8: each holds its own version table and objects, the broken one is named, a rerun finishes it, --sql sets the schema', async function () {
      this.timeout(300_000)
      const db = await createTestDatabase('postgresql')
      try {
        const tenants = Array.from({length: 100}, (_, i) => `c${String(i).padStart(3, '0')}`)
        const dir = fleetProject(
          `url_template = ${db.url}\nschema_template = tenant_\${tenant}\ntenants = ${tenants.join(', ')}`,
        )
        // c042's schema exists already, with the table revision 003 creates; the others are created by upgrade.
        await connected(db, async (c) => {
          await c.query('CREATE SCHEMA tenant_c042')
          await c.query('CREATE TABLE tenant_c042.t_3 (id INTEGER)')
        })
        const before = await runCli(['current', '--db', 'customers/c001'], {cwd: dir})
        expect(before, 'a schema not created yet is at base').to.deep.equal({code: 0, stderr: '', stdout: '<base>\n'})

        const run = await runCli(['upgrade', 'head', '--parallel', '8'], {cwd: dir})
        expect(run.code).to.equal(1)
        expect(run.stderr).to.equal(
          'Error: 1 of 100 databases failed: customers/c042: upgrade 002 -> 003 (003_step.sql) failed: relation "t_3" already exists [SQL: CREATE TABLE t_3 (id INTEGER PRIMARY KEY, v VARCHAR(20))]; rolled back, the database is at 002\n',
        )
        expect(run.stdout.trim().split('\n').at(-1)).to.equal(
          'Summary: 99 migrated, 0 already there, 1 failed (customers/c042)',
        )
        await connected(db, async (c) => {
          const {rows} = await c.query(
            `SELECT table_schema AS s, count(*)::int AS n FROM information_schema.tables WHERE table_schema LIKE 'tenant_%' OR table_schema = 'public' GROUP BY 1 ORDER BY 1`,
          )
          // Each schema: alembic_version, db_manage_history, applied_log and t_k, u_k for k = 1..5; c042: up to 2, and its stray t_3.
          expect(rows.filter((r) => r.n === 13).map((r) => r.s)).to.have.length(99)
          expect(rows.find((r) => r.s === 'tenant_c042')?.n).to.equal(8)
          expect(rows.some((r) => r.s === 'public')).to.equal(false)
          await c.query('DROP TABLE tenant_c042.t_3')
        })

        const rerun = await runCli(['upgrade', 'head', '--parallel', '8'], {cwd: dir})
        expect(rerun.code, rerun.stderr).to.equal(0)
        expect(rerun.stdout.trim().split('\n').at(-1)).to.equal('Summary: 1 migrated, 99 already there, 0 failed')
        const down = await runCli(['downgrade', '004', '--db', 'customers/c007'], {cwd: dir})
        expect(down.code, down.stderr).to.equal(0)
        const json = JSON.parse((await runCli(['current', '--json'], {cwd: dir})).stdout).data as Array<{
          database: string
          current: string
        }>
        expect(json.filter((j) => j.current !== '005').map((j) => [j.database, j.current])).to.deep.equal([
          ['customers/c007', '004'],
        ])

        const sql = await runCli(['upgrade', 'base:001', '--sql', '--db', 'customers/c005'], {cwd: dir})
        expect(noHistory(sql.stdout)).to.equal(`CREATE SCHEMA IF NOT EXISTS "tenant_c005";

SET search_path TO "tenant_c005";

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

BEGIN;

-- Running upgrade  -> 001

CREATE TABLE applied_log (revision VARCHAR(8) NOT NULL);

CREATE TABLE t_1 (id INTEGER PRIMARY KEY, v VARCHAR(20));

INSERT INTO t_1 (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c');

CREATE INDEX ix_t_1 ON t_1 (v);

INSERT INTO applied_log (revision) VALUES ('001');

CREATE TABLE u_1 (id INTEGER);

INSERT INTO alembic_version (version_num) VALUES ('001');

COMMIT;

`)
        const later = await runCli(['upgrade', '004:005', '--sql', '--db', 'customers/c005'], {cwd: dir})
        expect(noHistory(later.stdout)).to.equal(`SET search_path TO "tenant_c005";

BEGIN;

-- Running upgrade 004 -> 005

CREATE TABLE t_5 (id INTEGER PRIMARY KEY, v VARCHAR(20));

INSERT INTO t_5 (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c');

CREATE INDEX ix_t_5 ON t_5 (v);

INSERT INTO applied_log (revision) VALUES ('005');

CREATE TABLE u_5 (id INTEGER);

UPDATE alembic_version SET version_num='005' WHERE alembic_version.version_num = '004';

COMMIT;

`)
      } finally {
        await db.drop()
      }
    })

    it('PostgreSQL: 100 tenant databases from a tenants_query, --parallel 8 on at most 9 connections; the broken one is named, exit 1, and a rerun finishes it', async function () {
      this.timeout(300_000)
      const prefix = `dbm_t${randomBytes(3).toString('hex')}_`
      const tenants = Array.from({length: 100}, (_, i) => `${prefix}${String(i).padStart(3, '0')}`)
      const admin = await adminConnection('postgresql')
      const server = process.env.DB_MANAGE_TEST_PG_URL!
      const tenantUrl = (t: string) => server.replace(/\/[^/]*$/, `/${t}`)
      try {
        for (const t of tenants) await admin.query(`CREATE DATABASE ${t}`)
        const broken = tenants[42]
        const dir = fleetProject(
          `url_template = ${server.replace(/\/[^/]*$/, '/${tenant}')}\ncontrol_url = ${server}\ntenants_query = SELECT datname FROM pg_database WHERE datname LIKE '${prefix}%' ORDER BY 1`,
        )
        const {getDialect} = await import('../../../src/dialects/registry.js')
        const {parseDatabaseUrl} = await import('../../../src/config/database-url.js')
        const pg = await getDialect('postgresql')
        const stray = await pg.connect(parseDatabaseUrl(tenantUrl(broken)), 10_000)
        await stray.query('CREATE TABLE t_3 (id INTEGER)')
        await stray.close()

        // Count db-manage's connections while it runs.
        let peak = 0
        let watching = true
        const watch = (async () => {
          while (watching) {
            const {rows} = await admin.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'db-manage' AND datname LIKE $1",
              [`${prefix}%`],
            )
            peak = Math.max(peak, Number(rows[0].n))
            await new Promise((r) => setTimeout(r, 10))
          }
        })()
        const run = await startCli(['upgrade', 'head', '--parallel', '8'], {cwd: dir})
        watching = false
        await watch
        expect(run.code).to.equal(1)
        expect(run.stderr).to.equal(
          `Error: 1 of 100 databases failed: customers/${broken}: upgrade 002 -> 003 (003_step.sql) failed: relation "t_3" already exists [SQL: CREATE TABLE t_3 (id INTEGER PRIMARY KEY, v VARCHAR(20))]; rolled back, the database is at 002\n`,
        )
        expect(run.stdout.trim().split('\n').at(-1)).to.equal(
          `Summary: 99 migrated, 0 already there, 1 failed (customers/${broken})`,
        )
        expect(peak).to.be.within(1, 8)

        const fix = await pg.connect(parseDatabaseUrl(tenantUrl(broken)), 10_000)
        await fix.query('DROP TABLE t_3')
        await fix.close()
        const rerun = await runCli(['upgrade', 'head', '--parallel', '8'], {cwd: dir})
        expect(rerun.code, rerun.stderr).to.equal(0)
        expect(rerun.stdout.trim().split('\n').at(-1)).to.equal('Summary: 1 migrated, 99 already there, 0 failed')
        const json = JSON.parse((await runCli(['current', '--json', '--parallel', '8'], {cwd: dir})).stdout)
          .data as Array<{database: string; current: string}>
        expect(json).to.have.length(100)
        expect(new Set(json.map((j) => j.current))).to.deep.equal(new Set(['005']))
      } finally {
        for (const t of tenants) await admin.query(`DROP DATABASE IF EXISTS ${t} WITH (FORCE)`)
        await admin.close()
      }
    })
  }
})

describe('two databases of one service, one config: SQLite on a laptop, PostgreSQL in production', () => {
  const config = [
    '[db_manage]',
    '',
    '[database:catalog]',
    'connection = ${CATALOG_URL:-sqlite:///catalog.sqlite}',
    'script_location = catalog',
    '',
    '[database:monitoring]',
    'connection = ${MONITORING_URL:-sqlite:///monitoring.sqlite}',
    'script_location = monitoring',
    '',
  ].join('\n')
  const script = (up: string, down: string) =>
    `import type {Operations} from 'db-manage'\n\nexport async function upgrade(op: Operations) {\n  ${up}\n}\n\nexport async function downgrade(op: Operations) {\n  ${down}\n}\n`

  for (const dialect of dialectsUnderTest().filter((d) => d !== 'mysql')) {
    it(`${dialect}: upgrade head migrates both chains in file order, current and --db NAME see each, downgrade base empties both`, async function () {
      this.timeout(60_000)
      const dir = tempProject()
      for (const name of ['catalog', 'monitoring']) mkdirSync(path.join(dir, name))
      writeFileSync(path.join(dir, 'db-manage.ini'), config)
      const header = (id: string, down: string, message: string) =>
        `export const revision = '${id}'\nexport const downRevision = ${down ? `'${down}'` : 'null'}\nexport const message = '${message}'\n\n`
      writeFileSync(
        path.join(dir, 'catalog', '001_hosts.ts'),
        header('001', '', 'hosts') +
          script(
            "await op.createTable('hosts', [op.column('id', 'integer', {primaryKey: true}), op.column('name', 'string(80)', {nullable: false})])",
            "await op.dropTable('hosts')",
          ),
      )
      writeFileSync(
        path.join(dir, 'catalog', '002_host_kind.ts'),
        header('002', '001', 'host kind') +
          script(
            "await op.addColumn('hosts', op.column('kind', 'string(20)', {default: 'vm'}))",
            "await op.dropColumn('hosts', 'kind')",
          ),
      )
      writeFileSync(
        path.join(dir, 'monitoring', '001_samples.ts'),
        header('001', '', 'samples') +
          script(
            "await op.createTable('samples', [op.column('id', 'bigint', {primaryKey: true}), op.column('at', 'timestamp', {nullable: false})])",
            "await op.dropTable('samples')",
          ),
      )
      linkDbManage(dir)

      const made =
        dialect === 'postgresql' ? [await createTestDatabase('postgresql'), await createTestDatabase('postgresql')] : []
      const env = made.length > 0 ? {CATALOG_URL: made[0].url, MONITORING_URL: made[1].url} : {}
      try {
        const up = await runCli(['upgrade', 'head'], {cwd: dir, env})
        expect(up.code, up.stderr).to.equal(0)
        expect(up.stdout.replace(/ \(\d+ ms\)/g, '')).to.equal(
          '[catalog] upgrade <base> -> 001, hosts\n[catalog] upgrade 001 -> 002, host kind\n[monitoring] upgrade <base> -> 001, samples\n',
        )
        expect((await runCli(['current'], {cwd: dir, env})).stdout).to.equal(
          '[catalog] 002 (head)\n[monitoring] 001 (head)\n',
        )
        expect((await runCli(['downgrade', '-1', '--db', 'catalog'], {cwd: dir, env})).code).to.equal(0)
        expect((await runCli(['current', '--db', 'catalog'], {cwd: dir, env})).stdout).to.equal('001\n')
        expect((await runCli(['check_migration'], {cwd: dir, env})).code).to.equal(0)
        const down = await runCli(['downgrade', 'base'], {cwd: dir, env})
        expect(down.code, down.stderr).to.equal(0)
        expect(down.stdout.replace(/ \(\d+ ms\)/g, '')).to.equal(
          '[catalog] downgrade 001 -> <base>, hosts\n[monitoring] downgrade 001 -> <base>, samples\n',
        )
        const tables =
          made.length > 0
            ? await Promise.all(
                made.map((db) =>
                  connected(db, async (c) =>
                    (
                      await c.query(
                        "SELECT table_name AS n FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
                      )
                    ).rows.map((r) => String(r.n)),
                  ),
                ),
              )
            : await Promise.all(
                ['catalog', 'monitoring'].map(async (name) => {
                  const {default: Database} = await import('better-sqlite3')
                  const file = new Database(path.join(dir, `${name}.sqlite`))
                  const names = (
                    file.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1").all() as Array<{
                      name: string
                    }>
                  ).map((r) => r.name)
                  file.close()
                  return names
                }),
              )
        expect(tables).to.deep.equal([
          ['alembic_version', 'db_manage_history'],
          ['alembic_version', 'db_manage_history'],
        ])
      } finally {
        for (const db of made) await db.drop()
      }
    })
  }
})
