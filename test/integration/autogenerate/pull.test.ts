// Issue 31 item 5: `db-manage pull` writes a database's schema as a defineSchema module that autogenerate reads back
// as no difference: on the public sample schemas (Chinook, Pagila, Sakila), which db-manage did not write, loaded by
// each server's own client, and, exactly, on a small schema per dialect.
import {expect} from 'chai'
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import type {DialectName} from '../../../src/util/dialect-names.js'
import {runCli, tempProject} from '../../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'
import {runNative} from '../../helpers/evolution-pg.js'
import {SAMPLES} from '../../helpers/samples.js'

const samples = (dialect: DialectName) =>
  existsSync(SAMPLES)
    ? readdirSync(SAMPLES)
        .filter((f) => f.endsWith(`.${dialect}.sql`))
        .sort()
    : []
const NO_CHANGES = 'No changes detected: the database matches the target schema; nothing written.\n'

const SMALL = `CREATE TABLE authors (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(80) NOT NULL,
  CONSTRAINT uq_authors_name UNIQUE (name));
CREATE TABLE books (
  id INTEGER NOT NULL PRIMARY KEY,
  author_id INTEGER NOT NULL,
  title VARCHAR(200) NOT NULL,
  price NUMERIC(8,2) DEFAULT 0,
  CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE,
  CONSTRAINT ck_books_price CHECK (price >= 0)
);
CREATE INDEX ix_books_title ON books (title);
CREATE VIEW cheap_books AS SELECT * FROM books WHERE price < 5;
`

/** What pull writes for SMALL: each server's own spelling of the check and the default, MySQL's key index. */
function smallSchema(dialect: DialectName): string {
  const own = {
    mysql: {
      check: '`price` >= 0',
      collate: "      mysqlCollate: 'latin1_swedish_ci',\n",
      indexes: "[{columns: ['author_id'], name: 'fk_books_author'}, {columns: ['title'], name: 'ix_books_title'}]",
      price: "column('price', 'numeric(8,2)', {default: sql('0.00'), nullable: true})",
      view:
        "'CREATE VIEW `cheap_books` AS select `books`.`id` AS `id`,`books`.`author_id` AS `author_id`," +
        "`books`.`title` AS `title`,`books`.`price` AS `price` from `books` where `books`.`price` < 5'",
    },
    postgresql: {
      check: '(price >= (0)::numeric)',
      collate: '',
      indexes: "[{columns: ['title'], name: 'ix_books_title'}]",
      price: "column('price', 'numeric(8,2)', {default: 0, nullable: true})",
      view: [
        '`CREATE VIEW cheap_books AS',
        'SELECT books.id,',
        '    books.author_id,',
        '    books.title,',
        '    books.price',
        '   FROM books',
        '  WHERE (books.price < (5)::numeric)`',
      ].join('\n'),
    },
    sqlite: {
      check: 'price >= 0',
      collate: '',
      indexes: "[{columns: ['title'], name: 'ix_books_title'}]",
      price: "column('price', 'NUMERIC(8,2)', {default: 0, nullable: true})",
      view: "'CREATE VIEW cheap_books AS SELECT * FROM books WHERE price < 5'",
    },
  }[dialect]
  return `import {column, defineSchema${dialect === 'mysql' ? ', sql' : ''}} from 'db-manage'

// The schema of a ${dialect} database, as db-manage pull read it.
export default defineSchema({
  tables: {
    authors: {
      columns: [
        column('id', 'integer', {primaryKey: true}),
        column('name', 'string(80)', {nullable: false}),
      ],
      uniques: [{columns: ['name'], name: 'uq_authors_name'}],
${own.collate}    },
    books: {
      columns: [
        column('id', 'integer', {primaryKey: true}),
        column('author_id', 'integer', {nullable: false}),
        column('title', 'string(200)', {nullable: false}),
        ${own.price},
      ],
      foreignKeys: [{columns: ['author_id'], name: 'fk_books_author', onDelete: 'CASCADE', referent: 'authors', referentColumns: ['id']}],
      checks: [{condition: '${own.check}', name: 'ck_books_price'}],
      indexes: ${own.indexes},
${own.collate}    },
  },
  objects: [
    ${own.view},
  ],
})
`
}

/**
 * A project whose target_schema is the pulled file, with one empty revision stamped as applied (a takeover): then
 * revision --autogenerate must find nothing to write, check_migration --autogenerate must pass, and diff of the
 * database and the file must be empty.
 */
async function expectNoDifference(db: TestDatabase, dir: string, file: string): Promise<void> {
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\ntarget_schema = ${file}\n\n[database]\nconnection = ${db.url}\n`,
  )
  expect((await runCli(['revision', '-m', 'baseline'], {cwd: dir})).code).to.equal(0)
  expect((await runCli(['stamp', 'head'], {cwd: dir})).code).to.equal(0)
  const again = await runCli(['revision', '--autogenerate', '-m', 'again'], {cwd: dir})
  expect(again.stdout, again.stderr).to.equal(NO_CHANGES)
  expect(again.code).to.equal(0)
  expect(readdirSync(path.join(dir, 'migrations')).filter((f) => f.endsWith('.ts'))).to.have.length(1)
  expect((await runCli(['check_migration', '--autogenerate'], {cwd: dir})).code).to.equal(0)
  expect(await runCli(['diff', 'default', file], {cwd: dir})).to.deep.include({code: 0, stdout: ''})
}

for (const dialect of dialectsUnderTest()) {
  describe(`pull on ${dialect}`, function () {
    this.timeout(300_000)
    let db: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    it('a small schema: exactly this module, which autogenerate reads back as no difference', async () => {
      runNative(db, SMALL)
      const dir = tempProject()
      const pulled = await runCli(['pull', '--url', db.url], {cwd: dir})
      expect(pulled).to.deep.equal({code: 0, stderr: '', stdout: smallSchema(dialect)})
      writeFileSync(path.join(dir, 'schema.ts'), pulled.stdout)
      await expectNoDifference(db, dir, 'schema.ts')
    })

    it('-o FILE: written, a line on stderr; an existing file is refused unless --force', async () => {
      runNative(db, SMALL)
      const dir = tempProject()
      const file = path.join(dir, 'schema.ts')
      expect(await runCli(['pull', '--url', db.url, '-o', 'schema.ts'], {cwd: dir})).to.deep.equal({
        code: 0,
        stderr: 'Wrote schema.ts: 2 tables\n',
        stdout: '',
      })
      expect(readFileSync(file, 'utf8')).to.equal(smallSchema(dialect))
      writeFileSync(file, '// mine\n')
      expect(await runCli(['pull', '--url', db.url, '-o', 'schema.ts'], {cwd: dir})).to.deep.equal({
        code: 2,
        stderr: 'Error: -o schema.ts: the file exists; pass --force to replace it\n',
        stdout: '',
      })
      expect(readFileSync(file, 'utf8')).to.equal('// mine\n')
      expect((await runCli(['pull', '--url', db.url, '-o', 'schema.ts', '--force'], {cwd: dir})).code).to.equal(0)
      expect(readFileSync(file, 'utf8')).to.equal(smallSchema(dialect))
    })

    for (const sample of samples(dialect)) {
      it(`${sample}, loaded by the client: pulled, autogenerate finds nothing to do; the file diffs equal to the sample`, async () => {
        runNative(db, readFileSync(path.join(SAMPLES, sample), 'utf8'))
        const dir = tempProject()
        const pulled = await runCli(['pull', '--url', db.url, '-o', 'schema.ts'], {cwd: dir})
        expect(pulled.code, pulled.stderr).to.equal(0)
        expect(pulled.stderr).to.match(/^(not pulled: [^\n]+\n)?Wrote schema\.ts: \d+ tables(, [^\n]+)?\n$/)
        await expectNoDifference(db, dir, 'schema.ts')
        // What the file builds is what the sample builds (both on scratch databases): not an empty schema.
        writeFileSync(path.join(dir, 'sample.sql'), readFileSync(path.join(SAMPLES, sample), 'utf8'))
        const same = await runCli(['diff', 'schema.ts', 'sample.sql'], {cwd: dir})
        expect({code: same.code, stdout: same.stdout}, same.stderr).to.deep.equal({code: 0, stdout: ''})
        const empty = await runCli(['diff', 'schema.ts', 'chain:base'], {cwd: dir})
        expect(empty.code).to.equal(1)
        expect(empty.stdout).to.match(/await op\.dropTable\(/)
      })
    }
  })
}
