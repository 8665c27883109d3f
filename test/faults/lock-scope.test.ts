import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {mkdirSync, realpathSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {getDialect} from '../../src/dialects/registry.js'
import {type CliResult, runBinary, runCli, spawnCli, startCli, tempProject} from '../helpers/cli.js'
import {
  adminConnection,
  connected,
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/databases.js'
import {chainProject, chainState, report} from './chain.js'

/** About two seconds: long enough that runs sharing a lock would give up waiting (lock_timeout = 1). */
const SLEEP = {mysql: 'SELECT SLEEP(2);', postgresql: 'SELECT pg_sleep(2);'} as const

/** A 2-revision chain in `dir/name`: 001 makes `${table}_1`, 002 sleeps two seconds and makes `${table}_2`. */
function slowChain(dir: string, name: string, table: string, dialect: keyof typeof SLEEP): void {
  const revision = (id: string, down: string, message: string, up: string[], undo: string) =>
    [
      `-- revision: ${id}`,
      `-- down_revision: ${down}`,
      `-- message: ${message}`,
      '-- +upgrade',
      ...up,
      '-- +downgrade',
      undo,
      '',
    ].join('\n')
  mkdirSync(path.join(dir, name))
  writeFileSync(
    path.join(dir, name, '001_make.sql'),
    revision('001', '', 'make', [`CREATE TABLE ${table}_1 (id INTEGER);`], `DROP TABLE ${table}_1;`),
  )
  writeFileSync(
    path.join(dir, name, '002_slow.sql'),
    revision('002', '001', 'slow', [SLEEP[dialect], `CREATE TABLE ${table}_2 (id INTEGER);`], `DROP TABLE ${table}_2;`),
  )
}

/** The step lines of a run, without their times and tenant prefixes. */
const steps = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => / \(\d+ ms\)$/.test(l))
    .map((l) => l.replace(/ \(\d+ ms\)$/, '').replace(/^\[[^\]]+\] /, ''))

/** Two runs of `upgrade head` on one database at once: the one that applied the chain first. */
async function racePair(dir: string, args: string[]): Promise<[CliResult, CliResult]> {
  const run = () => startCli(['upgrade', 'head', ...args], {cwd: dir})
  const [a, b] = await Promise.all([run(), run()])
  return steps(a.stdout).length > 0 ? [a, b] : [b, a]
}

/** The run that gave up waiting; in a fleet, its tenant is named first. */
const LOCK_TIMEOUT_LINE = new RegExp(
  '^Error: (1 of 1 databases failed: customers/[\\w-]+: )?another db-manage run' +
    ' holds the migration lock and did not release it within 1s \\(--lock-timeout\\)',
)

describe('what one migration lock covers', function () {
  this.timeout(180_000)

  if (dialectsUnderTest().includes('mysql')) {
    it(
      'MariaDB: four tenant databases of one server (two with 64-character names alike but for the last) migrate' +
        ' at once under --parallel 4; two runs on one database still exclude each other',
      async () => {
        const tag = `l${randomBytes(3).toString('hex')}`
        // Database names are `dbm_` + tenant; the long ones are MySQL's longest (64), alike in their first 63.
        const long = (k: number) => `${tag}_${'x'.repeat(51)}${k}`
        const tenants = [`${tag}_a`, `${tag}_b`, long(1), long(2)]
        expect(`dbm_${long(1)}`).to.have.length(64)
        const admin = await adminConnection('mysql')
        try {
          for (const t of tenants) await admin.query(`CREATE DATABASE dbm_${t}`)
          const server = process.env.DB_MANAGE_TEST_MYSQL_URL!.replace(/\/[^/]*$/, '')
          const dir = tempProject()
          slowChain(dir, 'migrations', 'w', 'mysql')
          writeFileSync(
            path.join(dir, 'db-manage.ini'),
            '[db_manage]\nscript_location = migrations\nlock_timeout = 1\n\n' +
              `[fleet:customers]\nurl_template = ${server}/dbm_\${tenant}\ntenants = ${tenants.join(', ')}\n`,
          )

          const started = performance.now()
          const run = await runCli(['upgrade', 'head', '--parallel', '4'], {cwd: dir})
          const ms = performance.now() - started
          expect(run.stderr).to.equal('')
          expect(run.code).to.equal(0)
          expect(run.stdout.trim().split('\n').at(-1)).to.equal('Summary: 4 migrated, 0 already there, 0 failed')
          const json = await runCli(['current', '--json'], {cwd: dir})
          const current = (JSON.parse(json.stdout) as {data: Array<Record<string, string>>}).data
          expect(current.map((c) => [c.database, c.current])).to.deep.equal(
            tenants.map((t) => [`customers/${t}`, '002']),
          )
          report(
            `mysql: 4 tenant databases of one server, --parallel 4, a 2 s revision each, lock_timeout 1: 4 migrated` +
              ` in ${Math.round(ms)} ms`,
          )

          // One database (a long name), two runs at once: the second gives up after --lock-timeout, naming the holder.
          const one = ['--db', `customers/${long(1)}`]
          expect((await runCli(['downgrade', 'base', ...one], {cwd: dir})).code).to.equal(0)
          const [won, lost] = await racePair(dir, [...one, '--lock-timeout', '1'])
          expect(won.code, won.stderr).to.equal(0)
          expect(steps(won.stdout)).to.deep.equal(['upgrade <base> -> 001, make', 'upgrade 001 -> 002, slow'])
          expect(lost.code).to.equal(1)
          expect(lost.stdout).to.equal(`Summary: 0 migrated, 0 already there, 1 failed (customers/${long(1)})\n`)
          expect(lost.stderr).to.match(LOCK_TIMEOUT_LINE)
          expect(lost.stderr).to.match(/: held by connection \d+ \(\w+@[\w.]+:\d+, \d+s in its current state\)\n$/)

          // With time to wait, the second waits, then finds nothing to do.
          expect((await runCli(['downgrade', 'base', ...one], {cwd: dir})).code).to.equal(0)
          const [first, second] = await racePair(dir, [...one, '--lock-timeout', '30'])
          expect([first.code, second.code, first.stderr, second.stderr]).to.deep.equal([0, 0, '', ''])
          expect(steps(first.stdout)).to.have.length(2)
          expect(steps(second.stdout)).to.deep.equal([])
        } finally {
          for (const t of tenants) await admin.query(`DROP DATABASE IF EXISTS dbm_${t}`)
          await admin.close()
        }
      },
    )
  }

  if (dialectsUnderTest().includes('postgresql')) {
    it(
      'PostgreSQL: four schema tenants of one database migrate at once under --parallel 4;' +
        ' two runs on one schema still exclude each other',
      async () => {
        const db = await createTestDatabase('postgresql')
        try {
          const dir = tempProject()
          slowChain(dir, 'migrations', 'w', 'postgresql')
          writeFileSync(
            path.join(dir, 'db-manage.ini'),
            '[db_manage]\nscript_location = migrations\nlock_timeout = 1\n\n' +
              `[fleet:customers]\nurl_template = ${db.url}\nschema_template = tenant_\${tenant}\ntenants = a, b, c, d\n`,
          )
          const run = await runCli(['upgrade', 'head', '--parallel', '4'], {cwd: dir})
          expect(run.stderr).to.equal('')
          expect(run.stdout.trim().split('\n').at(-1)).to.equal('Summary: 4 migrated, 0 already there, 0 failed')

          const one = ['--db', 'customers/b']
          expect((await runCli(['downgrade', 'base', ...one], {cwd: dir})).code).to.equal(0)
          const [won, lost] = await racePair(dir, [...one, '--lock-timeout', '1'])
          expect(won.code, won.stderr).to.equal(0)
          expect(steps(won.stdout)).to.deep.equal(['upgrade <base> -> 001, make', 'upgrade 001 -> 002, slow'])
          expect(lost.code).to.equal(1)
          expect(lost.stderr).to.match(LOCK_TIMEOUT_LINE)
        } finally {
          await db.drop()
        }
      },
    )
  }

  for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite') as Array<keyof typeof SLEEP>) {
    it(`${dialect}: two chains with their own version tables in one database migrate at once`, async () => {
      const db: TestDatabase = await createTestDatabase(dialect)
      try {
        const dir = tempProject()
        slowChain(dir, 'one', 'one', dialect)
        slowChain(dir, 'two', 'two', dialect)
        const section = (name: string) =>
          `[database:${name}]\nconnection = ${db.url}\nscript_location = ${name}\n` +
          `version_table = ${name}_version\nhistory_table = ${name}_history\n`
        const config = `[db_manage]\nlock_timeout = 1\n\n${section('one')}\n${section('two')}`
        writeFileSync(path.join(dir, 'db-manage.ini'), config)
        const run = await runCli(['upgrade', 'head', '--parallel', '2'], {cwd: dir})
        expect([run.code, run.stderr]).to.deep.equal([0, ''])
        const lines = run.stdout
          .split('\n')
          .filter((l) => / \(\d+ ms\)$/.test(l))
          .map((l) => l.replace(/ \(\d+ ms\)$/, ''))
        const both = (f: (n: string) => string[]) => ['one', 'two'].flatMap(f)
        const expected = both((n) => [`[${n}] upgrade 001 -> 002, slow`, `[${n}] upgrade <base> -> 001, make`])
        expect(lines.sort()).to.deep.equal(expected)
        const query =
          dialect === 'mysql'
            ? 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1'
            : "SELECT table_name AS n FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        const tables = await connected(db, async (c) => (await c.query(query)).rows.map((r) => String(r.n)))
        expect(tables).to.deep.equal(both((n) => [`${n}_1`, `${n}_2`, `${n}_history`, `${n}_version`]))
      } finally {
        await db.drop()
      }
    })
  }

  if (dialectsUnderTest().includes('sqlite')) {
    it('SQLite: a database reached through a symlink takes the lock of its real path, so the runs exclude each other', async () => {
      const dir = tempProject()
      mkdirSync(path.join(dir, 'real'))
      symlinkSync(path.join(dir, 'real'), path.join(dir, 'linked'), 'dir')
      const real = path.join(realpathSync(dir), 'real', 'app.db')
      writeFileSync(real, '') // an empty file is an empty SQLite database
      const alias = path.join(dir, 'alias.db')
      symlinkSync(path.join(dir, 'real', 'app.db'), alias)
      const project = chainProject(`sqlite:///${path.join(dir, 'linked', 'app.db')}`, 1)
      writeFileSync(
        path.join(project, 'migrations', '002_hold.mjs'),
        [
          "export const revision = '002'",
          "export const downRevision = '001'",
          "export const message = 'hold'",
          'export async function upgrade() { await new Promise((r) => setTimeout(r, 6000)) }',
          '',
        ].join('\n'),
      )

      // The holder names the file through a symlink to it; the others by its real path, or through a symlinked
      // folder.
      const holder = spawnCli(['upgrade', 'head'], {cwd: project, env: {DATABASE_URL: `sqlite:///${alias}`}})
      for (let i = 0; !/001, step 1/.test(holder.stdout()); i++) {
        if (i > 400) throw new Error('the holder never reached 002')
        await new Promise((r) => setTimeout(r, 25))
      }

      const byRealPath = {DATABASE_URL: `sqlite:///${real}`}
      // Processes of their own, as the holder: the lock is one between processes.
      const lost = await runBinary(['upgrade', 'head', '--lock-timeout', '1'], {cwd: project, env: byRealPath})
      const line =
        'another db-manage run holds the migration lock and did not release it within 1s (--lock-timeout):' +
        ` held on ${real}.db-manage-alembic_version.lock by a process on this machine or one sharing the file`
      expect(lost).to.deep.equal({code: 1, stderr: `Error: ${line}\n`, stdout: ''})
      const waited = await runBinary(['upgrade', 'head', '--lock-timeout', '30'], {cwd: project})
      expect(waited).to.deep.equal({code: 0, stderr: '', stdout: 'Nothing to upgrade: the database is at 002\n'})
      const held = await holder.done
      expect(held.code, held.stderr).to.equal(0)
      expect(steps(held.stdout)).to.deep.equal(['upgrade <base> -> 001, step 1', 'upgrade 001 -> 002, hold'])
      // Applied once: the other runs changed nothing.
      const url = parseDatabaseUrl(`sqlite:///${real}`)
      const connect = async () => (await getDialect('sqlite')).connect(url, 1000)
      const file = {connect, dialect: 'sqlite'} as TestDatabase
      expect(await chainState(file, 1)).to.deep.equal({logged: ['001'], partial: [], version: 2, whole: [1]})
    })
  }
})
