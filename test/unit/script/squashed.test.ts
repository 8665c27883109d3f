import {expect} from 'chai'

import {readHeader} from '../../../src/script/header.js'
import {RevisionMap} from '../../../src/script/revision-map.js'
import type {Revision} from '../../../src/script/revision.js'
import {insideSquash, squashedInto, squashRange} from '../../../src/script/squashed.js'
import {compareChecksums} from '../../../src/runtime/checksums.js'
import type {ScriptRevision} from '../../../src/script/script-directory.js'
import type {HistoryRow} from '../../../src/runtime/version-store.js'

/** 001..003 squashed into 003, then 004 and 005. */
const squashedChain: Revision[] = [
  {downRevision: null, fileName: '003_squash.ts', id: '003', message: 'squash', squashed: '001:003'},
  {downRevision: '003', id: '004', message: 'four'},
  {downRevision: '004', id: '005', message: 'five'},
]

describe('squashed revisions', () => {
  it('read squashed and squashedChecksum from a script header', () => {
    const text = [
      "export const revision = '040'",
      "export const downRevision = '009'",
      "export const message = 'squash of 010 to 040'",
      "export const squashed = '010:040'",
      "export const squashedChecksum = 'abc123'",
      'export async function upgrade() {}',
    ].join('\n')
    expect(readHeader(text, 'ts', '040_squash.ts')).to.deep.equal({
      createdAt: undefined,
      downRevision: '009',
      id: '040',
      message: 'squash of 010 to 040',
      squashed: '010:040',
      squashedChecksum: 'abc123',
    })
    expect(readHeader(text.replace(/^export const squash.*\n/gm, ''), 'ts', 'x.ts')).to.not.have.property('squashed')
  })

  it('are sequential when START follows the down revision, and are not otherwise', () => {
    expect(new RevisionMap(squashedChain).problems()).to.deep.equal([])
    const gap = [{...squashedChain[0], squashed: '002:003'}, ...squashedChain.slice(1)]
    expect(new RevisionMap(gap).problems()).to.deep.equal([
      {
        kind: 'non-sequential',
        message: '003_squash.ts: squash 002:003 does not start where it should as the first revision (expected 001)',
        revisions: ['003'],
      },
    ])
    const wrongEnd = [{...squashedChain[0], squashed: '001:002'}, ...squashedChain.slice(1)]
    expect(new RevisionMap(wrongEnd).problems().map((p) => p.message)).to.deep.equal([
      '003_squash.ts: squashed 001:002 is not a range START:003',
    ])
  })

  it('name the squash that replaced a revision, and only inside its range', () => {
    expect(squashRange(squashedChain[0])).to.deep.equal({from: '001', to: '003'})
    expect(squashRange(squashedChain[1])).to.equal(undefined)
    expect(squashedInto(squashedChain, '001')?.id).to.equal('003')
    expect(squashedInto(squashedChain, '002')?.id).to.equal('003')
    expect(squashedInto(squashedChain, '003')).to.equal(undefined)
    expect(squashedInto(squashedChain, '004')).to.equal(undefined)
    expect(squashedInto(squashedChain, '099')).to.equal(undefined)
  })

  it('tell a database inside the range what to do, from the revision map too', () => {
    expect(insideSquash('002', squashedChain[0])).to.equal(
      'the database is at revision 002, which 003_squash.ts replaced (squash of 001:003): take it to 003 with the' +
        ` scripts from before the squash, then run db-manage again; or, if its schema is 003's already, run` +
        ' "db-manage stamp 003"',
    )
    expect(() => new RevisionMap(squashedChain).position('+1', '002')).to.throw(insideSquash('002', squashedChain[0]))
    expect(() => new RevisionMap(squashedChain).position('+1', '077')).to.throw(
      'the database is at revision 077, which no script in the chain declares',
    )
  })

  it("accept the old END's recorded checksum for the squash, and no other", () => {
    const script = (id: string, checksum: string, squashedChecksum?: string): ScriptRevision =>
      ({
        checksum,
        downRevision: null,
        fileName: `${id}_x.ts`,
        id,
        kind: 'ts',
        message: '',
        path: '',
        slug: 'x',
        squashedChecksum,
      }) as ScriptRevision
    const row = (revision: string, checksum: string) =>
      ({appliedAt: '2026-12-01 10:00:00', appliedBy: 'ci', checksum, direction: 'upgrade', revision}) as HistoryRow
    const chain = [script('003', 'new', 'old')]
    expect(compareChecksums(chain, '003', [row('003', 'old')])).to.deep.include({edited: [], matching: 1})
    expect(compareChecksums(chain, '003', [row('003', 'new')])).to.deep.include({edited: [], matching: 1})
    expect(compareChecksums(chain, '003', [row('003', 'other')]).edited).to.have.length(1)
  })
})
