// Issue 27, the items that concern every dialect: constraint names, a dropped
// NOT NULL column given back by the downgrade, a primary key changed offline
// on a table the chain made, defaults spelled differently with the same value,
// and indexes built online wherever the table already exists.
import {expect} from 'chai'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import type {DialectName} from '../../src/util/dialect-names.js'
import {runCli} from '../helpers/cli.js'
import {applyWithClient} from '../helpers/catalog.js'
import {createTestDatabase, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {catalog, evolve, projectWith} from '../helpers/evolution-pg.js'

/** Named keys as each database's users write them (Synapse's pushers table kept its pushers2_pkey after a rename). */
const NAMED: Record<DialectName, string> = {
  mysql: [
    'CREATE TABLE app (id bigint PRIMARY KEY, name varchar(40) NOT NULL, CONSTRAINT app_name_uniq UNIQUE (name));',
    'CREATE TABLE pushers (id bigint NOT NULL, app_id bigint NOT NULL, pushkey varchar(100) NOT NULL, ts bigint NOT NULL, PRIMARY KEY (id),',
    '  CONSTRAINT pushers2_app_id_pushkey_key UNIQUE (app_id, pushkey), CONSTRAINT pushers2_app_fk FOREIGN KEY (app_id) REFERENCES app (id),',
    '  CONSTRAINT pushers2_ts_positive CHECK (ts >= 0));',
  ].join('\n'),
  postgresql: [
    'CREATE TABLE app (id bigint NOT NULL, name text NOT NULL);',
    'ALTER TABLE ONLY app ADD CONSTRAINT app2_pkey PRIMARY KEY (id);',
    'ALTER TABLE ONLY app ADD CONSTRAINT app_name_uniq UNIQUE (name);',
    'CREATE TABLE pushers (id bigint NOT NULL, app_id bigint NOT NULL, pushkey text NOT NULL, ts bigint NOT NULL, CONSTRAINT pushers2_ts_positive CHECK (ts >= 0));',
    'ALTER TABLE ONLY pushers ADD CONSTRAINT pushers2_pkey PRIMARY KEY (id);',
    'ALTER TABLE ONLY pushers ADD CONSTRAINT pushers2_app_id_pushkey_key UNIQUE (app_id, pushkey);',
    'ALTER TABLE ONLY pushers ADD CONSTRAINT pushers2_app_fk FOREIGN KEY (app_id) REFERENCES app(id);',
  ].join('\n'),
  sqlite: [
    'CREATE TABLE app (id INTEGER NOT NULL, name TEXT NOT NULL, CONSTRAINT app2_pkey PRIMARY KEY (id), CONSTRAINT app_name_uniq UNIQUE (name));',
    'CREATE TABLE pushers (id INTEGER NOT NULL, app_id INTEGER NOT NULL, pushkey TEXT NOT NULL, ts INTEGER NOT NULL, CONSTRAINT pushers2_pkey PRIMARY KEY (id),',
    '  CONSTRAINT pushers2_app_id_pushkey_key UNIQUE (app_id, pushkey), CONSTRAINT pushers2_app_fk FOREIGN KEY (app_id) REFERENCES app (id),',
    '  CONSTRAINT pushers2_ts_positive CHECK (ts >= 0));',
  ].join('\n'),
}

/** A table whose NOT NULL columns (with and without a default) the target drops. */
const ACCOUNTS: Record<DialectName, {live: string; target: string}> = {
  mysql: {
    live: "CREATE TABLE accounts (id int PRIMARY KEY, email varchar(100) NOT NULL, plan varchar(20) NOT NULL DEFAULT 'free', score int NOT NULL, joined date NOT NULL, active tinyint(1) NOT NULL, bio text NOT NULL);",
    target: 'CREATE TABLE accounts (id int PRIMARY KEY);',
  },
  postgresql: {
    live: "CREATE TABLE accounts (id int PRIMARY KEY, email varchar(100) NOT NULL, plan varchar(20) NOT NULL DEFAULT 'free', score int NOT NULL, joined date NOT NULL, active boolean NOT NULL, bio text NOT NULL);",
    target: 'CREATE TABLE accounts (id int PRIMARY KEY);',
  },
  sqlite: {
    live: "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL, plan VARCHAR(20) NOT NULL DEFAULT 'free', score INTEGER NOT NULL, joined DATE NOT NULL, active BOOLEAN NOT NULL, bio TEXT NOT NULL);",
    target: 'CREATE TABLE accounts (id INTEGER PRIMARY KEY);',
  },
}

const ITEMS: Record<DialectName, string> = {
  mysql: 'CREATE TABLE items (id int PRIMARY KEY, name varchar(50), sku varchar(20));',
  postgresql: 'CREATE TABLE items (id int PRIMARY KEY, name varchar(50), sku varchar(20));',
  sqlite: 'CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50), sku VARCHAR(20));',
}

for (const dialect of dialectsUnderTest()) {
  describe(`issue 27 on ${dialect}: what every dialect must keep`, function () {
    this.timeout(240_000)
    let db: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    it("item 4: every named primary key, unique, foreign key and check keeps the target's name", async () => {
      const {script} = await evolve(db, {
        // SQLite's pragmas do not give names: its CREATE TABLE text does.
        atHead: async (c) => {
          if (dialect !== 'sqlite') return
          const sql = String((await c.query("SELECT sql FROM sqlite_master WHERE name = 'pushers'")).rows[0].sql)
          for (const name of [
            'pushers2_pkey',
            'pushers2_app_id_pushkey_key',
            'pushers2_app_fk',
            'pushers2_ts_positive',
          ])
            expect(sql).to.include(`CONSTRAINT "${name}"`)
        },
        live: '',
        target: NAMED[dialect],
      })
      if (dialect !== 'mysql') expect(script).to.include("primaryKey: {columns: ['id'], name: 'pushers2_pkey'}")
    })

    it('item 7: a downgrade gives back dropped NOT NULL columns as they were (type, NOT NULL, default) and says their values are gone', async () => {
      const {generated, script} = await evolve(db, {
        afterDown: async (c) => {
          await c.query(
            "INSERT INTO accounts (id, email, score, joined, active, bio) VALUES (9, 'x@example.org', 1, '2024-01-01', TRUE, 'b')",
          )
          await c.query('DELETE FROM accounts WHERE id = 9')
          let refused: unknown
          await c.query('INSERT INTO accounts (id) VALUES (10)').catch((error: unknown) => (refused = error))
          expect(String(refused)).to.match(/null|default value/i)
        },
        counts: {accounts: 3},
        live: ACCOUNTS[dialect].live,
        target: ACCOUNTS[dialect].target,
        rows: "INSERT INTO accounts VALUES (1, 'a@example.org', 'pro', 5, '2020-01-01', TRUE, 'hi'), (2, 'b@example.org', 'free', 0, '2021-06-01', FALSE, ''), (3, 'c@example.org', 'free', 7, '2022-03-04', TRUE, 'x');",
        stderr: [
          "downgrade: the upgrade dropped accounts.bio and its values: it comes back NOT NULL holding '' in every row",
          'downgrade: the upgrade dropped accounts.active and its values: it comes back NOT NULL holding false in every row',
          "downgrade: the upgrade dropped accounts.joined and its values: it comes back NOT NULL holding '1970-01-01' in every row",
          'downgrade: the upgrade dropped accounts.score and its values: it comes back NOT NULL holding 0 in every row',
          "downgrade: the upgrade dropped accounts.email and its values: it comes back NOT NULL holding '' in every row",
        ]
          .map((l) => `${l}\n`)
          .join(''),
      })
      expect(script).to.include(
        "// DATA LOSS: the upgrade dropped accounts.email and its values: it comes back NOT NULL holding '' in every row",
      )
      expect(generated.stdout).to.include('  drop column accounts.email\n')
    })

    if (dialect !== 'sqlite') {
      it('item 8: offline, a primary key changed on a table the chain itself created', async () => {
        const dir = projectWith(
          db,
          'CREATE TABLE devices (user_id varchar(40) NOT NULL, device_id varchar(40) NOT NULL, PRIMARY KEY (device_id));',
        )
        expect((await runCli(['revision', '--autogenerate', '-m', 'devices'], {cwd: dir})).code).to.equal(0)
        expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
        writeFileSync(
          path.join(dir, 'target.sql'),
          'CREATE TABLE devices (user_id varchar(40) NOT NULL, device_id varchar(40) NOT NULL, PRIMARY KEY (user_id, device_id));',
        )
        expect((await runCli(['revision', '--autogenerate', '-m', 'key'], {cwd: dir})).code).to.equal(0)
        expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
        const file = path.join(dir, 'all.sql')
        const offline = await runCli(['upgrade', '--sql', 'base:head', '-o', file], {cwd: dir})
        expect(offline.code, offline.stderr).to.equal(0)
        expect(offline.stderr).to.equal(`Wrote ${readFileSync(file).length} bytes of SQL to ${file}\n`)
        const copy = await createTestDatabase(dialect)
        try {
          applyWithClient(copy, file)
          expect(await catalog(copy)).to.deep.equal(await catalog(db))
          const down = path.join(dir, 'down.sql')
          expect((await runCli(['downgrade', '--sql', 'head:base', '-o', down], {cwd: dir})).code).to.equal(0)
          applyWithClient(copy, down)
          expect((await runCli(['downgrade', 'base'], {cwd: dir})).code).to.equal(0)
          expect(await catalog(copy)).to.deep.equal(await catalog(db))
        } finally {
          await copy.drop()
        }
      })
    }

    if (dialect === 'mysql') {
      it('item 6: what the comparison skips is named on the "not compared" line: sequences, partitioning, system versioning, index comments', async () => {
        const dir = projectWith(
          db,
          [
            'CREATE SEQUENCE invoice_no START WITH 1000;',
            "CREATE TABLE events (id int NOT NULL, at date NOT NULL, PRIMARY KEY (id, at), KEY events_at (at) COMMENT 'for the monthly report') PARTITION BY RANGE (YEAR(at)) (PARTITION p2024 VALUES LESS THAN (2025), PARTITION pmax VALUES LESS THAN MAXVALUE);",
            'CREATE TABLE prices (id int PRIMARY KEY, amount decimal(8,2)) WITH SYSTEM VERSIONING;',
          ].join('\n'),
        )
        const checked = await runCli(['check_migration', '--autogenerate'], {cwd: dir})
        expect(checked.stderr).to.match(
          /^not compared: 1 sequence, 1 system-versioned table, 1 partitioned table, 1 index comment\n/,
        )
      })
    }

    if (dialect === 'sqlite') {
      it('item 13: DEFAULT FALSE and DEFAULT TRUE are built as written and show no drift', async () => {
        const {script} = await evolve(db, {
          counts: {flags: 1},
          live: 'CREATE TABLE flags (id INTEGER PRIMARY KEY);',
          rows: 'INSERT INTO flags VALUES (1);',
          target:
            'CREATE TABLE flags (id INTEGER PRIMARY KEY, active BOOLEAN NOT NULL DEFAULT FALSE, seen BOOLEAN DEFAULT TRUE, n INTEGER DEFAULT 0);',
        })
        expect(script).to.include("op.column('active', 'boolean', {default: false, nullable: false})")
      })
    }

    it('item 20: a new index on a table that exists is built online (concurrently), and the output passes check_migration --lint', async () => {
      const {script} = await evolve(db, {
        atHead: async (c) => {
          let refused: unknown
          await c.query("INSERT INTO items VALUES (9, 'x', 'A-1')").catch((error: unknown) => (refused = error))
          expect(String(refused)).to.match(/duplicate|unique/i)
        },
        counts: {items: 2},
        live: ITEMS[dialect],
        rows: "INSERT INTO items VALUES (1, 'bolt', 'A-1'), (2, 'nut', 'B-2');",
        target: `${ITEMS[dialect]}\nCREATE INDEX items_name ON items (name);\nCREATE UNIQUE INDEX items_sku ON items (sku);\nCREATE TABLE bins (id int PRIMARY KEY, label varchar(20));\nCREATE INDEX bins_label ON bins (label);`,
      })
      expect(script).to.include("await op.createIndex('items_name', 'items', ['name'], {concurrently: true})")
      // MySQL reports a unique index as a unique key: ADD CONSTRAINT ... UNIQUE, which InnoDB builds in place by itself.
      expect(script).to.include(
        dialect === 'mysql'
          ? "await op.createUniqueConstraint('items_sku', 'items', ['sku'])"
          : "await op.createIndex('items_sku', 'items', ['sku'], {unique: true, concurrently: true})",
      )
      expect(script).to.include("await op.createIndex('bins_label', 'bins', ['label'])\n")
      const dir = projectWith(db, ITEMS[dialect])
      writeFileSync(path.join(dir, 'migrations', '001_evolve.ts'), script)
      const linted = await runCli(['check_migration', '--lint', '--no-db', '--dialect', dialect], {cwd: dir})
      expect(linted.stdout).not.to.include('DM103')
      expect(linted.code).to.equal(0)
      const sql = (await runCli(['upgrade', '--sql', 'base:head'], {cwd: dir})).stdout
      expect(sql).to.include(
        {
          mysql: 'CREATE INDEX `items_name` ON `items` (`name`) ALGORITHM=INPLACE LOCK=NONE;',
          postgresql: 'COMMIT;\n\nCREATE INDEX CONCURRENTLY "items_name" ON "items" ("name");',
          sqlite: 'CREATE INDEX "items_name" ON "items" ("name");',
        }[dialect],
      )
      expect(readdirSync(path.join(dir, 'migrations'))).to.deep.equal(['001_evolve.ts'])
      expect(readFileSync(path.join(dir, 'migrations', '001_evolve.ts'), 'utf8')).to.equal(script)
    })
  })
}
