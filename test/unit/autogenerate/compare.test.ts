import {expect} from 'chai'

import {compareSchemas} from '../../../src/autogenerate/compare.js'
import {renderChanges} from '../../../src/autogenerate/render.js'
import type {TableSchema} from '../../../src/model/table-schema.js'
import {columnBytes} from '../../../src/dialects/mysql/mysql-row-size.js'

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

describe('autogenerate: compare and render (no database)', () => {
  const live = [
    table('users', {
      columns: [
        {name: 'id', nullable: false, type: 'integer'},
        {name: 'mail', nullable: true, type: 'character varying(50)'},
        {default: "'x'::text", name: 'old', nullable: true, type: 'text'},
      ],
    }),
    table('legacy'),
  ]
  const target = [
    table('users', {
      columns: [
        {name: 'id', nullable: false, type: 'integer'},
        {name: 'mail', nullable: false, type: 'character varying(80)'},
        {name: 'age', nullable: true, type: 'integer'},
      ],
      indexes: [{columns: ['mail'], name: 'ix_users_mail', unique: true}],
    }),
  ]

  it('lists every difference, once', () => {
    expect(compareSchemas(live, target, {dialect: 'postgresql'}).map((c) => c.description)).to.deep.equal([
      'drop table legacy',
      'change column users.mail: character varying(50) NULL -> character varying(80) NOT NULL',
      'add column users.age integer',
      'drop column users.old',
      'add unique index ix_users_mail on users (mail)',
    ])
  })

  it('yields nothing for equal schemas', () => {
    expect(compareSchemas(target, target, {dialect: 'postgresql'})).to.deep.equal([])
  })

  it('renders upgrade and its exact inverse, marking data loss', () => {
    const {downgrade, upgrade} = renderChanges(compareSchemas(live, target, {dialect: 'postgresql'}), {asBatch: false})
    expect(upgrade).to.equal(
      [
        '// DATA LOSS: drop table legacy',
        "await op.dropTable('legacy')",
        "await op.alterColumn('users', 'mail', {existingNullable: true, existingType: 'string(50)', nullable: false, type: 'string(80)'})",
        "await op.addColumn('users', op.column('age', 'integer', {nullable: true}))",
        '// DATA LOSS: drop column users.old',
        "await op.dropColumn('users', 'old')",
        "await op.createIndex('ix_users_mail', 'users', ['mail'], {unique: true, concurrently: true})",
      ].join('\n'),
    )
    expect(downgrade).to.equal(
      [
        "await op.dropIndex('ix_users_mail', 'users')",
        "await op.addColumn('users', op.column('old', 'text', {default: 'x', nullable: true}))",
        "await op.dropColumn('users', 'age')",
        '// NARROWS: users.mail narrows from character varying(80) to character varying(50) (shorter strings): the downgrade fails where a row holds a value that does not fit',
        "await op.alterColumn('users', 'mail', {existingNullable: false, existingType: 'string(80)', nullable: true, type: 'string(50)'})",
        "await op.createTable('legacy', [\n  op.column('id', 'integer', {primaryKey: true}),\n])",
      ].join('\n'),
    )
  })

  it('groups the changes to an existing table into one batchAlterTable on SQLite', () => {
    const {upgrade} = renderChanges(compareSchemas(live, target, {dialect: 'sqlite', inlineCycleKeys: true}), {
      asBatch: true,
    })
    expect(upgrade).to.equal(
      [
        '// DATA LOSS: drop table legacy',
        "await op.dropTable('legacy')",
        "await op.batchAlterTable('users', (batch) => {",
        // character varying is not a SQLite spelling, so it stays as written
        "  batch.alterColumn('mail', {existingNullable: true, existingType: 'character varying(50)', nullable: false, type: 'character varying(80)'})",
        // a raw type spelled like a portable one is written in capitals, so it is not read as the portable type
        "  batch.addColumn(op.column('age', 'INTEGER', {nullable: true}))",
        '  // DATA LOSS: drop column users.old',
        "  batch.dropColumn('old')",
        // CREATE INDEX needs no rebuild on SQLite, but joins the table's batch once it has one (still online:
        // render_as_batch on PostgreSQL runs a batch's operations one by one)
        "  batch.createIndex('ix_users_mail', ['mail'], {unique: true, concurrently: true})",
        '})',
      ].join('\n'),
    )
  })

  it('leaves an index change alone before its table has a batch, and puts it in the batch after', () => {
    const columns = [
      {name: 'id', nullable: false, type: 'INTEGER'},
      {name: 'a', nullable: true, type: 'TEXT'},
    ]
    const before = [table('t', {columns, indexes: [{columns: ['a'], name: 't_a', unique: false}]})]
    const after = [table('t', {checks: [{condition: 'id > 0', name: 't_check'}], columns})]
    const {downgrade, upgrade} = renderChanges(compareSchemas(before, after, {dialect: 'sqlite'}), {asBatch: true})
    expect(upgrade.split('\n')).to.deep.equal([
      "await op.dropIndex('t_a', 't')",
      "await op.batchAlterTable('t', (batch) => {",
      "  batch.createCheckConstraint('t_check', 'id > 0')",
      '})',
    ])
    expect(downgrade.split('\n')).to.deep.equal([
      "await op.batchAlterTable('t', (batch) => {",
      "  batch.dropConstraint('t_check', {type: 'check'})",
      // the downgrade rebuilds the index on a table that exists: online, as outside a batch
      "  batch.createIndex('t_a', ['a'], {concurrently: true})",
      '})',
    ])
  })

  it('drops referencing tables first and recreates referenced ones first, each whole', () => {
    const parent = table('parent')
    const child = table('child', {
      foreignKeys: [{columns: ['id'], name: 'child_id_fkey', referent: 'parent', referentColumns: ['id']}],
    })
    const changes = compareSchemas([child, parent], [], {dialect: 'postgresql'})
    expect(changes.filter((c) => c.upgrade).map((c) => c.description)).to.deep.equal([
      'drop table child',
      'drop table parent',
    ])
    const {downgrade, upgrade} = renderChanges(changes, {asBatch: false})
    expect(upgrade).to.equal(
      "// DATA LOSS: drop table child\nawait op.dropTable('child')\n// DATA LOSS: drop table parent\nawait op.dropTable('parent')",
    )
    expect(downgrade).to.equal(
      [
        "await op.createTable('parent', [",
        "  op.column('id', 'integer', {primaryKey: true}),",
        '])',
        "await op.createTable('child', [",
        "  op.column('id', 'integer', {primaryKey: true}),",
        "], {foreignKeys: [{columns: ['id'], name: 'child_id_fkey', referent: 'parent', referentColumns: ['id']}]})",
      ].join('\n'),
    )
  })

  it('creates a new table whole (composite key in its own order, uniques, checks, keys) and closes a cycle of new tables with ALTERs', () => {
    const a = table('a', {
      checks: [{condition: '(n > 0)', name: 'a_n_check'}],
      columns: [
        {name: 'id', nullable: false, type: 'integer'},
        {name: 'n', nullable: false, type: 'integer'},
        {name: 'b_id', nullable: true, type: 'integer'},
      ],
      foreignKeys: [{columns: ['b_id'], name: 'a_b_fkey', onDelete: 'CASCADE', referent: 'b', referentColumns: ['id']}],
      indexes: [{columns: ['b_id'], name: 'ix_a_b', unique: false}],
      primaryKey: {columns: ['n', 'id'], name: 'a_pkey'},
      uniques: [{columns: ['b_id', 'n'], name: 'a_b_n_key'}],
    })
    const b = table('b', {
      columns: [
        {name: 'id', nullable: false, type: 'integer'},
        {name: 'a_id', nullable: true, type: 'integer'},
      ],
      foreignKeys: [{columns: ['a_id'], name: 'b_a_fkey', referent: 'a', referentColumns: ['id']}],
    })
    const {downgrade, upgrade} = renderChanges(compareSchemas([], [a, b], {dialect: 'postgresql'}), {asBatch: false})
    // a references b, so b comes first; b's key back to a closes the cycle once both exist.
    expect(upgrade).to.equal(
      [
        "await op.createTable('b', [",
        "  op.column('id', 'integer', {primaryKey: true}),",
        "  op.column('a_id', 'integer', {nullable: true}),",
        '])',
        "await op.createTable('a', [",
        "  op.column('id', 'integer', {nullable: false}),",
        "  op.column('n', 'integer', {nullable: false}),",
        "  op.column('b_id', 'integer', {nullable: true}),",
        "], {checks: [{condition: '(n > 0)', name: 'a_n_check'}], foreignKeys: [{columns: ['b_id'], name: 'a_b_fkey', referent: 'b', referentColumns: ['id'], onDelete: 'CASCADE'}], primaryKey: {columns: ['n', 'id'], name: 'a_pkey'}, uniques: [{columns: ['b_id', 'n'], name: 'a_b_n_key'}]})",
        "await op.createIndex('ix_a_b', 'a', ['b_id'])",
        "await op.createForeignKey('b_a_fkey', 'b', 'a', ['a_id'], ['id'])",
      ].join('\n'),
    )
    expect(downgrade).to.equal(
      [
        "await op.dropConstraint('b_a_fkey', 'b', {type: 'foreignkey'})",
        "await op.dropTable('a')",
        "await op.dropTable('b')",
      ].join('\n'),
    )
    // SQLite checks foreign keys only when rows arrive: the cycle is written inline, and no table is rebuilt.
    const sqlite = renderChanges(compareSchemas([], [a, b], {dialect: 'sqlite', inlineCycleKeys: true}), {
      asBatch: true,
    }).upgrade
    expect(sqlite).to.equal(
      [
        "await op.createTable('b', [",
        "  op.column('id', 'INTEGER', {primaryKey: true}),",
        "  op.column('a_id', 'INTEGER', {nullable: true}),",
        "], {foreignKeys: [{columns: ['a_id'], name: 'b_a_fkey', referent: 'a', referentColumns: ['id']}]})",
        "await op.createTable('a', [",
        "  op.column('id', 'INTEGER', {nullable: false}),",
        "  op.column('n', 'INTEGER', {nullable: false}),",
        "  op.column('b_id', 'INTEGER', {nullable: true}),",
        "], {checks: [{condition: '(n > 0)', name: 'a_n_check'}], foreignKeys: [{columns: ['b_id'], name: 'a_b_fkey', referent: 'b', referentColumns: ['id'], onDelete: 'CASCADE'}], primaryKey: {columns: ['n', 'id'], name: 'a_pkey'}, uniques: [{columns: ['b_id', 'n'], name: 'a_b_n_key'}]})",
        "await op.createIndex('ix_a_b', 'a', ['b_id'])",
      ].join('\n'),
    )
  })

  it('turns a drop and an add into a rename only when told', () => {
    const before = [
      table('a', {
        columns: [
          {name: 'id', nullable: false, type: 'integer'},
          {name: 'x', nullable: true, type: 'text'},
        ],
      }),
    ]
    const after = [
      table('b', {
        columns: [
          {name: 'id', nullable: false, type: 'integer'},
          {name: 'y', nullable: true, type: 'text'},
        ],
      }),
    ]
    expect(compareSchemas(before, after, {dialect: 'postgresql'}).map((c) => c.description)).to.deep.equal([
      'add table b',
      'drop table a',
    ])
    const renamed = compareSchemas(before, after, {
      dialect: 'postgresql',
      renameColumns: new Map([['b', new Map([['x', 'y']])]]),
      renameTables: new Map([['a', 'b']]),
    })
    expect(renamed.map((c) => c.description)).to.deep.equal(['rename table a to b', 'rename column b.x to y'])
  })

  it("MySQL: a dropped NOT NULL column's filling default stays with its drop when changes that free room go first", () => {
    const columns = [
      {name: 'id', nullable: false, type: 'int(11)'},
      {name: 'note', nullable: true, type: 'varchar(10)'},
    ]
    const before = [table('t', {columns: [...columns, {name: 'code', nullable: false, type: 'varchar(20)'}]})]
    const after = [
      table('t', {
        columns: [
          columns[0],
          {name: 'note', nullable: true, type: 'varchar(100)'},
          {name: 'extra', nullable: true, type: 'int(11)'},
        ],
      }),
    ]
    const changes = compareSchemas(before, after, {columnBytes, dialect: 'mysql'})
    const {downgrade, upgrade} = renderChanges(changes, {asBatch: false})
    // What frees room first: the drop, then the widening and the addition.
    expect(
      upgrade
        .split('\n')
        .filter((l) => !l.startsWith('//'))
        .map((l) => l.replace(/\(.*/, '')),
    ).to.deep.equal(['await op.dropColumn', 'await op.alterColumn', 'await op.addColumn'])
    // The downgrade adds the column back holding '' and only then drops that default.
    expect(downgrade.split('\n').slice(-2)).to.deep.equal([
      "await op.addColumn('t', op.column('code', 'string(20)', {default: '', nullable: false}))",
      "await op.alterColumn('t', 'code', " +
        "{default: null, existingDefault: '', existingNullable: false, existingType: 'string(20)'})",
    ])
  })
})

describe('defaults that read as SQL', () => {
  it('a string default like a SQL function is refused by column() and op.column; sql() and now() are what is meant', async () => {
    const {column, now, sql} = await import('../../../src/autogenerate/target-schema.js')
    expect(() => column('created_at', 'timestamp', {default: 'now()'})).to.throw(
      "column created_at: default 'now()' reads as SQL but is a string, so the column would default to that text; write sql('now()') (op.sql in a migration script) for what the server computes, or sql(\"'now()'\") if the text is meant",
    )
    expect(() => column('at', 'timestamp', {default: 'current_timestamp'})).to.throw(
      /default 'current_timestamp' reads as SQL/,
    )
    expect(column('at', 'timestamp', {default: now()}).default).to.deep.equal({kind: 'sql', sql: 'CURRENT_TIMESTAMP'})
    expect(column('id', 'uuid', {default: sql('gen_random_uuid()')}).default).to.deep.equal({
      kind: 'sql',
      sql: 'gen_random_uuid()',
    })
    // Ordinary text stays text.
    expect(column('status', 'string(10)', {default: 'Inactive (new)'}).default).to.equal('Inactive (new)')
  })

  it('a reflected text default that reads as SQL is rendered as a quoted op.sql, never as a string', async () => {
    const {defaultValue} = await import('../../../src/autogenerate/compare.js')
    expect(defaultValue("'now()'::text")).to.deep.equal({kind: 'sql', sql: "'now()'"})
    expect(defaultValue("'it''s'::text")).to.equal("it's")
  })
})

describe('reverse(op)', () => {
  it('undoes creates, renames and column renames; refuses what the operation alone cannot undo', async () => {
    const {reverse} = await import('../../../src/operations/reverse.js')
    expect(reverse({columns: [{name: 'id', type: 'integer'}], kind: 'createTable', table: 't'})).to.deep.equal({
      kind: 'dropTable',
      table: 't',
    })
    expect(reverse({kind: 'renameTable', newName: 'b', table: 'a'})).to.deep.equal({
      kind: 'renameTable',
      newName: 'a',
      table: 'b',
    })
    expect(reverse({column: {name: 'c', type: 'text'}, kind: 'addColumn', table: 't'})).to.deep.equal({
      column: 'c',
      kind: 'dropColumn',
      table: 't',
    })
    expect(reverse({column: 'a', existingType: 'text', kind: 'alterColumn', newName: 'b', table: 't'})).to.deep.equal({
      column: 'b',
      existingType: 'text',
      kind: 'alterColumn',
      newName: 'a',
      table: 't',
    })
    expect(reverse({columns: ['a'], kind: 'createIndex', name: 'ix', table: 't'})).to.deep.equal({
      kind: 'dropIndex',
      name: 'ix',
      table: 't',
    })
    expect(
      reverse({
        columns: ['a'],
        kind: 'createForeignKey',
        name: 'fk',
        referent: 'r',
        referentColumns: ['id'],
        table: 't',
      }),
    ).to.deep.equal({kind: 'dropConstraint', name: 'fk', table: 't', type: 'foreignkey'})
    expect(() => reverse({kind: 'dropTable', table: 't'})).to.throw('cannot reverse dropTable from the operation alone')
    expect(() => reverse({column: 'a', kind: 'alterColumn', table: 't', type: 'text'})).to.throw(
      'cannot reverse a change of column t.a other than a rename',
    )
  })
})

describe('MySQL defaults as MariaDB reports them (issue 27 item 12)', () => {
  it('reads the backslash escapes of a quoted default as MySQL does, and nothing else so', async () => {
    const {defaultValue} = await import('../../../src/autogenerate/compare.js')
    expect(defaultValue(String.raw`'a\\b'`, 'mysql')).to.equal('a\\b')
    expect(defaultValue(String.raw`'\0\0'`, 'mysql')).to.equal('\0\0')
    expect(defaultValue(String.raw`'it''s \'x\' \n\t\Z\%\_'`, 'mysql')).to.equal("it's 'x' \n\t\u001A\\%\\_")
    expect(defaultValue(String.raw`'now()'`, 'mysql')).to.deep.equal({kind: 'sql', sql: "'now()'"})
    // PostgreSQL and SQLite literals have no backslash escapes.
    expect(defaultValue(String.raw`'a\\b'`, 'postgresql')).to.equal(String.raw`a\\b`)
    expect(defaultValue(String.raw`'a\\b'`)).to.equal(String.raw`a\\b`)
  })
})
