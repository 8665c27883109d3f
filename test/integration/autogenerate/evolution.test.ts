// Issue 27, the items that concern every dialect: constraint names, a dropped
// NOT NULL column given back by the downgrade, a primary key changed offline
// on a table the chain made, defaults spelled differently with the same value,
// and indexes built online wherever the table already exists.
import {expect} from 'chai'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import type {DialectName} from '../../../src/util/dialect-names.js'
import {runCli} from '../../helpers/cli.js'
import {applyWithClient} from '../../helpers/catalog.js'
import {createTestDatabase, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'
import {catalog, evolve, projectWith} from '../../helpers/evolution-pg.js'
import {noHistory, revisionFile, undated} from '../../helpers/revision-file.js'

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

/** Item 4's revision: every key keeps its name (MySQL's primary key is always PRIMARY, so it has none). */
const NAMED_SCRIPT: Record<DialectName, string> = {
  mysql: revisionFile(
    'evolve',
    [
      "await op.createTable('app', [",
      "  op.column('id', 'bigint', {primaryKey: true}),",
      "  op.column('name', 'string(40)', {nullable: false}),",
      "], {mysqlCollate: 'latin1_swedish_ci', uniques: [{columns: ['name'], name: 'app_name_uniq'}]})",
      "await op.createTable('pushers', [",
      "  op.column('id', 'bigint', {primaryKey: true}),",
      "  op.column('app_id', 'bigint', {nullable: false}),",
      "  op.column('pushkey', 'string(100)', {nullable: false}),",
      "  op.column('ts', 'bigint', {nullable: false}),",
      "], {checks: [{condition: '`ts` >= 0', name: 'pushers2_ts_positive'}], foreignKeys: [{columns: ['app_id'], name: 'pushers2_app_fk', referent: 'app', referentColumns: ['id']}], mysqlCollate: 'latin1_swedish_ci', uniques: [{columns: ['app_id', 'pushkey'], name: 'pushers2_app_id_pushkey_key'}]})",
    ],
    ["await op.dropTable('pushers')", "await op.dropTable('app')"],
  ),
  postgresql: revisionFile(
    'evolve',
    [
      "await op.createTable('app', [",
      "  op.column('id', 'bigint', {nullable: false}),",
      "  op.column('name', 'text', {nullable: false}),",
      "], {primaryKey: {columns: ['id'], name: 'app2_pkey'}, uniques: [{columns: ['name'], name: 'app_name_uniq'}]})",
      "await op.createTable('pushers', [",
      "  op.column('id', 'bigint', {nullable: false}),",
      "  op.column('app_id', 'bigint', {nullable: false}),",
      "  op.column('pushkey', 'text', {nullable: false}),",
      "  op.column('ts', 'bigint', {nullable: false}),",
      "], {checks: [{condition: '(ts >= 0)', name: 'pushers2_ts_positive'}], foreignKeys: [{columns: ['app_id'], name: 'pushers2_app_fk', referent: 'app', referentColumns: ['id']}], primaryKey: {columns: ['id'], name: 'pushers2_pkey'}, uniques: [{columns: ['app_id', 'pushkey'], name: 'pushers2_app_id_pushkey_key'}]})",
    ],
    ["await op.dropTable('pushers')", "await op.dropTable('app')"],
  ),
  sqlite: revisionFile(
    'evolve',
    [
      "await op.createTable('app', [",
      "  op.column('id', 'integer', {nullable: false}),",
      "  op.column('name', 'text', {nullable: false}),",
      "], {primaryKey: {columns: ['id'], name: 'app2_pkey'}, uniques: [{columns: ['name'], name: 'app_name_uniq'}]})",
      "await op.createTable('pushers', [",
      "  op.column('id', 'integer', {nullable: false}),",
      "  op.column('app_id', 'integer', {nullable: false}),",
      "  op.column('pushkey', 'text', {nullable: false}),",
      "  op.column('ts', 'integer', {nullable: false}),",
      "], {checks: [{condition: 'ts >= 0', name: 'pushers2_ts_positive'}], foreignKeys: [{columns: ['app_id'], name: 'pushers2_app_fk', referent: 'app', referentColumns: ['id']}], primaryKey: {columns: ['id'], name: 'pushers2_pkey'}, uniques: [{columns: ['app_id', 'pushkey'], name: 'pushers2_app_id_pushkey_key'}]})",
    ],
    ["await op.dropTable('pushers')", "await op.dropTable('app')"],
  ),
}

/** Item 7's revision: each NOT NULL column without a default comes back holding a placeholder, which is then dropped. */
const ACCOUNTS_SCRIPT: Record<DialectName, string> = {
  mysql: revisionFile(
    'evolve',
    [
      '// DATA LOSS: drop column accounts.bio',
      "await op.dropColumn('accounts', 'bio')",
      '// DATA LOSS: drop column accounts.active',
      "await op.dropColumn('accounts', 'active')",
      '// DATA LOSS: drop column accounts.joined',
      "await op.dropColumn('accounts', 'joined')",
      '// DATA LOSS: drop column accounts.score',
      "await op.dropColumn('accounts', 'score')",
      '// DATA LOSS: drop column accounts.plan',
      "await op.dropColumn('accounts', 'plan')",
      '// DATA LOSS: drop column accounts.email',
      "await op.dropColumn('accounts', 'email')",
    ],
    [
      "// DATA LOSS: the upgrade dropped accounts.email and its values: it comes back NOT NULL holding '' in every row",
      "await op.addColumn('accounts', op.column('email', 'string(100)', {default: '', nullable: false}))",
      "await op.alterColumn('accounts', 'email', {default: null, existingDefault: '', existingNullable: false, existingType: 'string(100)'})",
      "await op.addColumn('accounts', op.column('plan', 'string(20)', {default: 'free', nullable: false}))",
      '// DATA LOSS: the upgrade dropped accounts.score and its values: it comes back NOT NULL holding 0 in every row',
      "await op.addColumn('accounts', op.column('score', 'integer', {default: 0, nullable: false}))",
      "await op.alterColumn('accounts', 'score', {default: null, existingDefault: 0, existingNullable: false, existingType: 'integer'})",
      "// DATA LOSS: the upgrade dropped accounts.joined and its values: it comes back NOT NULL holding '1970-01-01' in every row",
      "await op.addColumn('accounts', op.column('joined', 'date', {default: '1970-01-01', nullable: false}))",
      "await op.alterColumn('accounts', 'joined', {default: null, existingDefault: '1970-01-01', existingNullable: false, existingType: 'date'})",
      '// DATA LOSS: the upgrade dropped accounts.active and its values: it comes back NOT NULL holding false in every row',
      "await op.addColumn('accounts', op.column('active', 'boolean', {default: false, nullable: false}))",
      "await op.alterColumn('accounts', 'active', {default: null, existingDefault: false, existingNullable: false, existingType: 'boolean'})",
      "// DATA LOSS: the upgrade dropped accounts.bio and its values: it comes back NOT NULL holding '' in every row",
      "await op.addColumn('accounts', op.column('bio', 'text', {default: op.sql('(\\'\\')'), nullable: false}))",
      "await op.alterColumn('accounts', 'bio', {default: null, existingDefault: op.sql('(\\'\\')'), existingNullable: false, existingType: 'text'})",
    ],
  ),
  postgresql: revisionFile(
    'evolve',
    [
      '// DATA LOSS: drop column accounts.bio',
      "await op.dropColumn('accounts', 'bio')",
      '// DATA LOSS: drop column accounts.active',
      "await op.dropColumn('accounts', 'active')",
      '// DATA LOSS: drop column accounts.joined',
      "await op.dropColumn('accounts', 'joined')",
      '// DATA LOSS: drop column accounts.score',
      "await op.dropColumn('accounts', 'score')",
      '// DATA LOSS: drop column accounts.plan',
      "await op.dropColumn('accounts', 'plan')",
      '// DATA LOSS: drop column accounts.email',
      "await op.dropColumn('accounts', 'email')",
    ],
    [
      "// DATA LOSS: the upgrade dropped accounts.email and its values: it comes back NOT NULL holding '' in every row",
      "await op.addColumn('accounts', op.column('email', 'string(100)', {default: '', nullable: false}))",
      "await op.alterColumn('accounts', 'email', {default: null, existingDefault: '', existingNullable: false, existingType: 'string(100)'})",
      "await op.addColumn('accounts', op.column('plan', 'string(20)', {default: 'free', nullable: false}))",
      '// DATA LOSS: the upgrade dropped accounts.score and its values: it comes back NOT NULL holding 0 in every row',
      "await op.addColumn('accounts', op.column('score', 'integer', {default: 0, nullable: false}))",
      "await op.alterColumn('accounts', 'score', {default: null, existingDefault: 0, existingNullable: false, existingType: 'integer'})",
      "// DATA LOSS: the upgrade dropped accounts.joined and its values: it comes back NOT NULL holding '1970-01-01' in every row",
      "await op.addColumn('accounts', op.column('joined', 'date', {default: '1970-01-01', nullable: false}))",
      "await op.alterColumn('accounts', 'joined', {default: null, existingDefault: '1970-01-01', existingNullable: false, existingType: 'date'})",
      '// DATA LOSS: the upgrade dropped accounts.active and its values: it comes back NOT NULL holding false in every row',
      "await op.addColumn('accounts', op.column('active', 'boolean', {default: false, nullable: false}))",
      "await op.alterColumn('accounts', 'active', {default: null, existingDefault: false, existingNullable: false, existingType: 'boolean'})",
      "// DATA LOSS: the upgrade dropped accounts.bio and its values: it comes back NOT NULL holding '' in every row",
      "await op.addColumn('accounts', op.column('bio', 'text', {default: '', nullable: false}))",
      "await op.alterColumn('accounts', 'bio', {default: null, existingDefault: '', existingNullable: false, existingType: 'text'})",
    ],
  ),
  sqlite: revisionFile(
    'evolve',
    [
      "await op.batchAlterTable('accounts', (batch) => {",
      '  // DATA LOSS: drop column accounts.bio',
      "  batch.dropColumn('bio')",
      '  // DATA LOSS: drop column accounts.active',
      "  batch.dropColumn('active')",
      '  // DATA LOSS: drop column accounts.joined',
      "  batch.dropColumn('joined')",
      '  // DATA LOSS: drop column accounts.score',
      "  batch.dropColumn('score')",
      '  // DATA LOSS: drop column accounts.plan',
      "  batch.dropColumn('plan')",
      '  // DATA LOSS: drop column accounts.email',
      "  batch.dropColumn('email')",
      '})',
    ],
    [
      "await op.batchAlterTable('accounts', (batch) => {",
      "  // DATA LOSS: the upgrade dropped accounts.email and its values: it comes back NOT NULL holding '' in every row",
      "  batch.addColumn(op.column('email', 'string(100)', {default: '', nullable: false}))",
      "  batch.alterColumn('email', {default: null, existingDefault: '', existingNullable: false, existingType: 'string(100)'})",
      "  batch.addColumn(op.column('plan', 'string(20)', {default: 'free', nullable: false}))",
      '  // DATA LOSS: the upgrade dropped accounts.score and its values: it comes back NOT NULL holding 0 in every row',
      "  batch.addColumn(op.column('score', 'integer', {default: 0, nullable: false}))",
      "  batch.alterColumn('score', {default: null, existingDefault: 0, existingNullable: false, existingType: 'integer'})",
      "  // DATA LOSS: the upgrade dropped accounts.joined and its values: it comes back NOT NULL holding '1970-01-01' in every row",
      "  batch.addColumn(op.column('joined', 'date', {default: '1970-01-01', nullable: false}))",
      "  batch.alterColumn('joined', {default: null, existingDefault: '1970-01-01', existingNullable: false, existingType: 'date'})",
      '  // DATA LOSS: the upgrade dropped accounts.active and its values: it comes back NOT NULL holding false in every row',
      "  batch.addColumn(op.column('active', 'boolean', {default: false, nullable: false}))",
      "  batch.alterColumn('active', {default: null, existingDefault: false, existingNullable: false, existingType: 'boolean'})",
      "  // DATA LOSS: the upgrade dropped accounts.bio and its values: it comes back NOT NULL holding '' in every row",
      "  batch.addColumn(op.column('bio', 'text', {default: '', nullable: false}))",
      "  batch.alterColumn('bio', {default: null, existingDefault: '', existingNullable: false, existingType: 'text'})",
      '})',
    ],
  ),
}

/** Item 20's revision: a new table's index built plainly, those on items (which exists) online. */
/** What check_migration --lint says of item 20's revision besides its class: info about the new table. */
const ITEMS_LINT_INFO: Record<DialectName, string> = {
  mysql:
    '001_evolve.ts:9: DM121 info: key column bins.id is integer: a 32-bit (or narrower) key runs out at 2,147,483,647; fix: bigint (bigserial, BIGINT AUTO_INCREMENT): a key outgrowing int is a rewrite of the table later\n',
  postgresql:
    '001_evolve.ts:9: DM121 info: key column bins.id is integer: a 32-bit (or narrower) key runs out at 2,147,483,647; fix: bigint (bigserial, BIGINT AUTO_INCREMENT): a key outgrowing int is a rewrite of the table later\n' +
    "001_evolve.ts:9: DM123 info: column bins.label is string(20): varchar(n): narrowing it later rewrites the table, and changing n is an ALTER of the column; fix: text with a CHECK (length(col) <= n), which a later change widens without a lock (portable 'text')\n",
  sqlite: '',
}

const ITEMS_SCRIPT: Record<DialectName, string> = {
  mysql: revisionFile(
    'evolve',
    [
      "await op.createTable('bins', [",
      "  op.column('id', 'integer', {primaryKey: true}),",
      "  op.column('label', 'string(20)', {nullable: true}),",
      "], {mysqlCollate: 'latin1_swedish_ci'})",
      "await op.createIndex('bins_label', 'bins', ['label'])",
      "await op.createIndex('items_name', 'items', ['name'], {concurrently: true})",
      "await op.createUniqueConstraint('items_sku', 'items', ['sku'])",
    ],
    [
      "await op.dropConstraint('items_sku', 'items', {type: 'unique'})",
      "await op.dropIndex('items_name', 'items')",
      "await op.dropTable('bins')",
    ],
  ),
  postgresql: revisionFile(
    'evolve',
    [
      "await op.createTable('bins', [",
      "  op.column('id', 'integer', {primaryKey: true}),",
      "  op.column('label', 'string(20)', {nullable: true}),",
      '])',
      "await op.createIndex('bins_label', 'bins', ['label'])",
      "await op.createIndex('items_name', 'items', ['name'], {concurrently: true})",
      "await op.createIndex('items_sku', 'items', ['sku'], {unique: true, concurrently: true})",
    ],
    [
      "await op.dropIndex('items_sku', 'items')",
      "await op.dropIndex('items_name', 'items')",
      "await op.dropTable('bins')",
    ],
  ),
  sqlite: revisionFile(
    'evolve',
    [
      "await op.createTable('bins', [",
      "  op.column('id', 'INT', {nullable: true, primaryKey: true}),",
      "  op.column('label', 'varchar(20)', {nullable: true}),",
      '])',
      "await op.createIndex('bins_label', 'bins', ['label'])",
      "await op.createIndex('items_name', 'items', ['name'], {concurrently: true})",
      "await op.createIndex('items_sku', 'items', ['sku'], {unique: true, concurrently: true})",
    ],
    [
      "await op.dropIndex('items_sku', 'items')",
      "await op.dropIndex('items_name', 'items')",
      "await op.dropTable('bins')",
    ],
  ),
}

/** The offline SQL of item 20's revision: a new table with its index, and two indexes on items, which exists. */
const ITEMS_SQL: Record<DialectName, string> = {
  mysql: `CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 001

CREATE TABLE \`bins\` (
    \`id\` INTEGER NOT NULL,
    \`label\` VARCHAR(20),
    PRIMARY KEY (\`id\`),
    INDEX \`bins_label\` (\`label\`)
) DEFAULT COLLATE=latin1_swedish_ci;

CREATE INDEX \`items_name\` ON \`items\` (\`name\`) ALGORITHM=INPLACE LOCK=NONE;

ALTER TABLE \`items\` ADD CONSTRAINT \`items_sku\` UNIQUE (\`sku\`);

INSERT INTO alembic_version (version_num) VALUES ('001');

`,
  postgresql: `CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

BEGIN;

-- Running upgrade  -> 001

CREATE TABLE "bins" (
    "id" INTEGER NOT NULL,
    "label" VARCHAR(20),
    PRIMARY KEY ("id")
);

CREATE INDEX "bins_label" ON "bins" ("label");

COMMIT;

CREATE INDEX CONCURRENTLY "items_name" ON "items" ("name");

CREATE UNIQUE INDEX CONCURRENTLY "items_sku" ON "items" ("sku");

BEGIN;

INSERT INTO alembic_version (version_num) VALUES ('001');

COMMIT;

`,
  // SQLite keeps the target's spelling of types; INT (not INTEGER) makes id a plain key, not the rowid.
  sqlite: `CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 001

CREATE TABLE "bins" (
    "id" INT,
    "label" varchar(20),
    PRIMARY KEY ("id")
);

CREATE INDEX "bins_label" ON "bins" ("label");

CREATE INDEX "items_name" ON "items" ("name");

CREATE UNIQUE INDEX "items_sku" ON "items" ("sku");

INSERT INTO alembic_version (version_num) VALUES ('001');

`,
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
          expect(sql).to.equal(`CREATE TABLE "pushers" (
    "id" INTEGER NOT NULL,
    "app_id" INTEGER NOT NULL,
    "pushkey" TEXT NOT NULL,
    "ts" INTEGER NOT NULL,
    CONSTRAINT "pushers2_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "pushers2_app_id_pushkey_key" UNIQUE ("app_id", "pushkey"),
    CONSTRAINT "pushers2_app_fk" FOREIGN KEY ("app_id") REFERENCES "app" ("id"),
    CONSTRAINT "pushers2_ts_positive" CHECK (ts >= 0)
)`)
        },
        live: '',
        target: NAMED[dialect],
      })
      expect(undated(script)).to.equal(NAMED_SCRIPT[dialect])
    })

    it('item 7: a downgrade gives back dropped NOT NULL columns as they were (type, NOT NULL, default) and says their values are gone', async () => {
      const {dir, generated, script} = await evolve(db, {
        afterDown: async (c) => {
          await c.query(
            "INSERT INTO accounts (id, email, score, joined, active, bio) VALUES (9, 'x@example.org', 1, '2024-01-01', TRUE, 'b')",
          )
          await c.query('DELETE FROM accounts WHERE id = 9')
          let refused: unknown
          await c.query('INSERT INTO accounts (id) VALUES (10)').catch((error: unknown) => (refused = error))
          expect(String(refused)).to.equal(
            {
              mysql: "Error: Field 'email' doesn't have a default value",
              postgresql: 'error: null value in column "email" of relation "accounts" violates not-null constraint',
              sqlite: 'SqliteError: NOT NULL constraint failed: accounts.email',
            }[dialect],
          )
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
      expect(undated(script)).to.equal(ACCOUNTS_SCRIPT[dialect])
      expect(generated.stdout).to.equal(
        `${['bio', 'active', 'joined', 'score', 'plan', 'email'].map((c) => `  drop column accounts.${c}\n`).join('')}Generated ${path.join(dir, 'migrations', '001_evolve.ts')}\n`,
      )
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
        // The partitioned table and the index are compared (their partitioning and comment are not); the
        // system-versioned table is left out whole.
        expect(await runCli(['check_migration', '--autogenerate'], {cwd: dir})).to.deep.equal({
          code: 1,
          stderr:
            'not compared: 1 sequence, 1 system-versioned table, 1 partitioned table, 1 index comment\nError: check_migration --autogenerate found 2 difference(s) between the database and the target schema: run "db-manage revision --autogenerate"\n',
          stdout:
            'OK: 0 revision(s), one linear sequential chain\nOK: the database is at base; nothing pending\nadd table events\nadd index events_at on events (at)\n',
        })
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
        expect(undated(script)).to.equal(
          revisionFile(
            'evolve',
            [
              "await op.batchAlterTable('flags', (batch) => {",
              "  batch.addColumn(op.column('active', 'boolean', {default: false, nullable: false}))",
              "  batch.addColumn(op.column('seen', 'boolean', {default: true, nullable: true}))",
              "  batch.addColumn(op.column('n', 'integer', {default: 0, nullable: true}))",
              '})',
            ],
            [
              "await op.batchAlterTable('flags', (batch) => {",
              "  batch.dropColumn('n')",
              "  batch.dropColumn('seen')",
              "  batch.dropColumn('active')",
              '})',
            ],
          ),
        )
      })
    }

    it('item 20: a new index on a table that exists is built online (concurrently), and the output passes check_migration --lint', async () => {
      const {script} = await evolve(db, {
        atHead: async (c) => {
          let refused: unknown
          await c.query("INSERT INTO items VALUES (9, 'x', 'A-1')").catch((error: unknown) => (refused = error))
          expect(String(refused)).to.equal(
            {
              mysql: "Error: Duplicate entry 'A-1' for key 'items_sku'",
              postgresql: 'error: duplicate key value violates unique constraint "items_sku"',
              sqlite: 'SqliteError: UNIQUE constraint failed: items.sku',
            }[dialect],
          )
        },
        counts: {items: 2},
        live: ITEMS[dialect],
        rows: "INSERT INTO items VALUES (1, 'bolt', 'A-1'), (2, 'nut', 'B-2');",
        target: `${ITEMS[dialect]}\nCREATE INDEX items_name ON items (name);\nCREATE UNIQUE INDEX items_sku ON items (sku);\nCREATE TABLE bins (id int PRIMARY KEY, label varchar(20));\nCREATE INDEX bins_label ON bins (label);`,
      })
      expect(undated(script)).to.equal(ITEMS_SCRIPT[dialect])
      const dir = projectWith(db, ITEMS[dialect])
      writeFileSync(path.join(dir, 'migrations', '001_evolve.ts'), script)
      const linted = await runCli(['check_migration', '--lint', '--no-db', '--dialect', dialect], {cwd: dir})
      expect(linted).to.deep.equal({
        code: 0,
        stderr: '',
        // The new table's int key and varchar column are worth knowing (info), not a reason to refuse the revision.
        stdout: `OK: 1 revision(s), 001 -> 001, one linear sequential chain\n${ITEMS_LINT_INFO[dialect]}lint of 1 revision(s) (all) for ${dialect}: every one online-safe\n`,
      })
      const sql = (await runCli(['upgrade', '--sql', 'base:head'], {cwd: dir})).stdout
      // The new table's index is built plainly (the table is empty; on MySQL with the table); those on items, which
      // exists, online. (On
      // PostgreSQL two CONCURRENTLY builds in a row leave an empty BEGIN; COMMIT; between them: noise, harmless.)
      expect(noHistory(sql)).to.equal(ITEMS_SQL[dialect])
      expect(readdirSync(path.join(dir, 'migrations'))).to.deep.equal(['001_evolve.ts'])
      expect(readFileSync(path.join(dir, 'migrations', '001_evolve.ts'), 'utf8')).to.equal(script)
    })
  })
}
