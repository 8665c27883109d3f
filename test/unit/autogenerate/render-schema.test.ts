import {expect} from 'chai'

import {renderSchema} from '../../../src/autogenerate/render-schema.js'
import type {SchemaSnapshot} from '../../../src/autogenerate/snapshot.js'
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

const snapshot = (extra: Partial<SchemaSnapshot>): SchemaSnapshot => ({
  domains: [],
  enums: [],
  extensions: [],
  objects: [],
  tables: [],
  uncompared: {},
  virtualTables: [],
  ...extra,
})

describe('pull: a schema as defineSchema source (no database)', () => {
  it('quotes what is not an identifier, escapes strings, and imports only the helpers it uses', () => {
    const source = renderSchema(
      snapshot({
        tables: [
          table('order lines', {
            columns: [
              {name: 'id', nullable: false, type: 'integer'},
              {default: String.raw`'it''s \ here'::text`, name: "o'clock", nullable: true, type: 'text'},
              {default: 'now()', name: 'at', nullable: false, type: 'timestamp with time zone'},
            ],
            indexes: [{columns: [{kind: 'sql', sql: 'lower(id::text)'}], name: 'ix "odd"', unique: true}],
          }),
        ],
        uncompared: {trigger: 2, view: 1},
      }),
      'postgresql',
    )
    expect(source).to.equal(
      [
        "import {column, defineSchema, sql} from 'db-manage'",
        '',
        '// The schema of a postgresql database, as db-manage pull read it.',
        '// Not pulled (autogenerate does not compare them): 2 triggers, 1 view.',
        'export default defineSchema({',
        '  tables: {',
        "    'order lines': {",
        '      columns: [',
        "        column('id', 'integer', {primaryKey: true}),",
        String.raw`        column('o\'clock', 'text', {default: 'it\'s \\ here', nullable: true}),`,
        "        column('at', 'timestamptz', {default: sql('now()'), nullable: false}),",
        '      ],',
        `      indexes: [{columns: [sql('lower(id::text)')], name: 'ix "odd"', unique: true}],`,
        '    },',
        '  },',
        '})',
        '',
      ].join('\n'),
    )
  })

  it('text of several lines as a template literal, its backticks, backslashes and ${ escaped', () => {
    const source = renderSchema(
      snapshot({
        tables: [table('t', {checks: [{condition: "a > 0\n  AND b <> `x` AND c ~ '\\d' AND d = '${y}'", name: 'ck'}]})],
      }),
      'postgresql',
    )
    expect(source).to.include(
      "      checks: [{condition: `a > 0\n  AND b <> \\`x\\` AND c ~ '\\\\d' AND d = '\\${y}'`, name: 'ck'}],\n",
    )
    // Read back as TypeScript reads it, the literal is the text.
    const literal = /condition: (`[^]*?[^\\]`), name/.exec(source)![1]
    expect(new Function(`return ${literal}`)()).to.equal("a > 0\n  AND b <> `x` AND c ~ '\\d' AND d = '${y}'")
  })

  it('a partition after its parent; a composite key, enums, domains, extensions', () => {
    const source = renderSchema(
      snapshot({
        domains: [
          {checks: [{condition: 'VALUE > 0', name: 'positive'}], name: 'qty', nullable: false, type: 'integer'},
        ],
        enums: [{name: 'mood', values: ['happy', 'sad']}],
        extensions: ['pg_trgm'],
        tables: [
          table('a_2024', {
            columns: [],
            partitionOf: {bound: "FOR VALUES IN ('x')", parent: 'z'},
            primaryKey: undefined,
          }),
          table('z', {
            columns: [
              {name: 'id', nullable: false, type: 'integer'},
              {name: 'k', nullable: false, type: 'text'},
            ],
            partitionBy: 'LIST (k)',
            primaryKey: {columns: ['k', 'id'], name: 'z_pkey'},
          }),
        ],
      }),
      'postgresql',
    )
    expect(source).to.include(
      [
        "  extensions: ['pg_trgm'],",
        '  enums: {',
        "    mood: ['happy', 'sad'],",
        '  },',
        '  domains: {',
        "    qty: {checks: [{condition: 'VALUE > 0', name: 'positive'}], nullable: false, type: 'integer'},",
        '  },',
        '  tables: {',
        '    z: {',
        '      columns: [',
        "        column('id', 'integer', {nullable: false}),",
        "        column('k', 'text', {nullable: false}),",
        '      ],',
        "      primaryKey: {columns: ['k', 'id'], name: 'z_pkey'},",
        "      partitionBy: 'LIST (k)',",
        '    },',
        '    a_2024: {',
        '      columns: [],',
        "      partitionOf: {bound: 'FOR VALUES IN (\\'x\\')', parent: 'z'},",
        '    },',
      ].join('\n'),
    )
  })
})
