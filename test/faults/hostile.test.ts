import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli} from '../helpers/cli.js'
import {snapshot} from '../helpers/catalog.js'
import {adminConnection, connected, dialectsUnderTest, type TestDatabase} from '../helpers/databases.js'
import {chainProject} from './chain.js'

/** A password with what URLs and shells trip on; it must never be printed, in any form. */
const PASSWORD = 'p@ss/w%rd:H0st1le\'"x'
const FORMS = [PASSWORD, encodeURIComponent(PASSWORD), 'H0st1le']

interface Case {
  readonly name: string
  readonly args: string[]
  /** Changes to the project (or the database) before the command; the catalog is compared from after it. */
  readonly setup?: (dir: string, db: TestDatabase) => Promise<void> | void
  /** Puts the database back for the next case. */
  readonly undo?: (db: TestDatabase) => Promise<void>
  readonly env?: NodeJS.ProcessEnv
  readonly code: 1 | 2
  /** The one stderr line: it names the file, setting or revision at fault. */
  readonly line: RegExp
  /** What stdout says, where the command reports its findings there (check_migration). */
  readonly stdout?: RegExp
}

const ini = (dir: string, body: string) => writeFileSync(path.join(dir, 'db-manage.ini'), body)
const script = (dir: string, file: string, text: string | Buffer) =>
  writeFileSync(path.join(dir, 'migrations', file), text)
/** Revision 003 replaced by `file`. */
const third = (dir: string, file: string, text: string | Buffer) => {
  rmSync(path.join(dir, 'migrations', '003_step.sql'))
  script(dir, file, text)
}
const sqlHeader = (id: string, down: string, message = 'x') =>
  `-- revision: ${id}\n-- down_revision: ${down}\n-- message: ${message}\n-- +upgrade\n`
const tsScript = (id: string, down: string, body: string) =>
  `export const revision = '${id}'\nexport const downRevision = ${down === 'null' ? 'null' : `'${down}'`}\nexport const message = 'x'\n${body}\n`
const sql = (db: TestDatabase, text: string) => connected(db, (c) => c.query(text))

/** What goes wrong, grouped as the issue lists it. Each runs on a project whose database is at 002 of a 3-revision chain. */
function cases(url: string): Case[] {
  const withMain = (dir: string, lines: string) =>
    ini(dir, `[db_manage]\nscript_location = migrations\n${lines}\n\n[database]\nconnection = ${url}\n`)
  const badUrl = (connection: string) => (dir: string) =>
    ini(dir, `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${connection}\n`)
  const wrongPassword = url.replace(encodeURIComponent(PASSWORD), encodeURIComponent(`${PASSWORD}-wrong`))
  return [
    // config and URL errors
    {
      args: ['upgrade'],
      code: 2,
      line: /unknown section \[databse\]/,
      name: 'a misspelt section',
      setup: (d) => ini(d, `[db_manage]\nscript_location = migrations\n\n[databse]\nconnection = ${url}\n`),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /db-manage\.ini \[db_manage\]: unknown key "lock_timout"/,
      name: 'an unknown key',
      setup: (d) => withMain(d, 'lock_timout = 5'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /\[db_manage\] lock_timeout/,
      name: 'a lock_timeout that is not a number',
      setup: (d) => withMain(d, 'lock_timeout = soon'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /\[db_manage\] statement_lock_timeout/,
      name: 'a negative statement_lock_timeout',
      setup: (d) => withMain(d, 'statement_lock_timeout = -1'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /\[db_manage\] transaction_per_migration/,
      name: 'a boolean that is not one',
      setup: (d) => withMain(d, 'transaction_per_migration = maybe'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /\[db_manage\] revision_digits/,
      name: 'revision_digits out of range',
      setup: (d) => withMain(d, 'revision_digits = 0'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /\[db_manage\] version_table/,
      name: 'a version_table with a quote and a semicolon',
      setup: (d) => withMain(d, 'version_table = v"; DROP TABLE t_1'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /\[db_manage\] history_table/,
      name: 'a history_table with a backslash',
      setup: (d) => withMain(d, 'history_table = h\\x'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /connection/,
      name: 'a connection that is not a URL',
      setup: badUrl('not a url'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /oracle/,
      name: 'a URL of a database db-manage does not know',
      setup: badUrl('oracle://u:pw@127.0.0.1/x'),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /db-manage\.ini \[database\] connection: invalid postgresql:\/\/ URL \(it is not printed/,
      name: 'a port out of range',
      setup: badUrl(url.replace(/:\d+\//, ':99999/')),
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /DB_MANAGE_UNSET_VARIABLE/,
      name: 'a variable that is not set',
      setup: badUrl('postgresql://app:${DB_MANAGE_UNSET_VARIABLE}@127.0.0.1/x'),
    },
    {
      args: ['upgrade', '--config-file', 'missing.ini'],
      code: 2,
      line: /missing\.ini/,
      name: 'a config file that does not exist',
    },
    {
      args: ['upgrade', '--config-file', 'migrations'],
      code: 2,
      line: /migrations/,
      name: 'a config file that is a folder',
    },
    {
      args: ['upgrade'],
      code: 2,
      line: /db-manage\.ini/,
      name: 'a config file of binary junk',
      setup: (d) =>
        writeFileSync(
          path.join(d, 'db-manage.ini'),
          Buffer.from([0x5b, 0x00, 0xff, 0xfe, 0x0a, 0x3d, 0x5d, 0x0a, 0x00]),
        ),
    },
    {
      args: ['upgrade'],
      code: 2,
      env: {DATABASE_URL: 'postgresql://app:pw@[::1/x'},
      line: /DATABASE_URL/,
      name: 'a DATABASE_URL that does not parse',
    },
    {
      args: ['upgrade', '--url', 'mssql://sa:pw@127.0.0.1/x'],
      code: 2,
      line: /--url.*mssql/,
      name: 'a --url of an unknown scheme',
    },
    {args: ['upgrade', '--db', 'a;b'], code: 2, line: /--db a;b: no such database/, name: '--db naming no section'},
    {
      args: ['upgrade'],
      code: 1,
      line: /password authentication failed/,
      name: 'a wrong password',
      setup: badUrl(wrongPassword),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /cannot connect to .*127\.0\.0\.1:1\/.*ECONNREFUSED/,
      name: 'a server that refuses the connection',
      setup: badUrl(url.replace(/:\d+\//, ':1/')),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /database "no_such_db" does not exist/,
      name: 'a database that does not exist',
      setup: badUrl(url.replace(/\/[^/]+$/, '/no_such_db')),
    },
    // broken scripts
    {
      args: ['upgrade'],
      code: 1,
      line: /003_broken\.ts/,
      name: 'a TypeScript syntax error',
      setup: (d) =>
        third(d, '003_broken.ts', tsScript('003', '002', "export async function upgrade(op) { await op.execute('x' }")),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_noexport\.ts has no upgrade\(\) function/,
      name: 'a script without upgrade()',
      setup: (d) => third(d, '003_noexport.ts', tsScript('003', '002', 'export async function downgrade() {}')),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_throws\.ts/,
      name: 'a script that throws as it loads',
      setup: (d) =>
        third(d, '003_throws.ts', tsScript('003', '002', "throw new Error('no')\nexport async function upgrade() {}")),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_junk\.ts/,
      name: 'a script of binary junk',
      setup: (d) => third(d, '003_junk.ts', randomBytes(256)),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_empty\.sql/,
      name: 'an empty .sql file',
      setup: (d) => third(d, '003_empty.sql', ''),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_noheader\.sql/,
      name: 'a .sql file without its header',
      setup: (d) => third(d, '003_noheader.sql', 'CREATE TABLE z (id INTEGER);\n'),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_quote\.sql/,
      name: 'a .sql with an unterminated string',
      setup: (d) => third(d, '003_quote.sql', `${sqlHeader('003', '002')}INSERT INTO t_1 (id, v) VALUES (9, 'open);\n`),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_dollar\.sql/,
      name: 'a .sql with an unterminated $$',
      setup: (d) =>
        third(d, '003_dollar.sql', `${sqlHeader('003', '002')}DO $$ BEGIN PERFORM 1;\nCREATE TABLE z (id INTEGER);\n`),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /cycle/,
      name: 'a cycle in the chain',
      setup: (d) => {
        script(d, '001_step.sql', `${sqlHeader('001', '003')}CREATE TABLE t_1 (id INTEGER);\n`)
      },
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /002/,
      name: 'two scripts with one id',
      setup: (d) => script(d, '002_again.sql', `${sqlHeader('002', '001')}SELECT 1;\n`),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /099/,
      name: 'a down revision that does not exist',
      setup: (d) => script(d, '003_step.sql', `${sqlHeader('003', '099')}SELECT 1;\n`),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /head/,
      name: 'two heads',
      setup: (d) => script(d, '004_fork.sql', `${sqlHeader('004', '002')}SELECT 1;\n`),
    },
    {
      args: ['check_migration', '--no-db'],
      code: 1,
      line: /check_migration found \d problem\(s\) in the revision chain/,
      name: 'a file name that disagrees with its id',
      setup: (d) => {
        rmSync(path.join(d, 'migrations', '003_step.sql'))
        script(d, '003_misnamed.sql', `${sqlHeader('004', '002')}SELECT 1;\n`)
      },
      stdout: /003_misnamed\.sql/,
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_step\.sql.*no_such_table/,
      name: 'SQL the server refuses',
      setup: (d) => script(d, '003_step.sql', `${sqlHeader('003', '002')}INSERT INTO no_such_table VALUES (1);\n`),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /upgrade 002 -> 003 \(003_step\.ts\) failed: boom -- '; \\ ü; rolled back, the database is at 002$/,
      name: 'a script that throws as it runs',
      setup: (d) => {
        rmSync(path.join(d, 'migrations', '003_step.sql'))
        script(
          d,
          '003_step.ts',
          tsScript(
            '003',
            '002',
            "export async function upgrade(op) { await op.execute('CREATE TABLE z (id INTEGER)'); throw new Error('boom -- \\'; \\\\ ü') }",
          ),
        )
      },
    },
    // CLI misuse
    {args: ['upgrade', '--delta', '-1'], code: 2, line: /--delta/, name: 'a negative --delta'},
    {
      args: ['upgrade', '003', '--delta', '1'],
      code: 2,
      line: /either a target \(003\) or --delta/,
      name: 'a target and --delta',
    },
    {args: ['downgrade'], code: 2, line: /downgrade needs a target/, name: 'downgrade without a target'},
    {args: ['upgrade', 'nosuchrev'], code: 1, line: /nosuchrev/, name: 'an unknown revision'},
    {
      args: ['upgrade', "001'; DROP TABLE t_1; --"],
      code: 1,
      line: /001'; DROP TABLE t_1; --/,
      name: 'a revision id that is SQL',
    },
    {
      args: ['upgrade', '001'],
      code: 1,
      line: /upgrade 001: that is below the current revision 002/,
      name: 'an upgrade to below the current revision',
    },
    {
      args: ['downgrade', '003'],
      code: 1,
      line: /downgrade 003: that is above the current revision 002/,
      name: 'a downgrade to above the current revision',
    },
    {
      args: ['upgrade', '--lock-timeout', 'soon'],
      code: 2,
      line: /--lock-timeout/,
      name: 'a flag value that is not a number',
    },
    {args: ['upgrade', '--frobnicate'], code: 2, line: /--frobnicate/, name: 'an unknown flag'},
    {args: ['stamp'], code: 2, line: /revision/, name: 'stamp without a revision'},
    {args: ['upgrade', '--sql', '--delta', '1'], code: 2, line: /--delta/, name: '--sql with --delta'},
    {args: ['exec', 'missing.sql'], code: 2, line: /missing\.sql/, name: 'exec of a file that does not exist'},
    {args: ['show', '999'], code: 1, line: /999/, name: 'show of an unknown revision'},
    {
      args: ['history', '-r', '003:001'],
      code: 1,
      line: /history -r 003:001: its start comes after its end/,
      name: 'a reversed history range',
    },
    {args: ['nosuchcommand'], code: 2, line: /unknown command "nosuchcommand"/, name: 'an unknown command'},
    // a tampered version table
    {
      args: ['upgrade'],
      code: 1,
      line: /alembic_version holds 2 rows \(00\d, 00\d\)/,
      name: 'two version rows',
      setup: (_, db) => sql(db, "INSERT INTO alembic_version (version_num) VALUES ('001')").then(() => {}),
      undo: (db) => sql(db, "DELETE FROM alembic_version WHERE version_num = '001'").then(() => {}),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /revision zzz, which no script/,
      name: 'an unknown version row',
      setup: (_, db) => sql(db, "UPDATE alembic_version SET version_num = 'zzz'").then(() => {}),
      undo: (db) => sql(db, "UPDATE alembic_version SET version_num = '002'").then(() => {}),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /revision 099, which no script/,
      name: 'a database ahead of the scripts',
      setup: (_, db) => sql(db, "UPDATE alembic_version SET version_num = '099'").then(() => {}),
      undo: (db) => sql(db, "UPDATE alembic_version SET version_num = '002'").then(() => {}),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /version_num/,
      name: 'a version table with the wrong columns',
      setup: async (_, db) => {
        await sql(db, 'ALTER TABLE alembic_version RENAME COLUMN version_num TO num')
      },
      undo: (db) => sql(db, 'ALTER TABLE alembic_version RENAME COLUMN num TO version_num').then(() => {}),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /alembic_version is missing, but db_manage_history says the database was at 002 .*"db-manage stamp 002"/,
      name: 'the version table dropped mid-life',
      setup: async (_, db) => {
        await sql(db, 'ALTER TABLE alembic_version RENAME TO alembic_version_kept')
      },
      undo: (db) => sql(db, 'ALTER TABLE alembic_version_kept RENAME TO alembic_version').then(() => {}),
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /db_manage_history/,
      name: 'a history table with the wrong columns',
      setup: (_, db) => sql(db, 'ALTER TABLE db_manage_history RENAME COLUMN checksum TO sum').then(() => {}),
      undo: (db) => sql(db, 'ALTER TABLE db_manage_history RENAME COLUMN sum TO checksum').then(() => {}),
    },
    // messages and identifiers with quotes, backslashes, unicode, -- and ;
    {
      args: ['upgrade', '--db', 'x\'"\\ü--;'],
      code: 2,
      line: /--db x'"\\ü--;: no such database/,
      name: 'a --db with quotes, a backslash, unicode, -- and ;',
    },
    {
      args: ['upgrade'],
      code: 1,
      line: /003_step\.sql/,
      name: 'SQL with quotes and comments that the server refuses',
      setup: (d) =>
        script(
          d,
          '003_step.sql',
          `${sqlHeader('003', '002', 'it\'s -- "odd"; \\ ü')}INSERT INTO t_1 (id, v) VALUES (1, 'it''s -- ; \\ ü');\n`,
        ),
    },
    {
      args: ['stamp', '--accept-edit', 'base'],
      code: 1,
      line: /--accept-edit needs a revision, not base/,
      name: 'stamp --accept-edit of base',
    },
  ]
}

for (const dialect of dialectsUnderTest().filter((d) => d === 'postgresql')) {
  describe(`hostile input on ${dialect}, with a password that must never show`, function () {
    this.timeout(600_000)
    let db!: TestDatabase
    let role!: string

    before(async () => {
      role = `dbm_hostile_${randomBytes(3).toString('hex')}`
      const admin = await adminConnection('postgresql')
      try {
        await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD.replaceAll("'", "''")}'`)
        await admin.query(`CREATE DATABASE ${role} OWNER ${role}`)
      } finally {
        await admin.close()
      }

      const server = new URL(process.env.DB_MANAGE_TEST_PG_URL!)
      const url = `postgresql://${role}:${encodeURIComponent(PASSWORD)}@${server.host}/${role}`
      db = {
        badPasswordUrl: url,
        connect: () =>
          import('../../src/dialects/registry.js').then(async ({getDialect}) =>
            (await getDialect('postgresql')).connect(
              (await import('../../src/config/database-url.js')).parseDatabaseUrl(url),
              10_000,
            ),
          ),
        dialect,
        drop: async () => {},
        url,
      }
    })

    after(async () => {
      const admin = await adminConnection('postgresql')
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`)
        await admin.query(`DROP ROLE IF EXISTS ${role}`)
      } finally {
        await admin.close()
      }
    })

    it('every case: exit 1 or 2, one line on stderr naming what is wrong, no stack trace, no password (also under --debug), the database unchanged', async () => {
      const table = cases(db.url)
      expect(table.length).to.be.at.least(60)
      const base = chainProject(db.url, 3)
      expect((await runCli(['upgrade', '002'], {cwd: base})).code).to.equal(0)
      const failures: string[] = []
      for (const c of table) {
        const dir = chainProject(db.url, 3)
        await c.setup?.(dir, db)
        const before = await snapshot(db)
        for (const debug of [false, true]) {
          const run = await runCli(debug ? [...c.args, '--debug'] : c.args, {cwd: dir, env: c.env})
          const output = run.stdout + run.stderr
          const leaked = FORMS.find((f) => output.includes(f))
          if (leaked) failures.push(`${c.name}${debug ? ' (--debug)' : ''}: the password shows (${leaked})`)
          if (run.code !== c.code)
            failures.push(`${c.name}${debug ? ' (--debug)' : ''}: exit ${run.code}, expected ${c.code}: ${run.stderr}`)
          if (!debug) {
            const lines = run.stderr.split('\n').filter(Boolean)
            if (lines.length !== 1) failures.push(`${c.name}: ${lines.length} lines on stderr: ${run.stderr}`)
            else if (!lines[0].startsWith('Error: ') || !c.line.test(lines[0]))
              failures.push(`${c.name}: ${lines[0]} does not match ${c.line}`)
            if (/\n\s+at /.test(run.stderr)) failures.push(`${c.name}: a stack trace`)
            if (c.stdout && !c.stdout.test(run.stdout))
              failures.push(`${c.name}: stdout ${run.stdout} does not match ${c.stdout}`)
          }
        }

        const after = await snapshot(db)
        if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${c.name}: the database changed`)
        await c.undo?.(db)
        rmSync(dir, {force: true, recursive: true})
      }

      expect(failures, failures.join('\n')).to.deep.equal([])
      // The database is still at 002, and the chain goes on from there.
      expect((await runCli(['upgrade', 'head'], {cwd: base})).code).to.equal(0)
      process.stdout.write(
        `      ${table.length} hostile inputs, each run plain and with --debug: 0 leaked passwords, 0 stack traces without --debug, 0 changed databases\n`,
      )
    })

    it('revision -m "../../x" writes its file inside the script folder, and a message with quotes, unicode, -- and ; reads back as written', async () => {
      const dir = chainProject(db.url, 3)
      mkdirSync(path.join(dir, 'deep', 'er'), {recursive: true})
      const made = await runCli(['revision', '-m', '../../x'], {cwd: dir})
      expect(made.code, made.stderr).to.equal(0)
      expect(made.stdout).to.equal(`Generated ${path.join(dir, 'migrations', '004_x.ts')}\n`)
      expect(readdirSync(dir).sort()).to.deep.equal(['db-manage.ini', 'deep', 'migrations'])
      expect(existsSync(path.join(dir, 'x.sql'))).to.equal(false)
      const message = 'it\'s "odd" -- ; \\ été ✓'
      const odd = await runCli(['revision', '-m', message], {cwd: dir})
      expect(odd.stdout).to.equal(`Generated ${path.join(dir, 'migrations', '005_it_s_odd_été.ts')}\n`)
      expect((await runCli(['history', '-r', '004:'], {cwd: dir})).stdout).to.equal(
        `004 -> 005 (head), ${message}\n003 -> 004, ../../x\n`,
      )
    })
  })
}
