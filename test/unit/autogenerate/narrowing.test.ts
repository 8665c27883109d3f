import {expect} from 'chai'

import {narrowing} from '../../../src/autogenerate/narrowing.js'

describe('narrowing: what a column type change may refuse or cut', () => {
  const cases: Array<[string, string, 'mysql' | 'postgresql', string | undefined]> = [
    ['character varying(100)', 'character varying(20)', 'postgresql', 'shorter strings'],
    ['character varying(20)', 'character varying(100)', 'postgresql', undefined],
    ['text', 'character varying(255)', 'postgresql', 'shorter strings'],
    ['character varying(255)', 'text', 'postgresql', undefined],
    ['character(10)', 'character(4)', 'postgresql', 'shorter strings'],
    ['bigint', 'integer', 'postgresql', 'a smaller integer'],
    ['integer', 'smallint', 'postgresql', 'a smaller integer'],
    ['smallint', 'bigint', 'postgresql', undefined],
    ['numeric(10,2)', 'numeric(8,2)', 'postgresql', 'fewer digits before the point'],
    ['numeric(10,2)', 'numeric(10,1)', 'postgresql', 'fewer digits after the point (values are rounded)'],
    ['numeric(8,2)', 'numeric(12,4)', 'postgresql', undefined],
    ['numeric', 'numeric(12,2)', 'postgresql', 'fewer digits before the point'],
    ['double precision', 'real', 'postgresql', 'less precision (values are rounded)'],
    [
      'timestamp(6) without time zone',
      'timestamp(0) without time zone',
      'postgresql',
      'fewer fractional digits (values are rounded)',
    ],
    ['bit(8)', 'bit(4)', 'postgresql', 'fewer bits'],
    ['bytea', 'bytea', 'postgresql', undefined],
    // Another family: the server converts or names the value it cannot (not a narrowing of one kind).
    ['text', 'integer', 'postgresql', undefined],
    ['varchar(100)', 'varchar(20)', 'mysql', 'shorter strings'],
    ['text', 'varchar(255)', 'mysql', 'shorter strings'],
    ['varchar(255)', 'text', 'mysql', undefined],
    ['mediumtext', 'text', 'mysql', 'shorter strings'],
    ['blob', 'tinyblob', 'mysql', 'fewer bytes'],
    ['varbinary(16)', 'varbinary(8)', 'mysql', 'fewer bytes'],
    ['bigint', 'int', 'mysql', 'a smaller integer'],
    ['int', 'int unsigned', 'mysql', 'no negative numbers'],
    ['int unsigned', 'int', 'mysql', 'half the range'],
    ['int unsigned', 'bigint', 'mysql', undefined],
    ['tinyint(1)', 'smallint', 'mysql', undefined],
    ['decimal(10,2)', 'decimal(10,2) unsigned', 'mysql', 'no negative numbers'],
    ['datetime(6)', 'datetime', 'mysql', 'fewer fractional digits (values are rounded)'],
    ['double', 'float', 'mysql', 'less precision (values are rounded)'],
  ]
  for (const [from, to, dialect, expected] of cases) {
    it(`${dialect}: ${from} -> ${to}: ${expected ?? 'every value fits'}`, () => {
      expect(narrowing(from, to, dialect)).to.equal(expected)
    })
  }

  it('SQLite keeps every value whatever a column declares: nothing narrows', () => {
    expect(narrowing('varchar(100)', 'varchar(20)', 'sqlite')).to.equal(undefined)
    expect(narrowing('bigint', 'smallint', 'sqlite')).to.equal(undefined)
  })
})
