import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {mkdirSync, realpathSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {getDialect} from '../../src/dialects/registry.js'
import {runCli, spawnCli, startCli, tempProject} from '../helpers/cli.js'
import {adminConnection, connected, createTestDatabase, dialectsUnderTest, type TestDatabase} from '../helpers/databases.js'
import {chainProject, chainState, report} from './chain.js'

/** A statement that takes about two seconds: long enough that runs sharing a lock would time out waiting (lock_timeout = 1). */
const SLEEP = {mysql: 'SELECT SLEEP(2);', postgresql: 'SELECT pg_sleep(2);'} as const

/** A 2-revision chain in `dir/name`: 001 makes `${table}_1`, 002 sleeps two seconds and makes `${table}_2`. */
function slowChain(dir: string, name: string, table: string, dialect: keyof typeof SLEEP): void {
  mkdirSync(path.join(dir, name))
  writeFileSync(path.join(dir, name, '001_make.sql'), `-- revision: 001\n-- down_revision:\n-- message: make\n-- +upgrade\nCREATE TABLE ${table}_1 (id INTEGER);\n-- +downgrade\nDROP TABLE ${table}_1;\n`)
  writeFileSync(path.join(dir, name, '002_slow.sql'), `-- revision: 002\n-- down_revision: 001\n-- message: slow\n-- +upgrade\n${SLEEP[dialect]}\nCREATE TABLE ${table}_2 (id INTEGER);\n-- +downgrade\nDROP TABLE ${table}_2;\n`)
}

const steps = (stdout: string) => stdout.split('\n').filter((l) => / \(\d+ ms\)$/.test(l)).map((l) => l.replace(/ \(\d+ ms\)$/, '').replace(/^\[[^\]]+\] /, ''))

/** Two runs of `upgrade head` on one database at once: one applies the chain, the other waits (and then has nothing to do) or gives up. */
async function racePair(dir: string, args: string[]): Promise<[Awaited<ReturnType<typeof startCli>>, Awaited<ReturnType<typeof startCli>>]> {
  const [a, b] = await Promise.all([startCli(['upgrade', 'head', ...args], {cwd: dir}), startCli(['upgrade', 'head', ...args], {cwd: dir})])
  return steps(a.stdout).length > 0 ? [a, b] : [b, a]
}

/** The run that gave up; a fleet's tenant is named first. */
const LOCK_TIMEOUT_LINE = /^Error: (1 of 1 databases failed: customers\/[\w-]+: )?another db-manage run holds the migration lock and did not release it within 1s \(--lock-timeout\)/

describe('what one migration lock covers', function () {
  this.timeout(180_000)

  if (dialectsUnderTest().includes('mysql')) {
    it('MariaDB: four tenant databases of one server (two with 64-character names alike but for the last) migrate at once under --parallel 4; two runs on one database still exclude each other', async () => {
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
        writeFileSync(path.join(dir, 'db-manage.ini'), `[db_manage]\nscript_location = migrations\nlock_timeout = 1\n\n[fleet:customers]\nurl_template = ${server}/dbm_\${tenant}\ntenants = ${tenants.join(', ')}\n`)

        const started = performance.now()
        const run = await runCli(['upgrade', 'head', '--parallel', '4'], {cwd: dir})
        const ms = performance.now() - started
        expect(run.stderr).to.equal('')
        expect(run.code).to.equal(0)
        expect(run.stdout.trim().split('\n').at(-1)).to.equal('Summary: 4 migrated, 0 already there, 0 failed')
        const current = JSON.parse((await runCli(['current', '--json'], {cwd: dir})).stdout) as Array<{current: string; database: string}>
        expect(current.map((c) => [c.database, c.current])).to.deep.equal(tenants.map((t) => [`customers/${t}`, '002']))
        report(`mysql: 4 tenant databases of one server, --parallel 4, a 2 s revision each, lock_timeout 1: 4 migrated in ${Math.round(ms)} ms`)

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
    })
  }

  if (dialectsUnderTest().includes('postgresql')) {
    it('PostgreSQL: four schema tenants of one database migrate at once under --parallel 4; two runs on one schema still exclude each other', async () => {
      const db = await createTestDatabase('postgresql')
      try {
        const dir = tempProject()
        slowChain(dir, 'migrations', 'w', 'postgresql')
        writeFileSync(path.join(dir, 'db-manage.ini'), `[db_manage]\nscript_location = migrations\nlock_timeout = 1\n\n[fleet:customers]\nurl_template = ${db.url}\nschema_template = tenant_\${tenant}\ntenants = a, b, c, d\n`)
        const run = await runCli(['upgrade', 'head', '--parallel', '4'], {cwd: dir})
        expect(run.stderr).to.equal('')
        expect(run.stdout.trim().split('\n').at(-1)).to.equal('Summary: 4 migrated, 0 already there, 0 failed')

        const one = ['--db', 'customers/b']
        expect((await runCli(['downgrade', 'base', ...one], {cwd: dir})).code).to.equal(0)
        const [won, lost] = await racePair(dir, [...one, '--lock-timeout', '1'])
        expect(won.code, won.stderr).to.equal(0)
        expect(steps(won.stdout)).to.have.length(2)
        expect(lost.code).to.equal(1)
        expect(lost.stderr).to.match(LOCK_TIMEOUT_LINE)
      } finally {
        await db.drop()
      }
    })
  }

  for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite') as Array<keyof typeof SLEEP>) {
    it(`${dialect}: two chains with their own version tables in one database migrate at once`, async () => {
      const db: TestDatabase = await createTestDatabase(dialect)
      try {
        const dir = tempProject()
        slowChain(dir, 'one', 'one', dialect)
        slowChain(dir, 'two', 'two', dialect)
        const section = (name: string) => `[database:${name}]\nconnection = ${db.url}\nscript_location = ${name}\nversion_table = ${name}_version\nhistory_table = ${name}_history\n`
        writeFileSync(path.join(dir, 'db-manage.ini'), `[db_manage]\nlock_timeout = 1\n\n${section('one')}\n${section('two')}`)
        const run = await runCli(['upgrade', 'head', '--parallel', '2'], {cwd: dir})
        expect([run.code, run.stderr]).to.deep.equal([0, ''])
        expect(run.stdout.split('\n').filter((l) => / \(\d+ ms\)$/.test(l)).map((l) => l.replace(/ \(\d+ ms\)$/, '')).sort()).to.deep.equal([
          '[one] upgrade 001 -> 002, slow', '[one] upgrade <base> -> 001, make', '[two] upgrade 001 -> 002, slow', '[two] upgrade <base> -> 001, make',
        ])
        const tables = await connected(db, async (c) => (await c.query(dialect === 'mysql'
          ? 'SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1'
          : "SELECT table_name AS n FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => String(r.n)))
        expect(tables).to.deep.equal(['one_1', 'one_2', 'one_history', 'one_version', 'two_1', 'two_2', 'two_history', 'two_version'])
      } finally {
        await db.drop()
      }
    })
  }

  if (dialectsUnderTest().includes('sqlite')) {
    it('SQLite: a database reached through a symlink takes the lock of its real path, so the two runs exclude each other', async () => {
      const dir = tempProject()
      mkdirSync(path.join(dir, 'real'))
      symlinkSync(path.join(dir, 'real'), path.join(dir, 'linked'), 'dir')
      const real = path.join(realpathSync(dir), 'real', 'app.db')
      const viaLink = path.join(dir, 'linked', 'app.db')
      const project = chainProject(`sqlite:///${viaLink}`, 1)
      writeFileSync(path.join(project, 'migrations', '002_hold.mjs'), "export const revision = '002'\nexport const downRevision = '001'\nexport const message = 'hold'\nexport async function upgrade() { await new Promise((r) => setTimeout(r, 6000)) }\n")

      // The holder names the file through a symlink to it; the others by its real path, or through a symlinked folder.
      const alias = path.join(dir, 'alias.db')
      writeFileSync(real, '') // an empty file is an empty SQLite database
      symlinkSync(path.join(dir, 'real', 'app.db'), alias)
      const holder = spawnCli(['upgrade', 'head'], {cwd: project, env: {DATABASE_URL: `sqlite:///${alias}`}})
      for (let i = 0; !/001, step 1/.test(holder.stdout()); i++) {
        if (i > 400) throw new Error('the holder never reached 002')
        await new Promise((r) => setTimeout(r, 25))
      }

      const lost = await runCli(['upgrade', 'head', '--lock-timeout', '1'], {cwd: project, env: {DATABASE_URL: `sqlite:///${real}`}})
      expect(lost).to.deep.equal({code: 1, stderr: `Error: another db-manage run holds the migration lock and did not release it within 1s (--lock-timeout): held on ${real}.db-manage-alembic_version.lock by a process on this machine or one sharing the file\n`, stdout: ''})
      const waited = await runCli(['upgrade', 'head', '--lock-timeout', '30'], {cwd: project})
      expect(waited).to.deep.equal({code: 0, stderr: '', stdout: 'Nothing to upgrade: the database is at 002\n'})
      const held = await holder.done
      expect(held.code, held.stderr).to.equal(0)
      expect(steps(held.stdout)).to.deep.equal(['upgrade <base> -> 001, step 1', 'upgrade 001 -> 002, hold'])
      // Applied once: the waiters changed nothing.
      const file = {connect: async () => (await getDialect('sqlite')).connect(parseDatabaseUrl(`sqlite:///${real}`), 1000), dialect: 'sqlite'} as TestDatabase
      expect(await chainState(file, 1)).to.deep.equal({logged: ['001'], partial: [], version: 2, whole: [1]})
    })
  }
})
