// The fleet scenario of issue 32: 100 PostgreSQL tenants on a 20-revision chain, `upgrade head` from empty.
//   node bench/fleet.mjs [--runs N] [--no-alembic] [--tenants N]
// Two fleets: a database per tenant, and a schema per tenant in one database (schema_template). Each is run
// at --parallel 1, 4 and 8, interleaved, every tenant dropped before every run. Reported per case: the median
// wall time, its speed-up over --parallel 1, the peak RSS of the whole run (one process) against one tenant's
// run alone, and the connections it opened, counted by the server (pg_stat_database.sessions, PostgreSQL 14+).
// Against it, with python3-alembic installed: Alembic on the same chain (the shared harness's gen.py), one run
// per tenant in a loop, and under `xargs -P 4`. Servers: DB_MANAGE_TEST_PG_URL, else scripts/test-servers.sh.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeChain} from './generate.mjs'

const root = path.resolve(fileURLToPath(import.meta.url), '../..')
const bin = path.join(root, 'bin', 'run.js')
const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback)
const runs = option('--runs', 3)
const count = option('--tenants', 100)
const harness = process.env.ALEMBIC_BENCH ?? path.resolve(root, '../shared/alembic-bench')
const python = process.env.PY ?? '/usr/bin/python3'
const alembic =
  !args.includes('--no-alembic') &&
  existsSync(path.join(harness, 'gen.py')) &&
  spawnSync(python, ['-c', 'import alembic'], {stdio: 'ignore'}).status === 0

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Run a shell command line; wall ms and the peak RSS (MiB) of the largest process it ran (GNU time's %M). */
function timed(line, cwd, env = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', 'bash', '-c', line], {
    cwd,
    encoding: 'utf8',
    env: {...process.env, ...env},
  })
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0) throw new Error(`${line} failed: ${result.stderr.slice(-2000)}`)
  const rss = Number(result.stderr.trim().split('\n').at(-1)) / 1024
  return {ms, rss}
}

function servers() {
  if (process.env.DB_MANAGE_TEST_PG_URL) return undefined
  const out = execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'start'], {encoding: 'utf8'})
  for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) process.env[m[1]] = m[2]
  return process.env.DB_MANAGE_TEST_SERVERS
}

const started = servers()
try {
  const {parseDatabaseUrl} = await import(path.join(root, 'dist/config/database-url.js'))
  const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
  const serverUrl = process.env.DB_MANAGE_TEST_PG_URL
  const at = (database) => serverUrl.replace(/\/[^/]*$/, `/${database}`)
  const admin = await (await getDialect('postgresql')).connect(parseDatabaseUrl(serverUrl), 10_000)
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
  if (alembic) {
    execFileSync(python, [
      path.join(harness, 'gen.py'),
      '--tool',
      'db-manage',
      '--n',
      '20',
      '--out',
      dbm,
      '--url',
      at('x'),
    ])
    execFileSync(python, [
      path.join(harness, 'gen.py'),
      '--tool',
      'alembic',
      '--n',
      '20',
      '--out',
      alembicDir,
      '--url',
      at('x'),
    ])
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
    `${count} PostgreSQL tenants x 20 revisions, upgrade head from empty; ${runs} runs each, interleaved, every tenant` +
      ` dropped before each run; node ${process.version}${alembic ? '' : '; Alembic not measured'}`,
  )
  for (const [kind, ini] of Object.entries(fleets)) {
    writeFileSync(path.join(dbm, 'db-manage.ini'), ini)
    const names = kind === 'databases' ? tenants : [one]
    const cases = [1, 4, 8].map((n) => ({
      line: `exec node ${bin} upgrade head --parallel ${n}`,
      name: `--parallel ${n}`,
    }))
    cases.push({line: `exec node ${bin} upgrade head --db bench/${tenants[0]}`, name: 'one tenant alone'})
    if (alembic && kind === 'databases') {
      const loop = (t) => `DATABASE_URL=${at(t)} ${python} -m alembic upgrade head`
      cases.push({line: tenants.map((t) => loop(t)).join(' && '), name: 'Alembic, a loop', where: alembicDir})
      cases.push({
        line: `printf '%s\\n' ${tenants.join(' ')} | xargs -P 4 -I{} env DATABASE_URL=${at('{}')} ${python} -m alembic upgrade head 2>/dev/null`,
        name: 'Alembic, xargs -P 4',
        where: alembicDir,
      })
    }

    for (const c of cases) Object.assign(c, {ms: [], rss: [], sessions: []})
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        await (kind === 'databases' ? fresh(tenants) : fresh([one]))
        const before = await sessions(names)
        const {ms, rss} = timed(c.line, c.where ?? dbm, env)
        c.ms.push(ms)
        c.rss.push(rss)
        c.sessions.push((await sessions(names)) - before)
      }
    }

    console.log(`\n${kind === 'databases' ? 'a database per tenant' : `a schema per tenant, in ${one}`}:`)
    const base = median(cases[0].ms)
    const single = median(cases.find((c) => c.name === 'one tenant alone').rss)
    for (const c of cases) {
      const ms = median(c.ms)
      console.log(
        `  ${c.name.padEnd(22)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${(base / ms).toFixed(2).padStart(5)}x --parallel 1` +
          `  peak RSS ${median(c.rss).toFixed(0)} MiB (${(median(c.rss) / single).toFixed(2)}x one tenant's)` +
          `  connections ${median(c.sessions)}`,
      )
    }
  }

  await drop([...tenants, one])
  await admin.close()
  rmSync(dir, {force: true, recursive: true})
} finally {
  if (started) execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'stop', started])
}
