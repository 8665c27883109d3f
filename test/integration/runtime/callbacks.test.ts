import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli, tempProject} from '../../helpers/cli.js'
import {runClient} from '../../helpers/sql-client.js'
import {connected, dialectsUnderTest, useTestDatabase, type TestDatabase} from '../../helpers/databases.js'

// Flyway's callbacks (issue 31.7): files in migrations/callbacks/ named for an event, SQL or TS, run around the run
// and each revision, online and in --sql alike; recorded here into a table, in order.

/** One row of cb_log per callback that ran, numbered as they ran. */
const log = (what: string) => `INSERT INTO cb_log (n, what) SELECT COUNT(*) + 1, '${what}' FROM cb_log;\n`

/** A TS callback that logs its event, and its revision when it has one, through the `op` a revision gets. */
const tsLog = (extra = '') =>
  `import type {CallbackContext, Operations} from 'db-manage'
export default async function (op: Operations, context: CallbackContext): Promise<void> {
  const what = context.event + (context.step ? ' ' + context.step.revision : '')${extra}
  await op.execute(\`INSERT INTO cb_log (n, what) SELECT COUNT(*) + 1, '\${what}' FROM cb_log\`)
}
`

function revision(id: string, down: null | string, up: string, downSql: string): string {
  return `-- revision: ${id}\n-- down_revision: ${down ?? 'null'}\n-- message: m${id}\n-- +upgrade\n${up}\n-- +downgrade\n${downSql}\n`
}

function project(url: string, files: Record<string, string>): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations', 'callbacks'), {recursive: true})
  writeFileSync(path.join(dir, 'db-manage.ini'), `[database]\nconnection = ${url}\n`)
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'migrations', name), text)
  return dir
}

const chain = {
  '001_a.sql': revision('001', null, 'CREATE TABLE a (id INTEGER);', 'DROP TABLE a;'),
  '002_b.sql': revision('002', '001', 'CREATE TABLE b (id INTEGER);', 'DROP TABLE b;'),
}

async function logged(db: TestDatabase): Promise<string[]> {
  return connected(db, async (c) =>
    (await c.query('SELECT what FROM cb_log ORDER BY n')).rows.map((r) => String(r.what)),
  )
}

async function version(db: TestDatabase): Promise<null | string> {
  return connected(db, async (c) => {
    const rows = (await c.query('SELECT version_num FROM alembic_version')).rows
    return rows.length === 0 ? null : String(rows[0].version_num)
  })
}

async function tableExists(db: TestDatabase, name: string): Promise<boolean> {
  return connected(db, async (c) => {
    try {
      await c.query(`SELECT 1 FROM ${name}`)
      return true
    } catch {
      return false
    }
  })
}

const create = 'CREATE TABLE IF NOT EXISTS cb_log (n INTEGER NOT NULL, what VARCHAR(2000) NOT NULL);\n'

for (const dialect of dialectsUnderTest()) {
  describe(`callbacks on ${dialect}`, function () {
    this.timeout(120_000)
    let db: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    it('runs each event, SQL and TS, in order around the run and each revision; downgrade runs the undo events', async () => {
      const dir = project(db.url, {
        ...chain,
        'callbacks/afterEachMigrate.sql': log('afterEachMigrate'),
        'callbacks/afterEachUndo.ts': tsLog(),
        'callbacks/afterMigrate.ts': tsLog(),
        'callbacks/afterUndo.sql': log('afterUndo'),
        'callbacks/beforeEachMigrate.ts': tsLog(),
        'callbacks/beforeEachUndo.sql': log('beforeEachUndo'),
        'callbacks/beforeMigrate.sql': create + log('beforeMigrate'),
        'callbacks/beforeMigrate__2_grants.sql': log('beforeMigrate__2_grants'),
        'callbacks/beforeMigrate__1_analyze.ts': tsLog(" + ' (1_analyze)'"),
        'callbacks/beforeUndo.sql': log('beforeUndo'),
        'callbacks/README.md': 'Not a callback: left alone.\n',
      })
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(up.stdout).to.match(/^upgrade <base> -> 001, m001 \(\d+ ms\)\nupgrade 001 -> 002, m002 \(\d+ ms\)\n$/)
      expect(await logged(db)).to.deep.equal([
        'beforeMigrate',
        'beforeMigrate (1_analyze)',
        'beforeMigrate__2_grants',
        'beforeEachMigrate 001',
        'afterEachMigrate',
        'beforeEachMigrate 002',
        'afterEachMigrate',
        'afterMigrate',
      ])
      // Nothing to do: the run's callbacks run all the same, as Flyway's do on every migrate.
      const again = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(again.code, again.stderr).to.equal(0)
      const down = await runCli(['downgrade', 'base'], {cwd: dir})
      expect(down.code, down.stderr).to.equal(0)
      expect((await logged(db)).slice(8)).to.deep.equal([
        'beforeMigrate',
        'beforeMigrate (1_analyze)',
        'beforeMigrate__2_grants',
        'afterMigrate',
        'beforeUndo',
        'beforeEachUndo',
        'afterEachUndo 002',
        'beforeEachUndo',
        'afterEachUndo 001',
        'afterUndo',
      ])
      expect(await version(db)).to.equal(null)
    })

    it('a failing revision runs afterMigrateError with its error, then fails with that one line; a failing afterMigrateError only adds to it', async () => {
      const dir = project(db.url, {
        ...chain,
        '003_c.sql': revision('003', '002', 'INSERT INTO missing_table (id) VALUES (1);', 'SELECT 1;'),
        'callbacks/afterMigrate.sql': log('afterMigrate'),
        'callbacks/afterMigrateError.ts': `import type {CallbackContext, Operations} from 'db-manage'
export default async function (op: Operations, context: CallbackContext): Promise<void> {
  const [row] = await op.query('SELECT COUNT(*) AS c FROM cb_log')
  await op.bulkInsert('cb_log', [{n: Number(row.c) + 1, what: context.event + ': ' + context.error}])
}
`,
        'callbacks/beforeMigrate.sql': create + log('beforeMigrate'),
      })
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code).to.equal(1)
      const line = /^Error: (upgrade 002 -> 003 \(003_c\.sql\) failed: .*)\n$/.exec(up.stderr)
      expect(line, up.stderr).to.not.equal(null)
      expect(line![1]).to.include('missing_table')
      expect(await logged(db)).to.deep.equal(['beforeMigrate', `afterMigrateError: ${line![1]}`])
      expect(await version(db)).to.equal('002')

      writeFileSync(
        path.join(dir, 'migrations', 'callbacks', 'afterMigrateError__page.sql'),
        log('x') + 'SELECT * FROM no_such_pager;\n',
      )
      const again = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(again.code).to.equal(1)
      const [first, then] = again.stderr.split('; then ')
      expect(first).to.equal(`Error: ${line![1]}`)
      expect(then).to.match(/^callbacks\/afterMigrateError__page\.sql failed: .*no_such_pager.*\n$/)
      expect(again.stderr.split('\n')).to.have.length(2)
    })

    it('an afterEachMigrate callback runs inside its revision: when it fails, the revision fails with it', async () => {
      const dir = project(db.url, {
        ...chain,
        'callbacks/afterEachMigrate.ts': `import type {CallbackContext, Operations} from 'db-manage'
export default async function (op: Operations, context: CallbackContext): Promise<void> {
  if (context.step?.revision === '002') await op.execute('SELECT * FROM not_there')
}
`,
      })
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code).to.equal(1)
      expect(up.stdout).to.match(/^upgrade <base> -> 001, m001 \(\d+ ms\)\n$/)
      expect(up.stderr).to.match(
        /^Error: upgrade 001 -> 002 \(002_b\.sql\) failed: callbacks\/afterEachMigrate\.ts failed: .*not_there.*\n$/,
      )
      expect(await version(db)).to.equal('001')
      // Where DDL is transactional, the revision's CREATE TABLE went with it; MySQL commits DDL as it goes.
      expect(await tableExists(db, 'b')).to.equal(dialect === 'mysql')
    })
  })
}

const offlineFiles = {
  ...chain,
  'callbacks/afterEachMigrate.ts': tsLog(),
  'callbacks/afterMigrate.sql': log('afterMigrate'),
  'callbacks/beforeEachMigrate.sql': log('beforeEachMigrate'),
  'callbacks/beforeMigrate.sql': create + log('beforeMigrate'),
}

const onlineLog = [
  'beforeMigrate',
  'beforeEachMigrate',
  'afterEachMigrate 001',
  'beforeEachMigrate',
  'afterEachMigrate 002',
  'afterMigrate',
]

/** What `upgrade --sql --no-version-table` writes for offlineFiles: callbacks in place, each inside its revision. */
function expectedSql(dialect: string): string {
  const tx = dialect === 'postgresql'
  const block = (body: string) => (tx ? `BEGIN;\n\n${body}COMMIT;\n\n` : body)
  const ins = (what: string) => `${log(what)}\n`
  return (
    block(`-- Running callbacks/beforeMigrate.sql\n\n${create}\n${ins('beforeMigrate')}`) +
    block(
      '-- Running upgrade  -> 001\n\n-- Running callbacks/beforeEachMigrate.sql\n\n' +
        ins('beforeEachMigrate') +
        'CREATE TABLE a (id INTEGER);\n\n-- Running callbacks/afterEachMigrate.ts\n\n' +
        ins('afterEachMigrate 001'),
    ) +
    block(
      '-- Running upgrade 001 -> 002\n\n-- Running callbacks/beforeEachMigrate.sql\n\n' +
        ins('beforeEachMigrate') +
        'CREATE TABLE b (id INTEGER);\n\n-- Running callbacks/afterEachMigrate.ts\n\n' +
        ins('afterEachMigrate 002'),
    ) +
    block(`-- Running callbacks/afterMigrate.sql\n\n${ins('afterMigrate')}`)
  )
}

describe('callbacks in --sql', () => {
  for (const dialect of ['sqlite', 'postgresql', 'mysql']) {
    it(`${dialect}: renders each callback where it runs online, exactly`, async () => {
      const dir = project('sqlite:///app.sqlite', offlineFiles)
      const out = await runCli(['upgrade', '--sql', '--dialect', dialect, '--no-version-table'], {cwd: dir})
      expect(out.code, out.stderr).to.equal(0)
      expect(out.stdout).to.equal(expectedSql(dialect))
    })
  }

  it('the version table is created before beforeMigrate, as online; a TS callback calling op.query is refused, naming it', async () => {
    const dir = project('sqlite:///app.sqlite', offlineFiles)
    const out = await runCli(['upgrade', '--sql', '--dialect', 'postgresql'], {cwd: dir})
    expect(out.code, out.stderr).to.equal(0)
    const created = out.stdout.indexOf('CREATE TABLE alembic_version')
    expect(created).to.be.above(-1)
    expect(created).to.be.below(out.stdout.indexOf('-- Running callbacks/beforeMigrate.sql'))
    writeFileSync(
      path.join(dir, 'migrations', 'callbacks', 'afterMigrate__count.ts'),
      "export default async function (op) { await op.query('SELECT COUNT(*) FROM a') }\n",
    )
    const refused = await runCli(['upgrade', '--sql', '--dialect', 'postgresql'], {cwd: dir})
    expect(refused.code).to.equal(1)
    expect(refused.stdout).to.equal('')
    expect(refused.stderr).to.equal(
      'Error: callbacks/afterMigrate__count.ts calls op.query, which needs a live database: it cannot be rendered with --sql\n',
    )
  })

  for (const dialect of dialectsUnderTest()) {
    describe(`the offline SQL run by ${dialect}'s client`, () => {
      let db: TestDatabase
      useTestDatabase(dialect, (d) => (db = d))
      it('leaves the log the online run leaves', async () => {
        const dir = project(db.url, offlineFiles)
        const out = await runCli(['upgrade', '--sql'], {cwd: dir})
        expect(out.code, out.stderr).to.equal(0)
        await runClient(db, out.stdout)
        expect(await logged(db)).to.deep.equal(onlineLog)
        expect(await version(db)).to.equal('002')
      })
    })
  }
})

describe('callbacks: mistakes', () => {
  it('a file in callbacks/ named for no event is refused before anything runs, naming it and the nearest event', async () => {
    const dir = project('sqlite:///app.sqlite', {...chain, 'callbacks/afterMigarte.sql': 'SELECT 1;\n'})
    const up = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(up.code).to.equal(1)
    expect(up.stderr).to.equal(
      'Error: callbacks/afterMigarte.sql: afterMigarte is not a callback event (did you mean afterMigrate?); the events' +
        ' are beforeMigrate, beforeEachMigrate, afterEachMigrate, afterMigrate, afterMigrateError, beforeUndo,' +
        ' beforeEachUndo, afterEachUndo, afterUndo, afterUndoError\n',
    )
    const current = await runCli(['current'], {cwd: dir})
    expect(current.stdout).to.equal('<base>\n')
    // CI finds it before a deploy does.
    const check = await runCli(['check_migration'], {cwd: dir})
    expect(check.code).to.equal(1)
    expect(check.stdout).to.match(
      /^callbacks\/afterMigarte\.sql: afterMigarte is not a callback event \(did you mean afterMigrate\?\)/,
    )
    expect(check.stderr).to.equal('Error: check_migration found 1 problem(s) in the revision chain\n')
  })

  it('two files for one callback, and a TS callback without its default export, are refused by name', async () => {
    const twins = project('sqlite:///app.sqlite', {
      ...chain,
      'callbacks/afterMigrate.sql': 'SELECT 1;\n',
      'callbacks/afterMigrate.ts': 'export default async function () {}\n',
    })
    const up = await runCli(['upgrade', 'head'], {cwd: twins})
    expect(up.stderr).to.equal(
      'Error: callbacks/afterMigrate.sql and callbacks/afterMigrate.ts are one callback (afterMigrate): keep one of them\n',
    )
    const bare = project('sqlite:///app.sqlite', {...chain, 'callbacks/afterMigrate.ts': 'export const x = 1\n'})
    const run = await runCli(['upgrade', 'head'], {cwd: bare})
    expect(run.code).to.equal(1)
    expect(run.stderr).to.equal(
      'Error: callbacks/afterMigrate.ts: export default async function (op, context) { ... } is missing\n',
    )
  })

  it('a failing afterMigrate fails the run, and says the revisions were applied', async () => {
    const dir = project('sqlite:///app.sqlite', {...chain, 'callbacks/afterMigrate.sql': 'SELECT * FROM nowhere;\n'})
    const up = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(up.code).to.equal(1)
    expect(up.stdout).to.match(/^upgrade <base> -> 001, m001 \(\d+ ms\)\nupgrade 001 -> 002, m002 \(\d+ ms\)\n$/)
    expect(up.stderr).to.equal(
      'Error: callbacks/afterMigrate.sql failed: no such table: nowhere (SQLITE_ERROR) [SQL: SELECT * FROM nowhere];' +
        ' the upgrade itself completed: the database is at 002\n',
    )
    expect((await runCli(['current'], {cwd: dir})).stdout).to.equal('002 (head)\n')
  })

  it('a failing beforeMigrate stops the run before any revision, and says where the database is', async () => {
    const dir = project('sqlite:///app.sqlite', {...chain, 'callbacks/beforeMigrate.sql': 'SELECT * FROM nowhere;\n'})
    const up = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(up.code).to.equal(1)
    expect(up.stdout).to.equal('')
    expect(up.stderr).to.equal(
      'Error: callbacks/beforeMigrate.sql failed: no such table: nowhere (SQLITE_ERROR) [SQL: SELECT * FROM nowhere];' +
        ' nothing was run: the database is at base\n',
    )
  })
})
