import {expect} from 'chai'

import {classifyStatement, type Reflection} from '../../../src/autogenerate/squash-recorder.js'
import {composeRenames, literal, renderDataStep} from '../../../src/autogenerate/squash-render.js'
import type {TableSchema} from '../../../src/model/table-schema.js'

const table = (name: string, columns: string[]) =>
  ({columns: columns.map((c) => ({name: c, nullable: true, type: 'integer'})), name}) as unknown as TableSchema
const schema = (tables: TableSchema[]): Reflection => ({
  domains: [],
  enums: [],
  extensions: [],
  tables,
  uncompared: {},
  virtualTables: [],
})

describe('squash: what a statement is to a squash', () => {
  for (const [sql, dialect, cls] of [
    ['INSERT INTO t (id) VALUES (1)', 'postgresql', 'data'],
    ['  update t set a = 1', 'mysql', 'data'],
    ['WITH x AS (SELECT 1) DELETE FROM t USING x', 'postgresql', 'data'],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'postgresql', 'data'],
    ['REPLACE INTO t VALUES (1)', 'mysql', 'data'],
    ['/* backfill */ DELETE FROM t', 'sqlite', 'data'],
    ['CREATE TABLE t (id int)', 'sqlite', 'schema'],
    ['CREATE UNIQUE INDEX ix ON t (a)', 'postgresql', 'schema'],
    ['CREATE INDEX CONCURRENTLY ix ON t (a)', 'postgresql', 'schema'],
    ['ALTER TABLE t ADD COLUMN b int', 'mysql', 'schema'],
    ['DROP TYPE mood', 'postgresql', 'schema'],
    ['RENAME TABLE a TO b', 'mysql', 'schema'],
    ['CREATE VIRTUAL TABLE f USING fts5(body)', 'sqlite', 'schema'],
    ['CREATE VIEW v AS SELECT 1', 'postgresql', 'other'],
    ['CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql', 'postgresql', 'other'],
    ['CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN SELECT 1; END', 'sqlite', 'other'],
    ['GRANT SELECT ON t TO app', 'postgresql', 'other'],
    ['CREATE TABLE t2 AS SELECT * FROM t', 'postgresql', 'other'],
    ['SET lock_timeout = 0', 'postgresql', 'session'],
    ['PRAGMA foreign_keys = ON', 'sqlite', 'session'],
    ['ANALYZE t', 'postgresql', 'session'],
  ] as const) {
    it(`${sql} (${dialect}): ${cls}`, () => expect(classifyStatement(sql, dialect)).to.equal(cls))
  }
})

describe('squash: renames between two schemas', () => {
  it('follows a table and its columns through several renames to their names at the end', () => {
    const from = schema([table('a', ['id', 'x', 'y']), table('b', ['id'])])
    const to = schema([table('c', ['id', 'z', 'y']), table('b', ['id', 'w'])])
    const renames = composeRenames(from, to, [
      {from: 'a', kind: 'table', to: 'a2'},
      {from: 'x', kind: 'column', table: 'a2', to: 'x2'},
      {from: 'a2', kind: 'table', to: 'c'},
      {from: 'x2', kind: 'column', table: 'c', to: 'z'},
      // A table made in between and renamed is new either way.
      {from: 'tmp', kind: 'table', to: 'tmp2'},
    ])
    expect(renames.tables).to.deep.equal(new Map([['a', 'c']]))
    expect(renames.columns).to.deep.equal(new Map([['c', new Map([['x', 'z']])]]))
  })

  it('leaves out a table renamed and then dropped', () => {
    const renames = composeRenames(schema([table('a', ['id'])]), schema([]), [{from: 'a', kind: 'table', to: 'b'}])
    expect(renames.tables.size).to.equal(0)
  })
})

describe('squash: data steps as code', () => {
  it('writes values a row or a parameter holds, so that they read back the same', () => {
    expect(literal({a: 1, 'b c': "it's", d: null, e: true, f: 10n, g: [1, 'x']})).to.equal(
      "{a: 1, 'b c': 'it\\'s', d: null, e: true, f: 10n, g: [1, 'x']}",
    )
    expect(literal(new Date('2026-12-07T01:02:03.000Z'))).to.equal("new Date('2026-12-07T01:02:03.000Z')")
    expect(literal(Buffer.from([0, 255]))).to.equal("Buffer.from('00ff', 'hex')")
    expect(literal({kind: 'sql', sql: 'CURRENT_TIMESTAMP'})).to.equal('op.now()')
    expect(literal('a\nb\u0000')).to.equal(String.raw`'a\nb\x00'`)
  })

  it('writes a statement of several lines one line each, joined', () => {
    expect(renderDataStep({file: '004_x.sql', kind: 'execute', sql: "INSERT INTO t\nSELECT 'a'"})).to.equal(
      "// data step of 004_x.sql\nawait op.execute([\n  'INSERT INTO t',\n  'SELECT \\'a\\'',\n].join('\\n'))",
    )
    expect(
      renderDataStep({file: '009_y.ts', kind: 'execute', params: [1, 'b'], sql: 'UPDATE t SET a = ? WHERE b = ?'}),
    ).to.equal("// data step of 009_y.ts\nawait op.execute('UPDATE t SET a = ? WHERE b = ?', [1, 'b'])")
    expect(renderDataStep({file: '010_z.ts', kind: 'bulkInsert', rows: [{id: 1}, {id: 2}], table: 't'})).to.equal(
      "// data step of 010_z.ts\nawait op.bulkInsert('t', [\n  {id: 1},\n  {id: 2},\n])",
    )
    const backfill = {
      batchSize: 500,
      kind: 'backfill' as const,
      pauseMs: 0,
      set: {email_lower: {kind: 'sql', sql: 'lower(email)'}, flag: 1},
      table: 'users',
      where: 'email_lower IS NULL',
    }
    expect(renderDataStep({file: '011_b.ts', kind: 'backfill', operation: backfill})).to.equal(
      "// data step of 011_b.ts\nawait op.backfill('users', {set: {email_lower: op.sql('lower(email)'), flag: 1}," +
        " where: 'email_lower IS NULL'}, {batchSize: 500, pauseMs: 0})",
    )
  })
})
