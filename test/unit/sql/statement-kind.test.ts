import {expect} from 'chai'

import {leadingWords, statementKind} from '../../../src/sql/statement-kind.js'

describe('statementKind: what a raw statement means to the transaction around it', () => {
  it('reads the leading words past comments, option lists and quoted names', () => {
    expect(
      leadingWords('-- why\n/* note */ reindex (verbose) table concurrently "My Table"', 'postgresql'),
    ).to.deep.equal(['REINDEX', 'TABLE', 'CONCURRENTLY', '"My Table"'])
    expect(leadingWords('ALTER TYPE public."Mood" ADD VALUE \'meh\'', 'postgresql')).to.deep.equal([
      'ALTER',
      'TYPE',
      'public."Mood"',
      'ADD',
      'VALUE',
    ])
  })

  const cases: Array<[string, 'mysql' | 'postgresql' | 'sqlite', string, number?]> = [
    ['BEGIN', 'postgresql', 'begin'],
    ['begin isolation level serializable', 'postgresql', 'begin'],
    ['START TRANSACTION READ WRITE', 'mysql', 'begin'],
    ['BEGIN NOT ATOMIC SELECT 1; END', 'mysql', 'plain'],
    ['BEGIN IMMEDIATE TRANSACTION', 'sqlite', 'begin'],
    ['COMMIT', 'mysql', 'commit'],
    ['END', 'postgresql', 'commit'],
    ['END TRANSACTION', 'sqlite', 'commit'],
    ['ROLLBACK', 'postgresql', 'rollback'],
    ['ROLLBACK TO SAVEPOINT a', 'postgresql', 'plain'],
    ["COMMIT PREPARED 'x'", 'postgresql', 'outside'],
    ['CREATE INDEX CONCURRENTLY ix ON t (a)', 'postgresql', 'outside'],
    ['create unique index concurrently if not exists ix on t (a)', 'postgresql', 'outside'],
    ['DROP INDEX CONCURRENTLY ix', 'postgresql', 'outside'],
    ['CREATE INDEX ix ON t (concurrently)', 'postgresql', 'plain'],
    ['REINDEX (VERBOSE) INDEX CONCURRENTLY ix', 'postgresql', 'outside'],
    ['REINDEX TABLE t', 'postgresql', 'plain'],
    ['VACUUM (ANALYZE) t', 'postgresql', 'outside'],
    ['VACUUM', 'sqlite', 'outside'],
    ['CREATE DATABASE tenant_1', 'postgresql', 'outside'],
    ['CREATE DATABASE tenant_1', 'mysql', 'plain'],
    ["CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p", 'postgresql', 'outside'],
    ['ALTER SUBSCRIPTION s REFRESH PUBLICATION', 'postgresql', 'outside'],
    ['ALTER SUBSCRIPTION s ENABLE', 'postgresql', 'plain'],
    ["ALTER TYPE mood ADD VALUE 'meh'", 'postgresql', 'outside', 110_005],
    ["ALTER TYPE mood ADD VALUE 'meh'", 'postgresql', 'plain', 150_004],
    ['UPDATE t SET a = 1', 'postgresql', 'plain'],
    ['ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY', 'postgresql', 'outside'],
    ['ALTER TABLE measurements DETACH PARTITION measurements_2020', 'postgresql', 'plain'],
    ['CLUSTER', 'postgresql', 'outside'],
    ['CLUSTER t USING ix', 'postgresql', 'plain'],
    ['DISCARD ALL', 'postgresql', 'outside'],
    ['ALTER DATABASE app SET TABLESPACE fast', 'postgresql', 'outside'],
    ['DROP SUBSCRIPTION s', 'postgresql', 'outside'],
    ['/*!40101 VACUUM */', 'mysql', 'plain'],
    ['-- VACUUM\nSELECT 1', 'sqlite', 'plain'],
    ['PRAGMA foreign_keys = OFF', 'sqlite', 'plain'],
    ['pragma main.journal_mode=WAL', 'sqlite', 'outside'],
    ['PRAGMA user_version = 3', 'sqlite', 'plain'],
    ['/* BEGIN; */ VACUUM', 'postgresql', 'outside'],
  ]
  for (const [sql, dialect, kind, version] of cases) {
    it(`${dialect}${version ? ` ${version}` : ''}: ${sql} is ${kind}`, () => {
      expect(statementKind(sql, dialect, version)).to.equal(kind)
    })
  }
})
