// Peak RSS and CPU time of whole commands on long chains (issue 32, goal 2: memory flat in the chain length).
//   node bench/memory.mjs [--n 1000,10000] [--runs 3] [--commands upgrade,sql,history]
//                         [--dialects postgresql,sqlite,mysql] [--against ROOT]
// Each command on the chain of the shared harness's generator ($ALEMBIC_BENCH/gen.py, by default
// ../shared/alembic-bench/gen.py; else bench/generate.mjs), warm (one run first fills the caches), `upgrade head`
// on a fresh database each run. Measured by /usr/bin/time: peak RSS (%M) and user+sys CPU, medians of --runs.
// With --against ROOT (another checkout or a copy of one, built, with its own node_modules/.cache), its
// bin/run.js runs too, interleaved run by run, and the ratio of each pair is reported. PostgreSQL and MySQL come
// from DB_MANAGE_TEST_PG_URL / DB_MANAGE_TEST_MYSQL_URL, or servers started by scripts/test-servers.sh (10,000
// revisions in one transaction need a PostgreSQL with max_locks_per_transaction raised, as the harness's
// lib/start-pg.sh starts it). Run `npm run build` first.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeChain} from './generate.mjs'

const root = path.resolve(fileURLToPath(import.meta.url), '../..')
const args = process.argv.slice(2)
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback)
const ns = option('--n', '1000').split(',').map(Number)
const runs = Number(option('--runs', '3'))
const commands = option('--commands', 'upgrade,sql,history').split(',')
const dialects = option('--dialects', 'postgresql').split(',')
const against = option('--against')
const builds = [{bin: path.join(root, 'bin/run.js'), name: 'this'}]
if (against) builds.push({bin: path.join(path.resolve(against), 'bin/run.js'), name: path.resolve(against)})
const gen = path.join(process.env.ALEMBIC_BENCH ?? path.resolve(root, '../shared/alembic-bench'), 'gen.py')

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** One run of `bin` with `argv` in `cwd`: peak RSS (MB of 1,024 KiB, as the harness reports) and CPU seconds. */
function measure(bin, argv, cwd, env) {
  const out = path.join(os.tmpdir(), `db-manage-memory-${process.pid}`)
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%U %S %M', process.execPath, bin, ...argv], {
    cwd,
    encoding: 'utf8',
    env: {...process.env, ...env},
    maxBuffer: 1 << 30,
  })
  if (r.status !== 0) throw new Error(`${bin} ${argv.join(' ')} failed: ${r.stderr.slice(0, 2000)}`)
  const [user, sys, kib] = readFileSync(out, 'utf8').trim().split('\n').at(-1).split(' ').map(Number)
  return {cpu: user + sys, rss: kib / 1024}
}

let started
function serverUrl(dialect) {
  const name = dialect === 'postgresql' ? 'DB_MANAGE_TEST_PG_URL' : 'DB_MANAGE_TEST_MYSQL_URL'
  if (!process.env[name]) {
    const out = execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'start'], {encoding: 'utf8'})
    for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) process.env[m[1]] = m[2]
    started = process.env.DB_MANAGE_TEST_SERVERS
  }

  return process.env[name]
}

/** A database URL of `dialect` and a function that empties it before each run. */
async function target(dialect, dir) {
  if (dialect === 'sqlite') {
    const file = path.join(dir, 'bench.db')
    return {fresh: async () => rmSync(file, {force: true}), url: `sqlite:///${file}`}
  }

  const server = serverUrl(dialect)
  const {parseDatabaseUrl} = await import(path.join(root, 'dist/config/database-url.js'))
  const {getDialect} = await import(path.join(root, 'dist/dialects/registry.js'))
  const admin = await (await getDialect(dialect)).connect(parseDatabaseUrl(server), 10_000)
  return {
    close: () => admin.close(),
    async fresh() {
      await admin.query(`DROP DATABASE IF EXISTS dbm_memory${dialect === 'postgresql' ? ' WITH (FORCE)' : ''}`)
      await admin.query('CREATE DATABASE dbm_memory')
    },
    url: server.replace(/\/[^/?]*(\?|$)/, '/dbm_memory$1'),
  }
}

const rows = []
try {
  for (const n of ns) {
    const dir = path.join(os.tmpdir(), `db-manage-memory-${n}`)
    if (!existsSync(path.join(dir, 'proj'))) {
      mkdirSync(dir, {recursive: true})
      if (existsSync(gen))
        execFileSync('python3', [gen, '--tool', 'db-manage', '--n', String(n), '--out', path.join(dir, 'proj')])
      else writeChain(path.join(dir, 'proj'), n)
    }

    const cwd = path.join(dir, 'proj')
    for (const command of commands) {
      for (const dialect of command === 'upgrade' ? dialects : ['postgresql']) {
        const db = command === 'upgrade' ? await target(dialect, dir) : undefined
        const argv = {history: ['history'], sql: ['upgrade', 'head', '--sql'], upgrade: ['upgrade', 'head']}[command]
        const env = {DATABASE_URL: db?.url ?? 'postgresql://nobody@127.0.0.1:1/none'}
        const figures = builds.map(() => ({cpu: [], rss: []}))
        for (let run = -1; run < runs; run++) {
          for (const [i, build] of builds.entries()) {
            await db?.fresh()
            const m = measure(build.bin, argv, cwd, env)
            if (run < 0) continue // the warm-up: fills the caches
            figures[i].cpu.push(m.cpu)
            figures[i].rss.push(m.rss)
          }
        }

        await db?.close?.()
        const label = `${argv.join(' ')}${command === 'upgrade' ? ` (${dialect})` : ''}, ${n}`
        const [own, other] = figures.map((f) => ({cpu: median(f.cpu), rss: median(f.rss)}))
        const ratio = other ? ` ${(own.rss / other.rss).toFixed(2)} | ${(own.cpu / other.cpu).toFixed(2)} |` : ''
        const line = `| ${label} | ${own.rss.toFixed(1)} MB, ${own.cpu.toFixed(2)} s CPU |${
          other ? ` ${other.rss.toFixed(1)} MB, ${other.cpu.toFixed(2)} s CPU |` : ''
        }${ratio}`
        rows.push(line)
        console.log(line)
      }
    }
  }
} finally {
  if (started) execFileSync('bash', [path.join(root, 'scripts/test-servers.sh'), 'stop', started])
}

console.log(
  `\n| command, revisions | this build |${against ? ` ${against} | RSS ratio | CPU ratio |` : ''}\n| --- | --- |${
    against ? ' --- | --- | --- |' : ''
  }\n${rows.join('\n')}`,
)
