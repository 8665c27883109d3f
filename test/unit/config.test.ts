import {expect} from 'chai'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {maskUrl, parseDatabaseUrl} from '../../src/config/database-url.js'
import {expandEnv} from '../../src/config/expand-env.js'
import {loadConfig} from '../../src/config/load-config.js'
import {ConfigError} from '../../src/util/errors.js'

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'db-manage-config-'))
}

describe('database URLs', () => {
  it('parses PostgreSQL URLs, with SQLAlchemy driver suffixes ignored', () => {
    const url = parseDatabaseUrl('postgresql+psycopg2://app:p%40ss@db.example:5433/app?sslmode=require')
    expect(url).to.deep.include({database: 'app', dialect: 'postgresql', host: 'db.example', password: 'p@ss', port: 5433, user: 'app'})
    expect(url.params).to.deep.equal({sslmode: 'require'})
    expect(url.masked).to.equal('postgresql+psycopg2://app:***@db.example:5433/app?sslmode=require')
    expect(parseDatabaseUrl('postgres://u@h/d').dialect).to.equal('postgresql')
  })

  it('parses MySQL and MariaDB URLs', () => {
    expect(parseDatabaseUrl('mysql+pymysql://root:pw@127.0.0.1/sahara')).to.deep.include({database: 'sahara', dialect: 'mysql', host: '127.0.0.1', port: undefined})
    expect(parseDatabaseUrl('mariadb://u:p@[::1]:3307/d')).to.deep.include({dialect: 'mysql', host: '::1', port: 3307})
  })

  it('parses SQLite URLs as SQLAlchemy does', () => {
    expect(parseDatabaseUrl('sqlite:///data/app.db', '/srv').filename).to.equal('/srv/data/app.db')
    expect(parseDatabaseUrl('sqlite:////var/app.db', '/srv').filename).to.equal('/var/app.db')
    expect(parseDatabaseUrl('sqlite:///:memory:').filename).to.equal(':memory:')
    expect(parseDatabaseUrl('sqlite://').filename).to.equal(':memory:')
  })

  it('rejects bad URLs in one line without the password', () => {
    expect(() => parseDatabaseUrl('oracle://u:hunter2@h/d')).to.throw(ConfigError, 'unsupported database URL scheme "oracle" in "oracle://u:***@h/d"')
    expect(() => parseDatabaseUrl('postgresql://u:hunter2@h')).to.throw(ConfigError, 'names no database')
    expect(() => parseDatabaseUrl('localhost:5432')).to.throw(ConfigError, 'invalid database URL')
    expect(() => parseDatabaseUrl('sqlite:app.db')).to.throw(ConfigError, 'invalid database URL')
  })

  it('masks passwords wherever a URL appears in text', () => {
    expect(maskUrl('failed: mysql://root:s3cr@t@host/db and postgresql://a:b@c/d')).to.equal('failed: mysql://root:***@host/db and postgresql://a:***@c/d')
    expect(maskUrl('postgresql://nopass@h/d')).to.equal('postgresql://nopass@h/d')
  })
})

describe('environment expansion', () => {
  const env = {EMPTY: '', HOST: 'db1'}
  it('expands ${VAR} and ${VAR:-default}', () => {
    expect(expandEnv('pg://${HOST}/${NAME:-app}', 'k', env)).to.equal('pg://db1/app')
    expect(expandEnv('${EMPTY:-fallback} $$x', 'k', env)).to.equal('fallback $x')
  })

  it('names an unset variable and the key', () => {
    expect(() => expandEnv('${DB_PASSWORD}', 'db-manage.ini [database] connection', env)).to.throw(ConfigError, 'db-manage.ini [database] connection: environment variable DB_PASSWORD is not set')
  })
})

describe('loadConfig', () => {
  it('finds db-manage.ini from a subdirectory and resolves paths against it', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'db-manage.ini'), '[db_manage]\nscript_location = db/migrations ; a comment\nrevision_digits = 4\n\n[database]\nconnection = sqlite:///app.sqlite\n')
    mkdirSync(path.join(dir, 'src', 'deep'), {recursive: true})
    const config = await loadConfig({cwd: path.join(dir, 'src', 'deep'), env: {}})
    expect(config.file).to.equal(path.join(dir, 'db-manage.ini'))
    expect(config.revisionDigits).to.equal(4)
    expect(config.databases).to.have.length(1)
    expect(config.databases[0]).to.deep.include({name: 'default', scriptLocation: path.join(dir, 'db/migrations'), versionTable: 'alembic_version'})
    expect(config.databases[0].url!.filename).to.equal(path.join(dir, 'app.sqlite'))
  })

  it('reads .db-managerc and a "db-manage" key in package.json', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, '.db-managerc'), '[database]\nconnection = sqlite:///rc.sqlite\n')
    expect((await loadConfig({cwd: dir, env: {}})).file).to.equal(path.join(dir, '.db-managerc'))
    const pkg = tempDir()
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({'db-manage': {database: {connection: 'sqlite:///p.sqlite'}, db_manage: {version_table: 'versions'}}, name: 'x'}))
    const config = await loadConfig({cwd: pkg, env: {}})
    expect(config.databases[0].versionTable).to.equal('versions')
  })

  it('applies --url over DATABASE_URL over the file', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'db-manage.ini'), '[database]\nconnection = sqlite:///file.sqlite\n')
    const fromEnv = await loadConfig({cwd: dir, env: {DATABASE_URL: 'postgresql://u:p@h/envdb'}})
    expect(fromEnv.databases[0].url!.database).to.equal('envdb')
    const fromFlag = await loadConfig({cwd: dir, env: {DATABASE_URL: 'postgresql://u:p@h/envdb'}, url: 'mysql://u@h/flagdb'})
    expect(fromFlag.databases[0].url!.database).to.equal('flagdb')
  })

  it('reads several [database:NAME] sections in file order, with [database] as their defaults', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'db-manage.ini'), [
      '[database]', 'version_table = shared_version',
      '[database:catalog]', 'connection = postgresql://app:${PW:-x}@h/catalog', 'script_location = catalog',
      '[database:monitoring]', 'connection = sqlite:///mon.sqlite', 'version_table = mon_version',
    ].join('\n'))
    const config = await loadConfig({cwd: dir, env: {PW: 'pw'}})
    expect(config.databases.map((d) => [d.name, d.versionTable, path.basename(d.scriptLocation)])).to.deep.equal([
      ['catalog', 'shared_version', 'catalog'],
      ['monitoring', 'mon_version', 'migrations'],
    ])
    expect(config.databases[0].url!.password).to.equal('pw')
    const one = await loadConfig({cwd: dir, db: 'monitoring', env: {}})
    expect(one.databases.map((d) => d.name)).to.deep.equal(['monitoring'])
    await expectConfigError(loadConfig({cwd: dir, db: 'nope', env: {}}), '--db nope: no such database in db-manage.ini (it has: catalog, monitoring)')
    await expectConfigError(loadConfig({cwd: dir, env: {}, url: 'sqlite://'}), '--url names one database but db-manage.ini has 2: choose one with --db NAME')
  })

  it('names the file, section and key of every mistake', async () => {
    const cases: Array<[string, string]> = [
      ['[db_manage]\nscript_locaton = x\n', 'db-manage.ini [db_manage]: unknown key "script_locaton"'],
      ['[db_manage]\nrevision_digits = three\n', 'db-manage.ini [db_manage] revision_digits: expected a whole number from 1 to 12, got "three"'],
      ['[db_manage]\ntransaction_per_migration = maybe\n', 'transaction_per_migration: expected true or false, got "maybe"'],
      ['[databse]\nconnection = sqlite://\n', 'db-manage.ini: unknown section [databse]'],
      ['connection = sqlite://\n', 'setting outside any section'],
      ['[database]\nconnection = ftp://x/y\n', 'db-manage.ini [database] connection: unsupported database URL scheme "ftp"'],
      ['[database]\nconnection = postgresql://u:${PW}@h/d\n', 'environment variable PW is not set'],
      ['[database]\nversion_table = bad-name\n', 'version_table: "bad-name" is not a plain table name'],
      ['[database]\nthis is not ini\n', 'not an ini line'],
    ]
    for (const [text, message] of cases) {
      const dir = tempDir()
      writeFileSync(path.join(dir, 'db-manage.ini'), text)
      await expectConfigError(loadConfig({cwd: dir, env: {}}), message)
    }
  })

  it('says where it looked when there is no config', async () => {
    await expectConfigError(loadConfig({cwd: tempDir(), env: {}}), 'no db-manage config found in')
    await expectConfigError(loadConfig({configFile: '/nonexistent/x.ini', env: {}}), 'cannot read config file /nonexistent/x.ini: ENOENT')
  })
})

async function expectConfigError(promise: Promise<unknown>, message: string): Promise<void> {
  try {
    await promise
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError)
    expect((error as Error).message).to.include(message)
    return
  }

  expect.fail(`expected a ConfigError with "${message}"`)
}
