import type {Dialect} from '../dialect.js'
import {mysqlAdapter} from './mysql-adapter.js'
import {MysqlDdlCompiler} from './mysql-ddl-compiler.js'
import {connectMysql} from './mysql-driver.js'
import {MysqlIntrospector} from './mysql-introspector.js'

export const mysqlDialect: Dialect = {
  adapter: mysqlAdapter,
  compiler: new MysqlDdlCompiler(),
  connect: connectMysql,
  introspector: (connection) => new MysqlIntrospector(connection),
  name: 'mysql',
}
