// --debug shows every statement the server received (issue 29): the lock, the version and history
// tables' reads and writes, the catalog reads and each step's statements. The server's own log of a
// run (PostgreSQL's log_statement = 'all', MariaDB's general log) is the judge, not db-manage's word.
import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import mysql from 'mysql2'

import {parseDatabaseUrl} from '../../../src/config/database-url.js'
import type {Connection} from '../../../src/dialects/connection.js'
import {runCli, shippedProject} from '../../helpers/cli.js'
import {adminConnection, createTestDatabase, dialectsUnderTest, type TestDatabase} from '../../helpers/databases.js'

/** A password that breaks naive URL building: it must never show in the debug output. */
const PASSWORD = 'tr@ce/p%ss:w0rd'

/**
 * The statements of --debug's stderr, in order: a `SQL: ` line starts one,
 * the lines after it that start nothing else continue it (a CREATE TABLE on
 * several lines); its bound parameters (` -- params: [...]`) are returned beside it.
 */
function debugStatements(stderr: string): Array<{sql: string; params: unknown[]}> {
  const statements: Array<{sql: string; params: unknown[]}> = []
  let open = false
  for (const line of stderr.split('\n')) {
    if (line.startsWith('SQL: ')) {
      statements.push({params: [], sql: line.slice(5)})
      open = true
    } else if (line.startsWith('round trip: ') || line.startsWith('db-manage: ') || line === '') {
      open = false
    } else if (open) {
      statements.at(-1)!.sql += `\n${line}`
    }
  }

  for (const statement of statements) {
    const m = / -- params: (\[.*\])$/.exec(statement.sql)
    if (m) {
      statement.sql = statement.sql.slice(0, m.index)
      statement.params = JSON.parse(m[1]) as unknown[]
    }
  }

  return statements
}

/** A login role (user) with PASSWORD, owning `db`, and the URL it connects with. */
async function loginRole(db: TestDatabase, dialect: 'mysql' | 'postgresql'): Promise<{user: string; url: string}> {
  const url = parseDatabaseUrl(db.url)
  const user = `dbm_trace_${randomBytes(3).toString('hex')}`
  const admin = await adminConnection(dialect)
  try {
    if (dialect === 'postgresql') {
      await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${PASSWORD}'`)
      await admin.query(`ALTER DATABASE ${url.database} OWNER TO ${user}`)
      // Every statement of this role's sessions goes to the server log, from the first.
      await admin.query(`ALTER ROLE ${user} SET log_statement = 'all'`)
    } else {
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`)
      await admin.query(`GRANT ALL ON ${url.database}.* TO '${user}'@'%'`)
    }
  } finally {
    await admin.close()
  }

  const scheme = dialect === 'postgresql' ? 'postgresql' : 'mysql'
  return {
    url: `${scheme}://${user}:${encodeURIComponent(PASSWORD)}@${url.host}:${url.port}/${url.database}`,
    user,
  }
}

async function dropRole(dialect: 'mysql' | 'postgresql', user: string): Promise<void> {
  const admin = await adminConnection(dialect)
  try {
    await admin.query(dialect === 'postgresql' ? `DROP ROLE IF EXISTS ${user}` : `DROP USER IF EXISTS '${user}'@'%'`)
  } finally {
    await admin.close()
  }
}

/**
 * The server log file of the test server: the logging collector's, or the
 * file pg_ctl -l writes beside the data directory (scripts/test-servers.sh).
 */
async function serverLog(admin: Connection): Promise<string> {
  const {rows} = await admin.query(
    "SELECT pg_current_logfile() AS collected, current_setting('data_directory') AS data_directory",
  )
  const {collected, data_directory: data} = rows[0] as {collected: null | string; data_directory: string}
  if (collected) return collected.startsWith('/') ? collected : `${data}/${collected}`
  return `${data}/../server.log`
}

/**
 * The statements PostgreSQL logged (log_statement = 'all') in `text`, for
 * the backends whose first statement the role ran: each entry is one query
 * string; a batch (several statements in one simple query, as the driver
 * joins them: `\n;\n`) is split into its statements.
 */
function loggedStatements(text: string): string[] {
  const entries: Array<{level: string; message: string}> = []
  for (const line of text.split('\n')) {
    const m = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[\d+\] (\w+):  (.*)$/.exec(line)
    if (m) entries.push({level: m[1], message: m[2]})
    // The server writes a message's later lines after a tab.
    else if (entries.length > 0) entries.at(-1)!.message += `\n${line.replace(/^\t/, '')}`
  }

  return entries
    .filter((e) => e.level === 'LOG')
    .map((e) => /^(?:statement|execute [^:]+): ([\s\S]*)$/.exec(e.message)?.[1])
    .filter((sql): sql is string => sql !== undefined)
    .flatMap((sql) => sql.trimEnd().split('\n;\n'))
}

/**
 * The lock watch's looks (statement_lock_timeout: who blocks the run) go on a second connection, every half
 * timeout: traced as well, but their place among the run's statements depends on timing. The run's statements are
 * compared in order, the looks as a set.
 */
function byConnection(statements: readonly string[]): {run: string[]; looks: string[]} {
  const look = (sql: string) => /pg_blocking_pids|information_schema\.PROCESSLIST/i.test(sql)
  return {looks: statements.filter(look).sort(), run: statements.filter((sql) => !look(sql))}
}

describe('--debug logs every statement sent to the database', function () {
  this.timeout(120_000)

  if (dialectsUnderTest().includes('postgresql')) {
    it("PostgreSQL: upgrade head --debug shows every statement the server logged with log_statement = 'all', in its order, and no password", async () => {
      const db = await createTestDatabase('postgresql')
      const {url, user} = await loginRole(db, 'postgresql')
      const admin = await adminConnection('postgresql')
      try {
        const log = await serverLog(admin)
        const size = async () => Number((await admin.query('SELECT size FROM pg_stat_file($1)', [log])).rows[0].size)
        const before = await size()
        const dir = shippedProject(url)
        const run = await runCli(['upgrade', 'head', '--debug'], {cwd: dir})
        expect(run.code, run.stderr).to.equal(0)
        const after = await size()
        const {rows} = await admin.query('SELECT pg_read_file($1, $2, $3) AS text', [log, before, after - before])
        // Only the role's sessions log their statements: the test's own connections (postgres) do not.
        const logged = loggedStatements(String(rows[0].text))
        const shown = debugStatements(run.stderr).map((s) => s.sql)
        // What the run does, so the comparison is not between two empty lists.
        expect(logged).to.include('SELECT pg_advisory_lock($1::bigint)')
        expect(logged).to.include('SELECT pg_advisory_unlock($1::bigint)')
        expect(logged).to.include('SELECT version_num FROM alembic_version')
        expect(logged.filter((sql) => sql.startsWith('CREATE TABLE '))).to.have.length.above(3)
        expect(byConnection(shown)).to.deep.equal(byConnection(logged))
        expect(run.stderr).not.to.include(PASSWORD).and.not.include(encodeURIComponent(PASSWORD))
      } finally {
        await admin.close()
        await db.drop()
        await dropRole('postgresql', user)
      }
    })
  }

  if (dialectsUnderTest().includes('mysql')) {
    it("MariaDB: upgrade head --debug shows every statement of the connection's general log, in its order, and no password", async () => {
      const db = await createTestDatabase('mysql')
      const {url, user} = await loginRole(db, 'mysql')
      const admin = await adminConnection('mysql')
      const {rows: settings} = await admin.query('SELECT @@GLOBAL.general_log AS on_, @@GLOBAL.log_output AS output')
      try {
        await admin.query("SET GLOBAL log_output = 'TABLE', GLOBAL general_log = 1")
        const dir = shippedProject(url)
        const run = await runCli(['upgrade', 'head', '--debug'], {cwd: dir})
        expect(run.code, run.stderr).to.equal(0)
        await admin.query('SET GLOBAL general_log = 0')
        // The general log table keeps the order statements arrived in; the role's are the run's.
        const {rows} = await admin.query(
          "SELECT argument FROM mysql.general_log WHERE command_type = 'Query' AND user_host LIKE ?",
          [`${user}[%`],
        )
        // A round trip of several statements (a revision's, issue 32) is one entry: its statements as they were joined.
        const logged = rows.flatMap((r) => String(r.argument).split('\n;\n'))
        // mysql2 puts a statement's parameters into its text before sending it, as mysql.format does.
        const shown = debugStatements(run.stderr).map((s) => mysql.format(s.sql, s.params as never[]))
        expect(logged.some((sql) => sql.startsWith('SELECT GET_LOCK('))).to.equal(true)
        expect(logged.some((sql) => sql.startsWith('SELECT RELEASE_LOCK('))).to.equal(true)
        expect(logged).to.include('SELECT version_num FROM alembic_version')
        expect(logged.filter((sql) => sql.startsWith('CREATE TABLE '))).to.have.length.above(3)
        expect(shown).to.have.length(logged.length)
        expect(byConnection(shown)).to.deep.equal(byConnection(logged))
        expect(run.stderr).not.to.include(PASSWORD).and.not.include(encodeURIComponent(PASSWORD))
      } finally {
        await admin.query(`SET GLOBAL general_log = ${Number(settings[0].on_)}, GLOBAL log_output = ?`, [
          String(settings[0].output),
        ])
        await admin.close()
        await db.drop()
        await dropRole('mysql', user)
      }
    })
  }

  if (dialectsUnderTest().includes('sqlite')) {
    it('SQLite: upgrade head --debug shows the lock, the bookkeeping and each step, every statement once', async () => {
      const dir = shippedProject()
      const run = await runCli(['upgrade', 'head', '--debug'], {cwd: dir})
      expect(run.code, run.stderr).to.equal(0)
      const shown = debugStatements(run.stderr).map((s) => s.sql.split('\n')[0])
      // The connection's set-up, the lock (a write transaction on a file beside the database), then which of
      // the version and history tables exist, read once under the lock, and what is missing created.
      expect(shown.slice(0, 7)).to.deep.equal([
        'PRAGMA foreign_keys = OFF',
        `BEGIN IMMEDIATE (the migration lock, on ${dir}/app.sqlite.db-manage-alembic_version.lock)`,
        "SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?",
        "SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?",
        'CREATE TABLE IF NOT EXISTS alembic_version (',
        'CREATE TABLE IF NOT EXISTS "db_manage_history" (',
        'SELECT version_num FROM alembic_version',
      ])
      // Each of the five revisions in its transaction, its version update and history row with it.
      const steps = shown.slice(7)
      expect(steps.filter((sql) => sql === 'BEGIN IMMEDIATE')).to.have.length(5)
      expect(steps.filter((sql) => sql === 'COMMIT')).to.have.length(5)
      expect(steps.filter((sql) => sql.startsWith('INSERT INTO db_manage_history '))).to.have.length(5)
      expect(steps.filter((sql) => /^(INSERT INTO|UPDATE) alembic_version /.test(sql))).to.have.length(5)
      expect(steps.at(-1)).to.equal('COMMIT')
      expect(steps.filter((sql) => sql.startsWith('CREATE TABLE "'))).to.deep.equal([
        'CREATE TABLE "clusters" (',
        'CREATE TABLE "node_groups" (',
        'CREATE TABLE "cluster_events" (',
        'CREATE TABLE "_db_manage_tmp_node_groups" (',
      ])
      // 005's batch rebuild of node_groups reads the table from the catalog first.
      const rebuild = steps.indexOf('CREATE TABLE "_db_manage_tmp_node_groups" (')
      expect(steps.slice(rebuild - 4, rebuild).map((sql) => sql.split(' ').slice(0, 4).join(' '))).to.deep.equal([
        'SELECT m.name AS tbl,',
        'SELECT m.name AS tbl,',
        'SELECT m.name AS tbl,',
        'SELECT type, name, tbl_name,',
      ])
    })
  }
})
