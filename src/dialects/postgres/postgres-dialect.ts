import {UsageError} from '../../util/errors.js'
import type {Dialect} from '../dialect.js'
import {postgresAdapter} from './postgres-adapter.js'
import {PostgresDdlCompiler} from './postgres-ddl-compiler.js'
import {connectPostgres} from './postgres-driver.js'

export const postgresDialect: Dialect = {
  adapter: postgresAdapter,
  compiler: new PostgresDdlCompiler(),
  connect: connectPostgres,
  introspector() {
    return {
      async table(name) {
        throw new UsageError(`reading table ${name} from PostgreSQL is not needed by any PostgreSQL operation`)
      },
    }
  },
  name: 'postgresql',
}
