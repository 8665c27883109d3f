// Issue 31 item 4: `db-manage diff FROM TO` between two real databases, a schema file and the chain at a revision,
// on each dialect: exactly the operations (or SQL) that turn FROM into TO, exit 0 equal, 1 different, 2 on an error.
import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import type {DialectName} from '../../../src/util/dialect-names.js'
import {runCli, tempProject} from '../../helpers/cli.js'
import {createTestDatabase, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'
import {runNative} from '../../helpers/evolution-pg.js'

const BASE = [
  'CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, sku VARCHAR(40), name VARCHAR(80) NOT NULL);',
  'CREATE TABLE tags (id INTEGER NOT NULL PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES items (id));',
].join('\n')
const INDEX = 'CREATE INDEX ix_items_sku ON items (sku);'

/** What diff prints from the database without the index to the one with it (and back), per dialect. */
const ADD_INDEX: Record<DialectName, {ops: string; sql: string; back: string}> = {
  mysql: {
    back: "await op.dropIndex('ix_items_sku', 'items')\n",
    ops: "await op.createIndex('ix_items_sku', 'items', ['sku'], {concurrently: true})\n",
    sql: 'CREATE INDEX `ix_items_sku` ON `items` (`sku`) ALGORITHM=INPLACE LOCK=NONE;\n\n',
  },
  postgresql: {
    back: "await op.dropIndex('ix_items_sku', 'items')\n",
    ops: "await op.createIndex('ix_items_sku', 'items', ['sku'], {concurrently: true})\n",
    sql: 'CREATE INDEX CONCURRENTLY "ix_items_sku" ON "items" ("sku");\n\n',
  },
  sqlite: {
    back: "await op.dropIndex('ix_items_sku', 'items')\n",
    ops: "await op.createIndex('ix_items_sku', 'items', ['sku'], {concurrently: true})\n",
    sql: 'CREATE INDEX "ix_items_sku" ON "items" ("sku");\n\n',
  },
}

/** A view and a function (SQLite, which has no functions: a trigger) the second database has beside the index. */
const OBJECTS: Record<DialectName, string> = {
  mysql: [
    'CREATE VIEW named_items AS SELECT id, sku FROM items WHERE sku IS NOT NULL;',
    'CREATE FUNCTION sku_upper(s VARCHAR(40)) RETURNS VARCHAR(40) DETERMINISTIC RETURN upper(s);',
  ].join('\n'),
  postgresql: [
    'CREATE VIEW named_items AS SELECT id, sku FROM items WHERE sku IS NOT NULL;',
    'CREATE FUNCTION sku_upper(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(s) $$;',
  ].join('\n'),
  sqlite: [
    'CREATE VIEW named_items AS SELECT id, sku FROM items WHERE sku IS NOT NULL;',
    'CREATE TRIGGER items_sku AFTER INSERT ON items BEGIN UPDATE items SET sku = upper(sku) WHERE id = NEW.id; END;',
  ].join('\n'),
}

/** What diff prints for OBJECTS and the index: the index, then each object made as its server prints it. */
const ADD_OBJECTS: Record<DialectName, string[]> = {
  mysql: [
    "await op.createIndex('ix_items_sku', 'items', ['sku'], {concurrently: true})",
    "await op.execute('CREATE VIEW `named_items` AS select `items`.`id` AS `id`,`items`.`sku` AS `sku` from `items`" +
      " where `items`.`sku` is not null')",
    'await op.execute(',
    '  [',
    "    'CREATE FUNCTION `sku_upper`(s VARCHAR(40)) RETURNS varchar(40) CHARSET latin1 COLLATE latin1_swedish_ci',",
    "    '    DETERMINISTIC',",
    "    'RETURN upper(s)',",
    "  ].join('\\n'),",
    ')',
  ],
  postgresql: [
    "await op.createIndex('ix_items_sku', 'items', ['sku'], {concurrently: true})",
    'await op.execute(',
    '  [',
    "    'CREATE VIEW named_items AS',",
    "    'SELECT items.id,',",
    "    '    items.sku',",
    "    '   FROM items',",
    "    '  WHERE (items.sku IS NOT NULL)',",
    "  ].join('\\n'),",
    ')',
    'await op.execute(',
    '  [',
    "    'CREATE FUNCTION sku_upper(s text)',",
    "    ' RETURNS text',",
    "    ' LANGUAGE sql',",
    "    ' IMMUTABLE',",
    "    'AS $function$ SELECT upper(s) $function$',",
    "  ].join('\\n'),",
    ')',
  ],
  sqlite: [
    "await op.createIndex('ix_items_sku', 'items', ['sku'], {concurrently: true})",
    "await op.execute('CREATE TRIGGER items_sku AFTER INSERT ON items BEGIN UPDATE items SET sku = upper(sku)" +
      " WHERE id = NEW.id; END')",
    "await op.execute('CREATE VIEW named_items AS SELECT id, sku FROM items WHERE sku IS NOT NULL')",
  ],
}

/** The chain's head lacks items.sku and its index, which the .sql target has. */
const CHAIN_TO_TARGET: Record<DialectName, string> = {
  mysql: [
    "await op.addColumn('items', op.column('sku', 'string(40)', {nullable: true}))",
    "await op.createIndex('ix_items_sku', 'items', ['sku'], {concurrently: true})",
    '',
  ].join('\n'),
  postgresql: [
    "await op.addColumn('items', op.column('sku', 'string(40)', {nullable: true}))",
    "await op.createIndex('ix_items_sku', 'items', ['sku'], {concurrently: true})",
    '',
  ].join('\n'),
  sqlite: [
    "await op.batchAlterTable('items', (batch) => {",
    "  batch.addColumn(op.column('sku', 'string(40)', {nullable: true}))",
    "  batch.createIndex('ix_items_sku', ['sku'], {concurrently: true})",
    '})',
    '',
  ].join('\n'),
}

const CHAIN = `import type {Operations} from 'db-manage'

export const revision = '001'
export const downRevision = null
export const message = 'items'

export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('items', [
    op.column('id', 'integer', {primaryKey: true}),
    op.column('name', 'string(80)', {nullable: false}),
  ])
}

export async function downgrade(op: Operations): Promise<void> {
  await op.dropTable('items')
}
`

for (const dialect of dialectsUnderTest()) {
  describe(`diff on ${dialect}`, function () {
    this.timeout(120_000)
    let db: TestDatabase
    let other: TestDatabase | undefined
    useTestDatabase(dialect, (d) => (db = d))
    afterEach(async () => {
      await other?.drop()
      other = undefined
    })

    const diff = (args: string[], cwd = tempProject()) => runCli(['diff', ...args], {cwd})

    it('two databases that differ in one index: exactly that operation (and its SQL), exit 1; equal: nothing, exit 0', async () => {
      other = await createTestDatabase(dialect)
      runNative(db, BASE)
      runNative(other, `${BASE}\n${INDEX}`)
      expect(await diff([db.url, other.url])).to.deep.equal({code: 1, stderr: '', stdout: ADD_INDEX[dialect].ops})
      expect(await diff([other.url, db.url])).to.deep.equal({code: 1, stderr: '', stdout: ADD_INDEX[dialect].back})
      expect(await diff([db.url, other.url, '--sql'])).to.deep.equal({
        code: 1,
        stderr: '',
        stdout: ADD_INDEX[dialect].sql,
      })
      expect(await diff([other.url, other.url])).to.deep.equal({code: 0, stderr: '', stdout: ''})
      // --debug shows every statement of both sessions (and a scratch one's), never a password.
      const traced = await diff([db.url, other.url, '--debug'])
      expect(traced.code).to.equal(1)
      expect(traced.stderr).to.match(/^SQL: /m)
      if (dialect !== 'sqlite') expect(traced.stdout + traced.stderr).to.not.include('secret')
      // The SQL, run on FROM, makes it TO.
      const sql = path.join(tempProject(), 'up.sql')
      writeFileSync(sql, (await diff([db.url, other.url, '--sql'])).stdout)
      runNative(db, (await import('node:fs')).readFileSync(sql, 'utf8'))
      expect(await diff([db.url, other.url])).to.deep.equal({code: 0, stderr: '', stdout: ''})
    })

    it('two databases that differ in one view, one function (SQLite: a trigger) and one index: exactly those', async () => {
      other = await createTestDatabase(dialect)
      runNative(db, BASE)
      runNative(other, `${BASE}\n${INDEX}\n${OBJECTS[dialect]}`)
      expect(await diff([db.url, other.url])).to.deep.equal({
        code: 1,
        stderr: '',
        stdout: `${ADD_OBJECTS[dialect].join('\n')}\n`,
      })
      // The SQL, run on FROM, makes it TO.
      runNative(db, (await diff([db.url, other.url, '--sql'])).stdout)
      expect(await diff([db.url, other.url])).to.deep.equal({code: 0, stderr: '', stdout: ''})
    })

    it('--json: one document; different is an error of code 1 holding the diff, equal is ok', async () => {
      other = await createTestDatabase(dialect)
      runNative(db, BASE)
      runNative(other, `${BASE}\n${INDEX}`)
      const r = await diff([db.url, other.url, '--json'])
      expect({code: r.code, stderr: r.stderr}).to.deep.equal({code: 1, stderr: ''})
      const differs = JSON.parse(r.stdout)
      expect(differs.error).to.deep.equal({code: 1, message: '1 difference between FROM and TO', name: 'SchemasDiffer'})
      expect(differs.data).to.deep.include({
        changes: ['add index ix_items_sku on items (sku)'],
        dialect,
        equal: false,
        upgrade: ADD_INDEX[dialect].ops.trimEnd(),
      })
      const same = await diff([db.url, db.url, '--json'])
      expect(same.code).to.equal(0)
      expect(JSON.parse(same.stdout)).to.deep.include({error: null, ok: true})
    })

    it('a .sql target against chain:head of a chain, and a configured database by its name', async () => {
      const dir = tempProject()
      mkdirSync(path.join(dir, 'migrations'))
      writeFileSync(path.join(dir, 'migrations', '001_items.ts'), CHAIN)
      writeFileSync(
        path.join(dir, 'target.sql'),
        'CREATE TABLE items (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(80) NOT NULL, sku VARCHAR(40));\n' + INDEX,
      )
      writeFileSync(path.join(dir, 'db-manage.ini'), `[db_manage]\n\n[database:app]\nconnection = ${db.url}\n`)
      expect(await diff(['chain:head', 'target.sql'], dir)).to.deep.equal({
        code: 1,
        stderr: '',
        stdout: CHAIN_TO_TARGET[dialect],
      })
      // The database named by its section, at head: the same difference; at base: the whole table to create.
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      expect(await diff(['app', 'target.sql'], dir)).to.deep.equal({
        code: 1,
        stderr: '',
        stdout: CHAIN_TO_TARGET[dialect],
      })
      expect(await diff(['app', 'chain:head'], dir)).to.deep.equal({code: 0, stderr: '', stdout: ''})
      expect(await diff(['chain:base', 'chain:001'], dir)).to.deep.include({code: 1})
      expect((await diff(['chain:001', 'chain:base'], dir)).stdout).to.equal(
        "// DATA LOSS: drop table items\nawait op.dropTable('items')\n",
      )
    })

    it('errors: one line, exit 2, no password', async () => {
      const dir = tempProject()
      const lines = async (args: string[]) => {
        const r = await diff(args, dir)
        expect(r.stdout).to.equal('')
        expect(r.code, r.stderr).to.equal(2)
        expect(r.stderr.split('\n')).to.have.length(2)
        expect(r.stderr).to.not.include('s3cr')
        return r.stderr
      }

      expect(await lines([db.url, 'postgresql://app:p@ss/w0rd@127.0.0.1:1/x'])).to.match(
        /^Error: TO: the postgresql:\/\/ URL can be read two ways/,
      )
      expect(await lines([db.url, 'nonsense'])).to.equal(
        'Error: TO "nonsense" is not a database URL (scheme://...), a schema file (.ts, .js, .sql), chain:REV or a' +
          ' configured database\n',
      )
      expect(await lines([db.url, 'missing.sql'])).to.equal('Error: TO missing.sql: no such file\n')
      const elsewhere = dialect === 'sqlite' ? 'mysql://app:s3cret@127.0.0.1:1/x' : 'sqlite:///x.db'
      expect(await lines([db.url, elsewhere])).to.equal(
        `Error: diff compares schemas of one dialect: FROM is ${dialect} and TO is ${dialect === 'sqlite' ? 'mysql' : 'sqlite'}\n`,
      )
      if (dialect !== 'sqlite') {
        expect(await lines([db.url, db.badPasswordUrl.replace('wrong-password', 's3cret%40x')])).to.match(
          /^Error: TO [a-z]+:\/\/[^:]+:\*\*\*@[^ ]+: cannot connect to /,
        )
      }

      expect(await lines(['chain:head', db.url])).to.match(/^Error: FROM chain:head: /)
      expect(await lines([db.url])).to.match(/^Error: Missing 1 required arg/)
    })
  })
}
