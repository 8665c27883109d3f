import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {linkDbManage, runCli, tempProject} from '../../helpers/cli.js'
import {runClient} from '../../helpers/sql-client.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

// Several schemas of one PostgreSQL database (issue 31.8): `schemas = public, billing` in a database section. The
// version table stays in the first; autogenerate, the round trip and the lint cover each listed schema, the tables of
// the others named `billing.invoices`.

function project(url: string, schemas: string, target: {file: string; text: string}): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  linkDbManage(dir)
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\ntarget_schema = ${target.file}\n\n[database]\nconnection = ${url}\nschemas = ${schemas}\n`,
  )
  writeFileSync(path.join(dir, target.file), target.text)
  return dir
}

const firstTarget = `import {column, defineSchema} from 'db-manage'
export default defineSchema({
  tables: {
    customers: {
      columns: [column('id', 'integer', {primaryKey: true, autoincrement: true}), column('name', 'string(80)', {nullable: false})],
    },
    'billing.invoices': {
      columns: [
        column('id', 'integer', {primaryKey: true, autoincrement: true}),
        column('customer_id', 'integer', {nullable: false, references: 'customers.id'}),
        column('total', 'numeric(12,2)', {nullable: false, default: 0}),
      ],
      indexes: [{columns: ['customer_id'], name: 'ix_invoices_customer_id'}],
    },
    'billing.lines': {
      columns: [
        column('id', 'integer', {primaryKey: true, autoincrement: true}),
        column('invoice_id', 'integer', {nullable: false, references: 'billing.invoices.id'}),
      ],
    },
  },
})
`

/** The first target changed in each schema: a wider column in public; in billing a new column, a table for another. */
const secondTarget = firstTarget
  .replace("column('name', 'string(80)'", "column('name', 'string(120)'")
  .replace(
    "column('total', 'numeric(12,2)', {nullable: false, default: 0}),",
    "column('total', 'numeric(12,2)', {nullable: false, default: 0}),\n        column('due', 'date'),",
  )
  .replace(
    /'billing\.lines': \{[\s\S]*?\n {4}\},\n/,
    `'billing.payments': {
      columns: [
        column('id', 'integer', {primaryKey: true, autoincrement: true}),
        column('invoice_id', 'integer', {nullable: false, references: 'billing.invoices.id'}),
      ],
      indexes: [{columns: ['invoice_id'], name: 'ix_payments_invoice_id', unique: true}],
    },
`,
  )

/** schema.table of every table outside the catalogs, sorted. */
async function tablesOf(db: TestDatabase): Promise<string[]> {
  return connected(db, async (c) =>
    (
      await c.query(
        `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      )
    ).rows.map((r) => String(r.t)),
  )
}

if (dialectsUnderTest().includes('postgresql')) {
  describe('schemas = public, billing on postgresql', function () {
    this.timeout(120_000)
    let db: TestDatabase
    useTestDatabase('postgresql', (d) => (db = d))

    it('autogenerate creates and changes a table in each schema; upgrade, an empty re-diff, the round trip, downgrade', async () => {
      const dir = project(db.url, 'public, billing', {file: 'schema.ts', text: firstTarget})
      const first = await runCli(['revision', '-m', 'billing', '--autogenerate'], {cwd: dir})
      expect(first.code, first.stderr).to.equal(0)
      expect(first.stdout).to.match(/\/migrations\/001_billing\.ts\n$/)
      expect(first.stdout.replace(/Generated .*\n$/, '')).to.equal(
        '  add table customers\n  add table billing.invoices\n' +
          '  add index ix_invoices_customer_id on billing.invoices (customer_id)\n  add table billing.lines\n',
      )
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(await tablesOf(db)).to.deep.equal([
        'billing.invoices',
        'billing.lines',
        'public.alembic_version',
        'public.customers',
        'public.db_manage_history',
      ])

      writeFileSync(path.join(dir, 'schema.ts'), secondTarget)
      const second = await runCli(['revision', '-m', 'billing two', '--autogenerate'], {cwd: dir})
      expect(second.code, second.stderr).to.equal(0)
      expect(second.stdout.replace(/Generated .*\n$/, '')).to.equal(
        '  add table billing.payments\n' +
          '  add unique index ix_payments_invoice_id on billing.payments (invoice_id)\n' +
          '  drop table billing.lines\n' +
          '  change column customers.name: character varying(80) NOT NULL -> character varying(120) NOT NULL\n' +
          '  add column billing.invoices.due date\n',
      )
      const again = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(again.code, again.stderr).to.equal(0)
      const check = await runCli(['check_migration', '--autogenerate', '--round-trip'], {cwd: dir})
      expect(check.code, check.stderr).to.equal(0)
      expect(check.stdout).to.include('OK: the database at head matches the target schema\n')
      expect(check.stdout).to.include(
        'OK: round trip of 2 revision(s) on a scratch database: every downgrade restores the schema before its upgrade',
      )
      const none = await runCli(['revision', '-m', 'nothing', '--autogenerate'], {cwd: dir})
      expect(none.code, none.stderr).to.equal(0)
      expect(none.stdout).to.equal('No changes detected: the database matches the target schema; nothing written.\n')

      // Renames in the other schema: the table stays in it (RENAME TO takes a bare name).
      writeFileSync(
        path.join(dir, 'schema.ts'),
        secondTarget
          .replace("'billing.payments'", "'billing.receipts'")
          .replace("column('due', 'date')", "column('due_on', 'date')"),
      )
      const renames = [
        '--rename-table',
        'billing.payments=billing.receipts',
        '--rename-column',
        'billing.invoices.due=due_on',
      ]
      const third = await runCli(['revision', '-m', 'renames', '--autogenerate', ...renames], {cwd: dir})
      expect(third.code, third.stderr).to.equal(0)
      expect(third.stdout.replace(/Generated .*\n$/, '')).to.equal(
        '  rename table billing.payments to billing.receipts\n  rename column billing.invoices.due to due_on\n' +
          // The declared foreign key's default name follows the table's.
          '  drop foreign key payments_invoice_id_fkey on billing.receipts (invoice_id) -> billing.invoices\n' +
          '  add foreign key receipts_invoice_id_fkey on billing.receipts (invoice_id) -> billing.invoices\n',
      )
      const sql = await runCli(['upgrade', '--sql', '002:003'], {cwd: dir})
      expect(sql.stdout).to.include(
        'ALTER TABLE "billing"."payments" RENAME TO "receipts";\n\n' +
          'ALTER TABLE "billing"."invoices" RENAME COLUMN "due" TO "due_on";\n\n',
      )
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      expect((await runCli(['check_migration', '--autogenerate'], {cwd: dir})).code).to.equal(0)

      const down = await runCli(['downgrade', 'base'], {cwd: dir})
      expect(down.code, down.stderr).to.equal(0)
      expect(await tablesOf(db)).to.deep.equal(['public.alembic_version', 'public.db_manage_history'])
    })

    it('a .sql target declares the other schema with its CREATE SCHEMA, as a dump does', async () => {
      const dir = project(db.url, 'public, billing', {
        file: 'schema.sql',
        text:
          'CREATE SCHEMA billing;\nCREATE TABLE customers (id integer PRIMARY KEY);\n' +
          'CREATE TABLE billing.invoices (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id));\n' +
          'CREATE INDEX ix_invoices_customer_id ON billing.invoices (customer_id);\n',
      })
      const made = await runCli(['revision', '-m', 'from sql', '--autogenerate'], {cwd: dir})
      expect(made.code, made.stderr).to.equal(0)
      expect(made.stdout.replace(/Generated .*\n$/, '')).to.equal(
        '  add table customers\n  add table billing.invoices\n' +
          '  add index ix_invoices_customer_id on billing.invoices (customer_id)\n',
      )
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      const check = await runCli(['check_migration', '--autogenerate'], {cwd: dir})
      expect(check.code, check.stderr).to.equal(0)
    })

    it('the version table goes to the first schema, which upgrade creates, as --sql says', async () => {
      const dir = project(db.url, 'app, billing', {file: 'schema.ts', text: firstTarget})
      writeFileSync(
        path.join(dir, 'migrations', '001_a.sql'),
        '-- revision: 001\n-- down_revision: null\n-- message: a\n-- +upgrade\n' +
          'CREATE TABLE items (id integer);\nCREATE TABLE billing.items (id integer);\n-- +downgrade\n' +
          'DROP TABLE billing.items;\nDROP TABLE items;\n',
      )
      const sql = await runCli(['upgrade', '--sql'], {cwd: dir})
      expect(sql.code, sql.stderr).to.equal(0)
      expect(sql.stdout).to.match(
        new RegExp(
          '^' +
            [
              `SELECT pg_catalog.set_config\\('search_path', '"app", ' \\|\\| pg_catalog.current_setting\\('search_path'\\), false\\);`,
              'CREATE SCHEMA IF NOT EXISTS "app";',
              'CREATE SCHEMA IF NOT EXISTS "billing";',
              'CREATE TABLE alembic_version \\(',
            ].join('\n\n'),
        ),
      )
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(await tablesOf(db)).to.deep.equal([
        'app.alembic_version',
        'app.db_manage_history',
        'app.items',
        'billing.items',
      ])
      const current = await runCli(['current'], {cwd: dir})
      expect(current.stdout).to.equal('001 (head)\n')

      // A revision that empties the search_path (a pg_dump file's first lines): --sql puts the first schema back
      // before the version update, as the online run does; psql runs it to 002.
      writeFileSync(
        path.join(dir, 'migrations', '002_dump.sql'),
        "-- revision: 002\n-- down_revision: 001\n-- message: dump\n-- +upgrade\nSELECT pg_catalog.set_config('search_path', '', false);\n" +
          'CREATE TABLE app.more (id integer);\n-- +downgrade\nDROP TABLE app.more;\n',
      )
      const range = await runCli(['upgrade', '--sql', '001:002'], {cwd: dir})
      expect(range.code, range.stderr).to.equal(0)
      expect(range.stdout).to.include(
        `SELECT pg_catalog.set_config('search_path', '"app", ' || (SELECT reset_val FROM pg_catalog.pg_settings` +
          ` WHERE name = 'search_path'), false);\n\nUPDATE alembic_version SET version_num='002'`,
      )
      await runClient(db, range.stdout)
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002 (head)\n')
      expect(await tablesOf(db)).to.include('app.more')
    })

    it('the lint tells a table of another schema from one of the same name in the first', async () => {
      const dir = project(db.url, 'public, billing', {file: 'schema.ts', text: firstTarget})
      writeFileSync(
        path.join(dir, 'migrations', '001_a.ts'),
        `import type {Operations} from 'db-manage'
export const revision = '001'
export const downRevision = null
export const message = 'a'
export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('notes', [op.column('id', 'bigint')])
  await op.createIndex('ix_a', 'notes', ['id'])
  await op.createTable('billing.invoices', [op.column('id', 'bigint')])
  await op.createIndex('ix_b', 'billing.invoices', ['id'])
  await op.createIndex('ix_c', 'billing.notes', ['id'])
  await op.createIndex('ix_d', 'public.notes', ['id'])
}
export async function downgrade(op: Operations): Promise<void> {
  await op.dropTable('billing.invoices')
  await op.dropTable('notes')
}
`,
      )
      const lint = await runCli(['check_migration', '--lint', '--no-db', '--dialect', 'postgresql'], {cwd: dir})
      expect(lint.stdout).to.include(
        '001_a.ts:10: DM103 error: create index ix_c on existing table billing.notes without concurrently',
      )
      expect(lint.stdout).to.not.match(/ix_[abd] on existing table/)
    })
  })
}

describe('schemas elsewhere than PostgreSQL', () => {
  for (const dialect of dialectsUnderTest().filter((d) => d !== 'postgresql')) {
    describe(dialect, () => {
      let db: TestDatabase
      useTestDatabase(dialect, (d) => (db = d))
      it('is refused in one line, before anything changes', async () => {
        const dir = project(db.url, 'app, billing', {file: 'schema.ts', text: firstTarget})
        writeFileSync(
          path.join(dir, 'migrations', '001_a.sql'),
          '-- revision: 001\n-- down_revision: null\n-- message: a\n-- +upgrade\nCREATE TABLE a (id integer);\n',
        )
        const up = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(up.code).to.equal(2)
        expect(up.stderr).to.equal(
          `Error: [database] schemas: several schemas of one database are PostgreSQL's, and default is on ${dialect}` +
            (dialect === 'mysql' ? ' (where a schema is a database: give each its own [database:NAME] section)' : '') +
            '\n',
        )
        const sql = await runCli(['upgrade', '--sql', '--dialect', dialect], {cwd: dir})
        expect(sql.code).to.equal(2)
        expect(sql.stdout).to.equal('')
      })
    })
  }

  it('a schema listed twice, or a name that is no plain schema name, is a config error naming the key', async () => {
    const twice = project('sqlite:///app.sqlite', 'public, billing, public', {file: 'schema.ts', text: firstTarget})
    const one = await runCli(['history'], {cwd: twice})
    expect(one.code).to.equal(2)
    expect(one.stderr).to.equal('Error: db-manage.ini [database] schemas: public is listed twice\n')
    const bad = project('sqlite:///app.sqlite', 'public, bill-ing', {file: 'schema.ts', text: firstTarget})
    const two = await runCli(['history'], {cwd: bad})
    expect(two.stderr).to.equal('Error: db-manage.ini [database] schemas: "bill-ing" is not a plain schema name\n')
  })
})
