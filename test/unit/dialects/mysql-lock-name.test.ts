import {expect} from 'chai'

import {mysqlLockName} from '../../../src/dialects/mysql/mysql-adapter.js'

describe("mysqlLockName: one GET_LOCK name per database and version table, within MySQL's 64 characters", () => {
  it('names the database and the table, readably, when they fit', () => {
    expect(mysqlLockName('app', 'alembic_version')).to.equal('db-manage:app.alembic_version')
    expect(mysqlLockName('tenant_042', 'catalog_version')).to.equal('db-manage:tenant_042.catalog_version')
    expect(mysqlLockName('app', 'alembic_version')).to.not.equal(mysqlLockName('app2', 'alembic_version'))
    // 63 characters still fit as they are.
    const fits = 'd'.repeat(63 - 'db-manage:.alembic_version'.length)
    expect(mysqlLockName(fits, 'alembic_version')).to.equal(`db-manage:${fits}.alembic_version`).and.to.have.length(63)
  })

  it('cuts a longer one and ends it with a hash of the whole: 64 characters, distinct when only ends differ', () => {
    const a = mysqlLockName(`${'x'.repeat(63)}1`, 'alembic_version')
    const b = mysqlLockName(`${'x'.repeat(63)}2`, 'alembic_version')
    const c = mysqlLockName(`${'x'.repeat(63)}1`, 'other_version')
    for (const name of [a, b, c]) expect(name).to.match(/^db-manage:x{37}~[\da-f]{16}$/)
    expect(new Set([a, b, c]).size).to.equal(3)
    // At 64 characters the hash starts: a 64-character name is never one written out.
    const edge = 'd'.repeat(64 - 'db-manage:.alembic_version'.length)
    expect(mysqlLockName(edge, 'alembic_version')).to.match(/^db-manage:d{37}~[\da-f]{16}$/)
    expect(mysqlLockName(edge, 'alembic_version')).to.equal(mysqlLockName(edge, 'alembic_version'))
  })

  it('counts characters, not bytes: a database named in another script keeps whole characters', () => {
    const name = mysqlLockName('база_данных_'.repeat(6), 'alembic_version')
    expect([...name]).to.have.length(64)
    expect(name.startsWith('db-manage:база_данных_база_данных_база_данных_б')).to.equal(true)
  })
})
