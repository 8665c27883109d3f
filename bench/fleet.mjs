// The fleet scenario of issue 32: 100 PostgreSQL tenants on a 20-revision chain, `upgrade head` from empty.
//   node bench/fleet.mjs [--runs N] [--tenants N] [--no-alembic] [--kinds databases,schemas] [--bin PATH]
// Two fleets: a database per tenant, and a schema per tenant in one database (schema_template). Each is run at
// --parallel 1, 4 and 8 and one tenant alone, and, with python3-alembic installed, Alembic on the same chain (the
// shared harness's gen.py) once per tenant in a loop and under `xargs -P 4` (for schemas, the Alembic cookbook's
// schema-per-tenant env.py: the schema created, search_path set, the version table in it). The cases alternate run
// by run, every tenant dropped before every run. Reported per case, medians when --runs > 1:
// - wall time, and the speed-up over --parallel 1;
// - CPU of the tool (user + system of every process it ran) and of the server (the postmaster and its children,
//   from /proc, when the server runs here);
// - peak RSS of the largest process, and of the whole run: the sum over the run's processes, sampled every 20 ms
//   (for one db-manage process the two agree; under xargs -P 4 it is four Pythons at once), against one tenant's;
// - connections opened, as the server counts them (pg_stat_database.sessions, PostgreSQL 14+).
// Then db-manage --parallel 4 / each peer, for each figure.
// The server: DB_MANAGE_TEST_PG_URL; else the harness's lib/start-pg.sh (a tmpfs, fsync off, as the harness runs
// it) on FLEET_PG_PORT (55467) in FLEET_PG_DIR (/tmp/fleet-bench-pg), stopped at the end; else scripts/test-servers.sh.
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeChain} from './generate.mjs'

const root = path.resolve(fileURLToPath(import.meta.url), '../..')
const args = process.argv.slice(2)
const value = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const runs = Number(value('--runs', 3))
const count = Number(value('--tenants', 100))
const kinds = value('--kinds', 'databases,schemas').split(',')
const bin = path.resolve(value('--bin', path.join(root, 'bin', 'run.js')))
const harness = process.env.ALEMBIC_BENCH ?? path.resolve(root, '../shared/alembic-bench')
const python = process.env.PY ?? '/usr/bin/python3'
const alembic =
  !args.includes('--no-alembic') &&
  existsSync(path.join(harness, 'gen.py')) &&
  spawnSync(python, ['-c', 'import alembic'], {stdio: 'ignore'}).status === 0

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined).sort((a, b) => a - b)
  if (s.length === 0) return undefined
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const PAGE = 4096
const TOOLS = new Set(['bash', 'env', 'printf', 'sh', 'time', 'xargs'])

/** The processes below `pid` (CONFIG_PROC_CHILDREN). */
function descendants(pid, into = []) {
  let children = ''
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
  } catch {
    return into
  }

  for (const child of children.trim().split(/\s+/).filter(Boolean)) {
    into.push(Number(child))
    descendants(child, into)
  }

  return into
}

/** Resident bytes of the tool's processes under `pid` (not the shell, xargs or time around them). */
function treeRss(pid) {
  let sum = 0
  for (const p of descendants(pid)) {
    try {
      if (TOOLS.has(readFileSync(`/proc/${p}/comm`, 'utf8').trim())) continue
      sum += Number(readFileSync(`/proc/${p}/statm`, 'utf8').split(' ')[1]) * PAGE
    } catch {
      // Gone between the listing and the read.
    }
  }

  return sum
}

/**
 * Run a shell command line under GNU time: wall ms, CPU s of everything it ran, peak RSS (MiB) of its largest
 * process, and of all its processes at once (sampled).
 */
function timed(line, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn('/usr/bin/time', ['-f', '%U %S %M', 'bash', '-c', line], {
      cwd,
      env: {...process.env, ...env},
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    let whole = 0
    const sampler = setInterval(() => (whole = Math.max(whole, treeRss(child.pid))), 20)
    child.on('close', (code) => {
      clearInterval(sampler)
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      if (code !== 0) return reject(new Error(`${line.slice(0, 300)} failed: ${stderr.slice(-2000)}`))
      const [user, system, maxKb] = stderr.trim().split('\n').at(-1).split(' ').map(Number)
      resolve({cpu: user + system, ms, rss: maxKb / 1024, whole: Math.max(whole / 1048576, maxKb / 1024)})
    })
  })
}

/** A server of our own: the harness's tmpfs one if it is there, else the test servers. */
function startServer() {
  if (process.env.DB_MANAGE_TEST_PG_URL) return {stop() {}}
  const start = path.join(harness, 'lib/start-pg.sh')
  if (existsSync(start)) {
    const env = {
      ...process.env,
      PG_DIR: process.env.FLEET_PG_DIR ?? '/tmp/fleet-bench-pg',
      PG_PORT: process.env.FLEET_PG_PORT ?? '55467',
    }
    process.env.DB_MANAGE_TEST_PG_URL = execFileSync('bash', [start], {encoding: 'utf8', env}).trim()
    return {stop: () => execFileSync('bash', [path.join(harness, 'lib/stop-pg.sh')], {env})}
  }

  const out = execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'start'], {encoding: 'utf8'})
  for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) process.env[m[1]] = m[2]
  const dir = process.env.DB_MANAGE_TEST_SERVERS
  return {stop: () => execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'stop', dir])}
}

/** CPU seconds the server has used so far (postmaster, reaped children, live children), if it runs here. */
function serverCpu(dataDir) {
  if (!dataDir) return undefined
  try {
    const pm = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0].trim()
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}))
    const fields = (pid) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    const own = fields(pm)
    let sum = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])
    for (const pid of descendants(pm)) {
      try {
        const f = fields(pid)
        sum += Number(f[11]) + Number(f[12])
      } catch {
        // Ended meanwhile: its time is in the postmaster's reaped children now.
      }
    }

    return sum / ticks
  } catch {
    return undefined
  }
}

/** Alembic's cookbook env.py for a schema per tenant: TENANT_SCHEMA created and on the search_path. */
function schemaEnv(envPy) {
  return envPy
    .replace('from sqlalchemy import create_engine, pool', 'from sqlalchemy import create_engine, pool, text')
    .replace(
      '    with engine.connect() as connection:\n        context.configure(\n            connection=connection,',
      [
        '    schema = os.environ["TENANT_SCHEMA"]',
        '    with engine.connect() as connection:',
        '        connection.execute(text(\'CREATE SCHEMA IF NOT EXISTS "%s"\' % schema))',
        '        connection.execute(text(\'SET search_path TO "%s"\' % schema))',
        '        connection.dialect.default_schema_name = schema',
        '        context.configure(',
        '            version_table_schema=schema,',
        '            connection=connection,',
      ].join('\n'),
    )
}

const server = startServer()
try {
  const {parseDatabaseUrl} = await import(path.join(root, 'dist/config/database-url.js'))
  const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
  const serverUrl = process.env.DB_MANAGE_TEST_PG_URL
  const at = (database) => serverUrl.replace(/\/[^/]*$/, `/${database}`)
  const admin = await (await getDialect('postgresql')).connect(parseDatabaseUrl(serverUrl), 10_000)
  const dataDir = await admin
    .query('SHOW data_directory')
    .then(({rows}) => String(Object.values(rows[0])[0]))
    .catch(() => undefined)
  const tenants = Array.from({length: count}, (_, i) => `dbm_fleet_${String(i).padStart(3, '0')}`)
  const one = 'dbm_fleet_schemas'
  const drop = async (names) => {
    for (const t of names) await admin.query(`DROP DATABASE IF EXISTS ${t} WITH (FORCE)`)
  }

  const fresh = async (names) => {
    await drop(names)
    for (const t of names) await admin.query(`CREATE DATABASE ${t}`)
    await admin.query('CHECKPOINT')
  }

  /** Sessions opened on `names` so far, once the server has counted the ones that ended. */
  const sessions = async (names) => {
    const read = async () =>
      Number(
        (
          await admin.query(`SELECT COALESCE(SUM(sessions), 0) AS n FROM pg_stat_database WHERE datname = ANY($1)`, [
            names,
          ])
        ).rows[0].n,
      )
    let last = await read()
    for (let i = 0; i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const now = await read()
      if (now === last) return now
      last = now
    }

    return last
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-bench-fleet-'))
  const dbm = path.join(dir, 'db-manage')
  const alembicDir = path.join(dir, 'alembic')
  const alembicSchemas = path.join(dir, 'alembic-schemas')
  if (alembic) {
    for (const [tool, out] of [
      ['db-manage', dbm],
      ['alembic', alembicDir],
      ['alembic', alembicSchemas],
    ]) {
      execFileSync(python, [path.join(harness, 'gen.py'), '--tool', tool, '--n', '20', '--out', out, '--url', at('x')])
    }

    const envPy = path.join(alembicSchemas, 'env.py')
    const patched = schemaEnv(readFileSync(envPy, 'utf8'))
    if (!patched.includes('version_table_schema')) throw new Error(`${envPy}: not the env.py this bench can patch`)
    writeFileSync(envPy, patched)
  } else {
    writeChain(dbm, 20)
  }

  const settings = readFileSync(path.join(dbm, 'db-manage.ini'), 'utf8').split(/^\[database\]/m)[0]
  const fleets = {
    databases: `${settings}\n[fleet:bench]\nurl_template = ${at('${tenant}')}\ntenants = ${tenants.join(', ')}\n`,
    schemas: `${settings}\n[fleet:bench]\nurl_template = ${at(one)}\nschema_template = tenant_\${tenant}\ntenants = ${tenants.join(', ')}\n`,
  }
  const env = {DATABASE_URL: ''}
  console.log(
    `${count} PostgreSQL tenants x 20 revisions, upgrade head from empty; ${runs} run(s) of each case, interleaved,` +
      ` every tenant dropped before each run; ${bin}; node ${process.version}; server ${serverUrl.replace(/:[^:@/]*@/, ':***@')}` +
      `${dataDir ? ` (${dataDir})` : ''}${alembic ? '' : '; Alembic not measured'}`,
  )
  const rows = []
  for (const kind of kinds) {
    writeFileSync(path.join(dbm, 'db-manage.ini'), fleets[kind])
    const names = kind === 'databases' ? tenants : [one]
    const cases = [1, 4, 8].map((n) => ({
      line: `exec node ${bin} upgrade head --parallel ${n}`,
      name: `--parallel ${n}`,
    }))
    cases.push({line: `exec node ${bin} upgrade head --db bench/${tenants[0]}`, name: 'one tenant alone', tenants: 1})
    if (alembic) {
      const run = (t) =>
        kind === 'databases'
          ? `DATABASE_URL=${at(t)} ${python} -m alembic upgrade head`
          : `TENANT_SCHEMA=tenant_${t} DATABASE_URL=${at(one)} ${python} -m alembic upgrade head`
      const where = kind === 'databases' ? alembicDir : alembicSchemas
      cases.push({line: tenants.map((t) => run(t)).join(' && '), name: 'Alembic, a loop', where})
      cases.push({
        line: `printf '%s\\n' ${tenants.join(' ')} | xargs -P 4 -I{} sh -c '${run('{}')} 2>/dev/null'`,
        name: 'Alembic, xargs -P 4',
        where,
      })
      cases.push({line: run(tenants[0]), name: 'Alembic, one tenant', tenants: 1, where})
    }

    for (const c of cases) Object.assign(c, {cpu: [], ms: [], rss: [], server: [], sessions: [], whole: []})
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        await fresh(names)
        const before = await sessions(names)
        const cpu0 = serverCpu(dataDir)
        const r = await timed(c.line, c.where ?? dbm, env)
        const opened = (await sessions(names)) - before
        const cpu1 = serverCpu(dataDir)
        c.ms.push(r.ms)
        c.cpu.push(r.cpu)
        c.rss.push(r.rss)
        c.whole.push(r.whole)
        c.sessions.push(opened)
        c.server.push(cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0)
      }
    }

    const m = (c, key) => median(c[key])
    const base = m(cases[0], 'ms')
    const single = m(
      cases.find((c) => c.name === 'one tenant alone'),
      'rss',
    )
    console.log(`\n${kind === 'databases' ? 'a database per tenant' : `a schema per tenant, in ${one}`}:`)
    console.log(
      '  case                      wall   speed-up   CPU tool / server    peak RSS: largest / whole run (x one tenant)   connections',
    )
    for (const c of cases) {
      const server = m(c, 'server')
      const line =
        `  ${c.name.padEnd(22)} ${(m(c, 'ms') / 1000).toFixed(2).padStart(6)} s ` +
        `${c.tenants ? '         ' : `${(base / m(c, 'ms')).toFixed(2).padStart(6)}x  `}` +
        ` ${m(c, 'cpu').toFixed(2).padStart(6)} / ${server === undefined ? '  -  ' : server.toFixed(2).padStart(5)} s` +
        `   ${m(c, 'rss').toFixed(0).padStart(4)} / ${m(c, 'whole').toFixed(0).padStart(4)} MiB (${(m(c, 'whole') / single).toFixed(2)}x)` +
        `                ${m(c, 'sessions')}`
      console.log(line)
      rows.push({kind, name: c.name, ms: m(c, 'ms'), cpu: m(c, 'cpu'), server, rss: m(c, 'rss'), whole: m(c, 'whole')})
    }

    const p4 = cases.find((c) => c.name === '--parallel 4')
    console.log(
      `  goal 7: --parallel 4 is ${(base / m(p4, 'ms')).toFixed(2)}x --parallel 1 (>= 1.9x);` +
        ` whole-run peak RSS ${(m(p4, 'whole') / single).toFixed(2)}x one tenant's ${single.toFixed(0)} MiB (<= 1.3x);` +
        ` connections ${m(p4, 'sessions')} for ${count} tenants (= tenants)`,
    )
    for (const peer of cases.filter((c) => c.name.startsWith('Alembic,') && !c.tenants)) {
      const ratio = (key) => (m(p4, key) / m(peer, key)).toFixed(2)
      const serverRatio =
        m(p4, 'server') === undefined || m(peer, 'server') === undefined
          ? '-'
          : (m(p4, 'server') / m(peer, 'server')).toFixed(2)
      console.log(
        `  db-manage --parallel 4 / ${peer.name}: wall ${ratio('ms')}, CPU ${ratio('cpu')} (server ${serverRatio}),` +
          ` whole-run peak RSS ${ratio('whole')}, connections ${m(p4, 'sessions')} / ${m(peer, 'sessions')}`,
      )
    }
  }

  await drop([...tenants, one])
  await admin.close()
  rmSync(dir, {force: true, recursive: true})
  if (process.env.FLEET_JSON) writeFileSync(process.env.FLEET_JSON, JSON.stringify(rows, null, 2))
} finally {
  server.stop()
}
