import {expect} from 'chai'

import {findings} from '../../src/lint/rules.js'

describe('lint rules on operations', () => {
  it('recreateEnumType converts each column of an existing table (DM104), not those of a table the same revision creates', () => {
    const result = findings([
      {columns: [{name: 'id', type: 'integer'}], kind: 'createTable', table: 'fresh'},
      {columns: [{column: 'rating', default: 'G', table: 'film'}, {array: true, column: 'past', table: 'film'}, {column: 'mood', table: 'fresh'}], kind: 'recreateEnumType', name: 'mpaa_rating', values: ['G', 'R']},
    ] as never, 'postgresql')
    expect(result).to.deep.equal([
      {message: 'change the type of film.rating to the recreated enum mpaa_rating', rule: 'DM104'},
      {message: 'change the type of film.past to the recreated enum mpaa_rating', rule: 'DM104'},
    ])
  })
})
