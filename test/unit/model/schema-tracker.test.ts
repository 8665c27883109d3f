import {expect} from 'chai'

import {MysqlDdlCompiler} from '../../../src/dialects/mysql/mysql-ddl-compiler.js'
import {PostgresDdlCompiler} from '../../../src/dialects/postgres/postgres-ddl-compiler.js'
import {SqliteDdlCompiler} from '../../../src/dialects/sqlite/sqlite-ddl-compiler.js'
import {SchemaTracker} from '../../../src/model/schema-tracker.js'
import type {Operation} from '../../../src/operations/nodes.js'

const CREATE: Operation = {
  columns: [
    {name: 'id', primaryKey: true, type: 'integer'},
    {name: 'name', type: 'string(20)'},
  ],
  kind: 'createTable',
  table: 'hosts',
}

describe('SchemaTracker: the tables offline SQL renders from', () => {
  it('keeps what the operations build, where a dialect reads tables to compile (MySQL, SQLite)', async () => {
    for (const compiler of [new MysqlDdlCompiler(), new SqliteDdlCompiler()]) {
      expect(compiler.readsTables).to.equal(true)
      const tracker = new SchemaTracker(compiler, compiler.readsTables)
      tracker.apply(CREATE)
      tracker.apply({column: {name: 'zone', type: 'string(8)'}, kind: 'addColumn', table: 'hosts'})
      expect((await tracker.table('hosts'))?.columns.map((c) => `${c.name} ${c.type} ${c.nullable}`)).to.deep.equal([
        `id INTEGER false`,
        `name ${compiler.type('string(20)')} true`,
        `zone ${compiler.type('string(8)')} true`,
      ])
    }
  })

  it('keeps nothing for PostgreSQL, whose operations never read a table: asked, it says the table is not known', async () => {
    const compiler = new PostgresDdlCompiler()
    expect(compiler.readsTables).to.equal(false)
    const tracker = new SchemaTracker(compiler, compiler.readsTables)
    tracker.apply(CREATE)
    let error: unknown
    await tracker.table('hosts').catch((e: unknown) => (error = e))
    expect(String(error)).to.match(/offline \(--sql\), table hosts is not known from the operations before it/)
  })
})
