import {expect} from 'chai'

import {RevisionMap} from '../../../src/script/revision-map.js'
import type {Revision} from '../../../src/script/revision.js'
import {ChainError, RevisionError} from '../../../src/util/errors.js'

function chain(n: number): Revision[] {
  return Array.from({length: n}, (_, i) => ({
    downRevision: i === 0 ? null : String(i).padStart(3, '0'),
    id: String(i + 1).padStart(3, '0'),
    message: `rev ${i + 1}`,
  }))
}

const kinds = (map: RevisionMap) => map.problems().map((p) => p.kind)

describe('RevisionMap', () => {
  describe('a sound chain', () => {
    const map = new RevisionMap(chain(5))

    it('has one head and one base and no problems', () => {
      expect(map.heads.map((r) => r.id)).to.deep.equal(['005'])
      expect(map.bases.map((r) => r.id)).to.deep.equal(['001'])
      expect(map.problems()).to.deep.equal([])
      expect(map.linear().map((r) => r.id)).to.deep.equal(['001', '002', '003', '004', '005'])
    })

    it('resolves head, base, ids, unpadded numbers and relative identifiers', () => {
      expect(map.resolve('head')).to.equal('005')
      expect(map.resolve('base')).to.equal(null)
      expect(map.resolve('003')).to.equal('003')
      expect(map.resolve('3')).to.equal('003')
      expect(map.resolve('head-2')).to.equal('003')
      expect(map.resolve('002+2')).to.equal('004')
      expect(map.resolve('004-3')).to.equal('001')
      expect(map.resolve('base+1')).to.equal('001')
      expect(map.resolve('+2', '002')).to.equal('004')
      expect(map.resolve('-2', '002')).to.equal(null)
      expect(map.resolve('+1', null)).to.equal('001')
      expect(map.resolve('current', '004')).to.equal('004')
    })

    it('says how far a relative step can go', () => {
      expect(() => map.resolve('+5', '002')).to.throw(
        RevisionError,
        '+5: only 3 revision(s) above the current revision (002)',
      )
      expect(() => map.resolve('head-6')).to.throw(RevisionError, 'head-6: only 5 revision(s) below head (005)')
      expect(() => map.resolve('+0', '002')).to.throw(RevisionError, 'a relative step must not be 0')
      expect(() => map.resolve('+1')).to.throw(RevisionError, 'relative to the database')
    })

    it('names unknown and ambiguous identifiers', () => {
      expect(() => map.resolve('009')).to.throw(RevisionError, 'unknown revision "009" (the chain runs 001 to 005)')
      expect(() => map.resolve('00')).to.throw(RevisionError, 'unknown revision "00"')
      expect(() => map.resolve('x;y')).to.throw(RevisionError, 'invalid revision "x;y"')
      const hex = new RevisionMap([
        {downRevision: null, id: 'ab12', message: ''},
        {downRevision: 'ab12', id: 'ab34', message: ''},
      ])
      expect(hex.resolve('ab3')).to.equal('ab34')
      expect(() => hex.resolve('ab')).to.throw(RevisionError, 'ambiguous revision "ab": it could be ab12, ab34')
    })

    it('reads ranges with either side optional', () => {
      expect(map.range('002:004')).to.deep.equal({from: 2, to: 4})
      expect(map.range(':003')).to.deep.equal({from: 0, to: 3})
      expect(map.range('003:')).to.deep.equal({from: 3, to: 5})
      expect(map.between(2, 4).map((r) => r.id)).to.deep.equal(['003', '004'])
      expect(() => map.range('001')).to.throw(RevisionError, 'invalid range "001": expected START:END')
    })

    it('gives the next id, padded to the configured width', () => {
      expect(map.nextId()).to.equal('006')
      expect(new RevisionMap([], 4).nextId()).to.equal('0001')
    })
  })

  describe('a broken chain', () => {
    it('finds two heads and a duplicate id, naming the files', () => {
      const revs: Revision[] = [...chain(3), {downRevision: '002', fileName: '003_other.ts', id: '003', message: ''}]
      const map = new RevisionMap(revs)
      expect(kinds(map)).to.include.members(['duplicate', 'multiple-heads'])
      expect(map.problems().find((p) => p.kind === 'duplicate')!.message).to.equal(
        'duplicate revision 003: 003, 003_other.ts',
      )
      expect(() => map.linear()).to.throw(ChainError, 'the revision chain is broken')
      expect(() => map.nextId()).to.throw(ChainError, 'run "db-manage renumber" first')
    })

    it('finds a missing down revision, several bases and a non-sequential id', () => {
      const map = new RevisionMap([
        {downRevision: null, fileName: '001_a.ts', id: '001', message: ''},
        {downRevision: '001', fileName: '003_b.ts', id: '003', message: ''},
        {downRevision: '007', fileName: '008_c.ts', id: '008', message: ''},
        {downRevision: null, fileName: '009_d.ts', id: '009', message: ''},
      ])
      const messages = map.problems().map((p) => p.message)
      expect(messages).to.include('008_c.ts: down revision 007 does not exist')
      expect(messages).to.include('2 base revisions: 001_a.ts, 009_d.ts')
      expect(messages).to.include('003_b.ts: revision 003 is not sequential after 001 (expected 002)')
      expect(messages).to.include('009_d.ts: revision 009 is not sequential as the first revision (expected 001)')
    })

    it('finds a cycle', () => {
      const map = new RevisionMap([
        {downRevision: null, id: '001', message: ''},
        {downRevision: '003', id: '002', message: ''},
        {downRevision: '002', id: '003', message: ''},
      ])
      expect(map.problems().find((p) => p.kind === 'cycle')!.message).to.match(
        /^cycle: (002 -> 003 -> 002|003 -> 002 -> 003)/,
      )
    })

    it('finds a file name that does not match its id', () => {
      const map = new RevisionMap([{downRevision: null, fileName: '002_a.ts', id: '001', message: ''}])
      expect(map.problems().map((p) => p.message)).to.deep.equal([
        '002_a.ts: file name does not start with its revision id 001',
      ])
    })
  })
})
