import {expect} from 'chai'
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {maskUrl, parseDatabaseUrl} from '../../../src/config/database-url.js'
import {hoistGlobalFlags} from '../../../src/boot/argv.js'
import {expandEnv, expandUrlTemplate} from '../../../src/config/expand-env.js'
import {loadConfig} from '../../../src/config/load-config.js'
import {ConfigError} from '../../../src/util/errors.js'
import {ROOT} from '../../helpers/cli.js'

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'db-manage-config-'))
}

describe('database URLs', () => {
  it('parses PostgreSQL URLs, with SQLAlchemy driver suffixes ignored', () => {
    const url = parseDatabaseUrl('postgresql+psycopg2://app:p%40ss@db.example:5433/app?sslmode=require')
    expect(url).to.deep.include({
      database: 'app',
      dialect: 'postgresql',
      host: 'db.example',
      password: 'p@ss',
      port: 5433,
      user: 'app',
    })
    expect(url.params).to.deep.equal({sslmode: 'require'})
    expect(url.masked).to.equal('postgresql+psycopg2://app:***@db.example:5433/app?sslmode=require')
    expect(parseDatabaseUrl('postgres://u@h/d').dialect).to.equal('postgresql')
  })

  it('parses MySQL and MariaDB URLs', () => {
    expect(parseDatabaseUrl('mysql+pymysql://root:pw@127.0.0.1/sahara')).to.deep.include({
      database: 'sahara',
      dialect: 'mysql',
      host: '127.0.0.1',
      port: undefined,
    })
    expect(parseDatabaseUrl('mariadb://u:p@[::1]:3307/d')).to.deep.include({dialect: 'mysql', host: '::1', port: 3307})
  })

  it('parses SQLite URLs as SQLAlchemy does', () => {
    expect(parseDatabaseUrl('sqlite:///data/app.db', '/srv').filename).to.equal('/srv/data/app.db')
    expect(parseDatabaseUrl('sqlite:////var/app.db', '/srv').filename).to.equal('/var/app.db')
    expect(parseDatabaseUrl('sqlite:///:memory:').filename).to.equal(':memory:')
    expect(parseDatabaseUrl('sqlite://').filename).to.equal(':memory:')
  })

  it('rejects bad URLs in one line without the password', () => {
    const cases: Array<[string, string]> = [
      [
        'oracle://u:hunter2@h/d',
        'unsupported database URL scheme "oracle": use postgresql://, mysql://, mariadb:// or sqlite:///',
      ],
      ['postgresql://u:hunter2@h', 'postgresql:// URL names no database (add /DBNAME after the host)'],
      [
        'localhost:5432',
        'invalid database URL: expected scheme://..., e.g. postgresql://user@host/db or sqlite:///app.sqlite',
      ],
      ['sqlite:app.db', 'invalid database URL: expected scheme://'],
      [
        'mysql+pymysql://u:hunter2@[h/d',
        'invalid mysql+pymysql:// URL (it is not printed: it may hold a password): percent-encode the user and password',
      ],
      ['postgresql://u:hunter2%zz@h/d', 'invalid postgresql:// URL: its password has a bad %-escape'],
    ]
    for (const [url, message] of cases) {
      let thrown: unknown
      try {
        parseDatabaseUrl(url)
      } catch (error) {
        thrown = error
      }

      expect(thrown, url).to.be.instanceOf(ConfigError)
      expect((thrown as Error).message).to.include(message)
      expect((thrown as Error).message).not.to.include('hunter2')
    }
  })

  it('masks passwords wherever a URL appears in text', () => {
    expect(maskUrl('failed: mysql://root:s3cr@t@host/db and postgresql://a:b@c/d')).to.equal(
      'failed: mysql://root:***@host/db and postgresql://a:***@c/d',
    )
    expect(maskUrl('postgresql://nopass@h/d')).to.equal('postgresql://nopass@h/d')
  })
})

describe('environment expansion', () => {
  const env = {EMPTY: '', HOST: 'db1'}
  it('expands ${VAR} and ${VAR:-default}', () => {
    expect(expandEnv('pg://${HOST}/${NAME:-app}', 'k', env)).to.equal('pg://db1/app')
    expect(expandEnv('${EMPTY:-fallback} $$x', 'k', env)).to.equal('fallback $x')
  })

  it('expands a default that is itself a reference, as a shell does', () => {
    expect(expandEnv('${POSTGRES_DB:-${POSTGRES_DATABASE}}', 'k', {POSTGRES_DATABASE: 'app'})).to.equal('app')
    expect(
      expandEnv('${POSTGRES_DB:-${POSTGRES_DATABASE}}', 'k', {POSTGRES_DATABASE: 'app', POSTGRES_DB: 'main'}),
    ).to.equal('main')
    expect(expandEnv('${A:-${B:-x}}/${C:-c}', 'k', {})).to.equal('x/c')
    expect(expandEnv('${A:-a$b}', 'k', {})).to.equal('a$b')
    expect(() => expandEnv('${POSTGRES_DB:-${POSTGRES_DATABASE}}', 'f [database] database', {})).to.throw(
      ConfigError,
      'f [database] database: environment variable POSTGRES_DATABASE is not set',
    )
    expect(
      expandUrlTemplate('postgresql://u:${PW:-${PASS}}@h/${DB:-${NAME}}', 'k', {NAME: 'n', PASS: 'p@ss'}),
    ).to.equal('postgresql://u:p%40ss@h/n')
  })

  it('deploy/postgres-env.ini reads the database name from POSTGRES_DB or POSTGRES_DATABASE', async () => {
    const configFile = path.join(ROOT, 'deploy', 'postgres-env.ini')
    const parts = {POSTGRES_HOST: 'db.internal', POSTGRES_PASSWORD: 'p@ss/w:rd#1%', POSTGRES_USER: 'app'}
    for (const [env, name] of [
      [{POSTGRES_DB: 'inventory'}, 'inventory'],
      [{POSTGRES_DATABASE: 'catalog'}, 'catalog'],
      [{POSTGRES_DATABASE: 'b', POSTGRES_DB: 'a'}, 'a'],
    ] as const) {
      const config = await loadConfig({configFile, env: {...parts, ...env}})
      expect(config.databases[0].url!.masked).to.equal(`postgresql://app:***@db.internal:5432/${name}?sslmode=disable`)
    }
  })

  it('names an unset variable and the key', () => {
    expect(() => expandEnv('${DB_PASSWORD}', 'db-manage.ini [database] connection', env)).to.throw(
      ConfigError,
      'db-manage.ini [database] connection: environment variable DB_PASSWORD is not set',
    )
  })
})

describe('loadConfig', () => {
  it('finds db-manage.ini from a subdirectory and resolves paths against it', async () => {
    const dir = tempDir()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[db_manage]\nscript_location = db/migrations ; a comment\nrevision_digits = 4\n\n[database]\nconnection = sqlite:///app.sqlite\n',
    )
    mkdirSync(path.join(dir, 'src', 'deep'), {recursive: true})
    const config = await loadConfig({cwd: path.join(dir, 'src', 'deep'), env: {}})
    expect(config.file).to.equal(path.join(dir, 'db-manage.ini'))
    expect(config.revisionDigits).to.equal(4)
    expect(config.databases).to.have.length(1)
    expect(config.databases[0]).to.deep.include({
      name: 'default',
      scriptLocation: path.join(dir, 'db/migrations'),
      versionTable: 'alembic_version',
    })
    expect(config.databases[0].url!.filename).to.equal(path.join(dir, 'app.sqlite'))
  })

  it('reads .db-managerc and a "db-manage" key in package.json', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, '.db-managerc'), '[database]\nconnection = sqlite:///rc.sqlite\n')
    expect((await loadConfig({cwd: dir, env: {}})).file).to.equal(path.join(dir, '.db-managerc'))
    const pkg = tempDir()
    writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({
        'db-manage': {database: {connection: 'sqlite:///p.sqlite'}, db_manage: {version_table: 'versions'}},
        name: 'x',
      }),
    )
    const config = await loadConfig({cwd: pkg, env: {}})
    expect(config.databases[0].versionTable).to.equal('versions')
  })

  it('applies --url over DATABASE_URL over the file', async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'db-manage.ini'), '[database]\nconnection = sqlite:///file.sqlite\n')
    const fromEnv = await loadConfig({cwd: dir, env: {DATABASE_URL: 'postgresql://u:p@h/envdb'}})
    expect(fromEnv.databases[0].url!.database).to.equal('envdb')
    const fromFlag = await loadConfig({
      cwd: dir,
      env: {DATABASE_URL: 'postgresql://u:p@h/envdb'},
      url: 'mysql://u@h/flagdb',
    })
    expect(fromFlag.databases[0].url!.database).to.equal('flagdb')
  })

  it('reads several [database:NAME] sections in file order, with [database] as their defaults', async () => {
    const dir = tempDir()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      [
        '[database]',
        'version_table = shared_version',
        '[database:catalog]',
        'connection = postgresql://app:${PW:-x}@h/catalog',
        'script_location = catalog',
        '[database:monitoring]',
        'connection = sqlite:///mon.sqlite',
        'version_table = mon_version',
      ].join('\n'),
    )
    const config = await loadConfig({cwd: dir, env: {PW: 'pw'}})
    expect(config.databases.map((d) => [d.name, d.versionTable, path.basename(d.scriptLocation)])).to.deep.equal([
      ['catalog', 'shared_version', 'catalog'],
      ['monitoring', 'mon_version', 'migrations'],
    ])
    expect(config.databases[0].url!.password).to.equal('pw')
    const one = await loadConfig({cwd: dir, db: 'monitoring', env: {}})
    expect(one.databases.map((d) => d.name)).to.deep.equal(['monitoring'])
    await expectConfigError(
      loadConfig({cwd: dir, db: 'nope', env: {}}),
      '--db nope: no such database in db-manage.ini (it has: catalog, monitoring)',
    )
    await expectConfigError(
      loadConfig({cwd: dir, env: {}, url: 'sqlite://'}),
      '--url names one database but db-manage.ini has 2: choose one with --db NAME',
    )
  })

  it('names the file, section and key of every mistake', async () => {
    const cases: Array<[string, string]> = [
      ['[db_manage]\nscript_locaton = x\n', 'db-manage.ini [db_manage]: unknown key "script_locaton"'],
      [
        '[db_manage]\nrevision_digits = three\n',
        'db-manage.ini [db_manage] revision_digits: expected a whole number from 1 to 12, got "three"',
      ],
      [
        '[db_manage]\ntransaction_per_migration = maybe\n',
        'transaction_per_migration: expected true or false, got "maybe"',
      ],
      ['[databse]\nconnection = sqlite://\n', 'db-manage.ini: unknown section [databse] (did you mean [database]?)'],
      ['[db-manage]\nscript_location = x\n', 'db-manage.ini: unknown section [db-manage] (did you mean [db_manage]?)'],
      [
        '[database]\nconnection = sqlite://\nmax_pool_sise = 3\n',
        'db-manage.ini [database]: unknown key "max_pool_sise"',
      ],
      [
        '[database]\nconnection = sqlite://\ndialect = sqlite\n',
        'db-manage.ini [database] dialect: give either connection or the discrete keys',
      ],
      ['connection = sqlite://\n', 'setting outside any section'],
      [
        '[database]\nconnection = ftp://x/y\n',
        'db-manage.ini [database] connection: unsupported database URL scheme "ftp"',
      ],
      ['[database]\nconnection = postgresql://u:${PW}@h/d\n', 'environment variable PW is not set'],
      ['[database]\nversion_table = bad-name\n', 'version_table: "bad-name" is not a plain table name'],
      ['[database]\nthis is not ini\n', 'not an ini line'],
    ]
    for (const [text, message] of cases) {
      const dir = tempDir()
      writeFileSync(path.join(dir, 'db-manage.ini'), text)
      // The connection is read when a command first uses it.
      await expectConfigError(
        loadConfig({cwd: dir, env: {}}).then((c) => c.databases.map((d) => d.url)),
        message,
      )
    }
  })

  it('says where it looked when there is no config', async () => {
    await expectConfigError(loadConfig({cwd: tempDir(), env: {}}), 'no db-manage config found in')
    await expectConfigError(
      loadConfig({configFile: '/nonexistent/x.ini', env: {}}),
      'cannot read config file /nonexistent/x.ini: ENOENT',
    )
  })
})

describe('shared config files, real passwords and lazy connections', () => {
  const sahara = readFileSync(path.join(ROOT, 'test', 'fixtures', 'sahara.conf'), 'utf8')

  it("reads an oslo sahara.conf as it is: other tools' sections and oslo.db options ignored", async () => {
    const dir = tempDir()
    writeFileSync(path.join(dir, 'sahara.conf'), sahara)
    // Run from the config file's folder: script_location set nowhere is migrations/ there (test/integration/config/sahara-conf.test.ts: elsewhere).
    const config = await loadConfig({
      configFile: path.join(dir, 'sahara.conf'),
      cwd: dir,
      env: {SAHARA_DB_PASSWORD: 'p@ss/w:rd#1%'},
    })
    expect(config.databases).to.have.length(1)
    expect(config.databases[0].url).to.deep.include({
      database: 'sahara',
      dialect: 'mysql',
      host: '127.0.0.1',
      password: 'p@ss/w:rd#1%',
      port: 3306,
      user: 'sahara',
    })
    expect(config.databases[0].url!.masked).to.equal('mysql+pymysql://sahara:***@127.0.0.1:3306/sahara?charset=utf8')
    expect(config.databases[0].scriptLocation).to.equal(path.join(dir, 'migrations'))
    // A typo in db-manage's own sections is still caught.
    writeFileSync(path.join(dir, 'typo.conf'), sahara.replace('max_overflow = 50', 'max_overflw = 50'))
    await expectConfigError(
      loadConfig({configFile: path.join(dir, 'typo.conf'), env: {}}),
      'typo.conf [database]: unknown key "max_overflw"',
    )
  })

  it('percent-encodes a variable expanded into the user or password of a URL, and only there', () => {
    const env = {DB: 'a/b', HOST: 'db.example', PW: 'p@ss/w:rd#1%', USER: 'ap@p'}
    expect(expandUrlTemplate('postgresql://${USER}:${PW}@${HOST}:${PORT:-5432}/${DB}', 'k', env)).to.equal(
      'postgresql://ap%40p:p%40ss%2Fw%3Ard%231%25@db.example:5432/a/b',
    )
    expect(expandUrlTemplate('mysql://app:${PW}@h/${DB}?ssl=${SSL:-true}', 'k', env)).to.equal(
      'mysql://app:p%40ss%2Fw%3Ard%231%25@h/a/b?ssl=true',
    )
    expect(expandUrlTemplate('${WHOLE}', 'k', {WHOLE: 'sqlite:///x.db'})).to.equal('sqlite:///x.db')
    const url = parseDatabaseUrl(expandUrlTemplate('postgresql://${USER}:${PW}@${HOST}:${PORT:-5432}/app', 'k', env))
    expect(url).to.deep.include({
      database: 'app',
      host: 'db.example',
      password: 'p@ss/w:rd#1%',
      port: 5432,
      user: 'ap@p',
    })
    expect(url.masked).to.equal('postgresql://ap%40p:***@db.example:5432/app')
  })

  it('builds the connection from discrete keys instead of a URL', async () => {
    const dir = tempDir()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      [
        '[database]',
        'dialect = postgresql',
        'host = ${PGHOST:-127.0.0.1}',
        'port = 5433',
        'username = app',
        'password = ${PGPASSWORD}',
        'database = app',
        'query = sslmode=require&password=x',
      ].join('\n'),
    )
    const config = await loadConfig({cwd: dir, env: {PGPASSWORD: 'p@ss/w:rd#1%'}})
    expect(config.databases[0].url).to.deep.include({
      database: 'app',
      dialect: 'postgresql',
      host: '127.0.0.1',
      password: 'p@ss/w:rd#1%',
      port: 5433,
      user: 'app',
    })
    expect(config.databases[0].url!.masked).to.equal(
      'postgresql://app:***@127.0.0.1:5433/app?sslmode=require&password=***',
    )
    writeFileSync(path.join(dir, 'db-manage.ini'), '[database]\ndialect = sqlite\ndatabase = data/app.sqlite\n')
    expect((await loadConfig({cwd: dir, env: {}})).databases[0].url!.filename).to.equal(
      path.join(dir, 'data', 'app.sqlite'),
    )
    // An unset variable names its key once.
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[database]\ndialect = postgresql\nhost = h\ndatabase = d\npassword = ${PGPASSWORD}\n',
    )
    await expectConfigError(
      loadConfig({cwd: dir, env: {}}).then((c) => c.databases[0].url),
      'environment variable PGPASSWORD is not set',
    )
    const unset = await loadConfig({cwd: dir, env: {}})
      .then((c) => c.databases[0].url)
      .catch((error: Error) => error.message)
    expect(unset).to.match(/^db-manage\.ini \[database\] password: environment variable PGPASSWORD is not set/)
    writeFileSync(path.join(dir, 'db-manage.ini'), '[database]\ndialect = oracle\nhost = h\ndatabase = d\n')
    await expectConfigError(
      loadConfig({cwd: dir, env: {}}).then((c) => c.databases[0].url),
      'db-manage.ini [database]: dialect "oracle": expected postgresql, mysql, mariadb or sqlite',
    )
  })

  it('expands the connection only when a command connects, and not at all when --url replaces it', async () => {
    const dir = tempDir()
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      '[database]\nconnection = postgresql://${POSTGRES_USER}:${POSTGRES_PASSWORD}@${POSTGRES_HOST}/app\n',
    )
    const config = await loadConfig({cwd: dir, env: {}})
    expect(config.databases[0].hasConnection).to.equal(true)
    await expectConfigError(
      Promise.resolve().then(() => config.databases[0].url),
      'environment variable POSTGRES_USER is not set',
    )
    const replaced = await loadConfig({cwd: dir, env: {}, url: 'sqlite:///x.sqlite'})
    expect(replaced.databases[0].url!.filename).to.equal(path.join(dir, 'x.sqlite'))
    expect((await loadConfig({cwd: dir, env: {DATABASE_URL: 'mysql://u@h/d'}})).databases[0].url!.database).to.equal(
      'd',
    )
  })

  it('acts on a URL alone when there is no config file and the command allows it', async () => {
    const config = await loadConfig({cwd: tempDir(), env: {DATABASE_URL: 'postgresql://u:pw@h/d'}, withoutFile: true})
    expect(config.databases[0].url!.masked).to.equal('postgresql://u:***@h/d')
    expect(config.file).to.equal('(no config file; DATABASE_URL)')
  })
})

describe('global flags before the command', () => {
  it('moves --config-file/-c, --db, --url and --debug after the command, as sahara-db-manage is called', () => {
    expect(hoistGlobalFlags(['--config-file', 'sahara.conf', 'upgrade', 'head'])).to.deep.equal([
      'upgrade',
      'head',
      '--config-file',
      'sahara.conf',
    ])
    expect(hoistGlobalFlags(['-c', 'x.ini', '--debug', '--db=catalog', 'current', '-v'])).to.deep.equal([
      'current',
      '-v',
      '-c',
      'x.ini',
      '--debug',
      '--db=catalog',
    ])
    expect(hoistGlobalFlags(['--url', 'sqlite://', 'exec', 'f.sql', '--', 'x'])).to.deep.equal([
      'exec',
      'f.sql',
      '--url',
      'sqlite://',
      '--',
      'x',
    ])
    expect(hoistGlobalFlags(['upgrade', '--config-file', 'a.ini'])).to.deep.equal(['upgrade', '--config-file', 'a.ini'])
    expect(hoistGlobalFlags(['--debug'])).to.deep.equal(['--debug'])
    expect(hoistGlobalFlags(['--debug', '--help'])).to.deep.equal(['--debug', '--help'])
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
