import {expect} from 'chai'

import type {Change} from '../../../src/autogenerate/change.js'
import {compareObjects, type ObjectChanges} from '../../../src/autogenerate/compare-objects.js'
import type {ObjectSchema} from '../../../src/model/object-schema.js'

/** An object as an introspector reports it: `sql` its definition, made and dropped by statements that say so. */
function object(kind: ObjectSchema['kind'], name: string, sql: string, more: Partial<ObjectSchema> = {}): ObjectSchema {
  return {
    create: `CREATE ${kind} ${name}: ${sql}`,
    definition: sql,
    drop: `DROP ${kind} ${name}`,
    kind,
    name,
    objects: [],
    tables: [],
    ...more,
  }
}

/** Each group as `upgrade SQL | downgrade SQL` lines, to read the order at a glance. */
function steps(changes: ObjectChanges): Record<string, string[]> {
  const line = (c: Change) =>
    `${c.upgrade?.kind === 'execute' ? c.upgrade.sql : '-'} | ${c.downgrade?.kind === 'execute' ? c.downgrade.sql : '-'}`
  return Object.fromEntries(Object.entries(changes).map(([group, list]) => [group, (list as Change[]).map(line)]))
}

const none = {after: [], afterTables: [], before: [], beforeTables: []}

describe('compareObjects: views, routines and triggers by their definitions', () => {
  it('the same definitions: nothing', () => {
    const v = object('view', 'v', 'SELECT 1')
    expect(steps(compareObjects([v], [{...v, create: 'spelled otherwise'}], []))).to.deep.equal(none)
  })

  it('a new object is made after the tables, one gone is dropped before them and made again on downgrade', () => {
    const result = compareObjects([object('view', 'old', 'SELECT 1')], [object('view', 'new', 'SELECT 2')], [])
    expect(steps(result)).to.deep.equal({
      ...none,
      after: ['CREATE view new: SELECT 2 | DROP view new'],
      before: ['DROP view old | CREATE view old: SELECT 1'],
    })
    expect(result.before[0].description).to.equal('drop view old')
    expect(result.after[0].description).to.equal('add view new')
  })

  it('a changed view drops the view on it first and makes it again after, each in dependency order', () => {
    const inner = (sql: string) => object('view', 'inner', sql)
    const outer = object('view', 'outer', 'SELECT * FROM inner', {objects: ['view inner']})
    const other = object('view', 'other', 'SELECT 3')
    // Listed dependents first: the order comes from the dependencies, not the list.
    const result = compareObjects([outer, inner('SELECT 1'), other], [outer, inner('SELECT 2'), other], [])
    expect(steps(result)).to.deep.equal({
      ...none,
      after: [
        'CREATE view inner: SELECT 2 | DROP view inner',
        'CREATE view outer: SELECT * FROM inner | DROP view outer',
      ],
      before: [
        'DROP view outer | CREATE view outer: SELECT * FROM inner',
        'DROP view inner | CREATE view inner: SELECT 1',
      ],
    })
    expect(result.before.map((c) => c.description)).to.deep.equal([
      'drop view outer (made again after: it depends on view inner, dropped first)',
      'drop view inner (made again as the target defines it)',
    ])
  })

  it('a function whose arguments and result stay is replaced in place; its trigger stays', () => {
    const f = (body: string) =>
      object('function', 'f()', body, {replace: `CREATE OR REPLACE f: ${body}`, replaceable: '() -> trigger'})
    const t = object('trigger', 't on x', 'EXECUTE f()', {objects: ['function f()'], table: 'x'})
    const result = compareObjects([f('a'), t], [f('b'), t], [])
    expect(steps(result)).to.deep.equal({...none, after: ['CREATE OR REPLACE f: b | CREATE OR REPLACE f: a']})
    expect(result.after[0].description).to.equal('replace function f() (CREATE OR REPLACE)')
  })

  it('a function whose result changes is dropped under its trigger: the trigger goes first and comes back last', () => {
    const f = (body: string, result: string) =>
      object('function', 'f()', body, {replace: `CREATE OR REPLACE f: ${body}`, replaceable: `() -> ${result}`})
    const t = object('trigger', 't on x', 'EXECUTE f()', {objects: ['function f()'], table: 'x'})
    expect(steps(compareObjects([f('a', 'trigger'), t], [f('b', 'event_trigger'), t], []))).to.deep.equal({
      ...none,
      after: ['CREATE function f(): b | DROP function f()', 'CREATE trigger t on x: EXECUTE f() | DROP trigger t on x'],
      before: [
        'DROP trigger t on x | CREATE trigger t on x: EXECUTE f()',
        'DROP function f() | CREATE function f(): a',
      ],
    })
  })

  it('a column that changes type, is renamed or dropped under a view (or whose enum is recreated) takes the view', () => {
    const reads = (name: string, column: string) =>
      object('view', name, `SELECT ${column} FROM t`, {tables: [{columns: [column], table: 't'}]})
    const views = [reads('by_a', 'a'), reads('by_b', 'b'), reads('by_c', 'c'), reads('by_d', 'd'), reads('by_e', 'e')]
    const tableChanges: Change[] = [
      {description: '', table: 't', upgrade: {column: 'a', kind: 'alterColumn', table: 't', type: 'bigint'}},
      {description: '', table: 't', upgrade: {column: 'b', kind: 'alterColumn', newName: 'bb', table: 't'}},
      {description: '', downgrade: {column: 'c', kind: 'dropColumn', table: 't'}, table: 't'},
      {description: '', table: 't', upgrade: {column: 'e', default: 1, kind: 'alterColumn', table: 't'}},
      {
        description: '',
        table: 'mood',
        upgrade: {columns: [{column: 'd', table: 't'}], kind: 'recreateEnumType', name: 'mood', values: ['x']},
      },
    ]
    const result = compareObjects(views, views, tableChanges)
    // A new default on e stands in no view's way.
    expect(result.before.map((c) => c.description)).to.deep.equal([
      'drop view by_d (made again after: it reads t.d, which changes)',
      'drop view by_c (made again after: it reads t.c, which changes)',
      'drop view by_b (made again after: it reads t.b, which changes)',
      'drop view by_a (made again after: it reads t.a, which changes)',
    ])
    expect(result.after.map((c) => c.description)).to.deep.equal([
      'add view by_a again',
      'add view by_b again',
      'add view by_c again',
      'add view by_d again',
    ])
  })

  it('a function a table uses is made before the tables change and dropped after them', () => {
    const f = object('function', 'next_code()', 'SELECT 1', {usedByTables: true})
    expect(steps(compareObjects([], [f], []))).to.deep.equal({
      ...none,
      beforeTables: ['CREATE function next_code(): SELECT 1 | DROP function next_code()'],
    })
    expect(steps(compareObjects([f], [], []))).to.deep.equal({
      ...none,
      afterTables: ['DROP function next_code() | CREATE function next_code(): SELECT 1'],
    })
  })

  it('a function is made after one its body calls, though the catalog records no dependency', () => {
    const caller = object('function', 'a_caller(integer)', 'AS $$ SELECT z_callee($1) $$')
    const callee = object('function', 'z_callee(integer)', 'AS $$ SELECT $1 $$')
    expect(compareObjects([], [caller, callee], []).after.map((c) => c.description)).to.deep.equal([
      'add function z_callee(integer)',
      'add function a_caller(integer)',
    ])
  })
})
