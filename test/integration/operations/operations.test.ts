import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {downgrade, upgrade} from '../../../src/api/migrate.js'
import {loadConfig} from '../../../src/config/load-config.js'
import {getDialect} from '../../../src/dialects/registry.js'
import {MysqlIntrospector} from '../../../src/dialects/mysql/mysql-introspector.js'
import {SqliteIntrospector} from '../../../src/dialects/sqlite/sqlite-introspector.js'
import {DatabaseError} from '../../../src/util/errors.js'
import {BIN, tempProject} from '../../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

/** A project whose chain is the given upgrade/downgrade bodies, one revision each. */
function project(url: string, revisions: Array<{up: string; down?: string}>): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(path.join(dir, 'db-manage.ini'), `[database]\nconnection = ${url}\n`)
  for (const [i, rev] of revisions.entries()) {
    const id = String(i + 1).padStart(3, '0')
    writeFileSync(
      path.join(dir, 'migrations', `${id}_r.ts`),
      `export const revision = '${id}'
export const downRevision = ${i === 0 ? 'null' : `'${String(i).padStart(3, '0')}'`}
export const message = 'r${id}'
export async function upgrade(op: any) {
${rev.up}
}
export async function downgrade(op: any) {
${rev.down ?? ''}
}
`,
    )
  }

  return dir
}

async function migrate(dir: string, direction: 'downgrade' | 'upgrade' = 'upgrade', target?: string) {
  const config = await loadConfig({cwd: dir, env: {}})
  return direction === 'upgrade' ? upgrade(config, {target}) : downgrade(config, {target})
}

async function rows(db: TestDatabase, sql: string): Promise<Array<Record<string, unknown>>> {
  const c = await db.connect()
  try {
    return (await c.query(sql)).rows
  } finally {
    await c.close()
  }
}

/** Column facts through each database's catalog. */
async function column(
  db: TestDatabase,
  table: string,
  name: string,
): Promise<{nullable: boolean; type: string; default: string | null} | undefined> {
  const c = await db.connect()
  try {
    if (db.dialect === 'sqlite') {
      const t = await new SqliteIntrospector(c).table(table)
      const col = t?.columns.find((x) => x.name === name)
      return col && {default: col.default ?? null, nullable: col.nullable, type: col.type}
    }

    if (db.dialect === 'mysql') {
      const t = await new MysqlIntrospector(c).table(table)
      const col = t?.columns.find((x) => x.name === name)
      return col && {default: col.default ?? null, nullable: col.nullable, type: col.type}
    }

    const {rows: r} = await c.query(
      `SELECT is_nullable, data_type, character_maximum_length AS len, column_default FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`,
      [table, name],
    )
    if (r.length === 0) return undefined
    return {
      default: r[0].column_default as null | string,
      nullable: r[0].is_nullable === 'YES',
      type: `${r[0].data_type}${r[0].len ? `(${r[0].len})` : ''}`,
    }
  } finally {
    await c.close()
  }
}

for (const dialect of dialectsUnderTest()) {
  describe(`operations on ${dialect}`, function () {
    this.timeout(60_000)
    let db: TestDatabase
    useTestDatabase(dialect, (created) => {
      db = created
    })

    it('batchAlterTable changes columns and constraints and keeps rows, keys and indexes', async () => {
      const dir = project(db.url, [
        {
          up: `
  await op.createTable('parents', [op.column('id', 'integer', {primaryKey: true})])
  await op.createTable('items', [
    op.column('id', 'integer', {primaryKey: true}),
    op.column('parent_id', 'integer', {references: 'parents.id', onDelete: 'CASCADE'}),
    op.column('code', 'string(10)', {nullable: false}),
    op.column('qty', 'integer', {default: 1}),
    op.column('legacy', 'string(20)'),
  ])
  await op.createIndex('ix_items_code', 'items', ['code'])
  await op.bulkInsert('parents', [{id: 1}, {id: 2}])
  await op.bulkInsert('items', [{id: 1, parent_id: 1, code: 'a', qty: 5, legacy: 'x'}, {id: 2, parent_id: 2, code: 'b', qty: 7, legacy: 'y'}])`,
        },
        {
          down: `
  await op.batchAlterTable('items', (b: any) => {
    b.dropConstraint('ck_items_qty', {type: 'check'})
    b.dropConstraint('uq_items_code', {type: 'unique'})
    b.alterColumn('quantity', {newName: 'qty', type: 'integer', existingType: 'bigint', existingNullable: false, nullable: true})
    b.addColumn(op.column('legacy', 'string(20)'))
  })`,
          up: `
  await op.batchAlterTable('items', (b: any) => {
    b.dropColumn('legacy')
    b.alterColumn('qty', {newName: 'quantity', type: 'bigint', existingType: 'integer', nullable: false, existingNullable: true})
    b.createUniqueConstraint('uq_items_code', ['code'])
    b.createCheckConstraint('ck_items_qty', 'quantity >= 0')
  })`,
        },
      ])
      await migrate(dir)
      expect(await column(db, 'items', 'legacy')).to.equal(undefined)
      const quantity = await column(db, 'items', 'quantity')
      expect(quantity).to.include({nullable: false})
      expect(quantity!.type.toLowerCase()).to.match(/^bigint/)
      expect(await rows(db, 'SELECT id, code, quantity FROM items ORDER BY id')).to.deep.equal([
        {code: 'a', id: 1, quantity: dialect === 'postgresql' ? '5' : 5},
        {code: 'b', id: 2, quantity: dialect === 'postgresql' ? '7' : 7},
      ])

      // The unique and check constraints hold, the foreign key still cascades, the index is still there.
      const fails = async (sql: string) =>
        rows(db, sql).then(
          () => false,
          () => true,
        )
      expect(await fails("INSERT INTO items (id, parent_id, code, quantity) VALUES (3, 1, 'a', 1)"), 'unique').to.equal(
        true,
      )
      expect(await fails("INSERT INTO items (id, parent_id, code, quantity) VALUES (4, 1, 'z', -1)"), 'check').to.equal(
        true,
      )
      if (dialect === 'sqlite') {
        const c = await db.connect()
        await c.query('PRAGMA foreign_keys = ON')
        await c.query('DELETE FROM parents WHERE id = 2')
        expect((await c.query('SELECT id FROM items ORDER BY id')).rows).to.deep.equal([{id: 1}])
        expect(
          (
            await c.query(
              "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' AND sql IS NOT NULL",
            )
          ).rows,
        ).to.deep.equal([{name: 'ix_items_code'}])
        await c.close()
      } else {
        await rows(db, 'DELETE FROM parents WHERE id = 2')
        expect(await rows(db, 'SELECT id FROM items ORDER BY id')).to.deep.equal([{id: 1}])
      }

      await migrate(dir, 'downgrade', '001')
      expect(await column(db, 'items', 'legacy')).to.include({nullable: true})
      expect(await column(db, 'items', 'qty')).to.include({nullable: true})
      expect(
        await fails("INSERT INTO items (id, parent_id, code, qty) VALUES (5, 1, 'a', -1)"),
        'constraints dropped',
      ).to.equal(false)
    })

    it('renaming a column keeps its type, NOT NULL and default (MySQL restates them from the database)', async () => {
      const dir = project(db.url, [
        {
          up: "await op.createTable('t', [op.column('id', 'integer', {primaryKey: true}), op.column('status', 'string(16)', {nullable: false, default: 'new'})])",
        },
        {
          down: "await op.alterColumn('t', 'state', {newName: 'status'})",
          up: "await op.alterColumn('t', 'status', {newName: 'state'})",
        },
      ])
      await migrate(dir)
      const state = await column(db, 't', 'state')
      expect(state).to.include({nullable: false})
      expect(state!.type.toLowerCase()).to.match(/varchar\(16\)|character varying\(16\)/)
      expect(state!.default).to.match(/^'new'/)
      await migrate(dir, 'downgrade', '001')
      expect(await column(db, 't', 'status')).to.include({nullable: false})
    })

    it('execute binds parameters, bulkInsert writes typed rows and query reads them', async () => {
      const p = dialect === 'postgresql' ? '$1' : '?'
      const dir = project(db.url, [
        {
          up: `
  await op.createTable('settings', [op.column('k', 'string(20)', {primaryKey: true}), op.column('v', 'text'), op.column('n', 'integer'), op.column('on', 'boolean')])
  await op.bulkInsert('settings', [{k: 'a', v: "it's", n: 1, on: true}, {k: 'b', v: null, n: 2, on: false}])
  await op.execute("UPDATE settings SET v = ${p} WHERE k = 'b'", ['back\\\\slash'])
  const found = await op.query("SELECT k, n FROM settings WHERE n > ${p} ORDER BY k", [0])
  await op.bulkInsert('settings', [{k: 'count', v: String(found.length), n: found.length}])`,
        },
      ])
      await migrate(dir)
      const got = await rows(db, 'SELECT k, v, n FROM settings ORDER BY k')
      expect(got).to.deep.equal([
        {k: 'a', n: 1, v: "it's"},
        {k: 'b', n: 2, v: 'back\\slash'},
        {k: 'count', n: 2, v: '2'},
      ])
    })

    if (dialect !== 'sqlite') {
      it('waits for the migration lock and gives up after --lock-timeout with one clear line', async () => {
        const dir = project(db.url, [
          {up: "await op.createTable('t', [op.column('id', 'integer', {primaryKey: true})])"},
        ])
        const config = await loadConfig({cwd: dir, env: {}})
        const d = await getDialect(dialect)
        const holder = await db.connect()
        const lock = await d.adapter.lockName(holder, {versionTable: 'alembic_version'})
        await d.adapter.acquireLock(holder, lock, 5)
        try {
          const started = Date.now()
          let failure: unknown
          await upgrade(config, {lockTimeout: 1}).catch((error) => {
            failure = error
          })
          expect(failure).to.be.instanceOf(DatabaseError)
          // The error says who holds the lock, as the database tells it.
          const holder =
            dialect === 'postgresql'
              ? /: held by PostgreSQL backend \d+ \(application db-manage, user \w+, from 127\.0\.0\.1\), connected since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, idle$/
              : /: held by connection \d+ \(\w+@[\w.]+:\d+, \d+s in its current state\)$/
          expect(
            (failure as Error).message.startsWith(
              'another db-manage run holds the migration lock and did not release it within 1s (--lock-timeout)',
            ),
          ).to.equal(true)
          expect((failure as Error).message, (failure as Error).message).to.match(holder)
          expect(Date.now() - started).to.be.within(900, 5000)
        } finally {
          await d.adapter.releaseLock(holder, lock)
          await holder.close()
        }

        const result = await upgrade(config, {lockTimeout: 1})
        expect(result[0].steps.map((s) => s.to)).to.deep.equal(['001'])
      })
    }

    if (dialect === 'postgresql') {
      it('a run killed with -9 inside a slow statement frees the lock within seconds (client_connection_check_interval)', async () => {
        const dir = project(db.url, [{up: "await op.execute('SELECT pg_sleep(30)')"}])
        const child = spawn(process.execPath, [BIN, 'upgrade', 'head'], {
          cwd: dir,
          env: {...process.env, DATABASE_URL: undefined},
          stdio: 'ignore',
        })
        const holder = await db.connect()
        try {
          // Wait until the run is inside its slow statement, holding the lock.
          for (let i = 0; i < 100; i++) {
            const {rows} = await holder.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'db-manage' AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep(30)%' AND state = 'active'",
            )
            if (Number(rows[0].n) > 0) break
            await new Promise((r) => setTimeout(r, 100))
            if (i === 99) throw new Error('the run never reached its slow statement')
          }

          child.kill('SIGKILL')
          const started = Date.now()
          const config = await loadConfig({cwd: dir, env: {}})
          const {stamp} = await import('../../../src/api/migrate.js')
          await stamp(config, 'base', {lockTimeout: 5})
          expect(Date.now() - started).to.be.below(5000)
        } finally {
          child.kill('SIGKILL')
          await holder.close()
        }
      })
    }
  })
}
