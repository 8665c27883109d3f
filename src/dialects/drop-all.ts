import type {DialectName} from '../util/dialect-names.js'
import type {Connection} from './connection.js'
import type {Dropped} from './dropped.js'

export type {Dropped} from './dropped.js'

/** Drop every object of the database the connection is on: `db-manage reset`'s first half (api/seed.ts). */
export type DropAll = (connection: Connection, quote: (name: string) => string) => Promise<Dropped>

/** Each dialect's, loaded when a reset runs: a dialect's catalog decides what "every object" is. */
const DROP_ALL: Record<DialectName, () => Promise<DropAll>> = {
  mysql: async () => (await import('./mysql/mysql-drop-all.js')).mysqlDropAll,
  postgresql: async () => (await import('./postgres/postgres-drop-all.js')).postgresDropAll,
  sqlite: async () => (await import('./sqlite/sqlite-drop-all.js')).sqliteDropAll,
}

export async function dropAllFor(dialect: DialectName): Promise<DropAll> {
  return DROP_ALL[dialect]()
}
