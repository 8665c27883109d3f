import {expect} from 'chai'

import {distance, nearest} from '../../../src/util/nearest.js'

const COMMANDS = [
  'check_migration',
  'check-migration',
  'current',
  'downgrade',
  'exec',
  'heads',
  'help',
  'history',
  'init',
  'renumber',
  'revision',
  'show',
  'stamp',
  'upgrade',
]

describe('nearest command', () => {
  it('counts insertions, deletions, substitutions and swaps as one edit each', () => {
    expect([
      distance('upgrad', 'upgrade'),
      distance('upgarde', 'upgrade'),
      distance('upgrxde', 'upgrade'),
      distance('uupgrade', 'upgrade'),
    ]).to.deep.equal([1, 1, 1, 1])
    expect(distance('', 'abc')).to.equal(3)
    expect(distance('kitten', 'sitting')).to.equal(3)
  })

  it('finds what a typo meant', () => {
    expect(
      ['upgrad', 'upgarde', 'UPGRADE', 'dowgrade', 'curent', 'stmp', 'hist', 'renumbr', 'chek_migration'].map((w) =>
        nearest(w, COMMANDS),
      ),
    ).to.deep.equal([
      'upgrade',
      'upgrade',
      'upgrade',
      'downgrade',
      'current',
      'stamp',
      'history',
      'renumber',
      'check_migration',
    ])
  })

  it('suggests nothing for a word far from every command, or too short to tell', () => {
    expect(['frobnicate', 'x', 'zz', 'migrate', 'he'].map((w) => nearest(w, COMMANDS))).to.deep.equal([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })
})
