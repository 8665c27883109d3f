import type {Dialect} from '../dialect.js'
import {postgresAdapter} from './postgres-adapter.js'
import {PostgresDdlCompiler} from './postgres-ddl-compiler.js'
import {connectPostgres} from './postgres-driver.js'
import {PostgresIntrospector} from './postgres-introspector.js'

export const postgresDialect: Dialect = {
  adapter: postgresAdapter,
  compiler: new PostgresDdlCompiler(),
  connect: connectPostgres,
  introspector: (connection) => new PostgresIntrospector(connection),
  name: 'postgresql',
}
