// Every portable type and the common native types of each dialect survive
// reflect -> render -> create -> reflect unchanged, so a generated downgrade
// restores exactly what was there and a second autogenerate finds nothing.
import {expect} from 'chai'

import {reflectedColumn} from '../../../src/autogenerate/compare.js'
import type {DialectName} from '../../../src/util/dialect-names.js'
import {getDialect} from '../../../src/dialects/registry.js'
import type {ColumnSchema} from '../../../src/model/table-schema.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

const PORTABLE = [
  'integer',
  'bigint',
  'smallint',
  'boolean',
  'string(36)',
  'text',
  'numeric(10,2)',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'json',
  'uuid',
  'binary',
]

const NATIVE: Record<DialectName, string[]> = {
  mysql: [
    'TINYINT',
    'TINYINT(1)',
    'SMALLINT',
    'MEDIUMINT',
    'INT',
    'BIGINT',
    'INT UNSIGNED',
    'BIGINT UNSIGNED',
    'SMALLINT UNSIGNED',
    'DECIMAL(10,2)',
    'DECIMAL(65,30)',
    'FLOAT',
    'DOUBLE',
    'CHAR(3)',
    'VARCHAR(20)',
    'VARCHAR(191)',
    'TINYTEXT',
    'TEXT',
    'MEDIUMTEXT',
    'LONGTEXT',
    'DATE',
    'TIME',
    'TIME(3)',
    'DATETIME',
    'DATETIME(6)',
    'TIMESTAMP NULL',
    'YEAR',
    'JSON',
    "ENUM('G','PG','R')",
    "SET('a','b','c')",
    'TINYBLOB',
    'BLOB',
    'MEDIUMBLOB',
    'LONGBLOB',
    'BINARY(16)',
    'VARBINARY(255)',
    'BIT(1)',
    'BIT(8)',
  ],
  postgresql: [
    'smallint',
    'integer',
    'bigint',
    'numeric',
    'numeric(10,2)',
    'real',
    'double precision',
    'text',
    'varchar(20)',
    'varchar',
    'char(3)',
    'time',
    'time(3)',
    'time with time zone',
    'timestamp',
    'timestamp(3)',
    'timestamptz',
    'date',
    'interval',
    'interval day to second',
    'json',
    'jsonb',
    'uuid',
    'bytea',
    'boolean',
    'integer[]',
    'text[]',
    'varchar(10)[]',
    'inet',
    'money',
    'tsvector',
    'bit(8)',
    'varbit',
  ],
  sqlite: [
    'INTEGER',
    'TEXT',
    'REAL',
    'NUMERIC',
    'BLOB',
    'int',
    'VARCHAR(20)',
    'NVARCHAR(160)',
    'DATETIME',
    'BOOLEAN',
    'DECIMAL(10,2)',
    'double precision',
    'UNSIGNED BIG INT',
  ],
}

const same = (c: ColumnSchema) => ({default: c.default, nullable: c.nullable, type: c.type.toLowerCase()})

for (const dialect of dialectsUnderTest()) {
  describe(`type round trip on ${dialect}`, function () {
    this.timeout(60_000)
    let db: TestDatabase
    useTestDatabase(dialect, (d) => (db = d))

    it('create, reflect, render, create again, reflect again: the two reflections are equal', async () => {
      const d = await getDialect(dialect)
      await connected(db, async (connection) => {
        const introspector = d.introspector(connection)
        const run = async (table: string, columns: Array<{name: string; type: string; nullable?: boolean}>) => {
          for (const statement of await d.compiler.compile({columns, kind: 'createTable', table}))
            await connection.query(statement.sql)
        }

        // A native type goes in raw; a portable one through the compiler.
        const sources = [
          ...PORTABLE.map((type) => ({raw: false, type})),
          ...NATIVE[dialect].map((type) => ({raw: true, type})),
        ]
        const columns = sources.map((s, i) => ({name: `c${i}`, nullable: true, type: s.raw ? `${s.type}` : s.type}))
        await run('first', columns)
        const first = (await introspector.table('first'))!
        expect(first.columns).to.have.length(sources.length)
        // What autogenerate writes for each reflected column, created again.
        await run(
          'second',
          first.columns.map((c) => reflectedColumn(c, dialect)) as Array<{name: string; type: string}>,
        )
        const second = (await introspector.table('second'))!
        const mismatches = first.columns.flatMap((c, i) => {
          const again = second.columns[i]
          const source = sources[i].raw ? sources[i].type : `portable ${sources[i].type}`
          return JSON.stringify(same(c)) === JSON.stringify(same(again))
            ? []
            : [`${source}: ${c.type} -> ${reflectedColumn(c, dialect).type} -> ${again.type}`]
        })
        expect(mismatches).to.deep.equal([])
      })
    })
  })
}
