import {expect} from 'chai'

import {compareSchemas} from '../../../src/autogenerate/compare.js'
import {renderChanges} from '../../../src/autogenerate/render.js'
import type {TableSchema} from '../../../src/model/table-schema.js'

const table = (name: string, extra: Partial<TableSchema> = {}): TableSchema => ({
  checks: [],
  columns: [{name: 'id', nullable: false, type: 'integer'}],
  foreignKeys: [],
  indexes: [],
  name,
  primaryKey: {columns: ['id'], name: `${name}_pkey`},
  uniques: [],
  ...extra,
})

describe('autogenerate: a table that goes while a kept table loses its key to it', () => {
  const columns = [
    {name: 'id', nullable: false, type: 'integer'},
    {name: 'a_id', nullable: true, type: 'integer'},
  ]
  const live = [
    table('a'),
    table('b', {columns, foreignKeys: [{columns: ['a_id'], name: 'fk_b_a', referent: 'a', referentColumns: ['id']}]}),
  ]
  const target = [table('b', {columns})]

  it('drops the key before the table (PostgreSQL and MySQL refuse the DROP TABLE while it holds), and back after', () => {
    const changes = compareSchemas(live, target, {dialect: 'postgresql'})
    expect(changes.filter((c) => c.upgrade).map((c) => c.description)).to.deep.equal([
      'drop foreign key fk_b_a on b (a_id) -> a',
      'drop table a',
    ])
    expect(renderChanges(changes, {asBatch: false})).to.deep.equal({
      downgrade: [
        "await op.createTable('a', [",
        "  op.column('id', 'integer', {primaryKey: true}),",
        '])',
        "await op.createForeignKey('fk_b_a', 'b', 'a', ['a_id'], ['id'])",
      ].join('\n'),
      upgrade: [
        "await op.dropConstraint('fk_b_a', 'b', {type: 'foreignkey'})",
        '// DATA LOSS: drop table a',
        "await op.dropTable('a')",
      ].join('\n'),
    })
  })
})
