// Mocha global setup: real PostgreSQL and MariaDB servers on 127.0.0.1.
// When DB_MANAGE_TEST_PG_URL, DB_MANAGE_TEST_PG2_URL (a second PostgreSQL,
// the subscriber of the logical-replication tests; the first runs with
// wal_level=logical) and DB_MANAGE_TEST_MYSQL_URL are set (as .ci/run does)
// they are used; otherwise scripts/test-servers.sh starts throwaway
// servers for this run and stops them afterwards. DB_MANAGE_TEST_DIALECTS
// (e.g. "sqlite") narrows the dialects, as Kysely's tests do.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {dialectsUnderTest} from './dialects.js'

let started: string | undefined
let cacheDir: string | undefined

export function mochaGlobalSetup(): void {
  // The compiled-script cache of the CLIs the tests run: one folder for this run, removed after it.
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-test-cache-'))
  process.env.DB_MANAGE_SCRIPT_CACHE ??= cacheDir
  const wantsServer = dialectsUnderTest().some((d) => d !== 'sqlite')
  const given =
    process.env.DB_MANAGE_TEST_PG_URL && process.env.DB_MANAGE_TEST_PG2_URL && process.env.DB_MANAGE_TEST_MYSQL_URL
  if (!wantsServer || given) return
  const out = execFileSync('bash', ['scripts/test-servers.sh', 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  for (const line of out.split('\n')) {
    const m = /^export (\w+)=(.*)$/.exec(line)
    if (m) process.env[m[1]] = m[2]
  }

  started = process.env.DB_MANAGE_TEST_SERVERS
}

export function mochaGlobalTeardown(): void {
  if (cacheDir) rmSync(cacheDir, {force: true, recursive: true})
  if (started) execFileSync('bash', ['scripts/test-servers.sh', 'stop', started], {stdio: 'inherit'})
}
