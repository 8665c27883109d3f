import {expect} from 'chai'

import {readHeader} from '../../../src/script/header.js'
import {rewriteHeader, slugify, sqlScript, typescriptScript} from '../../../src/script/templates.js'
import {ScriptError} from '../../../src/util/errors.js'

describe('script headers', () => {
  it('reads a TypeScript header without running it', () => {
    const text = `import type {Operations} from 'db-manage'
export const revision: string = '007'
export const downRevision = "006"
export const message = 'it\\'s the "events" table'
export const createdAt = '2026-11-22T10:00:00Z'
throw new Error('never run')
`
    expect(readHeader(text, 'ts', '007_x.ts')).to.deep.equal({
      createdAt: '2026-11-22T10:00:00Z',
      downRevision: '006',
      id: '007',
      message: `it's the "events" table`,
    })
  })

  it('reads null as the first revision', () => {
    const header = readHeader(`export const revision = '001'\nexport const downRevision = null\n`, 'js', '001_a.js')
    expect(header.downRevision).to.equal(null)
    expect(header.message).to.equal('')
  })

  it('names the file when the header is missing', () => {
    expect(() => readHeader('export const downRevision = null', 'ts', '001_a.ts')).to.throw(
      ScriptError,
      `001_a.ts: no "export const revision = '...'" found`,
    )
    expect(() => readHeader(`export const revision = '001'`, 'ts', '001_a.ts')).to.throw(
      ScriptError,
      '001_a.ts: no "export const downRevision',
    )
  })

  it('reads a SQL header from its comments', () => {
    const text =
      '-- revision: 008\n-- down_revision: 007\n-- message: backfill: events\n-- +upgrade\n-- revision: 999\nSELECT 1;\n'
    expect(readHeader(text, 'sql', '008_b.sql')).to.deep.equal({
      createdAt: undefined,
      downRevision: '007',
      id: '008',
      message: 'backfill: events',
    })
    expect(readHeader('-- revision: 001\n-- down_revision: null\n-- +upgrade\n', 'sql', 'a').downRevision).to.equal(
      null,
    )
    expect(() => readHeader('-- +upgrade\n', 'sql', '009_c.sql')).to.throw(
      ScriptError,
      '009_c.sql: no "-- revision: ..." header line found',
    )
  })

  it('round-trips the templates through the reader', () => {
    const header = {createdAt: '2026-11-22T10:00:00Z', downRevision: '004', id: '005', message: "add user's email"}
    expect(readHeader(typescriptScript(header), 'ts', 'x')).to.deep.equal(header)
    expect(readHeader(sqlScript(header), 'sql', 'x')).to.deep.equal(header)
  })

  it('rewrites only the id and down revision', () => {
    const ts = typescriptScript({createdAt: 'c', downRevision: '006', id: '007', message: 'm'})
    const out = rewriteHeader(ts, 'ts', '008', '007')
    expect(readHeader(out, 'ts', 'x')).to.deep.equal({createdAt: 'c', downRevision: '007', id: '008', message: 'm'})
    expect(out.replace(/'008'/, "'007'").replace(/downRevision = '007'/, "downRevision = '006'")).to.equal(ts)
    const sql = rewriteHeader(sqlScript({downRevision: null, id: 'ab12', message: 'm'}), 'sql', '001', null)
    expect(readHeader(sql, 'sql', 'x')).to.include({downRevision: null, id: '001'})
  })

  it('slugifies messages for file names', () => {
    expect(slugify('Add user e-mail (v2)!')).to.equal('add_user_e_mail_v2')
    expect(slugify('!!!')).to.equal('revision')
    // Letters of any script stay, as in Alembic's slug (\w+ in Python 3 is Unicode).
    expect(slugify('Ajouter la colonne « été »')).to.equal('ajouter_la_colonne_été')
  })
})
