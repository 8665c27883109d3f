// Raw SQL as each database's own client reads it: `.sql` revisions online and
// offline (piped through the client), `exec`, and `op.execute` of several
// statements, on files db-manage did not write (issue 26, findings 1-3 and 10).
import {expect} from 'chai'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {ROOT, runCli, tempProject} from '../../helpers/cli.js'
import {applyWithClient} from '../../helpers/catalog.js'
import {connected, createTestDatabase, dialectsUnderTest, type TestDatabase} from '../../helpers/databases.js'
import type {TestDialect} from '../../helpers/dialects.js'
import {noHistory} from '../../helpers/revision-file.js'

const header = (id: string, down: string) =>
  `-- revision: ${id}\n-- down_revision: ${down}\n-- message: r${id}\n-- +upgrade\n`

/** A project whose chain is the given `.sql`/`.ts` files, configured for `url`. */
function project(url: string, files: Record<string, string>): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${url}\n`,
  )
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'migrations', name), text)
  return dir
}

async function rows(db: TestDatabase, sql: string): Promise<unknown[]> {
  return connected(db, async (c) => (await c.query(sql)).rows.map((r) => Object.values(r).map(String).join('|')))
}

/** Per dialect: a file whose comments, strings and blocks hold `;`, `DROP` and quotes, and what it must leave. */
const HOSTILE: Record<TestDialect, {sql: string; check: string; expected: string[]}> = {
  mysql: {
    check: 'SELECT id, note FROM users ORDER BY id',
    expected: ['1|a;b', "2|it's \\; #", '3|x'],
    sql: [
      'CREATE TABLE users (id INT PRIMARY KEY, note VARCHAR(50));',
      '# step 1; DROP TABLE users; -- disabled',
      "INSERT INTO users VALUES (1, 'a;b');",
      "INSERT INTO users VALUES (2, 'it\\'s \\\\; #'); -- DROP TABLE users;",
      '/* ; DROP TABLE users; */ INSERT INTO users VALUES (3, "x");',
      '#DROP TABLE users;',
      'DELIMITER $$',
      'CREATE PROCEDURE bump() BEGIN UPDATE users SET note = note WHERE id = 0; SELECT 1; END$$',
      'DELIMITER ;',
      '',
    ].join('\n'),
  },
  postgresql: {
    check: 'SELECT id, note FROM users ORDER BY id',
    expected: ['1|a;b', "2|it's; \\", '3|$$;', '4|x'],
    sql: [
      'CREATE TABLE users (id int PRIMARY KEY, note text);',
      '/* outer /* inner; DROP TABLE users; */ still a comment; DROP TABLE users; */',
      "INSERT INTO users VALUES (1, 'a;b');",
      "INSERT INTO users VALUES (2, E'it\\'s; \\\\'); -- DROP TABLE users;",
      "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$ BEGIN RETURN '$$;'; END $body$;",
      'INSERT INTO users VALUES (3, f());',
      'CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN a > 0 THEN 4 ELSE 0 END; END;',
      "INSERT INTO users VALUES (g(1), 'x');",
      '',
    ].join('\n'),
  },
  sqlite: {
    check: 'SELECT id, note, sign FROM users ORDER BY id',
    expected: ['1|a;b|pos', '2|b|neg'],
    sql: [
      'CREATE TABLE users (id INTEGER PRIMARY KEY, note TEXT, sign TEXT);',
      'CREATE TRIGGER users_sign AFTER INSERT ON users BEGIN',
      "  UPDATE users SET sign = CASE WHEN new.id > 1 THEN 'neg' ELSE 'pos' END WHERE id = new.id;",
      'END;',
      "INSERT INTO users (id, note) VALUES (1, 'a;b'); -- DROP TABLE users;",
      "/* ; DROP TABLE users; */ INSERT INTO [users] (id, note) VALUES (2, 'b');",
      '',
    ].join('\n'),
  },
}

for (const dialect of dialectsUnderTest()) {
  describe(`raw SQL as the client reads it: ${dialect}`, function () {
    this.timeout(120_000)
    let dbs: TestDatabase[] = []
    const fresh = async () => {
      const db = await createTestDatabase(dialect)
      dbs.push(db)
      return db
    }

    afterEach(async () => {
      await Promise.all(dbs.map((db) => db.drop()))
      dbs = []
    })

    const {check, expected, sql} = HOSTILE[dialect]

    it('the client, exec, a .sql revision online and its --sql output through the client leave the same rows', async () => {
      const [client, exec, online, offline] = [await fresh(), await fresh(), await fresh(), await fresh()]
      const dir = project(online.url, {'001_hostile.sql': `${header('001', 'none')}${sql}`})
      const file = path.join(dir, 'hostile.sql')
      writeFileSync(file, sql)
      applyWithClient(client, file)
      expect(await rows(client, check)).to.deep.equal(expected)

      const ran = await runCli(['exec', file, '--url', exec.url], {cwd: dir})
      expect(ran.stderr).to.equal('')
      expect(await rows(exec, check)).to.deep.equal(expected)

      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(await rows(online, check)).to.deep.equal(expected)

      const out = path.join(dir, 'out.sql')
      const rendered = await runCli(['upgrade', 'head', '--sql', '-o', out], {cwd: dir})
      expect(rendered.code, rendered.stderr).to.equal(0)
      applyWithClient(offline, out)
      expect(await rows(offline, check)).to.deep.equal(expected)
    })

    it('a revision that cannot be read to a clean end is refused before any revision runs, with its line and column', async () => {
      const db = await fresh()
      const dir = project(db.url, {
        '001_a.sql': `${header('001', 'none')}CREATE TABLE a (id INT);\n`,
        '002_b.sql': `${header('002', '001')}INSERT INTO a VALUES (1);\nINSERT INTO a VALUES ('oops);\n`,
      })
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up).to.deep.include({
        code: 1,
        stderr: "Error: 002_b.sql:6:23: unterminated string '...'; nothing of it was run\n",
      })
      const current = await runCli(['current'], {cwd: dir})
      expect(current.stdout).to.not.match(/001|002/)
    })

    it('op.execute of several statements runs each, as the client would', async () => {
      const db = await fresh()
      const ts = [
        "import type {Operations} from 'db-manage'",
        "export const revision = '001'",
        'export const downRevision = null',
        "export const message = 'several'",
        'export async function upgrade(op: Operations) {',
        "  await op.execute(`CREATE TABLE s (id INT, note VARCHAR(20)); INSERT INTO s VALUES (1, 'a;b'); -- x; DROP TABLE s;\n INSERT INTO s VALUES (2, 'c')`)",
        '}',
        'export async function downgrade(op: Operations) {',
        "  await op.execute('DROP TABLE s')",
        '}',
        '',
      ].join('\n')
      const dir = project(db.url, {'001_several.ts': ts})
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(await rows(db, 'SELECT id, note FROM s ORDER BY id')).to.deep.equal(['1|a;b', '2|c'])
    })

    if (dialect === 'postgresql') {
      it('a pg_dump file as the first revision (it empties the search_path) upgrades, online and through psql', async () => {
        const dump = readFileSync(
          path.join(ROOT, 'test/fixtures/sql-corpus/postgresql/app-helpdesk.pg_dump-inserts.sql'),
          'utf8',
        )
        expect(dump).to.include("set_config('search_path', '', false)")
        const [online, offline] = [await fresh(), await fresh()]
        const dir = project(online.url, {'001_baseline.sql': `${header('001', 'none')}${dump}`})
        const up = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(up.code, up.stderr).to.equal(0)
        expect(await rows(online, 'SELECT version_num FROM alembic_version')).to.deep.equal(['001'])
        const out = path.join(dir, 'out.sql')
        const rendered = await runCli(['upgrade', 'head', '--sql', '-o', out], {cwd: dir})
        expect(rendered.code, rendered.stderr).to.equal(0)
        // After the dump's last statement, the search_path it emptied is reset before the version table is written.
        const text = noHistory(readFileSync(out, 'utf8'))
        expect(text.slice(text.lastIndexOf(';\n\n', text.indexOf('RESET search_path;')) + 3)).to.equal(
          "RESET search_path;\n\nINSERT INTO alembic_version (version_num) VALUES ('001');\n\nCOMMIT;\n\n",
        )
        applyWithClient(offline, out)
        expect(await rows(offline, 'SELECT version_num FROM alembic_version')).to.deep.equal(['001'])
      })
    }

    if (dialect !== 'mysql') {
      it('a .sql revision that ends the transaction db-manage opened is refused in one line; nothing is applied', async () => {
        const db = await fresh()
        const dir = project(db.url, {
          '001_a.sql': `${header('001', 'none')}CREATE TABLE a (id INT);\nCOMMIT;\nCREATE TABLE b (id INT);\n`,
        })
        const up = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(up).to.deep.equal({
          code: 1,
          stderr:
            "Error: upgrade <base> -> 001 (001_a.sql) failed: 001_a.sql:6:1: COMMIT would end the revision's own transaction, which db-manage opens and commits with the version update; leave it out; rolled back, the database is at base\n",
          stdout: '',
        })
        expect(
          await rows(
            db,
            dialect === 'sqlite'
              ? "SELECT name FROM sqlite_master WHERE name IN ('a', 'b')"
              : "SELECT table_name FROM information_schema.tables WHERE table_name IN ('a', 'b')",
          ),
        ).to.deep.equal([])
      })

      it('VACUUM (and on PostgreSQL CREATE INDEX CONCURRENTLY) in a .sql revision runs outside the transaction, as exec runs it', async () => {
        const db = await fresh()
        const concurrent =
          dialect === 'postgresql'
            ? 'CREATE INDEX CONCURRENTLY ix_a_id ON a (id);\n'
            : 'CREATE INDEX ix_a_id ON a (id);\n'
        const dir = project(db.url, {
          '001_a.sql': `${header('001', 'none')}CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n`,
          '002_b.sql': `${header('002', '001')}-- maintenance\nVACUUM;\n${concurrent}INSERT INTO a VALUES (2);\n`,
        })
        const up = await runCli(['upgrade', 'head'], {cwd: dir})
        expect(up.code, up.stderr).to.equal(0)
        expect(await rows(db, 'SELECT id FROM a ORDER BY id')).to.deep.equal(['1', '2'])
        if (dialect === 'postgresql') {
          expect(
            await rows(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_a_id'::regclass"),
          ).to.deep.equal(['true'])
        }

        const sql = await runCli(['upgrade', '001:002', '--sql'], {cwd: dir})
        // Each statement that must run outside stands between the transactions, with no empty BEGIN; COMMIT;
        // before, between or after them.
        expect(noHistory(sql.stdout)).to.equal(
          dialect === 'postgresql'
            ? `-- Running upgrade 001 -> 002

VACUUM;

CREATE INDEX CONCURRENTLY ix_a_id ON a (id);

BEGIN;

INSERT INTO a VALUES (2);

UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';

COMMIT;

`
            : `-- Running upgrade 001 -> 002

VACUUM;

CREATE INDEX ix_a_id ON a (id);

INSERT INTO a VALUES (2);

UPDATE alembic_version SET version_num='002' WHERE alembic_version.version_num = '001';

`,
        )
      })
    }
  })
}
