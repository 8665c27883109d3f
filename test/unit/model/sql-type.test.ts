import {expect} from 'chai'

import {typeChangeIsSafe} from '../../../src/lint/mysql-online.js'
import {narrowing} from '../../../src/autogenerate/narrowing.js'
import {parseSqlType} from '../../../src/model/sql-type.js'

describe('one reading of a SQL type for the lint and autogenerate', () => {
  it('folds aliases and internal names, keeps modifiers, sign, array and enum values', () => {
    const read = (text: string, dialect: 'mysql' | 'postgresql' = 'postgresql') => {
      const {text: _text, ...parts} = parseSqlType(text, dialect)
      return parts
    }

    expect(read('character varying(20)[]')).to.deep.equal({
      array: true,
      length: 20,
      name: 'varchar',
      scale: undefined,
      unsigned: undefined,
    })
    expect(read('timestamp(3) without time zone')).to.deep.include({length: 3, name: 'timestamp'})
    expect(read('pg_catalog.int4')).to.deep.include({name: 'integer'})
    expect(read('bpchar')).to.deep.equal({length: 1, name: 'char'})
    expect(read('int(11) unsigned zerofill', 'mysql')).to.deep.include({length: 11, name: 'integer', unsigned: true})
    expect(read('MEDIUMINT UNSIGNED', 'mysql')).to.deep.include({name: 'mediumint', unsigned: true})
    expect(read('decimal(10,2)', 'mysql')).to.deep.include({length: 10, name: 'numeric', scale: 2})
    expect(read('varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', 'mysql')).to.deep.include({
      length: 20,
      name: 'varchar',
    })
    expect(read("ENUM('a','it''s')", 'mysql')).to.deep.equal({name: 'enum', values: ['a', "it's"]})
  })

  it('the lint sees a sign or a width change on MySQL as the copy it is, as autogenerate sees its narrowing', () => {
    const facts = (t: string) => parseSqlType(t, 'mysql')
    // int -> int unsigned and mediumint -> int rewrite the table (ALGORITHM=COPY): never "the same type".
    expect(typeChangeIsSafe(facts('int'), facts('int unsigned'), 'mysql')).to.equal(false)
    expect(typeChangeIsSafe(facts('mediumint'), facts('int'), 'mysql')).to.equal(false)
    expect(typeChangeIsSafe(facts('int(11)'), facts('int(11)'), 'mysql')).to.equal(true)
    expect(narrowing('int', 'int unsigned', 'mysql')).to.equal('no negative numbers')
    expect(narrowing('int', 'mediumint', 'mysql')).to.equal('a smaller integer')
    expect(narrowing('mediumint', 'int', 'mysql')).to.equal(undefined)
    expect(narrowing('character varying(40)', 'varchar(20)', 'postgresql')).to.equal('shorter strings')
    expect(narrowing('timestamp(6) without time zone', 'timestamp(3)', 'postgresql')).to.equal(
      'fewer fractional digits (values are rounded)',
    )
    expect(narrowing('numeric(10,2)', 'decimal(8,2)', 'mysql')).to.equal('fewer digits before the point')
  })
})
