import {expect} from 'chai'
import {readdirSync, readlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import type {DialectName} from '../../src/util/dialect-names.js'
import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {type RunningCli, spawnCli} from '../helpers/cli.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../helpers/databases.js'
import {chainProject, chainState, report} from './chain.js'

/** How long the holder keeps the migration lock: revision 002 sleeps in JavaScript, on no statement of any database. */
const HOLD_MS = 12_000

/** A 2-revision chain whose 002 holds the run (and so its lock) for HOLD_MS. */
function holdingProject(url: string): string {
  const dir = chainProject(url, 1)
  writeFileSync(
    path.join(dir, 'migrations', '002_hold.mjs'),
    [
      "export const revision = '002'",
      "export const downRevision = '001'",
      "export const message = 'hold'",
      `export async function upgrade() { await new Promise((r) => setTimeout(r, ${HOLD_MS})) }`,
      '',
    ].join('\n'),
  )
  return dir
}

/** Runs waiting for the migration lock, as the server (or the process's open files, on SQLite) shows them. */
const WAITING: Record<DialectName, (db: TestDatabase, runs: RunningCli[]) => Promise<number>> = {
  async mysql(db) {
    const {rows} = await connected(db, (c) =>
      c.query(
        'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST' +
          " WHERE DB = DATABASE() AND INFO LIKE 'SELECT GET_LOCK(%'",
      ),
    )
    return Number(rows[0].n)
  },
  async postgresql(db) {
    const {rows} = await connected(db, (c) =>
      c.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity' +
          " WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
      ),
    )
    return Number(rows[0].n)
  },
  async sqlite(db, runs) {
    // The lock is a file beside the database (README, Semantics): a waiter keeps it open while it polls.
    const lock = `${parseDatabaseUrl(db.url).filename}.db-manage-alembic_version.lock`
    const opened = (pid: number) => {
      try {
        return readdirSync(`/proc/${pid}/fd`).some((fd) => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`) === lock
          } catch {
            return false
          }
        })
      } catch {
        return false
      }
    }

    return runs.filter((r) => opened(r.child.pid!)).length
  },
}

async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  const started = performance.now()
  while (!(await ok())) {
    if (performance.now() - started > 8000) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

for (const dialect of dialectsUnderTest()) {
  describe(`a signal while waiting for the migration lock on ${dialect}`, function () {
    this.timeout(120_000)
    let db!: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    it(
      "SIGTERM and SIGINT each end a waiting run within a second, with one line and the signal's exit code;" +
        ' the holder and the database are untouched',
      async () => {
        const dir = holdingProject(db.url)
        const holder = spawnCli(['upgrade', 'head'], {cwd: dir})
        await until('the holder is inside 002', async () => /001, step 1/.test(holder.stdout()))
        const waiters = [spawnCli(['upgrade', 'head'], {cwd: dir}), spawnCli(['upgrade', 'head'], {cwd: dir})]
        await until('both runs wait for the lock', async () => (await WAITING[dialect](db, waiters)) === 2)

        const figures: string[] = []
        for (const [waiter, signal, code] of [
          [waiters[0], 'SIGTERM', 143],
          [waiters[1], 'SIGINT', 130],
        ] as const) {
          const sent = performance.now()
          waiter.child.kill(signal)
          const result = await waiter.done
          const ms = performance.now() - sent
          figures.push(`${signal} ${Math.round(ms)} ms`)
          const line = `Error: interrupted by ${signal} while waiting for the migration lock; nothing was changed\n`
          expect(result, `${signal} after ${Math.round(ms)} ms`).to.deep.equal({code, stderr: line, stdout: ''})
          expect(ms, `${signal}: exit ${Math.round(ms)} ms after the signal`).to.be.below(1500)
          expect(holder.child.exitCode, 'the holder still runs').to.equal(null)
        }

        report(`${dialect}: waiting for the lock, exit after ${figures.join(', ')}`)
        const held = await holder.done
        expect(held.code, held.stderr).to.equal(0)
        const lines = held.stdout.split('\n').map((l) => l.replace(/ \(\d+ ms\)$/, ''))
        expect(lines).to.deep.equal(['upgrade <base> -> 001, step 1', 'upgrade 001 -> 002, hold', ''])
        // The waiters changed nothing: 001 applied once, by the holder, which then reached 002.
        expect(await chainState(db, 1)).to.deep.equal({logged: ['001'], partial: [], version: 2, whole: [1]})
      },
    )
  })
}
