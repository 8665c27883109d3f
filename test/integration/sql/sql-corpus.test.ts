// Proof against each database's own client (issue 26): every file of the SQL
// corpus is run by psql, mariadb or sqlite3 on one fresh database, by
// `db-manage exec FILE` on another, and as the one `.sql` revision of a chain
// whose `upgrade head --sql` output the client runs on a third. The schema and
// the rows of every table must be the same in all three. For some hostile
// files the statements db-manage sends are pinned too (NAME.statements.json).
//
// The corpus: test/fixtures/sql-corpus/<dialect>/ (hand-written hostile files
// and dumps of them made by pg_dump, mariadb-dump and sqlite3), the hand-written
// schemas of test/fixtures/schemas, and, where a shared folder holds them, the
// public sample schemas (test/fixtures/public, or DB_MANAGE_FIXTURES) and dumps of
// public application schemas (DB_MANAGE_SQL_CORPUS, ../shared/sql-corpus/<dialect>/),
// which this repository does not keep. DB_MANAGE_CORPUS_FILES (a regular expression on the
// names the tests show) runs some files only; DB_MANAGE_CORPUS_CONCURRENCY files run at once (3).
import {expect} from 'chai'
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {ROOT, runCli, tempProject} from '../../helpers/cli.js'
import {databaseFacts, type DatabaseFacts} from '../../helpers/database-facts.js'
import type {DialectName} from '../../../src/util/dialect-names.js'
import {createTestDatabase, dialectsUnderTest} from '../../helpers/databases.js'
import {comparable, runClient} from '../../helpers/sql-client.js'
import {SAMPLES} from '../../helpers/samples.js'

const CORPUS = path.join(ROOT, 'test', 'fixtures', 'sql-corpus')
const SCHEMAS = path.join(ROOT, 'test', 'fixtures', 'schemas')
const PUBLIC = process.env.DB_MANAGE_SQL_CORPUS ?? path.join(ROOT, '..', 'shared', 'sql-corpus')

interface CorpusFile {
  /** Where it comes from and its name, as the test titles show it. */
  readonly name: string
  readonly file: string
}

function sqlFiles(dir: string, suffix = '.sql'): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => path.join(dir, f))
}

/** Every corpus file for a dialect, from the folders that exist here. */
function corpusFiles(dialect: string): CorpusFile[] {
  const from = (label: string, files: string[]) =>
    files.map((file) => ({file, name: `${label}/${path.basename(file)}`}))
  const only = process.env.DB_MANAGE_CORPUS_FILES ? new RegExp(process.env.DB_MANAGE_CORPUS_FILES) : undefined
  return [
    ...from('sql-corpus', sqlFiles(path.join(CORPUS, dialect))),
    ...from('schemas', sqlFiles(SCHEMAS, `.${dialect}.sql`)),
    ...from('public', sqlFiles(SAMPLES, `.${dialect}.sql`)),
    ...from('shared/sql-corpus', sqlFiles(path.join(PUBLIC, dialect))),
  ].filter((f) => !only || only.test(f.name))
}

/** A project whose one revision, 001, is the file as a `.sql` script. */
function revisionProject(file: string): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(path.join(dir, 'db-manage.ini'), '[db_manage]\nscript_location = migrations\n')
  const header = '-- revision: 001\n-- down_revision: null\n-- message: corpus file\n-- +upgrade\n'
  const script = Buffer.concat([Buffer.from(header), readFileSync(file)])
  writeFileSync(path.join(dir, 'migrations', '001_corpus.sql'), script)
  return dir
}

/**
 * The text of a MySQL stored program as the server keeps it, without its comments: the mariadb
 * client strips the comments of what it sends, db-manage need not (what runs is the same).
 */
const PROGRAM_TEXT = new Set(['ACTION_STATEMENT', 'EVENT_DEFINITION', 'ROUTINE_DEFINITION'])

function line(row: unknown, dialect: string): string {
  if (typeof row !== 'object' || row === null) return String(row)
  const program = (k: string, v: unknown) => (PROGRAM_TEXT.has(k) && typeof v === 'string' ? comparable(v, dialect) : v)
  const entries = Object.entries(row).map(([k, v]) => [k, program(k, v)])
  return JSON.stringify(Object.fromEntries(entries))
}

/** What differs, kind by kind and table by table: the rows one side lacks, or the fields of a row that differ. */
function differences(got: DatabaseFacts, want: DatabaseFacts, dialect: string): string[] {
  const out: string[] = []
  const short = (v: unknown) => {
    const t = JSON.stringify(v)
    return t.length > 240 ? `${t.slice(0, 240)}...` : t
  }

  const compare = (what: string, a: unknown[] = [], b: unknown[] = []) => {
    const as = a.map((r) => line(r, dialect))
    const bs = b.map((r) => line(r, dialect))
    const extra = as.filter((x) => !bs.includes(x))
    const missing = bs.filter((x) => !as.includes(x))
    if (extra.length === 0 && missing.length === 0) {
      if (as.length !== bs.length) out.push(`${what}: ${as.length} rows instead of ${bs.length}`)
      return
    }

    // A row on both sides whose first field (its name) is the same: only the fields that differ.
    const first = (x: string) => JSON.stringify(Object.values(JSON.parse(x) as object).slice(0, 2))
    for (const m of [...missing]) {
      const e = extra.find((x) => first(x) === first(m))
      if (!e || !m.startsWith('{')) continue
      const mo = JSON.parse(m) as Record<string, unknown>
      const eo = JSON.parse(e) as Record<string, unknown>
      const fields = Object.keys(mo).filter((k) => JSON.stringify(mo[k]) !== JSON.stringify(eo[k]))
      out.push(`${what} ${first(m)}: ${fields.map((k) => `${k} is ${short(eo[k])}, not ${short(mo[k])}`).join(', ')}`)
      missing.splice(missing.indexOf(m), 1)
      extra.splice(extra.indexOf(e), 1)
    }

    const few = (rows: string[]) => rows.slice(0, 3).map(short).join(' | ')
    if (missing.length > 0) out.push(`${what}: ${missing.length} missing (${few(missing)})`)
    if (extra.length > 0) out.push(`${what}: ${extra.length} unexpected (${few(extra)})`)
  }

  compare('tables', Object.keys(got.rows).sort(), Object.keys(want.rows).sort())
  for (const kind of Object.keys(want.catalog)) compare(`catalog ${kind}`, got.catalog[kind], want.catalog[kind])
  for (const table of Object.keys(want.rows)) {
    if (got.rows[table]) compare(`rows of ${table}`, got.rows[table], want.rows[table])
  }
  return out
}

/** Where two statement lists part, as a reader wants it: the first statement that differs, on each side. */
/** `got`, with each run of its statements that the client sent as one text (`a; b`) joined as the client sent it. */
function joinedAs(got: string[], want: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < got.length; i++) {
    const target = want[out.length]
    let joined = got[i]
    let k = i
    while (joined !== target && k + 1 < got.length && target?.startsWith(`${joined};`))
      joined = `${joined}; ${got[++k]}`
    if (joined === target) i = k
    out.push(joined === target ? joined : got[i])
  }

  return out
}

function statementDifference(got: string[], want: string[], dialect: string): string | undefined {
  // An empty statement (psql sends a lone `;`, and a comment left at the end of a file) does nothing.
  let a = got.map((sql) => comparable(sql, dialect)).filter((sql) => sql !== '')
  const b = want.map((sql) => comparable(sql, dialect)).filter((sql) => sql !== '')
  // The mysql client sends what lies between two DELIMITERs whole, with multi-statements on, and the server
  // runs each statement of it; db-manage sends those statements one by one.
  if (dialect === 'mysql') a = joinedAs(a, b)
  const i = a.findIndex((sql, k) => sql !== b[k])
  const at = i < 0 ? Math.min(a.length, b.length) : i
  if (i < 0 && a.length === b.length) return undefined
  const cut = (sql: string) => (sql.length > 300 ? `${sql.slice(0, 300)}...` : sql)
  const show = (sql: string | undefined) => (sql === undefined ? '(none)' : JSON.stringify(cut(sql)))
  return `${a.length} statements instead of ${b.length}; statement ${at + 1} is ${show(a[at])}, not ${show(b[at])}`
}

/** How many files run at once: each waits on its clients and databases much of the time. */
const CONCURRENCY = Number(process.env.DB_MANAGE_CORPUS_CONCURRENCY ?? 3)

/** Run one file the three ways; what differs, one line a check (none when all agree). */
async function runFile(dialect: DialectName, file: string): Promise<string[]> {
  const pinned = file.replace(/\.sql$/, '.statements.json')
  const cwd = tempProject()
  const project = revisionProject(file)
  const dbs = await Promise.all([createTestDatabase(dialect), createTestDatabase(dialect), createTestDatabase(dialect)])
  const [byClient, byExec, byOffline] = dbs
  const failures: string[] = []
  const check = async (fn: () => Promise<void>) => {
    try {
      await fn()
    } catch (error) {
      failures.push((error as Error).message)
    }
  }

  try {
    // The version table's statements are db-manage's own: what is compared is the file's.
    const [exec, offline] = await Promise.all([
      runCli(['exec', file, '--url', byExec.url, '--json'], {cwd}),
      runCli(['upgrade', 'head', '--sql', '--no-version-table', '--url', byOffline.url], {cwd: project}),
    ])
    const sent = await runClient(byClient, readFileSync(file), {oneTransaction: true, trace: true}).catch(
      (error: Error) => {
        throw new Error(`the corpus file is not valid for its client: ${error.message}`)
      },
    )
    const want = await databaseFacts(byClient)
    await check(async () => {
      expect(exec.code, `db-manage exec failed: ${(exec.stderr || exec.stdout).trim()}`).to.equal(0)
      const diff = differences(await databaseFacts(byExec), want, dialect)
      if (diff.length > 0) throw new Error(`db-manage exec left another database than the client: ${diff.join('; ')}`)
    })
    await check(async () => {
      // The statements exec ran, as it lists them; when it failed part way, the ones it would send.
      const dry = ['exec', file, '--dry-run', '--dialect', dialect, '--json']
      const listed = exec.code === 0 ? exec : await runCli(dry, {cwd})
      expect(listed.code, `db-manage exec --dry-run failed: ${(listed.stderr || listed.stdout).trim()}`).to.equal(0)
      const [{statements: run}] = (JSON.parse(listed.stdout) as {data: Array<{statements: Array<{sql: string}>}>}).data
      const statements = run.map((s) => s.sql)
      const apart = statementDifference(statements, sent, dialect)
      if (apart) throw new Error(`db-manage exec sends other statements than the client: ${apart}`)
      if (existsSync(pinned)) {
        const wrong = statementDifference(statements, JSON.parse(readFileSync(pinned, 'utf8')) as string[], dialect)
        if (wrong) throw new Error(`db-manage exec sends other statements than ${path.basename(pinned)}: ${wrong}`)
      }
    })
    // db-manage runs a revision in a transaction of its own (PostgreSQL, SQLite): a file with its own
    // BEGIN ... COMMIT (as sqlite3's .dump writes) is no revision body, and must be refused before any output.
    const control = /^(BEGIN|COMMIT|END|ROLLBACK|START\s+TRANSACTION)\b(?!\s+ATOMIC)/i
    const ownTransaction = dialect !== 'mysql' && sent.some((sql) => control.test(comparable(sql, dialect)))
    if (ownTransaction) {
      await check(async () => {
        if (offline.code === 0) throw new Error('upgrade head --sql rendered a revision with its own BEGIN ... COMMIT')
        expect(offline.stdout, 'upgrade head --sql printed SQL before refusing').to.equal('')
      })
      return failures
    }

    await check(async () => {
      expect(offline.code, `db-manage upgrade head --sql failed: ${offline.stderr.trim()}`).to.equal(0)
      await runClient(byOffline, offline.stdout).catch((error: Error) => {
        throw new Error(`upgrade head --sql, run by the client: ${error.message}`)
      })
      const diff = differences(await databaseFacts(byOffline), want, dialect)
      const how = 'upgrade head --sql, run by the client, left another database than the file'
      if (diff.length > 0) throw new Error(`${how}: ${diff.join('; ')}`)
    })
    return failures
  } finally {
    await Promise.all(dbs.map((db) => db.drop()))
    rmSync(cwd, {force: true, recursive: true})
    rmSync(project, {force: true, recursive: true})
  }
}

for (const dialect of dialectsUnderTest()) {
  const files = corpusFiles(dialect)
  describe(`the SQL corpus on ${dialect}: db-manage runs each file as the database's own client does`, function () {
    this.timeout(300_000)
    if (!process.env.DB_MANAGE_CORPUS_FILES)
      it(`holds at least 60 files (${files.length} here)`, () => {
        const kept = files.filter((f) => !f.name.startsWith('shared/'))
        expect(kept.length, 'the corpus files this repository keeps').to.be.at.least(58)
        if (existsSync(SAMPLES)) expect(files.length, 'with the shared sample schemas').to.be.at.least(60)
      })

    // The files run CONCURRENCY at a time from the first test on; each test waits for its own.
    const results = new Map<string, Promise<string[]>>()
    before(() => {
      const queue = [...files]
      const settle: Array<(r: Promise<string[]>) => void> = []
      for (const {name} of files) results.set(name, new Promise((resolve) => settle.push(resolve)))
      const byName = new Map(files.map((f, i) => [f.name, settle[i]]))
      const worker = async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const run = runFile(dialect, next.file)
          byName.get(next.name)!(run)
          await run.catch(() => {})
        }
      }

      for (let i = 0; i < CONCURRENCY; i++) void worker()
    })
    after(() => Promise.allSettled(results.values()))

    for (const {name} of files) {
      it(name, async () => {
        const failures = await results.get(name)!
        if (failures.length > 0) throw new Error(failures.join('\n'))
      })
    }
  })
}
