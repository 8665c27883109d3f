import {expect} from 'chai'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {objectStatus} from '../../../src/runtime/object-status.js'
import type {HistoryRow} from '../../../src/runtime/version-store.js'
import {objectKey, orderByDepends, readObjectScripts, readRepeatables} from '../../../src/script/object-scripts.js'
import {scriptChecksum} from '../../../src/script/script-directory.js'

const item = (name: string, depends: string[] = []) => ({depends, fileName: `repeatable/${name}.sql`, name})
const names = (list: ReadonlyArray<{name: string}>) => list.map((s) => s.name)

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-objects-'))
  mkdirSync(path.join(dir, 'repeatable'))
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'repeatable', name), text)
  return dir
}

function row(revision: string, direction: string, checksum: null | string = null): HistoryRow {
  return {
    appliedAt: '2026-12-07 03:00:00',
    appliedBy: 'ci@runner',
    checksum,
    dbManageVersion: '0.1.0',
    direction,
    durationMs: 3,
    fromRevision: '002',
    revision,
    toRevision: '002',
  }
}

describe('object scripts (repeatables, seeds)', () => {
  it('run in file-name order unless a dependency says otherwise', () => {
    expect(names(orderByDepends([item('c'), item('a'), item('b')], 'repeatable'))).to.deep.equal(['a', 'b', 'c'])
    expect(names(orderByDepends([item('a', ['c']), item('b'), item('c', ['b'])], 'repeatable'))).to.deep.equal([
      'b',
      'c',
      'a',
    ])
    // A script with no dependency keeps its place by name; only what depends moves after what it needs.
    expect(names(orderByDepends([item('a', ['d']), item('b'), item('c'), item('d')], 'repeatable'))).to.deep.equal([
      'b',
      'c',
      'd',
      'a',
    ])
  })

  it('refuse a cycle, an unknown dependency and a script that depends on itself, each in one line', () => {
    expect(() => orderByDepends([item('a', ['b']), item('b', ['c']), item('c', ['a']), item('d')], 'repeatable'))
      .to.throw('repeatable/a.sql: a dependency cycle: a -> b -> c -> a')
      .with.property('name', 'ScriptError')
    expect(() => orderByDepends([item('a'), item('b', ['nope'])], 'repeatable')).to.throw(
      'repeatable/b.sql: "depends: nope" names no file in repeatable/',
    )
    expect(() => orderByDepends([item('a', ['a'])], 'repeatable')).to.throw('repeatable/a.sql: depends on itself')
  })

  it('key a long name to the 32 characters of the revision column, two long names apart', () => {
    expect(objectKey('active_customers')).to.equal('active_customers')
    expect(objectKey('x'.repeat(32))).to.equal('x'.repeat(32))
    const a = objectKey('customer_invoice_summary_by_region')
    const b = objectKey('customer_invoice_summary_by_country')
    expect(a)
      .to.have.length(32)
      .and.match(/^customer_invoice_summar~[\da-f]{8}$/)
    expect(b).to.have.length(32).and.not.equal(a)
  })

  it('read -- depends lines of SQL and export const depends of a module, without running it', () => {
    const dir = folder({
      'a_view.sql':
        '-- the view over b\n-- depends: b_view.sql, c_func\nCREATE VIEW a AS SELECT 1;\n-- depends: later\n',
      'b_view.ts': `export const depends = ['c_func']\nthrow new Error('never run')\n`,
      'c_func.mjs': 'export async function upgrade() {}\n',
      'README.md': 'not a script',
    })
    const scripts = readRepeatables(dir)
    expect(scripts.map((s) => [s.fileName, s.depends, s.kind])).to.deep.equal([
      ['repeatable/c_func.mjs', [], 'mjs'],
      ['repeatable/b_view.ts', ['c_func'], 'ts'],
      ['repeatable/a_view.sql', ['b_view', 'c_func'], 'sql'],
    ])
    expect(scripts[2].checksum).to.equal(
      scriptChecksum(
        '-- the view over b\n-- depends: b_view.sql, c_func\nCREATE VIEW a AS SELECT 1;\n-- depends: later\n',
      ),
    )
    expect(scripts[2].key).to.equal('a_view')
  })

  it('refuse a name that is not plain, two files of one name, and a depends that is not written out', () => {
    expect(() => readRepeatables(folder({'my view.sql': 'SELECT 1'}))).to.throw(
      "repeatable/my view.sql: a repeatable's file name must be letters, digits, _ and - before its extension",
    )
    expect(() => readRepeatables(folder({'v.sql': 'SELECT 1', 'v.ts': 'export async function upgrade() {}'}))).to.throw(
      'repeatable/v.ts: repeatable/v.sql has the same name (v); keep one of them',
    )
    expect(() => readRepeatables(folder({'v.ts': 'export const depends = names()'}))).to.throw(
      'repeatable/v.ts: export const depends must be a string or an array of strings, written out',
    )
  })

  it('are none when the folder is missing', () => {
    expect(readObjectScripts(path.join(os.tmpdir(), 'no-such-folder-db-manage'), 'seed', 'seeds')).to.deep.equal([])
  })

  it('are new, changed, applied, or (a repeatable) due again after a downgrade, from the history rows', () => {
    const dir = folder({'a.sql': 'SELECT 1', 'b.sql': 'SELECT 2', 'c.sql': 'SELECT 3'})
    const [a, b, c] = readRepeatables(dir)
    const state = (rows: HistoryRow[]) => objectStatus([a, b, c], 'repeatable', rows).map((s) => s.state)
    expect(state([])).to.deep.equal(['new', 'new', 'new'])
    const applied = [row('002', 'upgrade'), row('a', 'repeatable', a.checksum), row('b', 'repeatable', 'old')]
    expect(state(applied)).to.deep.equal(['applied', 'changed', 'new'])
    // A seed's row of the same name is another kind's: it says nothing of the repeatable.
    expect(state([row('c', 'seed', c.checksum)])).to.deep.equal(['new', 'new', 'new'])
    expect(state([...applied, row('002', 'downgrade')])).to.deep.equal(['after a downgrade', 'changed', 'new'])
    expect(state([...applied, row('002', 'downgrade'), row('a', 'repeatable', a.checksum)])).to.deep.equal([
      'applied',
      'changed',
      'new',
    ])
  })
})
