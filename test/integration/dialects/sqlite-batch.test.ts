// A SQLite batch rebuild of a table someone else wrote keeps everything the
// batch did not change, as the catalog reports it, and follows a rename into
// CHECK conditions and partial-index WHERE clauses.
import {expect} from 'chai'

import type {Connection} from '../../../src/dialects/connection.js'
import {getDialect} from '../../../src/dialects/registry.js'
import {Operations} from '../../../src/operations/operations.js'
import {OnlineExecutor} from '../../../src/runtime/executor.js'
import {MigrationSink} from '../../../src/runtime/migration-sink.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

const TABLE = `CREATE TABLE "member" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" VARCHAR(80) NOT NULL,
    "age" INTEGER DEFAULT 18 CHECK ("age" >= 0),
    "team_id" INTEGER REFERENCES team (id) ON DELETE CASCADE,
    "note" TEXT DEFAULT 'none',
    CONSTRAINT uq_member_email UNIQUE (email),
    CONSTRAINT ck_member_adult CHECK (age < 200 AND length(note) < 100)
)`

type Rows = Array<Record<string, unknown>>
interface Catalog {
  columns: Rows
  foreignKeys: Rows
  indexes: Rows
}

/** Everything SQLite's pragmas say about a table, with its indexes' definitions. */
async function catalog(c: Connection, table: string): Promise<Catalog> {
  const rows = async (sql: string) => (await c.query(sql, [table])).rows
  return {
    columns: await rows('SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_xinfo(?) ORDER BY cid'),
    foreignKeys: await rows(
      'SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq',
    ),
    indexes: await rows(
      `SELECT l.name, l."unique", l.origin, l.partial, s.sql FROM pragma_index_list(?) l LEFT JOIN sqlite_master s ON s.name = l.name ORDER BY l.name`,
    ),
  }
}

if (dialectsUnderTest().includes('sqlite')) {
  describe('SQLite batch mode keeps what it does not change', () => {
    let db: TestDatabase
    useTestDatabase('sqlite', (d) => (db = d))

    it('a rename and an added column change only that; NOT NULL on the key, defaults, checks, keys, indexes stay, and the rename reaches CHECK and WHERE', async () => {
      await connected(db, async (c) => {
        await c.query('CREATE TABLE team (id INTEGER PRIMARY KEY)')
        await c.query(TABLE)
        await c.query('CREATE INDEX ix_member_old ON member (age) WHERE age > 65')
        await c.query('CREATE UNIQUE INDEX ix_member_email ON member (lower(email))')
        await c.query('CREATE INDEX ix_member_young ON member (age DESC, email COLLATE NOCASE)')
        await c.query('INSERT INTO team VALUES (1)')
        await c.query("INSERT INTO member (email, age, team_id) VALUES ('a@x', 30, 1)")
        const before = await catalog(c, 'member')
        const d = await getDialect('sqlite')
        const op = new Operations(
          new MigrationSink({
            compiler: d.compiler,
            dialect: 'sqlite',
            executor: new OnlineExecutor(c),
            introspector: d.introspector(c),
          }),
        )
        await op.batchAlterTable('member', (batch) => {
          batch.alterColumn('age', {newName: 'years'})
          batch.addColumn(op.column('nick', 'string(20)'))
        })
        const after = await catalog(c, 'member')
        const expected = before
        expect(after.columns).to.deep.equal([
          ...expected.columns.map((col) => (col.name === 'age' ? {...col, name: 'years'} : col)),
          {dflt_value: null, name: 'nick', notnull: 0, pk: 0, type: 'VARCHAR(20)'},
        ])
        expect(after.columns[0]).to.deep.equal({dflt_value: null, name: 'id', notnull: 1, pk: 1, type: 'INTEGER'})
        expect(after.foreignKeys).to.deep.equal(expected.foreignKeys)
        expect(after.indexes.map((i) => [i.name, i.unique, i.origin, i.partial])).to.deep.equal(
          expected.indexes.map((i) => [i.name, i.unique, i.origin, i.partial]),
        )
        expect(after.indexes.find((i) => i.name === 'ix_member_old')!.sql).to.equal(
          'CREATE INDEX "ix_member_old" ON "member" ("years") WHERE "years" > 65',
        )
        // Expression and ordered elements are rebuilt as written, the rename reaching them too.
        expect(after.indexes.find((i) => i.name === 'ix_member_email')!.sql).to.equal(
          'CREATE UNIQUE INDEX "ix_member_email" ON "member" (lower(email))',
        )
        expect(after.indexes.find((i) => i.name === 'ix_member_young')!.sql).to.equal(
          'CREATE INDEX "ix_member_young" ON "member" ("years" DESC, email COLLATE NOCASE)',
        )
        const sql = String((await c.query("SELECT sql FROM sqlite_master WHERE name = 'member'")).rows[0].sql)
        // The column's CHECK, the inline key and the named constraints are restated at the table's end.
        expect(sql).to.equal(`CREATE TABLE "member" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" VARCHAR(80) NOT NULL,
    "years" INTEGER DEFAULT 18,
    "team_id" INTEGER,
    "note" TEXT DEFAULT 'none',
    "nick" VARCHAR(20),
    CONSTRAINT "uq_member_email" UNIQUE ("email"),
    FOREIGN KEY ("team_id") REFERENCES "team" ("id") ON DELETE CASCADE,
    CHECK ("years" >= 0),
    CONSTRAINT "ck_member_adult" CHECK ("years" < 200 AND length(note) < 100)
)`)
        // Rows, the check and the key still work.
        expect((await c.query('SELECT id, email, years, note FROM member')).rows).to.deep.equal([
          {email: 'a@x', id: 1, note: 'none', years: 30},
        ])
        let refused: unknown
        try {
          await c.query("INSERT INTO member (email, years) VALUES ('b@x', -1)")
        } catch (error) {
          refused = error
        }

        expect(String(refused)).to.equal('SqliteError: CHECK constraint failed: years')
      })
    })

    it('a WITHOUT ROWID table stays so through a rebuild; generated columns (STORED, VIRTUAL) and a DEFERRABLE key are restated, never copied', async () => {
      await connected(db, async (c) => {
        await c.query('CREATE TABLE tag (name TEXT NOT NULL PRIMARY KEY, uses INTEGER) WITHOUT ROWID')
        // Written as a user would, not as db-manage writes it: lower case, `AS (...)` without GENERATED ALWAYS.
        await c.query(
          'create table box (w integer, h integer, area integer generated always as (w * h) stored, half real as (area / 2.0), tag text references tag (name) deferrable initially deferred)',
        )
        await c.query("INSERT INTO tag VALUES ('a', 1)")
        await c.query("INSERT INTO box (w, h, tag) VALUES (3, 4, 'a')")
        const d = await getDialect('sqlite')
        const op = new Operations(
          new MigrationSink({
            compiler: d.compiler,
            dialect: 'sqlite',
            executor: new OnlineExecutor(c),
            introspector: d.introspector(c),
          }),
        )
        await op.batchAlterTable('tag', (batch) => batch.addColumn(op.column('note', 'text')))
        expect(String((await c.query("SELECT sql FROM sqlite_master WHERE name = 'tag'")).rows[0].sql)).to.equal(
          'CREATE TABLE "tag" (\n    "name" TEXT NOT NULL,\n    "uses" INTEGER,\n    "note" TEXT,\n    PRIMARY KEY ("name")\n) WITHOUT ROWID',
        )
        expect((await c.query('SELECT name, uses, note FROM tag')).rows).to.deep.equal([
          {name: 'a', note: null, uses: 1},
        ])
        await op.batchAlterTable('box', (batch) =>
          batch.addColumn(op.column('d', 'integer', {default: 7, nullable: false})),
        )
        expect((await c.query("SELECT name, hidden FROM pragma_table_xinfo('box')")).rows).to.deep.equal([
          {hidden: 0, name: 'w'},
          {hidden: 0, name: 'h'},
          {hidden: 3, name: 'area'},
          {hidden: 2, name: 'half'},
          {hidden: 0, name: 'tag'},
          {hidden: 0, name: 'd'},
        ])
        expect((await c.query('SELECT w, h, area, half, tag, d FROM box')).rows).to.deep.equal([
          {area: 12, d: 7, h: 4, half: 6, tag: 'a', w: 3},
        ])
        // Still deferred: a row naming a tag that comes later in the same transaction is accepted at commit.
        await c.query('BEGIN')
        await c.query("INSERT INTO box (w, h, tag) VALUES (1, 1, 'later')")
        await c.query("INSERT INTO tag VALUES ('later', 0, NULL)")
        await c.query('COMMIT')
        expect(String((await c.query("SELECT sql FROM sqlite_master WHERE name = 'box'")).rows[0].sql)).to.equal(
          `CREATE TABLE "box" (
    "w" INTEGER,
    "h" INTEGER,
    "area" INTEGER GENERATED ALWAYS AS (w * h) STORED,
    "half" REAL GENERATED ALWAYS AS (area / 2.0) VIRTUAL,
    "tag" TEXT,
    "d" INTEGER NOT NULL DEFAULT 7,
    FOREIGN KEY ("tag") REFERENCES "tag" ("name") DEFERRABLE INITIALLY DEFERRED
)`,
        )
      })
    })
  })
}
