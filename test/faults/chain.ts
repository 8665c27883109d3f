import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {spawnCli, tempProject} from '../helpers/cli.js'
import {TABLES} from '../helpers/catalog.js'
import {connected, type TestDatabase} from '../helpers/databases.js'

export const id = (k: number) => String(k).padStart(3, '0')

/**
 * A project with a chain of `length` plain .sql revisions; revision k makes
 * t_k (with rows and an index) and u_k, and logs itself in `applied_log`,
 * so the schema tells exactly which revisions ran, and how often.
 */
export function chainProject(url: string, length: number): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${url}\n`,
  )
  for (let k = 1; k <= length; k++) {
    const up = [
      k === 1 ? 'CREATE TABLE applied_log (revision VARCHAR(8) NOT NULL);' : '',
      `CREATE TABLE t_${k} (id INTEGER PRIMARY KEY, v VARCHAR(20));`,
      `INSERT INTO t_${k} (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c');`,
      `CREATE INDEX ix_t_${k} ON t_${k} (v);`,
      `INSERT INTO applied_log (revision) VALUES ('${id(k)}');`,
      `CREATE TABLE u_${k} (id INTEGER);`,
    ].filter(Boolean)
    const down = [
      `DROP TABLE u_${k};`,
      `DROP TABLE t_${k};`,
      `DELETE FROM applied_log WHERE revision = '${id(k)}';`,
      k === 1 ? 'DROP TABLE applied_log;' : '',
    ].filter(Boolean)
    writeFileSync(
      path.join(dir, 'migrations', `${id(k)}_step.sql`),
      [
        `-- revision: ${id(k)}`,
        `-- down_revision: ${k === 1 ? '' : id(k - 1)}`,
        `-- message: step ${k}`,
        '-- +upgrade',
        ...up,
        '-- +downgrade',
        ...down,
        '',
      ].join('\n'),
    )
  }

  return dir
}

/** What the database holds: its version (0 at base) and the revisions whose objects exist, each whole or partly. */
export interface ChainState {
  readonly version: number
  /** Revisions all of whose tables exist. */
  readonly whole: number[]
  /** Revisions only some of whose tables exist. */
  readonly partial: number[]
  readonly logged: string[]
}

export async function chainState(db: TestDatabase, length: number): Promise<ChainState> {
  return connected(db, async (c) => {
    const names = new Set((await c.query(TABLES[db.dialect])).rows.map((r) => String(r.name)))
    const version = names.has('alembic_version')
      ? (await c.query('SELECT version_num FROM alembic_version')).rows.map((r) => Number(r.version_num))
      : []
    const logged = names.has('applied_log')
      ? (await c.query('SELECT revision FROM applied_log')).rows.map((r) => String(r.revision)).sort()
      : []
    const whole: number[] = []
    const partial: number[] = []
    for (let k = 1; k <= length; k++) {
      const have = [names.has(`t_${k}`), names.has(`u_${k}`)]
      if (have.every(Boolean)) whole.push(k)
      else if (have.some(Boolean)) partial.push(k)
    }

    if (version.length > 1) throw new Error(`the version table holds ${version.length} rows`)
    return {logged, partial, version: version[0] ?? 0, whole}
  })
}

/** The state is what the version says: revisions 1..version whole, each logged once, nothing beyond. */
export function consistent(state: ChainState): boolean {
  const expected = Array.from({length: state.version}, (_, i) => i + 1)
  return (
    state.partial.length === 0 &&
    JSON.stringify(state.whole) === JSON.stringify(expected) &&
    JSON.stringify(state.logged) === JSON.stringify(expected.map(id))
  )
}

export interface Killed {
  /** ms from spawn to the kill; undefined when the run ended first. */
  readonly killedAt?: number
  readonly code: number
  /** ms from the first step line to the exit. */
  readonly chainMs: number
}

/**
 * Start `db-manage ARGS`; once its first step line is out, wait `delay` ms
 * and kill it with SIGKILL; an infinite delay lets it run.
 */
export async function runAndKill(args: string[], cwd: string, delay: number): Promise<Killed> {
  const started = performance.now()
  const run = spawnCli(args, {cwd})
  let killedAt: number | undefined
  let timer: NodeJS.Timeout | undefined
  let firstStep: number | undefined
  run.child.stdout.on('data', () => {
    if (firstStep !== undefined || !/\(\d+ ms\)/.test(run.stdout())) return
    firstStep = performance.now()
    if (Number.isFinite(delay)) {
      timer = setTimeout(() => {
        if (run.child.exitCode === null) {
          killedAt = performance.now() - started
          run.child.kill('SIGKILL')
        }
      }, delay)
    }
  })
  const {code} = await run.done
  clearTimeout(timer)
  return {chainMs: performance.now() - (firstStep ?? started), code, killedAt}
}

/** How many trials a fault test runs: the full counts under `npm run test:faults` (DB_MANAGE_FAULT_TRIALS=full), fewer in `npm test`. */
export function trials(full: number, quick: number): number {
  const setting = process.env.DB_MANAGE_FAULT_TRIALS
  if (setting === 'full') return full
  if (setting && /^\d+$/.test(setting)) return Number(setting)
  return quick
}

/** A figure line for the README's "Reliability" table, printed where mocha prints. */
export function report(line: string): void {
  process.stdout.write(`      ${line}\n`)
}
