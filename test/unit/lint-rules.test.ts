import {expect} from 'chai'

import {findings} from '../../src/lint/rules.js'

describe('lint rules on operations', () => {
  it('recreateEnumType converts each column of an existing table (DM104), not those of a table the same revision creates', () => {
    const result = findings(
      [
        {columns: [{name: 'id', type: 'integer'}], kind: 'createTable', table: 'fresh'},
        {
          columns: [
            {column: 'rating', default: 'G', table: 'film'},
            {array: true, column: 'past', table: 'film'},
            {column: 'mood', table: 'fresh'},
          ],
          kind: 'recreateEnumType',
          name: 'mpaa_rating',
          values: ['G', 'R'],
        },
      ] as never,
      'postgresql',
    )
    expect(result).to.deep.equal([
      {message: 'change the type of film.rating to the recreated enum mpaa_rating', rule: 'DM104'},
      {message: 'change the type of film.past to the recreated enum mpaa_rating', rule: 'DM104'},
    ])
  })

  it('a serial column (numbered by a sequence) is an info on PostgreSQL (DM111), the migration keeping it so; nothing elsewhere', () => {
    const ops = [
      {
        columns: [{autoincrement: true, name: 'id', sequence: 'posts_id_seq', type: 'bigint'}],
        kind: 'createTable',
        table: 'posts',
      },
      {autoincrement: true, column: 'id', kind: 'alterColumn', sequence: 'tags_id_seq', table: 'tags'},
      {columns: [{autoincrement: true, name: 'id', type: 'bigint'}], kind: 'createTable', table: 'plain'},
    ] as never
    expect(findings(ops, 'postgresql')).to.deep.equal([
      {message: 'column posts.id numbered by a sequence (serial)', rule: 'DM111'},
      {message: 'column tags.id numbered by a sequence (serial)', rule: 'DM111'},
    ])
    expect(findings(ops, 'mysql')).to.deep.equal([])
  })
})
