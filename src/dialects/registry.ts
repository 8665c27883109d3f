import type {DialectName} from '../util/dialect-names.js'
import type {Dialect} from './dialect.js'

/** Load a dialect only when it is used, so chain-only commands never load a driver. */
export async function getDialect(name: DialectName): Promise<Dialect> {
  switch (name) {
    case 'mysql': {
      return (await import('./mysql/mysql-dialect.js')).mysqlDialect
    }

    case 'postgresql': {
      return (await import('./postgres/postgres-dialect.js')).postgresDialect
    }

    case 'sqlite': {
      return (await import('./sqlite/sqlite-dialect.js')).sqliteDialect
    }
  }
}
