import {expect} from 'chai'

import {foldIndexes} from '../../../src/autogenerate/scratch-fold.js'

/** The statements as they would be sent, and which of the given ones each stands for. */
const sent = (statements: string[]) => foldIndexes(statements).map((u) => [u.sql, u.from, u.to])

describe("foldIndexes: MySQL's CREATE INDEX written into the CREATE TABLE just before it", () => {
  it('writes each index that follows its table into it, in order, and leaves the next table alone', () => {
    expect(
      sent([
        'CREATE TABLE a (\n  id INT,\n  name VARCHAR(10)\n)',
        'CREATE INDEX ix_a ON a (name)',
        'CREATE UNIQUE INDEX ux USING BTREE ON a (id, name(3) DESC)',
        'CREATE INDEX ix_b ON b (x)',
      ]),
    ).to.deep.equal([
      [
        'CREATE TABLE a (\n  id INT,\n  name VARCHAR(10)\n,\n  INDEX ix_a (name),\n  UNIQUE INDEX ux USING BTREE (id, name(3) DESC)\n)',
        0,
        3,
      ],
      ['CREATE INDEX ix_b ON b (x)', 3, 4],
    ])
  })

  it('keeps table options after the definitions, a trailing USING, and a comment ending the last line', () => {
    expect(
      sent(["CREATE TABLE a (id INT) ENGINE=InnoDB COMMENT='x'", 'CREATE INDEX i ON a (id) USING HASH']),
    ).to.deep.equal([["CREATE TABLE a (id INT,\n  INDEX i USING HASH (id)\n) ENGINE=InnoDB COMMENT='x'", 0, 2]])
    expect(sent(['CREATE TABLE a (id INT, -- last\n x INT -- c\n)', 'CREATE INDEX i ON a ((id + 1))'])).to.deep.equal([
      ['CREATE TABLE a (id INT, -- last\n x INT -- c\n,\n  INDEX i ((id + 1))\n)', 0, 2],
    ])
  })

  for (const [why, statements] of Object.entries({
    'an index with options': ['CREATE TABLE a (id INT)', "CREATE INDEX i ON a (id) COMMENT 'c'"],
    'an index with a comment among its words': ['CREATE TABLE a (id INT)', 'CREATE INDEX /* c */ i ON a (id)'],
    'a FULLTEXT index': ['CREATE TABLE a (t TEXT)', 'CREATE FULLTEXT INDEX f ON a (t)'],
    'a table named otherwise': ['CREATE TABLE a (id INT)', 'CREATE INDEX k ON `a` (id)'],
    'a table that may be there already': ['CREATE TABLE IF NOT EXISTS a (id INT)', 'CREATE INDEX i ON a (id)'],
    'a copy of another table': ['CREATE TABLE a (LIKE b)', 'CREATE INDEX i ON a (id)'],
    'a partitioned table': ['CREATE TABLE a (id INT) PARTITION BY HASH (id)', 'CREATE INDEX i ON a (id)'],
    'a table made from a query': ['CREATE TABLE a (id INT) AS SELECT 1 AS id', 'CREATE INDEX i ON a (id)'],
    'a string with a backslash': ["CREATE TABLE a (id INT DEFAULT 'a\\\\b')", 'CREATE INDEX i ON a (id)'],
    'versioned code': ['CREATE TABLE a (id INT) /*!50100 ENGINE=InnoDB */', 'CREATE INDEX i ON a (id)'],
    'a statement between them': ['CREATE TABLE a (id INT)', 'INSERT INTO a VALUES (1)', 'CREATE INDEX i ON a (id)'],
  })) {
    it(`sends ${why} as it is`, () => {
      expect(sent(statements)).to.deep.equal(statements.map((sql, i) => [sql, i, i + 1]))
    })
  }
})
