// Issue 31 item 1: views, materialized views, functions, procedures and triggers compared and rendered by
// autogenerate on each dialect that has them: the exact revision and offline SQL, the upgrade (online and offline)
// giving the objects the target's own DDL gives, nothing left to do after, and the downgrade giving back the
// objects as they were, definition for definition.
import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {getDialect} from '../../../src/dialects/registry.js'
import type {DialectName} from '../../../src/util/dialect-names.js'
import {applyWithClient} from '../../helpers/catalog.js'
import {linkDbManage, runCli} from '../../helpers/cli.js'
import {connected, createTestDatabase, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'
import {dialectsUnderTest} from '../../helpers/dialects.js'
import {projectWith, runNative, writeTemp} from '../../helpers/evolution.js'
import {noHistory, undated} from '../../helpers/revision-file.js'

const FIXTURES = path.join(import.meta.dirname, '..', '..', 'fixtures', 'objects')
const expected = (file: string) => readFileSync(path.join(FIXTURES, file), 'utf8')

/** The objects of a database as autogenerate compares them: kind, name and the server's own definition. */
async function objects(db: TestDatabase): Promise<Array<{kind: string; name: string; definition: string}>> {
  return connected(db, async (c) =>
    (await (await getDialect(db.dialect)).introspector(c).objects()).map(({definition, kind, name}) => ({
      definition,
      kind,
      name,
    })),
  )
}

/** The objects `sql` makes when the database's own client runs it on a fresh database. */
async function nativeObjects(dialect: DialectName, sql: string): Promise<Awaited<ReturnType<typeof objects>>> {
  const fresh = await createTestDatabase(dialect)
  try {
    runNative(fresh, sql)
    return await objects(fresh)
  } finally {
    await fresh.drop()
  }
}

interface Scenario {
  readonly live: string
  readonly target: string
  /** What revision --autogenerate lists. */
  readonly changes: readonly string[]
  /** What it says on stderr (a narrowing column's note). */
  readonly stderr: string
  /** Tried at head: the changed trigger and view at work. */
  readonly atHead: string
  readonly atHeadRows: unknown[]
}

const SCENARIOS: Record<DialectName, Scenario> = {
  postgresql: {
    atHead:
      "INSERT INTO item VALUES (1, ' pen ', 15); SELECT name, price::text AS price, tag_code() AS code FROM cheap",
    atHeadRows: [{code: 'T-1', name: 'PEN', price: '15.00'}],
    changes: [
      'drop view priced (made again after: it reads item.price, which changes)',
      'drop view item_ids',
      'drop view cheap_names (made again after: it depends on view cheap, dropped first)',
      'drop view cheap (made again as the target defines it)',
      'add function tag_code()',
      'add table tag',
      'change column item.price: numeric(8,2) NOT NULL -> numeric(12,2) NOT NULL',
      'add view cheap again',
      'add view cheap_names again',
      'add materialized view item_stats',
      'add view priced again',
      'add procedure reprice(IN pct numeric)',
      'replace function tidy() (CREATE OR REPLACE)',
      'add trigger item_tidy on tag',
    ],
    live: `CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, price numeric(8,2) NOT NULL);
CREATE FUNCTION tidy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name = trim(NEW.name);
  RETURN NEW;
END $$;
CREATE TRIGGER item_tidy BEFORE INSERT OR UPDATE ON item FOR EACH ROW EXECUTE FUNCTION tidy();
CREATE VIEW cheap AS SELECT id, name, price FROM item WHERE price < 10;
CREATE VIEW cheap_names AS SELECT name FROM cheap;
CREATE VIEW item_ids AS SELECT id FROM item;
CREATE VIEW priced AS SELECT id, price FROM item;
CREATE FUNCTION total() RETURNS numeric LANGUAGE sql AS $$ SELECT sum(price) FROM item $$;
`,
    stderr:
      'downgrade: item.price narrows from numeric(12,2) to numeric(8,2) (fewer digits before the point): the downgrade fails where a row holds a value that does not fit\n',
    target: `CREATE FUNCTION tag_code() RETURNS text LANGUAGE sql AS $$ SELECT 'T-1' $$;
CREATE TABLE tag (code text PRIMARY KEY DEFAULT tag_code(), name text NOT NULL);
CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, price numeric(12,2) NOT NULL);
CREATE FUNCTION tidy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name = upper(trim(NEW.name));
  RETURN NEW;
END $$;
CREATE TRIGGER item_tidy BEFORE INSERT OR UPDATE ON item FOR EACH ROW EXECUTE FUNCTION tidy();
CREATE TRIGGER item_tidy BEFORE INSERT ON tag FOR EACH ROW EXECUTE FUNCTION tidy();
CREATE VIEW cheap AS SELECT id, name, price FROM item WHERE price < 20;
CREATE VIEW cheap_names AS SELECT name FROM cheap;
CREATE VIEW priced AS SELECT id, price FROM item;
CREATE FUNCTION total() RETURNS numeric LANGUAGE sql AS $$ SELECT sum(price) FROM item $$;
CREATE MATERIALIZED VIEW item_stats AS SELECT count(*) AS n, max(price) AS top FROM item;
CREATE UNIQUE INDEX item_stats_n ON item_stats (n);
CREATE PROCEDURE reprice(pct numeric) LANGUAGE sql AS $$ UPDATE item SET price = price * (1 + pct / 100) $$;
`,
  },
  mysql: {
    atHead: "INSERT INTO item VALUES (1, ' pen ', 15); SELECT name, price, label, total() AS total FROM cheap, dear",
    atHeadRows: [{label: 'dear', name: 'PEN', price: '15.00', total: '15.00'}],
    changes: [
      'drop trigger item_tidy (made again as the target defines it)',
      'drop function total (made again as the target defines it)',
      'drop view item_ids',
      'drop view cheap_names (made again after: it depends on view cheap, dropped first)',
      'drop view cheap (made again as the target defines it)',
      'change column item.price: decimal(8,2) NOT NULL -> decimal(12,2) NOT NULL',
      'add view cheap again',
      'add view cheap_names again',
      'add view dear',
      'add procedure restock',
      'add function total again',
      'add trigger item_tidy again',
    ],
    live: `CREATE TABLE item (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, price DECIMAL(8,2) NOT NULL);
CREATE VIEW cheap AS SELECT id, name, price FROM item WHERE price < 10;
CREATE VIEW cheap_names AS SELECT name FROM cheap;
CREATE VIEW item_ids AS SELECT id FROM item;
DELIMITER //
CREATE FUNCTION total() RETURNS DECIMAL(12,2) READS SQL DATA
BEGIN
  DECLARE t DECIMAL(12,2);
  SELECT SUM(price) INTO t FROM item;
  RETURN t;
END//
CREATE PROCEDURE reprice(pct DECIMAL(5,2)) MODIFIES SQL DATA UPDATE item SET price = price * (1 + pct / 100)//
CREATE TRIGGER item_tidy BEFORE INSERT ON item FOR EACH ROW BEGIN
  SET NEW.name = TRIM(NEW.name);
END//
DELIMITER ;
`,
    stderr:
      'downgrade: item.price narrows from decimal(12,2) to decimal(8,2) (fewer digits before the point): the downgrade fails where a row holds a value that does not fit (without strict SQL mode, MySQL cuts it to fit instead)\n',
    target: `CREATE TABLE item (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, price DECIMAL(12,2) NOT NULL);
CREATE VIEW cheap AS SELECT id, name, price FROM item WHERE price < 20;
CREATE VIEW cheap_names AS SELECT name FROM cheap;
CREATE VIEW dear AS SELECT id, 'dear' AS label FROM item WHERE price >= 10;
DELIMITER //
-- The body as the mysql client would send it, comments and all: compared by what it says.
CREATE FUNCTION total() RETURNS DECIMAL(12,2) READS SQL DATA
BEGIN
  DECLARE t DECIMAL(12,2);
  SELECT COALESCE(SUM(price), 0) INTO t FROM item; -- none is 0
  RETURN t;
END//
CREATE PROCEDURE reprice(pct DECIMAL(5,2)) MODIFIES SQL DATA UPDATE item SET price = price * (1 + pct / 100)//
CREATE PROCEDURE restock() BEGIN CALL reprice(0); END//
CREATE TRIGGER item_tidy BEFORE INSERT ON item FOR EACH ROW BEGIN
  SET NEW.name = UPPER(TRIM(NEW.name));
END//
DELIMITER ;
`,
  },
  sqlite: {
    atHead: "INSERT INTO item (id, name, price) VALUES (1, ' pen ', 15); SELECT name, price, qty FROM cheap",
    atHeadRows: [{name: 'PEN', price: 15, qty: 0}],
    changes: [
      'drop trigger item_tidy (made again as the target defines it)',
      'drop view item_ids',
      'drop view cheap_names (made again after: it depends on view cheap, dropped first)',
      'drop view cheap (made again as the target defines it)',
      'add column item.qty INTEGER',
      'add view cheap again',
      'add view cheap_names again',
      'add trigger item_log',
      'add trigger item_tidy again',
    ],
    live: `CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC NOT NULL);
CREATE TABLE log (item_id INTEGER, at TEXT);
CREATE VIEW cheap AS SELECT id, name, price FROM item WHERE price < 10;
CREATE VIEW cheap_names AS SELECT name FROM cheap;
CREATE VIEW item_ids AS SELECT id FROM item;
CREATE TRIGGER item_tidy AFTER INSERT ON item BEGIN
  UPDATE item SET name = trim(name) WHERE id = NEW.id;
END;
`,
    stderr: '',
    target: `CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price NUMERIC NOT NULL, qty INTEGER NOT NULL DEFAULT 0);
CREATE TABLE log (item_id INTEGER, at TEXT);
CREATE VIEW cheap AS SELECT id, name, price, qty FROM item WHERE price < 20;
CREATE VIEW cheap_names AS SELECT name FROM cheap;
CREATE TRIGGER item_tidy AFTER INSERT ON item BEGIN
  UPDATE item SET name = upper(trim(name)) WHERE id = NEW.id;
END;
CREATE TRIGGER item_log AFTER INSERT ON item BEGIN INSERT INTO log VALUES (NEW.id, 'now'); END;
`,
  },
}

for (const dialect of dialectsUnderTest()) {
  describe(`views, functions, procedures and triggers on ${dialect} (issue 31 item 1)`, function () {
    this.timeout(120_000)
    let db: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))
    const scenario = SCENARIOS[dialect]

    it('changed, added, dropped and dependent objects: the exact revision and SQL, up and down, online = offline', async () => {
      runNative(db, scenario.live)
      const dir = projectWith(db, scenario.target)
      const generated = await runCli(['revision', '--autogenerate', '-m', 'objects'], {cwd: dir})
      const file = path.join(dir, 'migrations', '001_objects.ts')
      expect(generated).to.deep.equal({
        code: 0,
        stderr: scenario.stderr,
        stdout: `${scenario.changes.map((c) => `  ${c}\n`).join('')}Generated ${file}\n`,
      })
      const script = undated(readFileSync(file, 'utf8'))
      expect(script).to.equal(expected(`${dialect}.revision.txt`))

      // SQLite's batch mode rebuilds a table from its live definition: it has no offline SQL (README, Offline SQL).
      const offline = !script.includes('batchAlterTable')
      const upSql = await runCli(['upgrade', '--sql', 'base:head'], {cwd: dir})
      const downSql = await runCli(['downgrade', '--sql', 'head:base'], {cwd: dir})
      if (offline) {
        expect([upSql.code, upSql.stderr, downSql.code, downSql.stderr]).to.deep.equal([0, '', 0, ''])
        expect(noHistory(upSql.stdout)).to.equal(expected(`${dialect}.upgrade.sql`))
        expect(noHistory(downSql.stdout)).to.equal(expected(`${dialect}.downgrade.sql`))
      }

      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.stdout).to.match(/^upgrade <base> -> 001, objects \(\d+ ms\)\n$/)
      const targetObjects = await nativeObjects(dialect, scenario.target)
      expect(await objects(db)).to.deep.equal(targetObjects)
      expect(await runCli(['check_migration', '--autogenerate'], {cwd: dir})).to.deep.include({code: 0, stderr: ''})
      expect(await runCli(['revision', '--autogenerate', '-m', 'again'], {cwd: dir})).to.deep.equal({
        code: 0,
        stderr: '',
        stdout: 'No changes detected: the database matches the target schema; nothing written.\n',
      })
      const statements = scenario.atHead.split('; ')
      const rows = await connected(db, async (c) => {
        for (const sql of statements.slice(0, -1)) await c.query(sql)
        const result = (await c.query(statements.at(-1)!)).rows
        await c.query('DELETE FROM item')
        return result
      })
      expect(rows).to.deep.equal(scenario.atHeadRows)

      const down = await runCli(['downgrade', 'base'], {cwd: dir})
      expect([down.code, down.stderr]).to.deep.equal([0, ''])
      const liveObjects = await nativeObjects(dialect, scenario.live)
      expect(await objects(db)).to.deep.equal(liveObjects)

      // The same two steps as SQL, run by the database's own client on a database built as the live one was.
      if (!offline) return
      const twin = await createTestDatabase(dialect)
      try {
        runNative(twin, scenario.live)
        applyWithClient(twin, writeTemp(upSql.stdout))
        expect(await objects(twin)).to.deep.equal(targetObjects)
        applyWithClient(twin, writeTemp(downSql.stdout))
        expect(await objects(twin)).to.deep.equal(liveObjects)
      } finally {
        await twin.drop()
      }
    })

    if (dialect === 'postgresql') {
      it('an enum type recreated under a view: the view is dropped before and made again after, both ways', async () => {
        runNative(db, "CREATE TYPE mood AS ENUM ('a', 'b', 'c');\nCREATE TABLE t (id int PRIMARY KEY, m mood);")
        const views = 'CREATE VIEW v AS SELECT m FROM t;\nCREATE VIEW w AS SELECT id FROM t;\n'
        runNative(db, views)
        const target = `CREATE TYPE mood AS ENUM ('a', 'c');\nCREATE TABLE t (id int PRIMARY KEY, m mood);\n${views}`
        const dir = projectWith(db, target)
        const generated = await runCli(['revision', '--autogenerate', '-m', 'enum'], {cwd: dir})
        expect(generated.stdout).to.equal(
          '  drop view v (made again after: it reads t.m, which changes)\n' +
            "  recreate enum type mood (a, b, c -> a, c): a row holding 'b' makes the upgrade fail\n" +
            `  add view v again\nGenerated ${path.join(dir, 'migrations', '001_enum.ts')}\n`,
        )
        const before = await objects(db)
        expect((await runCli(['upgrade', 'head'], {cwd: dir})).stderr).to.equal('')
        expect(await objects(db)).to.deep.equal(await nativeObjects(dialect, target))
        expect((await runCli(['check_migration', '--autogenerate'], {cwd: dir})).code).to.equal(0)
        expect((await runCli(['downgrade', 'base'], {cwd: dir})).stderr).to.equal('')
        expect(await objects(db)).to.deep.equal(before)
      })
    }

    if (dialect === 'postgresql') {
      it('comments on views, routines and triggers are not compared, and counted', async () => {
        const ddl = `CREATE TABLE t (id int PRIMARY KEY);
CREATE VIEW v AS SELECT id FROM t;
COMMENT ON VIEW v IS 'ids';
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
COMMENT ON FUNCTION f() IS 'one';
`
        runNative(db, ddl)
        const checked = await runCli(['check_migration', '--autogenerate'], {cwd: projectWith(db, ddl)})
        expect([checked.code, checked.stderr]).to.deep.equal([0, 'not compared: 2 other comments\n'])
      })
    }

    it('the same DDL loaded by the client and as the target: no difference', async () => {
      runNative(db, scenario.target)
      const dir = projectWith(db, scenario.target)
      expect(await runCli(['check_migration', '--autogenerate'], {cwd: dir})).to.deep.equal({
        code: 0,
        stderr: '',
        stdout:
          'OK: 0 revision(s), one linear sequential chain\nOK: the database is at base; nothing pending\n' +
          'OK: the database at head matches the target schema\n',
      })
    })

    it('a defineSchema target declares views and objects (in any order); a broken one is named in one line', async () => {
      const dir = projectWith(db, '')
      linkDbManage(dir)
      const trigger = {
        mysql: 'CREATE TRIGGER item_tidy BEFORE INSERT ON item FOR EACH ROW SET NEW.name = TRIM(NEW.name)',
        postgresql: 'CREATE TRIGGER item_tidy BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION tidy()',
        sqlite:
          'CREATE TRIGGER item_tidy AFTER INSERT ON item BEGIN UPDATE item SET name = trim(name) WHERE id = NEW.id; END',
      }[dialect]
      const objectsOf = [
        // The trigger before its function, the view on a view before the view: made once what they need is there.
        trigger,
        ...(dialect === 'postgresql'
          ? [
              'CREATE FUNCTION tidy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name = trim(NEW.name); RETURN NEW; END $$',
            ]
          : []),
        'CREATE VIEW item_names AS SELECT name FROM items',
      ]
      const schema = (objectList: readonly string[]) => `import {column, defineSchema} from 'db-manage'

export default defineSchema({
  tables: {item: {columns: [column('id', 'integer', {primaryKey: true}), column('name', 'string(50)', {nullable: false})]}},
  views: {items: 'SELECT id, name FROM item'},
  objects: ${JSON.stringify(objectList)},
})
`
      writeFileSync(path.join(dir, 'target.ts'), schema(objectsOf))
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\ntarget_schema = target.ts\n\n[database]\nconnection = ${db.url}\n`,
      )
      const generated = await runCli(['revision', '--autogenerate', '-m', 'declared'], {cwd: dir})
      const file = path.join(dir, 'migrations', '001_declared.ts')
      expect(generated).to.deep.equal({
        code: 0,
        stderr: '',
        stdout:
          `  add table item\n  add view items\n  add view item_names\n${dialect === 'postgresql' ? '  add function tidy()\n' : ''}` +
          `  add trigger item_tidy${dialect === 'postgresql' ? ' on item' : ''}\nGenerated ${file}\n`,
      })
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      expect((await runCli(['check_migration', '--autogenerate'], {cwd: dir})).code).to.equal(0)
      expect(
        await connected(db, async (c) => {
          await c.query("INSERT INTO item (id, name) VALUES (1, ' pen ')")
          return (await c.query('SELECT name FROM item_names')).rows
        }),
      ).to.deep.equal([{name: 'pen'}])
      // At head, the target broken: the check names the object that fails.
      writeFileSync(
        path.join(dir, 'target.ts'),
        schema([...objectsOf, 'CREATE VIEW broken AS SELECT nothing FROM item']),
      )
      const broken = await runCli(['check_migration', '--autogenerate'], {cwd: dir})
      expect((await runCli(['downgrade', 'base'], {cwd: dir})).code).to.equal(0)
      expect(await objects(db)).to.deep.equal([])
      expect(broken.code).to.not.equal(0)
      expect(broken.stderr).to.match(
        new RegExp(
          `^Error: target_schema ${path.join(dir, 'target.ts').replaceAll(/[.\\/]/g, '\\$&')}: objects\\[${objectsOf.length}\\] failed in the scratch database: [^\\n]*nothing[^\\n]*\\n$`,
        ),
      )
    })

    it("a defineSchema target that declares no views or objects leaves the database's alone and counts them", async () => {
      const trigger = {
        mysql: 'CREATE TRIGGER b_tidy BEFORE INSERT ON item FOR EACH ROW SET NEW.name = TRIM(NEW.name);',
        postgresql:
          'CREATE FUNCTION tidy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name = trim(NEW.name); RETURN NEW; END $$;\n' +
          'CREATE TRIGGER b_tidy BEFORE INSERT ON item FOR EACH ROW EXECUTE FUNCTION tidy();',
        sqlite:
          'CREATE TRIGGER b_tidy AFTER INSERT ON item BEGIN UPDATE item SET name = trim(name) WHERE id = NEW.id; END;',
      }[dialect]
      runNative(
        db,
        `CREATE TABLE item (id integer PRIMARY KEY, name varchar(50));\nCREATE VIEW a_items AS SELECT id FROM item;\n${trigger}\n`,
      )
      const dir = projectWith(db, '')
      linkDbManage(dir)
      writeFileSync(
        path.join(dir, 'target.ts'),
        "import {column, defineSchema} from 'db-manage'\n\n" +
          "export default defineSchema({tables: {item: {columns: [column('id', 'integer', {primaryKey: true}), column('name', 'string(50)')]}}})\n",
      )
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\ntarget_schema = target.ts\n\n[database]\nconnection = ${db.url}\n`,
      )
      expect(await runCli(['check_migration', '--autogenerate'], {cwd: dir})).to.deep.equal({
        code: 0,
        stderr: `not compared: 1 view, ${dialect === 'postgresql' ? '1 function, ' : ''}1 trigger\n`,
        stdout:
          'OK: 0 revision(s), one linear sequential chain\nOK: the database is at base; nothing pending\n' +
          'OK: the database at head matches the target schema\n',
      })
    })
  })
}
