import {expect} from 'chai'
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {scriptChecksum} from '../../../src/script/script-directory.js'
import {ROOT, runBinary, runCli, tempProject} from '../../helpers/cli.js'

/** Two small revisions, the second with a bulk insert whose literals need escaping. */
function project(ini = ''): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(path.join(dir, 'db-manage.ini'), `[db_manage]\nscript_location = migrations\n${ini}`)
  writeFileSync(
    path.join(dir, 'migrations', '001_a.ts'),
    `export const revision = '001'
export const downRevision = null
export const message = 'a'
export async function upgrade(op: any) {
  await op.createTable('a', [op.column('id', 'integer', {primaryKey: true}), op.column('name', 'string(20)', {nullable: false})])
}
export async function downgrade(op: any) {
  await op.dropTable('a')
}
`,
  )
  writeFileSync(
    path.join(dir, 'migrations', '002_b.ts'),
    `export const revision = '002'
export const downRevision = '001'
export const message = 'b'
export async function upgrade(op: any) {
  await op.bulkInsert('a', [{id: 1, name: "it's"}, {id: 2, name: 'back\\\\slash'}])
  await op.execute(op.dialect === 'postgresql' ? 'UPDATE a SET name = $1 WHERE id = $2' : 'UPDATE a SET name = ? WHERE id = ?', ['q?', 2])
}
export async function downgrade(op: any) {
  await op.execute('DELETE FROM a')
}
`,
  )
  return dir
}

/** The history table's statements, left out where a test is about the rest (they have a test of their own). */
const noHistory = (sql: string) =>
  sql
    .replaceAll(/CREATE TABLE IF NOT EXISTS [`"]?db_manage_history[\s\S]*?\n\);\n\n/g, '')
    .replaceAll(/(INSERT INTO|UPDATE) db_manage_history [^\n]*;\n\n/g, '')

/** The history row's columns, as every INSERT into it lists them. */
const HISTORY_COLUMNS =
  'revision, direction, from_revision, to_revision, checksum, applied_at, duration_ms, applied_by, db_manage_version'

const CREATE_VERSION =
  'CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n\n'

describe('offline SQL (--sql)', () => {
  it('PostgreSQL: BEGIN/COMMIT per revision, version table from base, escaped literals', async () => {
    // The binary, end to end: --sql's output on stdout.
    const result = await runBinary(['upgrade', '--sql', '--dialect', 'postgresql'], {cwd: project()})
    expect(result.stderr).to.equal('')
    expect(noHistory(result.stdout)).to.equal(`${CREATE_VERSION}BEGIN;

-- Running upgrade  -> 001

CREATE TABLE "a" (
    "id" INTEGER NOT NULL,
    "name" VARCHAR(20) NOT NULL,
    PRIMARY KEY ("id")
);

INSERT INTO alembic_version (version_num) VALUES ('001');

COMMIT;

BEGIN;

-- Running upgrade 001 -> 002

INSERT INTO "a" ("id", "name") VALUES (1, 'it''s'), (2, 'back\\slash');

UPDATE a SET name = 'q?' WHERE id = 2;

UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';

COMMIT;

`)
  })

  it('MySQL: no BEGIN/COMMIT, backslashes escaped; a range leaves out the version table CREATE', async () => {
    const result = await runCli(['upgrade', '001:002', '--sql', '--url', 'mysql://u:pw@h/d'], {cwd: project()})
    expect(noHistory(result.stdout)).to.equal(`-- Running upgrade 001 -> 002

INSERT INTO \`a\` (\`id\`, \`name\`) VALUES (1, 'it''s'), (2, 'back\\\\slash');

UPDATE a SET name = 'q?' WHERE id = 2;

UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';

`)
  })

  it('SQLite with one transaction for the run: no BEGIN/COMMIT (as Alembic), downgrade deletes the row at base', async () => {
    const dir = project('transaction_per_migration = false\n\n[database]\nconnection = sqlite:///x.sqlite\n')
    const result = await runCli(['downgrade', '--sql', 'head:base'], {cwd: dir})
    expect(noHistory(result.stdout)).to.equal(`-- Running downgrade 002 -> 001

DELETE FROM a;

UPDATE alembic_version SET version_num='001' WHERE alembic_version.version_num = '002';

-- Running downgrade 001 -> 

DROP TABLE "a";

DELETE FROM alembic_version WHERE alembic_version.version_num = '001';

`)
  })

  it('PostgreSQL with transaction_per_migration = false: one BEGIN/COMMIT around the run', async () => {
    const result = await runCli(['upgrade', 'base:001', '--sql', '--dialect', 'postgresql'], {
      cwd: project('transaction_per_migration = false\n'),
    })
    expect(noHistory(result.stdout)).to.equal(
      `BEGIN;\n\n${CREATE_VERSION}-- Running upgrade  -> 001\n\nCREATE TABLE "a" (\n    "id" INTEGER NOT NULL,\n    "name" VARCHAR(20) NOT NULL,\n    PRIMARY KEY ("id")\n);\n\nINSERT INTO alembic_version (version_num) VALUES ('001');\n\nCOMMIT;\n\n`,
    )
  })

  it('--no-version-table leaves out every version-table statement; -o writes a file', async () => {
    const dir = project()
    const result = await runCli(['upgrade', '--sql', '--dialect', 'sqlite', '--no-version-table', '-o', 'out.sql'], {
      cwd: dir,
    })
    expect(result.stdout).to.equal('')
    const sql = readFileSync(path.join(dir, 'out.sql'), 'utf8')
    expect(result.stderr).to.equal(`Wrote ${Buffer.byteLength(sql)} bytes of SQL to out.sql\n`)
    expect(sql).to.equal(`-- Running upgrade  -> 001

CREATE TABLE "a" (
    "id" INTEGER NOT NULL,
    "name" VARCHAR(20) NOT NULL,
    PRIMARY KEY ("id")
);

-- Running upgrade 001 -> 002

INSERT INTO "a" ("id", "name") VALUES (1, 'it''s'), (2, 'back\\slash');

UPDATE a SET name = 'q?' WHERE id = 2;

`)
    const env = await runCli(['upgrade', '--dialect', 'sqlite', '--no-version-table'], {
      cwd: dir,
      env: {DB_MANAGE_SQL: '1'},
    })
    expect(env.stdout).to.equal(sql)
  })

  it('a concurrent index on a table the chain created renders as an autocommit block, in every range', async () => {
    const dir = project()
    writeFileSync(
      path.join(dir, 'migrations', '003_ix.ts'),
      `export const revision = '003'
export const downRevision = '002'
export const message = 'ix'
export async function upgrade(op: any) {
  await op.createIndex('ix_a_name', 'a', ['name'], {concurrently: true})
}
export async function downgrade(op: any) {
  await op.dropIndex('ix_a_name')
}
`,
    )
    // Out of the transaction: no BEGIN before it and no empty BEGIN; COMMIT; after it.
    const step = '-- Running upgrade 002 -> 003\n\nCREATE INDEX CONCURRENTLY "ix_a_name" ON "a" ("name");\n\n'
    const range = await runCli(['upgrade', '--sql', '002:003', '--dialect', 'postgresql', '--no-version-table'], {
      cwd: dir,
    })
    expect(range).to.deep.equal({code: 0, stderr: '', stdout: step})
    const whole = await runCli(['upgrade', '--sql', '--dialect', 'postgresql'], {cwd: dir})
    expect(whole.code).to.equal(0)
    expect(noHistory(whole.stdout)).to.equal(`${CREATE_VERSION}BEGIN;

-- Running upgrade  -> 001

CREATE TABLE "a" (
    "id" INTEGER NOT NULL,
    "name" VARCHAR(20) NOT NULL,
    PRIMARY KEY ("id")
);

INSERT INTO alembic_version (version_num) VALUES ('001');

COMMIT;

BEGIN;

-- Running upgrade 001 -> 002

INSERT INTO "a" ("id", "name") VALUES (1, 'it''s'), (2, 'back\\slash');

UPDATE a SET name = 'q?' WHERE id = 2;

UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';

COMMIT;

${step}BEGIN;

UPDATE alembic_version SET version_num='003' WHERE alembic_version.version_num = '002';

COMMIT;

`)
  })

  it('a transaction = false revision renders without BEGIN/COMMIT around its statements, marked started, then its version', async () => {
    const dir = project()
    writeFileSync(
      path.join(dir, 'migrations', '003_enum.ts'),
      `export const revision = '003'
export const downRevision = '002'
export const message = 'enum'
export const transaction = false
export async function upgrade(op: any) {
  await op.execute("ALTER TYPE mood ADD VALUE 'ok'")
  await op.execute('VACUUM a')
}
export async function downgrade(op: any) {
  await op.execute('SELECT 1')
}
`,
    )
    const range = await runCli(['upgrade', '--sql', '002:003', '--dialect', 'postgresql'], {cwd: dir})
    expect(range.code, range.stderr).to.equal(0)
    expect(range.stdout.replace(/CREATE TABLE IF NOT EXISTS "db_manage_history"[\s\S]*?\n\);\n\n/, '')).to.match(
      new RegExp(
        '^-- Running upgrade 002 -> 003 outside a transaction \\(transaction = false\\)\n\n' +
          "INSERT INTO db_manage_history \\(revision, direction, [^\n]*\\) VALUES \\('003', 'started', '002', '003', [^\n]*\\);\n\n" +
          "ALTER TYPE mood ADD VALUE 'ok';\n\nVACUUM a;\n\nBEGIN;\n\n" +
          "UPDATE alembic_version SET version_num='003' WHERE alembic_version.version_num = '002';\n\n" +
          "UPDATE db_manage_history SET direction = 'upgrade', duration_ms = NULL WHERE direction = 'started';\n\nCOMMIT;\n\n$",
      ),
    )
    const sqlDir = project()
    writeFileSync(
      path.join(sqlDir, 'migrations', '003_enum.sql'),
      '-- revision: 003\n-- down_revision: 002\n-- message: enum\n-- transaction: false\n-- +upgrade\nVACUUM a;\n-- +downgrade\nSELECT 1;\n',
    )
    const sql = await runCli(['upgrade', '--sql', '002:003', '--dialect', 'postgresql', '--no-version-table'], {
      cwd: sqlDir,
    })
    expect(sql).to.deep.equal({
      code: 0,
      stderr: '',
      stdout: '-- Running upgrade 002 -> 003 outside a transaction (transaction = false)\n\nVACUUM a;\n\n',
    })
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[db_manage]\nscript_location = migrations\ntransaction_per_migration = false\n',
    )
    const refused = await runCli(['upgrade', '--sql', '--dialect', 'postgresql'], {cwd: dir})
    expect(refused).to.deep.equal({
      code: 1,
      stderr:
        'Error: 003_enum.ts runs outside a transaction (transaction = false), which one transaction for the whole run' +
        ' (transaction_per_migration = false) cannot hold; nothing was changed\n',
      stdout: '',
    })
  })

  it('a key createTable named at table level is known to a later revision in the same render (issue 14 item 5)', async () => {
    const dir = tempProject()
    mkdirSync(path.join(dir, 'migrations'))
    writeFileSync(path.join(dir, 'db-manage.ini'), '[db_manage]\nscript_location = migrations\n')
    writeFileSync(
      path.join(dir, 'migrations', '001_a.ts'),
      `export const revision = '001'
export const downRevision = null
export const message = 'a'
export async function upgrade(op: any) {
  await op.createTable('payment', [op.column('payment_id', 'integer', {nullable: false}), op.column('payment_date', 'timestamp', {nullable: false}), op.column('note', 'string(20)', {collation: 'C'})],
    {primaryKey: {name: 'payment_pkey', columns: ['payment_date', 'payment_id']}, uniques: [{name: 'payment_note', columns: ['note']}]})
}
`,
    )
    writeFileSync(
      path.join(dir, 'migrations', '002_b.ts'),
      `export const revision = '002'
export const downRevision = '001'
export const message = 'b'
export async function upgrade(op: any) {
  await op.batchAlterTable('payment', (batch: any) => {
    batch.dropConstraint('payment_note', {type: 'unique'})
    batch.dropConstraint('payment_pkey', {type: 'primary'})
    batch.createPrimaryKey('payment_pkey', ['payment_id'])
  })
}
`,
    )
    const out = await runCli(['upgrade', '--sql', '--dialect', 'postgresql', '--no-version-table'], {cwd: dir})
    expect(out.stderr).to.equal('')
    expect(out.stdout).to.equal(`BEGIN;

-- Running upgrade  -> 001

CREATE TABLE "payment" (
    "payment_id" INTEGER NOT NULL,
    "payment_date" TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    "note" VARCHAR(20) COLLATE "C",
    CONSTRAINT "payment_pkey" PRIMARY KEY ("payment_date", "payment_id"),
    CONSTRAINT "payment_note" UNIQUE ("note")
);

COMMIT;

BEGIN;

-- Running upgrade 001 -> 002

ALTER TABLE "payment" DROP CONSTRAINT "payment_note";

ALTER TABLE "payment" DROP CONSTRAINT "payment_pkey";

ALTER TABLE "payment" ADD CONSTRAINT "payment_pkey" PRIMARY KEY ("payment_id");

COMMIT;

`)
  })

  it('the history table is created beside the version table and gets a row per step, on each dialect', async () => {
    const dir = project()
    const {version} = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
    const sum = (file: string) => scriptChecksum(readFileSync(path.join(dir, 'migrations', file), 'utf8'))
    const env = {DB_MANAGE_ACTOR: 'ci@runner'}
    const pg = (await runCli(['upgrade', '--sql', '--dialect', 'postgresql'], {cwd: dir, env})).stdout
    expect(pg).to.equal(`${CREATE_VERSION}CREATE TABLE IF NOT EXISTS "db_manage_history" (
    "id" INTEGER NOT NULL GENERATED BY DEFAULT AS IDENTITY,
    "revision" VARCHAR(32) NOT NULL,
    "direction" VARCHAR(16) NOT NULL,
    "from_revision" VARCHAR(32),
    "to_revision" VARCHAR(32),
    "checksum" VARCHAR(64),
    "applied_at" TIMESTAMP WITHOUT TIME ZONE NOT NULL,
    "duration_ms" INTEGER,
    "applied_by" VARCHAR(255),
    "db_manage_version" VARCHAR(32),
    PRIMARY KEY ("id")
);

BEGIN;

-- Running upgrade  -> 001

CREATE TABLE "a" (
    "id" INTEGER NOT NULL,
    "name" VARCHAR(20) NOT NULL,
    PRIMARY KEY ("id")
);

INSERT INTO alembic_version (version_num) VALUES ('001');

INSERT INTO db_manage_history (${HISTORY_COLUMNS}) VALUES ('001', 'upgrade', NULL, '001', '${sum('001_a.ts')}', (now() AT TIME ZONE 'utc'), NULL, 'ci@runner (--sql)', '${version}');

COMMIT;

BEGIN;

-- Running upgrade 001 -> 002

INSERT INTO "a" ("id", "name") VALUES (1, 'it''s'), (2, 'back\\slash');

UPDATE a SET name = 'q?' WHERE id = 2;

UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';

INSERT INTO db_manage_history (${HISTORY_COLUMNS}) VALUES ('002', 'upgrade', '001', '002', '${sum('002_b.ts')}', (now() AT TIME ZONE 'utc'), NULL, 'ci@runner (--sql)', '${version}');

COMMIT;

`)
    const mysql = (await runCli(['downgrade', '--sql', '002:001', '--dialect', 'mysql'], {cwd: dir, env})).stdout
    // MySQL commits DDL as it goes: the step is marked in progress before its first statement, and the mark becomes
    // its row after the version moves (found by reading the primary key backwards, not the whole history).
    expect(mysql).to.equal(`CREATE TABLE IF NOT EXISTS \`db_manage_history\` (
    \`id\` INTEGER NOT NULL AUTO_INCREMENT,
    \`revision\` VARCHAR(32) NOT NULL,
    \`direction\` VARCHAR(16) NOT NULL,
    \`from_revision\` VARCHAR(32),
    \`to_revision\` VARCHAR(32),
    \`checksum\` VARCHAR(64),
    \`applied_at\` DATETIME NOT NULL,
    \`duration_ms\` INTEGER,
    \`applied_by\` VARCHAR(255),
    \`db_manage_version\` VARCHAR(32),
    PRIMARY KEY (\`id\`)
);

-- Running downgrade 002 -> 001

INSERT INTO db_manage_history (${HISTORY_COLUMNS}) VALUES ('002', 'started', '002', '001', '${sum('002_b.ts')}', UTC_TIMESTAMP(), NULL, 'ci@runner (--sql)', '${version}');

DELETE FROM a;

UPDATE alembic_version SET version_num='001' WHERE alembic_version.version_num = '002';

UPDATE db_manage_history SET direction = 'downgrade', duration_ms = NULL WHERE direction = 'started' ORDER BY id DESC LIMIT 1;

`)
    // Upgrading 001 and 002: each step's mark before its statements, its completion after its version update (two
    // autocommit statements a step; a combined INSERT ... SELECT ... ON DUPLICATE KEY UPDATE of the completion and
    // the next mark cost the server more than the two, bench/README.md).
    const upgrade = (await runCli(['upgrade', '--sql', '--dialect', 'mysql'], {cwd: dir, env})).stdout
    const completion =
      "UPDATE db_manage_history SET direction = 'upgrade', duration_ms = NULL WHERE direction = 'started' ORDER BY id DESC LIMIT 1;"
    expect(
      upgrade.split('\n\n').filter((s) => /^(INSERT INTO|UPDATE) (db_manage_history|alembic_version)/.test(s)),
    ).to.deep.equal([
      `INSERT INTO db_manage_history (${HISTORY_COLUMNS}) VALUES ('001', 'started', NULL, '001', '${sum('001_a.ts')}', UTC_TIMESTAMP(), NULL, 'ci@runner (--sql)', '${version}');`,
      "INSERT INTO alembic_version (version_num) VALUES ('001');",
      completion,
      `INSERT INTO db_manage_history (${HISTORY_COLUMNS}) VALUES ('002', 'started', '001', '002', '${sum('002_b.ts')}', UTC_TIMESTAMP(), NULL, 'ci@runner (--sql)', '${version}');`,
      "UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';",
      completion,
    ])
    const sqlite = (await runCli(['stamp', '--sql', '002', '--dialect', 'sqlite'], {cwd: dir, env})).stdout
    expect(sqlite).to.equal(`${CREATE_VERSION}CREATE TABLE IF NOT EXISTS "db_manage_history" (
    "id" INTEGER NOT NULL,
    "revision" VARCHAR(32) NOT NULL,
    "direction" VARCHAR(16) NOT NULL,
    "from_revision" VARCHAR(32),
    "to_revision" VARCHAR(32),
    "checksum" VARCHAR(64),
    "applied_at" TIMESTAMP NOT NULL,
    "duration_ms" INTEGER,
    "applied_by" VARCHAR(255),
    "db_manage_version" VARCHAR(32),
    PRIMARY KEY ("id")
);

INSERT INTO alembic_version (version_num) VALUES ('002');

INSERT INTO db_manage_history (${HISTORY_COLUMNS}) VALUES ('002', 'stamp', NULL, '002', '${sum('002_b.ts')}', CURRENT_TIMESTAMP, NULL, 'ci@runner (--sql)', '${version}');

`)
    // --no-version-table leaves out both tables.
    expect(
      (await runCli(['upgrade', '--sql', '--dialect', 'sqlite', '--no-version-table'], {cwd: dir})).stdout,
    ).to.not.include('db_manage_history')
  })

  it('stamp --sql writes only the version table', async () => {
    expect(
      noHistory((await runCli(['stamp', '--sql', '002', '--dialect', 'postgresql'], {cwd: project()})).stdout),
    ).to.equal(`BEGIN;\n\n${CREATE_VERSION}INSERT INTO alembic_version (version_num) VALUES ('002');\n\nCOMMIT;\n\n`)
    expect(
      noHistory((await runCli(['stamp', '--sql', '001:002', '--dialect', 'mysql'], {cwd: project()})).stdout),
    ).to.equal("UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';\n\n")
  })

  it('a script that needs a live connection fails before any output, naming it', async () => {
    const dir = project()
    writeFileSync(
      path.join(dir, 'migrations', '003_c.ts'),
      `export const revision = '003'
export const downRevision = '002'
export async function upgrade(op: any) {
  const rows = await op.query('SELECT id FROM a')
  for (const r of rows) await op.execute('UPDATE a SET name = name WHERE id = ' + r.id)
}
`,
    )
    const result = await runCli(['upgrade', '--sql', '--dialect', 'postgresql', '-o', 'out.sql'], {cwd: dir})
    expect(result).to.deep.equal({
      code: 1,
      stderr: 'Error: 003_c.ts calls op.query, which needs a live database: it cannot be rendered with --sql\n',
      stdout: '',
    })
    expect(() => readFileSync(path.join(dir, 'out.sql'))).to.throw()
  })

  it('refuses what offline cannot know', async () => {
    const dir = project()
    expect(await runCli(['downgrade', '--sql', '001', '--dialect', 'mysql'], {cwd: dir})).to.deep.equal({
      code: 2,
      stderr:
        'Error: downgrade --sql needs a range START:END (e.g. 005:003): offline there is no database to say where it starts\n',
      stdout: '',
    })
    expect((await runCli(['upgrade', '--sql', '--delta', '1', '--dialect', 'mysql'], {cwd: dir})).stderr).to.equal(
      "Error: --delta counts from the database's revision, which --sql does not read: give START:END\n",
    )
    expect((await runCli(['upgrade', '--sql'], {cwd: dir})).stderr).to.equal(
      'Error: --sql needs a dialect: configure a connection URL for [default] or pass --dialect postgresql|mysql|sqlite\n',
    )
    expect((await runCli(['upgrade', '002:001', '--sql', '--dialect', 'mysql'], {cwd: dir})).stderr).to.equal(
      'Error: upgrade --sql 002:001: 001 is below 002; use downgrade --sql\n',
    )
    expect((await runCli(['upgrade', '--no-version-table'], {cwd: dir})).stderr).to.equal(
      'Error: The following error occurred: All of the following must be provided when using --no-version-table: --sql\n',
    )
  })
})

describe('--sql written as it is rendered', () => {
  it('stdout and -o get the text --json returns, byte for byte; a failing render writes nothing, and leaves nothing', async () => {
    const dir = project()
    // Over 1 MB of SQL with two-byte characters (where a chunk of the spool may cut one in two), a comment after it.
    writeFileSync(
      path.join(dir, 'migrations', '003_c.ts'),
      `export const revision = '003'
export const downRevision = '002'
export async function upgrade(op: any) {
  for (let i = 0; i < 40; i++) await op.execute("INSERT INTO a (id, name) VALUES (" + (10 + i) + ", 'é" + "€".repeat(20000 + i) + "')")
}
`,
    )
    const tmp = path.join(dir, 'tmp')
    mkdirSync(tmp)
    const env = {TMPDIR: tmp}
    const json = await runCli(['upgrade', '--sql', '--dialect', 'postgresql', '--json'], {cwd: dir, env})
    expect(json.code, json.stderr).to.equal(0)
    const [{sql}] = (JSON.parse(json.stdout) as {data: Array<{sql: string}>}).data
    expect(Buffer.byteLength(sql)).to.be.above(1.6e6)
    const out = await runCli(['upgrade', '--sql', '--dialect', 'postgresql'], {cwd: dir, env})
    expect(out.code, out.stderr).to.equal(0)
    expect(out.stdout === sql, 'stdout differs from the --json text').to.equal(true)
    const file = await runCli(['upgrade', '--sql', '--dialect', 'postgresql', '-o', 'out.sql'], {cwd: dir, env})
    expect(file.stderr).to.equal(`Wrote ${Buffer.byteLength(sql)} bytes of SQL to out.sql\n`)
    expect(readFileSync(path.join(dir, 'out.sql'), 'utf8') === sql, 'out.sql differs from the --json text').to.equal(
      true,
    )

    // A revision that cannot be rendered, after SQL was spooled: nothing on stdout, out.sql as it was, no spool left.
    writeFileSync(
      path.join(dir, 'migrations', '004_d.ts'),
      `export const revision = '004'
export const downRevision = '003'
export async function upgrade(op: any) {
  await op.query('SELECT 1')
}
`,
    )
    const error = 'Error: 004_d.ts calls op.query, which needs a live database: it cannot be rendered with --sql\n'
    for (const argv of [[], ['-o', 'out.sql']])
      expect(await runCli(['upgrade', '--sql', '--dialect', 'postgresql', ...argv], {cwd: dir, env})).to.deep.equal({
        code: 1,
        stderr: error,
        stdout: '',
      })
    expect(readFileSync(path.join(dir, 'out.sql'), 'utf8') === sql).to.equal(true)
    expect(readdirSync(tmp).filter((f) => f.startsWith('db-manage-sql-'))).to.deep.equal([])
  })
})

describe('command: exec', () => {
  it('runs statements one by one, printing rows and counts, and --dry-run only prints', async () => {
    const dir = project('\n[database]\nconnection = sqlite:///x.sqlite\n')
    writeFileSync(
      path.join(dir, 'fix.sql'),
      "-- setup\nCREATE TABLE n (id INTEGER, body TEXT);\nINSERT INTO n VALUES (1, 'semi;colon'), (2, 'it''s');\nSELECT id, body FROM n ORDER BY id;\n",
    )
    const dry = await runCli(['exec', 'fix.sql', '--dry-run'], {cwd: dir})
    expect(dry.stdout).to.equal(
      "-- statement 1\nCREATE TABLE n (id INTEGER, body TEXT);\n-- statement 2\nINSERT INTO n VALUES (1, 'semi;colon'), (2, 'it''s');\n-- statement 3\nSELECT id, body FROM n ORDER BY id;\n",
    )
    const run = await runCli(['exec'], {cwd: dir, env: {DB_MANAGE_EXEC_FILE: 'fix.sql'}})
    expect(run.stdout).to.equal(
      '-- statement 1\nCREATE TABLE n (id INTEGER, body TEXT);\n  (0 rows affected)\n-- statement 2\nINSERT INTO n VALUES (1, \'semi;colon\'), (2, \'it\'\'s\');\n  (2 rows affected)\n-- statement 3\nSELECT id, body FROM n ORDER BY id;\n  {"id":1,"body":"semi;colon"}\n  {"id":2,"body":"it\'s"}\n  (2 rows)\n',
    )
    writeFileSync(path.join(dir, 'bad.sql'), "INSERT INTO n VALUES (3, 'x');\nSELECT nope FROM nowhere;\n")
    const bad = await runCli(['exec', 'bad.sql'], {cwd: dir})
    expect(bad.code).to.equal(1)
    expect(bad.stderr).to.equal(
      'Error: bad.sql: statement 2 of 2 failed: no such table: nowhere (SQLITE_ERROR); rolled back: nothing in the file was applied\n',
    )
    // A file with its own blocks runs as written: the first block stays.
    writeFileSync(
      path.join(dir, 'blocks.sql'),
      "BEGIN;\nINSERT INTO n VALUES (3, 'kept');\nCOMMIT;\nBEGIN IMMEDIATE;\nINSERT INTO n VALUES (4, 'lost');\nSELECT nope FROM nowhere;\nCOMMIT;\nVACUUM;\n",
    )
    expect((await runCli(['exec', 'blocks.sql'], {cwd: dir})).stderr).to.equal(
      'Error: blocks.sql: statement 6 of 8 failed: no such table: nowhere (SQLITE_ERROR); statements 1 to 3 were committed and stay (1 BEGIN ... COMMIT block of the file); statements 4 to 6 were rolled back (the block its statement 4 opened); statements 7 to 8 were not run\n',
    )
    writeFileSync(path.join(dir, 'vacuum.sql'), 'DELETE FROM n WHERE id = 3;\nVACUUM;\n')
    expect((await runCli(['exec', 'vacuum.sql'], {cwd: dir})).stdout).to.equal(
      '-- statement 1\nDELETE FROM n WHERE id = 3;\n  (1 row affected)\n-- statement 2\nVACUUM;\n  (0 rows affected, on its own: it cannot run inside a transaction)\n',
    )
    writeFileSync(path.join(dir, 'count.sql'), 'SELECT COUNT(*) AS n FROM n;\n')
    expect((await runCli(['exec', 'count.sql'], {cwd: dir})).stdout).to.equal(
      '-- statement 1\nSELECT COUNT(*) AS n FROM n;\n  {"n":2}\n  (1 row)\n',
    )
    expect((await runCli(['exec', 'missing.sql'], {cwd: dir})).stderr).to.equal(
      'Error: cannot read SQL file missing.sql: ENOENT\n',
    )
  })
})
