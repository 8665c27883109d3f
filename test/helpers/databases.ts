import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type {DialectName} from '../../src/util/dialect-names.js'
import {parseDatabaseUrl} from '../../src/config/database-url.js'
import type {Connection} from '../../src/dialects/connection.js'
import {getDialect} from '../../src/dialects/registry.js'

export {dialectsUnderTest} from './dialects.js'

function serverUrl(dialect: 'mysql' | 'postgresql'): string {
  const url = dialect === 'postgresql' ? process.env.DB_MANAGE_TEST_PG_URL : process.env.DB_MANAGE_TEST_MYSQL_URL
  if (!url)
    throw new Error(
      `no ${dialect} test server: set DB_MANAGE_TEST_${dialect === 'postgresql' ? 'PG' : 'MYSQL'}_URL or let test/helpers/setup.ts start one`,
    )
  return url
}

/** A connection to the server's admin database, for creating and dropping test databases. */
export async function adminConnection(dialect: 'mysql' | 'postgresql'): Promise<Connection> {
  const d = await getDialect(dialect)
  return d.connect(parseDatabaseUrl(serverUrl(dialect)), 10_000)
}

export interface TestDatabase {
  readonly dialect: DialectName
  readonly url: string
  /** The same URL with a wrong password. */
  readonly badPasswordUrl: string
  connect(): Promise<Connection>
  drop(): Promise<void>
}

/** Run `fn` on a new connection to the database, closed whatever happens. */
export async function connected<T>(db: TestDatabase, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await db.connect()
  try {
    return await fn(connection)
  } finally {
    await connection.close()
  }
}

/** A new, empty database (or SQLite file) that the caller drops. */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const connect = async (url: string) => (await getDialect(dialect)).connect(parseDatabaseUrl(url), 10_000)
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-test-'))
    const url = `sqlite:///${path.join(dir, 'test.sqlite')}`
    return {
      badPasswordUrl: url,
      connect: () => connect(url),
      dialect,
      async drop() {
        rmSync(dir, {force: true, recursive: true})
      },
      url,
    }
  }

  const name = `dbm_${randomBytes(5).toString('hex')}`
  const admin = await adminConnection(dialect)
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.close()
  const base = serverUrl(dialect)
  const url = base.replace(/\/[^/]*$/, `/${name}`)
  return {
    badPasswordUrl: url.replace(':secret@', ':wrong-password@'),
    connect: () => connect(url),
    dialect,
    async drop() {
      const a = await adminConnection(dialect)
      if (dialect === 'postgresql') await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      else await a.query(`DROP DATABASE IF EXISTS ${name}`)
      await a.close()
    },
    url,
  }
}

/** Inside a suite: a function that makes a new database each time it is called, all dropped after each test. */
export function freshDatabases(dialect: DialectName): () => Promise<TestDatabase> {
  const dbs: TestDatabase[] = []
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.drop()
  })
  return async () => {
    const db = await createTestDatabase(dialect)
    dbs.push(db)
    return db
  }
}

/** A new database for each test of the suite, dropped after it; `use` receives it. */
export function useTestDatabase(dialect: DialectName, use: (db: TestDatabase) => void): void {
  let db: TestDatabase | undefined
  beforeEach(async () => {
    db = await createTestDatabase(dialect)
    use(db)
  })
  afterEach(async () => {
    await db?.drop()
    db = undefined
  })
}
