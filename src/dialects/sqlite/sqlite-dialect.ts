import type {Dialect} from '../dialect.js'
import {sqliteAdapter} from './sqlite-adapter.js'
import {SqliteDdlCompiler} from './sqlite-ddl-compiler.js'
import {connectSqlite} from './sqlite-driver.js'
import {SqliteIntrospector} from './sqlite-introspector.js'

export const sqliteDialect: Dialect = {
  adapter: sqliteAdapter,
  compiler: new SqliteDdlCompiler(),
  connect: connectSqlite,
  introspector: (connection) => new SqliteIntrospector(connection),
  name: 'sqlite',
}
