import {expect} from 'chai'

import {brief} from '../../../src/sql/brief.js'

describe('brief: a statement on one line', () => {
  /** What brief promises: every run of whitespace one space, the ends trimmed, the first `length` characters. */
  const whole = (sql: string, length = 120) => sql.replaceAll(/\s+/g, ' ').trim().slice(0, length)

  it('joins the words with one space and cuts at the length, reading no further than it needs', () => {
    const body = `CREATE FUNCTION f() RETURNS trigger AS $$\nBEGIN\n${'  NEW.x := NEW.x + 1;\n'.repeat(5000)}END\n$$`
    const cases: Array<[string, number]> = [
      ['SELECT 1', 120],
      ['  \n\tSELECT\n\n  *\r\n  FROM t  \n', 120],
      ['', 60],
      [' \n\t ', 60],
      [body, 60],
      [body, 120],
      ['CREATE TABLE "t_1" (\n    "id" INTEGER NOT NULL,\n    "name" VARCHAR(100)\n)', 20],
      ['SELECT abc', 9],
      ['SELECT abc', 10],
      ['SELECT abc', 11],
      [`INSERT INTO t VALUES ('${'x'.repeat(300)}')`, 60],
      ['a\u00a0b\u2028c  d', 120],
    ]
    for (const [sql, length] of cases)
      expect(brief(sql, length), JSON.stringify(sql.slice(0, 40))).to.equal(whole(sql, length))
    // Every character JavaScript's \s matches counts as a space, and no other.
    const differ: string[] = []
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code)
      if (brief(`a${c}b`) !== whole(`a${c}b`)) differ.push(`U+${code.toString(16)}`)
    }

    expect(differ).to.deep.equal([])
    expect(brief(body, 60)).to.equal('CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := NEW')
  })
})
