// What users bring: an oslo sahara.conf, sahara's command line, real passwords
// with @ / : # %, several chains in one file, a database ahead of the scripts.
import {expect} from 'chai'
import {cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {ROOT, runCli, shippedProject, tempProject} from '../helpers/cli.js'
import {adminConnection, createTestDatabase, dialectsUnderTest, type TestDatabase} from '../helpers/databases.js'

const PASSWORD = 'p@ss/w:rd#1%'
const stripMs = (out: string) => out.trimEnd().split('\n').map((l) => l.replace(/ \(\d+ ms\)$/, ''))
const SHIPPED_STEPS = [
  'upgrade <base> -> 001, create clusters',
  'upgrade 001 -> 002, create node groups',
  'upgrade 002 -> 003, create cluster events',
  'upgrade 003 -> 004, backfill cluster events',
  'upgrade 004 -> 005, node group limits',
]

/** A login role with a password that breaks naive URL building, owning a fresh database. */
async function passwordRole(dialect: 'mysql' | 'postgresql'): Promise<{db: TestDatabase; user: string; host: string; port: number; database: string}> {
  const db = await createTestDatabase(dialect)
  const url = parseDatabaseUrl(db.url)
  const user = `dbm_pw_${Math.random().toString(36).slice(2, 8)}`
  const admin = await adminConnection(dialect)
  try {
    if (dialect === 'postgresql') {
      await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${PASSWORD}'`)
      await admin.query(`ALTER DATABASE ${url.database} OWNER TO ${user}`)
    } else {
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`)
      await admin.query(`GRANT ALL ON ${url.database}.* TO '${user}'@'%'`)
    }
  } finally {
    await admin.close()
  }

  return {database: url.database!, db, host: url.host!, port: url.port!, user}
}

for (const dialect of dialectsUnderTest().filter((d): d is 'mysql' | 'postgresql' => d !== 'sqlite')) {
  describe(`real passwords on ${dialect}`, function () {
    this.timeout(120_000)
    it(`connects with ${PASSWORD} from POSTGRES_* style variables and from discrete keys, and never prints it`, async () => {
      const role = await passwordRole(dialect)
      try {
        const dir = shippedProject()
        const scheme = dialect === 'postgresql' ? 'postgresql' : 'mysql'
        const ini = path.join(dir, 'db-manage.ini')
        writeFileSync(ini, readFileSync(ini, 'utf8').replace(/^connection = .*$/m,
          `connection = ${scheme}://\${DB_USER}:\${DB_PASSWORD}@\${DB_HOST}:\${DB_PORT:-5432}/\${DB_NAME}`))
        const env = {DB_HOST: role.host, DB_NAME: role.database, DB_PASSWORD: PASSWORD, DB_PORT: String(role.port), DB_USER: role.user}
        const up = await runCli(['upgrade', 'head'], {cwd: dir, env})
        expect(up.stderr).to.equal('')
        expect(stripMs(up.stdout)).to.deep.equal(SHIPPED_STEPS)
        const verbose = await runCli(['current', '-v'], {cwd: dir, env})
        expect(verbose.stdout).to.equal(`Current revision for ${scheme}://${role.user}:***@${role.host}:${role.port}/${role.database} (table alembic_version):\n005 (head), node group limits\n`)

        // The same with discrete keys.
        writeFileSync(ini, readFileSync(ini, 'utf8').replace(/^connection = .*$/m, [
          `dialect = ${dialect}`, 'host = ${DB_HOST}', 'port = ${DB_PORT}', 'username = ${DB_USER}', 'password = ${DB_PASSWORD}', 'database = ${DB_NAME}',
        ].join('\n')))
        expect(await runCli(['current'], {cwd: dir, env})).to.deep.equal({code: 0, stderr: '', stdout: '005 (head)\n'})

        // A wrong port, and a wrong password: one line each, no password, also under --debug.
        for (const [bad, args] of [[{...env, DB_PORT: '1'}, ['current']], [{...env, DB_PASSWORD: `${PASSWORD}x`}, ['current', '--debug']]] as Array<[Record<string, string>, string[]]>) {
          const failed = await runCli([...args], {cwd: dir, env: bad})
          expect(failed.code).to.equal(1)
          expect(failed.stderr).to.match(new RegExp(`^Error: cannot connect to ${scheme}://${role.user}:\\*\\*\\*@${role.host.replaceAll('.', String.raw`\.`)}:\\d+/${role.database}: `))
          expect(failed.stdout + failed.stderr).not.to.include(PASSWORD)
          expect(failed.stdout + failed.stderr).not.to.include(encodeURIComponent(PASSWORD))
          if (!args.includes('--debug')) expect(failed.stderr.trimEnd().split('\n')).to.have.length(1)
        }
      } finally {
        await role.db.drop()
      }
    })
  })
}

if (dialectsUnderTest().includes('mysql')) {
  describe('an oslo sahara.conf, called as sahara-db-manage is', function () {
    this.timeout(120_000)
    it('db-manage --config-file sahara.conf upgrade head migrates the [database] connection, other sections ignored', async () => {
      const role = await passwordRole('mysql')
      try {
        const dir = tempProject()
        cpSync(path.join(ROOT, 'migrations'), path.join(dir, 'migrations'), {recursive: true})
        cpSync(path.join(ROOT, 'test', 'fixtures', 'sahara.conf'), path.join(dir, 'sahara.conf'))
        const conf = path.join(dir, 'sahara.conf')
        writeFileSync(conf, readFileSync(conf, 'utf8').replace('mysql+pymysql://sahara:', `mysql+pymysql://${role.user}:`))
        const env = {SAHARA_DB_HOST: role.host, SAHARA_DB_NAME: role.database, SAHARA_DB_PASSWORD: PASSWORD, SAHARA_DB_PORT: String(role.port)}
        const elsewhere = tempProject()
        const up = await runCli(['--config-file', conf, 'upgrade', 'head'], {cwd: elsewhere, env})
        expect(up.stderr).to.equal('')
        expect(stripMs(up.stdout)).to.deep.equal(SHIPPED_STEPS)
        expect(await runCli(['-c', conf, '--debug', 'current'], {cwd: elsewhere, env})).to.deep.equal({code: 0, stderr: '', stdout: '005 (head)\n'})
        expect((await runCli(['--config-file', conf, 'history'], {cwd: elsewhere, env})).stdout.split('\n')[0]).to.equal('004 -> 005 (head) (current), node group limits')
      } finally {
        await role.db.drop()
      }
    })
  })
}

describe('commands that write, on several chains', () => {
  it('revision without --db refuses and lists the databases; with --db it writes one script', async () => {
    const dir = tempProject()
    writeFileSync(path.join(dir, 'db-manage.ini'), [
      '[database:catalog]', 'connection = sqlite:///catalog.sqlite', 'script_location = catalog',
      '[database:monitoring]', 'connection = sqlite:///monitoring.sqlite', 'script_location = monitoring',
    ].join('\n'))
    mkdirSync(path.join(dir, 'catalog'))
    mkdirSync(path.join(dir, 'monitoring'))
    const refused = await runCli(['revision', '-m', 'add hosts'], {cwd: dir})
    expect(refused).to.deep.equal({
      code: 2, stderr: 'Error: revision writes into one chain, and 2 databases are configured with their own script_location: choose one with --db (catalog, monitoring)\n', stdout: '',
    })
    const written = await runCli(['revision', '-m', 'add hosts', '--db', 'monitoring'], {cwd: dir})
    expect(written.code).to.equal(0)
    expect(written.stdout).to.equal(`Generated ${path.join(dir, 'monitoring', '001_add_hosts.ts')}\n`)
    expect(readdirSync(path.join(dir, 'catalog'))).to.deep.equal([])
    // Read-only commands still act on all.
    expect((await runCli(['heads'], {cwd: dir})).stdout).to.equal('[catalog]\n[monitoring]\n001 (head)\n')
  })

  it('upgrade prints each database\'s lines in the databases\' order, "Nothing to upgrade" included', async () => {
    const dir = tempProject()
    writeFileSync(path.join(dir, 'db-manage.ini'), [
      '[database:catalog]', 'connection = sqlite:///catalog.sqlite', 'script_location = catalog',
      '[database:monitoring]', 'connection = sqlite:///monitoring.sqlite', 'script_location = monitoring',
    ].join('\n'))
    for (const name of ['catalog', 'monitoring']) {
      mkdirSync(path.join(dir, name))
      expect((await runCli(['revision', '-m', `${name} start`, '--db', name], {cwd: dir})).code).to.equal(0)
    }

    expect((await runCli(['upgrade', 'head', '--db', 'catalog'], {cwd: dir})).code).to.equal(0)
    const both = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(both.code, both.stderr).to.equal(0)
    expect(both.stdout.replace(/ \(\d+ ms\)/g, '')).to.equal('[catalog] Nothing to upgrade: the database is at 001\n[monitoring] upgrade <base> -> 001, monitoring start\n')
  })
})

describe('a database at a revision the scripts do not know', () => {
  it('current exits 1 naming the revision and the script folder', async () => {
    const dir = shippedProject()
    expect((await runCli(['stamp', 'head'], {cwd: dir})).code).to.equal(0)
    const {default: Database} = await import('better-sqlite3')
    const db = new Database(path.join(dir, 'app.sqlite'))
    db.prepare("UPDATE alembic_version SET version_num = '999'").run()
    db.close()
    expect(await runCli(['current'], {cwd: dir})).to.deep.equal({
      code: 1, stderr: `Error: the database is at revision 999, which no script in ${path.join(dir, 'migrations')} declares\n`, stdout: '',
    })
  })
})

if (dialectsUnderTest().includes('postgresql')) {
  describe('exec as the runner of a container job: a URL and a file name, no config file', function () {
    this.timeout(60_000)
    it('runs DB_MANAGE_EXEC_FILE from DB_MANAGE_EXEC_DIR against DATABASE_URL, and --dry-run needs only --dialect', async () => {
      const db = await createTestDatabase('postgresql')
      try {
        const job = tempProject()
        const sqlDir = tempProject()
        writeFileSync(path.join(sqlDir, '003.sql'), 'CREATE TABLE hosts (id integer PRIMARY KEY, name text);\nINSERT INTO hosts VALUES (1, \'a\');\nSELECT count(*) AS n FROM hosts;\n')
        const env = {DATABASE_URL: db.url, DB_MANAGE_EXEC_DIR: sqlDir, DB_MANAGE_EXEC_FILE: '003.sql'}
        const ran = await runCli(['exec'], {cwd: job, env})
        expect(ran).to.deep.equal({
          code: 0, stderr: '',
          stdout: '-- statement 1\nCREATE TABLE hosts (id integer PRIMARY KEY, name text);\n  (done)\n-- statement 2\nINSERT INTO hosts VALUES (1, \'a\');\n  (1 row affected)\n-- statement 3\nSELECT count(*) AS n FROM hosts;\n  {"n":"1"}\n  (1 row)\n',
        })
        const dry = await runCli(['exec', '--dry-run', '--dialect', 'postgresql'], {cwd: job, env: {DB_MANAGE_EXEC_DIR: sqlDir, DB_MANAGE_EXEC_FILE: '003.sql'}})
        expect(dry.code).to.equal(0)
        expect(dry.stdout.split('\n')[0]).to.equal('-- statement 1')
        // An explicit ./ path wins over the folder.
        const local = await runCli(['exec', './003.sql', '--dry-run', '--dialect', 'postgresql'], {cwd: job, env: {DB_MANAGE_EXEC_DIR: sqlDir}})
        expect(local.code).to.equal(2)
        expect(local.stderr).to.equal('Error: cannot read SQL file ./003.sql: ENOENT\n')
      } finally {
        await db.drop()
      }
    })
  })
}
