// Benchmarks, as whole processes against a baseline run in the same invocation.
//   node bench/run.mjs chain  [--runs N]   history/heads/check_migration on 1,000 revisions vs `node -e 0`
//   node bench/run.mjs online [--runs N]   upgrade head of 500 revisions vs psql/mysql -f of the same SQL
//   node bench/run.mjs autogenerate [--runs N]  revision/check_migration --autogenerate on 300 tables (10% changed)
//   node bench/run.mjs sql    [--runs N]   upgrade head --sql on 250, 500 and 1,000 revisions vs `node -e 0`
//   node bench/run.mjs fleet [--runs N]
//       upgrade head of 100 PostgreSQL tenants x 20 revisions at --parallel 1, 4 and 8
//   node bench/run.mjs roundtrip [--runs N]
//       check_migration --round-trip of 100 revisions vs upgrade head of the same chain on a fresh database
//   node bench/run.mjs start-up [--runs N] [--only CACHES] [--against DIR]
//       each start-up cache on vs off (docs/start-up.md)
//   node bench/run.mjs cold [--runs N] [--against DIR]
//       upgrade head of 1,000 revisions with no caches (a first run) vs warm, PostgreSQL and SQLite, in pairs
// The online benchmark uses DB_MANAGE_TEST_PG_URL / DB_MANAGE_TEST_MYSQL_URL, or starts
// throwaway servers with scripts/test-servers.sh. Run `npm run build` first.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeChain} from './generate.mjs'

const root = path.resolve(fileURLToPath(import.meta.url), '../..')
const bin = path.join(root, 'bin', 'run.js')
const rssHook = path.join(root, 'bench', 'rss.mjs')
const args = process.argv.slice(2)
const which = args.find((a) => !a.startsWith('--')) ?? 'chain'
const runs = Number(args[args.indexOf('--runs') + 1]) || 7

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/**
 * Run a command, return wall milliseconds and, with `rss`, the peak RSS in MiB
 * of a node process (measured by a hook, so timed runs go without it).
 */
function timed(command, argv, options = {}) {
  const rssFile = path.join(os.tmpdir(), `db-manage-bench-rss-${process.pid}`)
  rmSync(rssFile, {force: true})
  const hook = options.rss ? {DB_MANAGE_BENCH_RSS: rssFile, NODE_OPTIONS: `--import ${rssHook}`} : {}
  const started = process.hrtime.bigint()
  const result = spawnSync(command, argv, {
    ...options,
    encoding: 'utf8',
    env: {...process.env, ...hook, ...options.env},
  })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) throw new Error(`${command} ${argv.join(' ')} failed: ${result.stderr || result.stdout}`)
  let rss
  try {
    rss = Math.max(...readFileSync(rssFile, 'utf8').trim().split('\n').map(Number)) / 1024
  } catch {
    // no RSS figure: the wrapper did not write one
  }
  return {ms, rss}
}

function report(rows, baselineName) {
  const base = rows.find((r) => r.name === baselineName)
  for (const r of rows) {
    const ms = median(r.ms)
    const rss = r.rss.length ? `${median(r.rss).toFixed(0)} MiB peak` : ''
    console.log(
      `${r.name.padEnd(34)} median ${ms.toFixed(0).padStart(6)} ms  ${(ms / median(base.ms)).toFixed(2).padStart(5)}x ${baselineName}  ${rss}`,
    )
  }
}

function chainBench() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-bench-chain-'))
  writeChain(dir, 1000)
  console.log(`chain of 1,000 revisions in ${dir}; ${runs} runs each, interleaved; node ${process.version}`)
  const cases = [
    {argv: ['-e', '0'], name: 'node -e 0'},
    {argv: [bin, 'history'], name: 'db-manage history'},
    {argv: [bin, 'heads'], name: 'db-manage heads'},
    {argv: [bin, 'check_migration'], name: 'db-manage check_migration'},
  ].map((c) => ({...c, ms: [], rss: []}))
  // The RSS run also warms the file cache.
  for (const c of cases) c.rss.push(timed(process.execPath, c.argv, {cwd: dir, rss: true}).rss)
  for (let i = 0; i < runs; i++) {
    for (const c of cases) c.ms.push(timed(process.execPath, c.argv, {cwd: dir}).ms)
  }

  report(cases, 'node -e 0')
  rmSync(dir, {force: true, recursive: true})
}

function servers() {
  if (process.env.DB_MANAGE_TEST_PG_URL && process.env.DB_MANAGE_TEST_MYSQL_URL) return undefined
  const out = execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'start'], {encoding: 'utf8'})
  for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) process.env[m[1]] = m[2]
  return process.env.DB_MANAGE_TEST_SERVERS
}

/** The SQL db-manage runs for the chain, rendered through its own compilers: the floor's input. */
async function floorSql(dir, dialect) {
  const {createJiti} = await import('jiti')
  const {Operations} = await import(path.join(root, 'dist/operations/operations.js'))
  const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
  const {versionStatements} = await import(path.join(root, 'dist/runtime/version-store.js'))
  const {compiler, adapter} = await getDialect(dialect)
  const jiti = createJiti(import.meta.url)
  const out = [versionStatements('alembic_version').create().sql + ';']
  const statements = []
  const op = new Operations({
    async query() {
      return []
    },
    async run(node) {
      for (const s of await compiler.compile(node)) statements.push(s.sql)
    },
    dialect,
  })
  const {readdirSync} = await import('node:fs')
  let previous = null
  for (const file of readdirSync(path.join(dir, 'migrations')).sort()) {
    const mod = await jiti.import(path.join(dir, 'migrations', file))
    statements.length = 0
    await mod.upgrade(op)
    if (adapter.supportsTransactionalDdl) out.push('BEGIN;')
    for (const s of statements) out.push(`${s};`)
    out.push(`${versionStatements('alembic_version').move(previous, mod.revision).sql};`)
    if (adapter.supportsTransactionalDdl) out.push('COMMIT;')
    previous = mod.revision
  }

  return out.join('\n') + '\n'
}

/**
 * A fleet of 100 tenant databases on the test PostgreSQL server, a 20-revision
 * chain each: `upgrade head` from empty at --parallel 1 (the baseline), 4 and
 * 8, the tenants dropped and created again before every run.
 */
async function fleetBench() {
  const started = servers()
  const fleetRuns = Number(args[args.indexOf('--runs') + 1]) || 3
  try {
    const {parseDatabaseUrl} = await import(path.join(root, 'dist/config/database-url.js'))
    const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
    const serverUrl = process.env.DB_MANAGE_TEST_PG_URL
    const admin = await (await getDialect('postgresql')).connect(parseDatabaseUrl(serverUrl), 10_000)
    const tenants = Array.from({length: 100}, (_, i) => `dbm_fleet_${String(i).padStart(3, '0')}`)
    const fresh = async () => {
      for (const t of tenants) await admin.query(`DROP DATABASE IF EXISTS ${t} WITH (FORCE)`)
      for (const t of tenants) await admin.query(`CREATE DATABASE ${t}`)
      await admin.query('CHECKPOINT')
    }

    const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-bench-fleet-'))
    writeChain(dir, 20)
    writeFileSync(
      path.join(dir, 'db-manage.ini'),
      `[db_manage]\nscript_location = migrations\n\n[fleet:bench]\nurl_template = ${serverUrl.replace(/\/[^/]*$/, '/${tenant}')}\ntenants = ${tenants.join(', ')}\n`,
    )
    console.log(
      `100 tenants x 20 revisions on PostgreSQL; ${fleetRuns} runs each, interleaved, fresh databases before each; node ${process.version}`,
    )
    const cases = [1, 4, 8].map((n) => ({
      argv: [bin, 'upgrade', 'head', '--parallel', String(n)],
      ms: [],
      name: `upgrade head --parallel ${n}`,
      rss: [],
    }))
    for (let i = 0; i < fleetRuns; i++) {
      for (const c of cases) {
        await fresh()
        const {ms, rss} = timed(process.execPath, c.argv, {cwd: dir, rss: i === 0})
        c.ms.push(ms)
        if (rss !== undefined) c.rss.push(rss)
      }
    }

    report(cases, 'upgrade head --parallel 1')
    for (const t of tenants) await admin.query(`DROP DATABASE IF EXISTS ${t} WITH (FORCE)`)
    await admin.close()
    rmSync(dir, {force: true, recursive: true})
  } finally {
    if (started) execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'stop', started])
  }
}

async function onlineBench() {
  const started = servers()
  try {
    const {parseDatabaseUrl} = await import(path.join(root, 'dist/config/database-url.js'))
    const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
    for (const [dialect, serverUrl] of [
      ['postgresql', process.env.DB_MANAGE_TEST_PG_URL],
      ['mysql', process.env.DB_MANAGE_TEST_MYSQL_URL],
    ]) {
      const url = parseDatabaseUrl(serverUrl)
      const admin = await (await getDialect(dialect)).connect(url, 10_000)
      const dbUrl = serverUrl.replace(/\/[^/]*$/, '/dbm_bench')
      const fresh = async () => {
        await admin.query(
          dialect === 'postgresql'
            ? 'DROP DATABASE IF EXISTS dbm_bench WITH (FORCE)'
            : 'DROP DATABASE IF EXISTS dbm_bench',
        )
        await admin.query('CREATE DATABASE dbm_bench')
        // Flush the dropped database's WAL now, not during the next timed run.
        if (dialect === 'postgresql') await admin.query('CHECKPOINT')
      }

      const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-bench-online-'))
      writeChain(dir, 500, {connection: dbUrl})
      const sqlFile = path.join(dir, 'floor.sql')
      writeFileSync(sqlFile, await floorSql(dir, dialect))
      const client =
        dialect === 'postgresql'
          ? {
              argv: ['-q', '-X', '-v', 'ON_ERROR_STOP=1', '-f', sqlFile, dbUrl.replace('postgresql://', 'postgres://')],
              command: 'psql',
              name: 'psql -f (floor)',
            }
          : {
              argv: [
                '--no-defaults',
                '-h',
                url.host,
                '-P',
                String(url.port),
                '-u',
                url.user,
                `-p${url.password}`,
                'dbm_bench',
                '-e',
                `source ${sqlFile}`,
              ],
              command: 'mariadb',
              name: 'mysql < file (floor)',
            }
      const cases = [
        {...client, ms: [], rss: []},
        {argv: [bin, 'upgrade', 'head'], command: process.execPath, ms: [], name: 'db-manage upgrade head', rss: []},
      ]
      // One cold run (jiti compiles and caches the 500 scripts), reported apart.
      await fresh()
      const cold = timed(process.execPath, [bin, 'upgrade', 'head'], {cwd: dir})
      await fresh()
      cases[1].rss.push(timed(process.execPath, [bin, 'upgrade', 'head'], {cwd: dir, rss: true}).rss)
      // Alternate which side goes first, so neither always follows the other's drop.
      for (let i = 0; i < runs; i++) {
        for (const c of i % 2 ? [...cases].reverse() : cases) {
          await fresh()
          c.ms.push(timed(c.command, c.argv, {cwd: dir}).ms)
        }
      }

      console.log(
        `\n${dialect}: 500 revisions (table + foreign key + index each, every fifth alters an earlier table); ${runs} runs each, interleaved`,
      )
      console.log(`${'db-manage upgrade head (cold cache)'.padEnd(34)}        ${cold.ms.toFixed(0).padStart(6)} ms`)
      report(cases, cases[0].name)
      await admin.query(
        dialect === 'postgresql'
          ? 'DROP DATABASE IF EXISTS dbm_bench WITH (FORCE)'
          : 'DROP DATABASE IF EXISTS dbm_bench',
      )
      await admin.close()
      rmSync(dir, {force: true, recursive: true})
    }
  } finally {
    if (started) execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'stop', started])
  }
}

function sqlBench() {
  console.log(
    `upgrade head --sql (PostgreSQL dialect) on generated chains; ${runs} runs each, interleaved; node ${process.version}`,
  )
  const cases = [{argv: ['-e', '0'], cwd: undefined, name: 'node -e 0'}]
  const dirs = []
  for (const n of [250, 500, 1000]) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `db-manage-bench-sql-${n}-`))
    writeChain(dir, n)
    dirs.push(dir)
    cases.push({
      argv: [bin, 'upgrade', 'head', '--sql', '--dialect', 'postgresql', '-o', path.join(dir, 'out.sql')],
      cwd: dir,
      name: `--sql, ${n} revisions`,
    })
  }

  const rows = cases.map((c) => ({...c, ms: [], rss: []}))
  const cold = rows.map((c) => timed(process.execPath, c.argv, {cwd: c.cwd, rss: true})) // fills jiti's cache
  for (const c of rows) c.rss.push(timed(process.execPath, c.argv, {cwd: c.cwd, rss: true}).rss)
  for (let i = 0; i < runs; i++) for (const c of rows) c.ms.push(timed(process.execPath, c.argv, {cwd: c.cwd}).ms)
  report(rows, 'node -e 0')
  const per = rows.slice(1).map((r, i) => `${(median(r.ms) / [250, 500, 1000][i]).toFixed(2)} ms`)
  console.log(`per revision: ${per.join(', ')} (250, 500, 1,000)`)
  console.log(
    `cold (jiti transforming every script): ${cold
      .slice(1)
      .map((c) => `${c.ms.toFixed(0)} ms / ${c.rss.toFixed(0)} MiB`)
      .join(', ')}`,
  )
  for (const dir of dirs) rmSync(dir, {force: true, recursive: true})
}

/**
 * check_migration --round-trip of 100 generated revisions (upgrade, reflect,
 * downgrade, reflect, upgrade again, each) against `upgrade head` of the same
 * chain on a fresh database, interleaved: SQLite, and PostgreSQL when
 * DB_MANAGE_TEST_PG_URL is set.
 */
function roundTripBench() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-bench-roundtrip-'))
  writeChain(dir, 100)
  console.log(`round trip of 100 revisions in ${dir}; ${runs} runs each, interleaved; node ${process.version}`)
  const pg = process.env.DB_MANAGE_TEST_PG_URL
  const targets = [
    ['sqlite', (i) => `sqlite:///${path.join(dir, `up-${i}.sqlite`)}`, `sqlite:///${path.join(dir, 'unused.sqlite')}`],
  ]
  if (pg) {
    targets.push([
      'postgresql',
      (i) => {
        execFileSync('psql', [
          '-X',
          '-q',
          pg,
          '-c',
          `DROP DATABASE IF EXISTS dbm_rt_${i}`,
          '-c',
          `CREATE DATABASE dbm_rt_${i}`,
        ])
        return pg.replace(/\/[^/]*$/, `/dbm_rt_${i}`)
      },
      pg,
    ])
  }

  for (const [dialect, fresh, server] of targets) {
    const rows = [
      {ms: [], name: 'upgrade head (fresh database)', rss: []},
      {ms: [], name: 'check_migration --round-trip', rss: []},
    ]
    for (let i = 0; i < runs; i++) {
      rows[0].ms.push(timed(process.execPath, [bin, 'upgrade', 'head', '--url', fresh(i)], {cwd: dir}).ms)
      rows[1].ms.push(
        timed(process.execPath, [bin, 'check_migration', '--round-trip', '--no-db', '--url', server], {cwd: dir}).ms,
      )
    }

    console.log(`\n${dialect}:`)
    report(rows, 'upgrade head (fresh database)')
    if (dialect === 'postgresql')
      for (let i = 0; i < runs; i++) execFileSync('psql', ['-X', '-q', pg, '-c', `DROP DATABASE IF EXISTS dbm_rt_${i}`])
  }

  rmSync(dir, {force: true, recursive: true})
}

/**
 * Each start-up cache (docs/start-up.md) on and off, by DB_MANAGE_CACHES_OFF, on whole commands: current,
 * history and upgrade head on a chain of 1,000 generated revisions, on SQLite and PostgreSQL
 * (DB_MANAGE_TEST_PG_URL, or a throwaway server), warm (every cache written by an earlier run) and cold (the cache
 * folder emptied before each run). Each round runs every side once, in an order that rotates from round to round;
 * a side's ratio is taken against the all-caches side of the same round. Each side has a cache folder of its own;
 * the database is made fresh (upgrade) before each run, untimed. Times are the kernel's for the finished process
 * (wait4, through python3): CPU is user + system. `--only bundle-code,headers` narrows the caches; `--against DIR`
 * instead compares this build with the package built in DIR (all caches on), the before and after of a change.
 */
async function startUpBench() {
  const started = servers()
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined
  const against = args.includes('--against') ? path.resolve(args[args.indexOf('--against') + 1]) : undefined
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-bench-start-up-'))
  try {
    writeChain(dir, 1000)
    const {parseDatabaseUrl} = await import(path.join(root, 'dist/config/database-url.js'))
    const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
    const serverUrl = process.env.DB_MANAGE_TEST_PG_URL
    const admin = await (await getDialect('postgresql')).connect(parseDatabaseUrl(serverUrl), 10_000)
    const pgUrl = (db) => serverUrl.replace(/\/[^/]*$/, `/${db}`)
    // Databases of this run's own: two runs on one server do not drop each other's.
    const prefix = `dbm_start_up_${process.pid}`
    const freshPg = async (db) => {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
      await admin.query(`CREATE DATABASE ${db}`)
      await admin.query('CHECKPOINT')
    }

    const databases = {
      sqlite: {
        fresh: () => rmSync(path.join(dir, 'fresh.sqlite'), {force: true}),
        head: `sqlite:///${path.join(dir, 'head.sqlite')}`,
        up: `sqlite:///${path.join(dir, 'fresh.sqlite')}`,
      },
      postgresql: {
        fresh: () => freshPg(`${prefix}_fresh`),
        head: pgUrl(`${prefix}_head`),
        up: pgUrl(`${prefix}_fresh`),
      },
    }
    await freshPg(`${prefix}_head`)
    let folders = 0
    const side = (variant) => ({...variant, cache: path.join(dir, `cache-${folders++}`)})
    for (const db of Object.values(databases)) run(side({bin}), ['upgrade', 'head', '--url', db.head])

    const commands = [
      {argv: (db) => ['current', '--url', db.head], name: 'current'},
      {argv: (db) => ['history', '--url', db.head], name: 'history'},
      {argv: (db) => ['upgrade', 'head', '--url', db.up], fresh: true, name: 'upgrade head', scripts: true},
    ]
    const variants = against
      ? [{bin: path.join(against, 'bin', 'run.js'), name: `the build in ${against}`}]
      : ['bundle-code', 'headers', 'scripts', 'script-code', 'all']
          .filter((c) => !only || only.includes(c))
          .map((cache) => ({
            bin,
            env: cache === 'all' ? {DB_MANAGE_SCRIPT_CACHE: 'off'} : {DB_MANAGE_CACHES_OFF: cache},
            name: `${cache} off`,
            scriptsOnly: cache === 'scripts' || cache === 'script-code',
          }))
    console.log(`start-up caches on a chain of 1,000 revisions in ${dir}; ${runs} rounds; node ${process.version}`)
    console.log("B/A: the median of the rounds' ratios (min-max); times are medians; CPU is user + system\n")
    for (const temperature of ['warm', 'cold']) {
      for (const [dialect, db] of Object.entries(databases)) {
        for (const command of commands) {
          const sides = [side({bin, name: against ? 'this build' : 'all caches'})]
          for (const v of variants) if (!v.scriptsOnly || command.scripts) sides.push(side(v))
          const once = async (s) => {
            if (command.fresh) await db.fresh()
            if (temperature === 'cold') rmSync(s.cache, {force: true, recursive: true})
            return run(s, command.argv(db))
          }

          for (const s of sides) await once(s) // warm-up: writes the caches
          const figures = sides.map(() => [])
          for (let i = 0; i < runs; i++) {
            for (let k = 0; k < sides.length; k++) {
              const at = (i + k) % sides.length
              figures[at][i] = await once(sides[at])
            }
          }

          for (let k = 1; k < sides.length; k++)
            reportPairs(`${dialect} ${temperature} ${command.name}`, sides[k].name, figures[0], figures[k])
        }
      }
    }

    await admin.query(`DROP DATABASE IF EXISTS ${prefix}_fresh WITH (FORCE)`)
    await admin.query(`DROP DATABASE IF EXISTS ${prefix}_head WITH (FORCE)`)
    await admin.close()
  } finally {
    rmSync(dir, {force: true, recursive: true})
    if (started) execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'stop', started])
  }

  /** One run of `argv` by the side `s`: wall and CPU seconds and peak RSS in MiB, as the kernel counted them. */
  function run(s, argv) {
    const out = path.join(dir, 'rusage.out')
    const env = {...process.env, DB_MANAGE_SCRIPT_CACHE: s.cache}
    delete env.DB_MANAGE_CACHES_OFF
    Object.assign(env, s.env)
    const result = spawnSync('python3', ['-c', RUSAGE, out, process.execPath, s.bin, ...argv], {
      cwd: dir,
      encoding: 'utf8',
      env,
    })
    if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr || result.stdout}`)
    const [wall, user, sys, rss] = readFileSync(out, 'utf8').split(' ').map(Number)
    return {cpu: user + sys, rss: rss / 1024, wall}
  }
}

/**
 * Issue 32's goal 5: the first run after an install (no caches) within 1.3x of a warm run, wall time and peak RSS.
 * upgrade head of a chain of 1,000 generated revisions on a fresh database (made fresh untimed), on PostgreSQL
 * (DB_MANAGE_TEST_PG_URL, or a throwaway server) and SQLite; each round runs a cold run (the cache folder emptied
 * before it, as the harness's `rm -rf node_modules/.cache`) and a warm one, in an order that alternates from round to
 * round, so that a ratio is taken within a pair. `--against DIR` adds the package built in DIR as a second pair in
 * each round (the before of a change). Times are the kernel's for the finished process (wait4): CPU is user + system
 * of all its threads.
 */
async function coldBench() {
  const started = servers()
  const against = args.includes('--against') ? path.resolve(args[args.indexOf('--against') + 1]) : undefined
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-bench-cold-'))
  try {
    writeChain(dir, 1000)
    const {parseDatabaseUrl} = await import(path.join(root, 'dist/config/database-url.js'))
    const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
    const serverUrl = process.env.DB_MANAGE_TEST_PG_URL
    const admin = await (await getDialect('postgresql')).connect(parseDatabaseUrl(serverUrl), 10_000)
    const db = `dbm_cold_${process.pid}`
    const databases = {
      postgresql: {
        fresh: async () => {
          await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
          await admin.query(`CREATE DATABASE ${db}`)
          await admin.query('CHECKPOINT')
        },
        url: serverUrl.replace(/\/[^/]*$/, `/${db}`),
      },
      sqlite: {
        fresh: () => rmSync(path.join(dir, 'fresh.sqlite'), {force: true}),
        url: `sqlite:///${path.join(dir, 'fresh.sqlite')}`,
      },
    }
    const builds = [{bin, name: 'this build'}]
    if (against) builds.push({bin: path.join(against, 'bin', 'run.js'), name: `the build in ${against}`})
    console.log(`cold vs warm upgrade head of 1,000 revisions in ${dir}; ${runs} rounds; node ${process.version}`)
    for (const [dialect, database] of Object.entries(databases)) {
      for (const build of builds) {
        const cache = path.join(dir, `cache-${builds.indexOf(build)}`)
        const once = async (cold) => {
          await database.fresh()
          if (cold) rmSync(cache, {force: true, recursive: true})
          return rusage(dir, build.bin, ['upgrade', 'head', '--url', database.url], {DB_MANAGE_SCRIPT_CACHE: cache})
        }

        await once(true) // warm-up: the file cache, and the caches the first warm run reads
        const cold = []
        const warm = []
        for (let i = 0; i < runs; i++) {
          if (i % 2 === 0) cold.push(await once(true))
          warm.push(await once(false))
          if (i % 2 === 1) cold.push(await once(true))
        }

        reportPairs(`${dialect} ${build.name}`, 'cold vs warm', warm, cold)
      }
    }

    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
    await admin.close()
  } finally {
    rmSync(dir, {force: true, recursive: true})
    if (started) execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'stop', started])
  }
}

/** One run of `bin argv` in `cwd` with `env` added: wall and CPU seconds and peak RSS in MiB, as the kernel counted. */
function rusage(cwd, binary, argv, env) {
  const out = path.join(cwd, 'rusage.out')
  const result = spawnSync('python3', ['-c', RUSAGE, out, process.execPath, binary, ...argv], {
    cwd,
    encoding: 'utf8',
    env: {...process.env, ...env},
  })
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr || result.stdout}`)
  const [wall, user, sys, rss] = readFileSync(out, 'utf8').split(' ').map(Number)
  return {cpu: user + sys, rss: rss / 1024, wall}
}

/** Runs argv[2:] and writes its wall time, user and system CPU seconds and peak RSS (KiB) to argv[1]. */
const RUSAGE = `
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
open(sys.argv[1], 'w').write(f'{wall} {usage.ru_utime} {usage.ru_stime} {usage.ru_maxrss}')
sys.exit(os.waitstatus_to_exitcode(status))
`

function reportPairs(title, name, a, b) {
  const m = (runs, figure) => median(runs.map((f) => f[figure]))
  const ratios = (figure) => {
    const r = a.map((fa, i) => b[i][figure] / fa[figure])
    return `${median(r).toFixed(2)}x (${Math.min(...r).toFixed(2)}-${Math.max(...r).toFixed(2)})`
  }

  const saved = ((m(b, 'cpu') - m(a, 'cpu')) * 1000).toFixed(0)
  console.log(
    `${title.padEnd(28)} ${name.padEnd(17)} B/A CPU ${ratios('cpu')}, wall ${ratios('wall')}, peak ${ratios('rss')}; ` +
      `CPU ${m(b, 'cpu').toFixed(3)} vs ${m(a, 'cpu').toFixed(3)} s (${saved} ms), ` +
      `wall ${m(b, 'wall').toFixed(3)} vs ${m(a, 'wall').toFixed(3)} s, peak ${m(b, 'rss').toFixed(0)} vs ${m(a, 'rss').toFixed(0)} MiB`,
  )
}

async function autogenerateBench() {
  const started = servers()
  try {
    const {parseDatabaseUrl} = await import(path.join(root, 'dist/config/database-url.js'))
    const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
    for (const [dialect, serverUrl] of [
      ['postgresql', process.env.DB_MANAGE_TEST_PG_URL],
      ['mysql', process.env.DB_MANAGE_TEST_MYSQL_URL],
    ]) {
      const admin = await (await getDialect(dialect)).connect(parseDatabaseUrl(serverUrl), 10_000)
      console.log(
        `\n${dialect}: revision --autogenerate and check_migration --autogenerate; ${runs} runs each, interleaved`,
      )
      for (const tables of [100, 300]) {
        const db = `dbm_bench_ag_${tables}`
        const dbUrl = serverUrl.replace(/\/[^/]*$/, `/${db}`)
        await admin.query(
          dialect === 'postgresql' ? `DROP DATABASE IF EXISTS ${db} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${db}`,
        )
        await admin.query(`CREATE DATABASE ${db}`)
        const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-bench-ag-'))
        writeChain(dir, tables, {connection: dbUrl})
        timed(process.execPath, [bin, 'upgrade', 'head'], {cwd: dir})
        // The target: the same schema, with every tenth table changed (a column added, its index dropped).
        let target =
          timed(process.execPath, [bin, 'upgrade', 'base:head', '--sql', '--no-version-table', '-o', 'target.sql'], {
            cwd: dir,
          }) && readFileSync(path.join(dir, 'target.sql'), 'utf8')
        for (let t = 10; t <= tables; t += 10) {
          target += `ALTER TABLE t${t} ADD COLUMN note VARCHAR(30);\n`
          target += dialect === 'postgresql' ? `DROP INDEX ix_t${t}_name;\n` : `DROP INDEX ix_t${t}_name ON t${t};\n`
        }

        writeFileSync(path.join(dir, 'target.sql'), target)
        writeFileSync(
          path.join(dir, 'db-manage.ini'),
          readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
            '[db_manage]\n',
            '[db_manage]\ntarget_schema = target.sql\n',
          ),
        )
        const check = spawnSync(process.execPath, [bin, 'check_migration', '--autogenerate', '--debug'], {
          cwd: dir,
          encoding: 'utf8',
        })
        const queries = /with (\d+) catalog queries/.exec(check.stderr)?.[1]
        const differences = check.stdout.split('\n').filter((l) => /^(add|drop|change)/.test(l)).length
        const rows = [
          {argv: ['-e', '0'], name: 'node -e 0'},
          {argv: [bin, 'check_migration', '--autogenerate'], name: 'check_migration --autogenerate', ok: 1},
          {argv: [bin, 'revision', '-m', 'bench', '--autogenerate'], name: 'revision --autogenerate'},
        ].map((c) => ({...c, ms: [], rss: []}))
        const once = (c, rss) => {
          const r = spawnSync(process.execPath, c.argv, {
            cwd: dir,
            encoding: 'utf8',
            env: rss
              ? {...process.env, DB_MANAGE_BENCH_RSS: path.join(dir, 'rss'), NODE_OPTIONS: `--import ${rssHook}`}
              : process.env,
          })
          if (r.status !== 0 && !c.ok) throw new Error(r.stderr)
          for (const f of readdirSync(path.join(dir, 'migrations')))
            if (f.endsWith('_bench.ts')) rmSync(path.join(dir, 'migrations', f))
        }

        for (const c of rows) {
          rmSync(path.join(dir, 'rss'), {force: true})
          once(c, true)
          c.rss.push(Number(readFileSync(path.join(dir, 'rss'), 'utf8').trim().split('\n').pop()) / 1024)
        }

        for (let i = 0; i < runs; i++) {
          for (const c of rows) {
            const t0 = process.hrtime.bigint()
            once(c, false)
            c.ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
          }
        }

        console.log(
          `${tables} tables, ${differences} differences found, live schema read with ${queries} catalog queries`,
        )
        report(rows, 'node -e 0')
        await admin.query(
          dialect === 'postgresql' ? `DROP DATABASE IF EXISTS ${db} WITH (FORCE)` : `DROP DATABASE IF EXISTS ${db}`,
        )
        rmSync(dir, {force: true, recursive: true})
      }

      await admin.close()
    }
  } finally {
    if (started) execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'stop', started])
  }
}

if (which === 'start-up') await startUpBench()
if (which === 'cold') await coldBench()
if (which === 'chain' || which === 'all') chainBench()
if (which === 'sql' || which === 'all') sqlBench()
if (which === 'online' || which === 'all') await onlineBench()
if (which === 'autogenerate' || which === 'all') await autogenerateBench()
if (which === 'roundtrip' || which === 'all') roundTripBench()
if (which === 'fleet' || which === 'all') await fleetBench()
