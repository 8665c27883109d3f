import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../../src/config/database-url.js'
import type {Connection} from '../../../src/dialects/connection.js'
import {getDialect} from '../../../src/dialects/registry.js'
import {runCli, tempProject} from '../../helpers/cli.js'
import {dialectsUnderTest} from '../../helpers/databases.js'

/**
 * The replicated-tables workflow on a real PostgreSQL logical-replication
 * pair: the test servers' first PostgreSQL (wal_level=logical) publishes the
 * application's table, the second subscribes to it.
 */
const connect = async (url: string): Promise<Connection> =>
  (await getDialect('postgresql')).connect(parseDatabaseUrl(url), 10_000)
const onDatabase = (server: string, name: string) => server.replace(/\/[^/]*$/, `/${name}`)

/** Poll until `check` holds, or fail after `ms` with what it last saw. */
async function waitFor<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms
  let value = await read()
  while (!check(value)) {
    if (Date.now() > until) throw new Error(`${what}: still ${JSON.stringify(value)} after ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
    value = await read()
  }

  return value
}

function revision(dir: string, k: number, up: string, down: string): void {
  const id = String(k).padStart(3, '0')
  writeFileSync(
    path.join(dir, 'migrations', `${id}_r${k}.sql`),
    `-- revision: ${id}\n-- down_revision: ${k === 1 ? '' : String(k - 1).padStart(3, '0')}\n-- message: r${k}\n-- +upgrade\n${up}\n-- +downgrade\n${down}\n`,
  )
}

const columns = async (c: Connection) =>
  (
    await c.query(
      "SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position",
    )
  ).rows.map((r) => `${String(r.c)} ${String(r.t)}`)

if (dialectsUnderTest().includes('postgresql')) {
  describe('replicated tables on a PostgreSQL logical-replication pair', () => {
    const suffix = randomBytes(3).toString('hex')
    const pubName = `dbm_pub_${suffix}`
    const subName = `dbm_sub_${suffix}`
    let pubServer: string
    let subServer: string
    let pub: Connection
    let sub: Connection

    before(async function () {
      pubServer = process.env.DB_MANAGE_TEST_PG_URL!
      subServer = process.env.DB_MANAGE_TEST_PG2_URL!
      if (!subServer)
        throw new Error('DB_MANAGE_TEST_PG2_URL is not set: scripts/test-servers.sh starts the subscriber server')
      for (const [server, name] of [
        [pubServer, pubName],
        [subServer, subName],
      ]) {
        const admin = await connect(server)
        await admin.query(`CREATE DATABASE ${name}`)
        await admin.close()
      }

      pub = await connect(onDatabase(pubServer, pubName))
      sub = await connect(onDatabase(subServer, subName))
    })

    after(async () => {
      // The subscription's slot lives on the publisher: drop the subscription first, which drops it too.
      await sub?.query(`DROP SUBSCRIPTION IF EXISTS app_sub_${suffix}`).catch(() => {})
      await pub?.close()
      await sub?.close()
      for (const [server, name] of [
        [subServer, subName],
        [pubServer, pubName],
      ]) {
        const admin = await connect(server)
        await admin
          .query(
            `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${name}' AND NOT active`,
          )
          .catch(() => {})
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await admin.close()
      }
    })

    it('subscriber first keeps rows flowing, publisher first stops them until the subscriber catches up, and the offline seed route ends both at one schema', async function () {
      this.timeout(120_000)
      const dir = tempProject()
      mkdirSync(path.join(dir, 'migrations'))
      // The publisher's section comes first in the file; `order` puts the subscriber first all the same.
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        [
          '[db_manage]',
          'script_location = migrations',
          '',
          '[database:publisher]',
          `connection = ${onDatabase(pubServer, pubName)}`,
          'order = 20',
          '',
          '[database:subscriber]',
          `connection = ${onDatabase(subServer, subName)}`,
          'order = 10',
          '',
        ].join('\n'),
      )
      revision(dir, 1, 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);', 'DROP TABLE items;')
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)

      // The DBA's part: publish the table, subscribe to it.
      const {host, password, port, user} = parseDatabaseUrl(pubServer)
      await pub.query(`CREATE PUBLICATION app_pub FOR TABLE items`)
      await sub.query(
        `CREATE SUBSCRIPTION app_sub_${suffix} CONNECTION 'host=${host} port=${port} user=${user} password=${password} dbname=${pubName}' PUBLICATION app_pub`,
      )
      const rowsOnSub = async () =>
        (await sub.query('SELECT * FROM items ORDER BY id')).rows.map((r) => JSON.stringify(r))
      await pub.query("INSERT INTO items (id, name) VALUES (1, 'one')")
      await waitFor('row 1 on the subscriber', rowsOnSub, (rows) => rows.length === 1)

      // Subscriber first: a new column on both, then a row that uses it arrives.
      revision(dir, 2, 'ALTER TABLE items ADD COLUMN price NUMERIC(8,2);', 'ALTER TABLE items DROP COLUMN price;')
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(
        up.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.replace(/ \(\d+ ms\)$/, '')),
      ).to.deep.equal(['[subscriber] upgrade 001 -> 002, r2', '[publisher] upgrade 001 -> 002, r2'])
      await pub.query("INSERT INTO items (id, name, price) VALUES (2, 'two', 9.5)")
      expect((await waitFor('row 2 on the subscriber', rowsOnSub, (rows) => rows.length === 2))[1]).to.equal(
        '{"id":2,"name":"two","price":"9.50"}',
      )

      // Publisher first: the subscriber cannot apply a row with a column it does not have.
      revision(dir, 3, 'ALTER TABLE items ADD COLUMN color TEXT;', 'ALTER TABLE items DROP COLUMN color;')
      expect((await runCli(['upgrade', 'head', '--db', 'publisher'], {cwd: dir})).code).to.equal(0)
      await pub.query("INSERT INTO items (id, name, price, color) VALUES (3, 'three', 1, 'red')")
      const errors = async () =>
        Number(
          (
            await sub.query('SELECT apply_error_count AS n FROM pg_stat_subscription_stats WHERE subname = $1', [
              `app_sub_${suffix}`,
            ])
          ).rows[0]?.n ?? 0,
        )
      await waitFor('apply errors on the subscriber', errors, (n) => n > 0)
      expect(await rowsOnSub(), 'row 3 is held back').to.have.length(2)
      // Once the subscriber has the column, the apply worker retries and the row arrives.
      const catchUp = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(catchUp.stdout.replace(/ \(\d+ ms\)/, '')).to.equal(
        '[subscriber] upgrade 002 -> 003, r3\n[publisher] Nothing to upgrade: the database is at 003\n',
      )
      expect((await waitFor('row 3 on the subscriber', rowsOnSub, (rows) => rows.length === 3))[2]).to.equal(
        '{"id":3,"name":"three","price":"1.00","color":"red"}',
      )

      // The offline seed route: a clean file for the subscriber, run with exec; then the publisher online.
      revision(dir, 4, 'ALTER TABLE items ADD COLUMN size INTEGER;', 'ALTER TABLE items DROP COLUMN size;')
      mkdirSync(path.join(dir, 'migrations', 'sql'))
      const render = await runCli(
        ['upgrade', '--sql', '003:004', '--no-version-table', '-o', 'migrations/sql/004.sql', '--db', 'subscriber'],
        {cwd: dir},
      )
      expect(render.code, render.stderr).to.equal(0)
      expect(readFileSync(path.join(dir, 'migrations', 'sql', '004.sql'), 'utf8')).to.equal(
        'BEGIN;\n\n-- Running upgrade 003 -> 004\n\nALTER TABLE items ADD COLUMN size INTEGER;\n\nCOMMIT;\n\n',
      )
      const env = {DB_MANAGE_DB: 'subscriber', DB_MANAGE_EXEC_FILE: 'migrations/sql/004.sql'}
      const dry = await runCli(['exec'], {cwd: dir, env: {...env, DB_MANAGE_DRY_RUN: 'true'}})
      expect(dry).to.deep.equal({
        code: 0,
        stderr: '',
        stdout:
          '-- statement 1\nBEGIN;\n-- statement 2\nALTER TABLE items ADD COLUMN size INTEGER;\n-- statement 3\nCOMMIT;\n',
      })
      expect(await columns(sub), 'a dry run changes nothing').to.not.include('size integer')
      const exec = await runCli(['exec'], {cwd: dir, env})
      expect(exec.code, exec.stderr).to.equal(0)
      expect((await runCli(['upgrade', 'head', '--db', 'publisher'], {cwd: dir})).code).to.equal(0)
      expect(await columns(sub)).to.deep.equal(await columns(pub))
      expect(await columns(pub)).to.deep.equal([
        'id integer',
        'name text',
        'price numeric',
        'color text',
        'size integer',
      ])
      await pub.query("INSERT INTO items (id, name, size) VALUES (4, 'four', 7)")
      expect((await waitFor('row 4 on the subscriber', rowsOnSub, (rows) => rows.length === 4))[3]).to.equal(
        '{"id":4,"name":"four","price":null,"color":null,"size":7}',
      )
      // exec leaves the version table alone: stamp records what the file did.
      expect((await runCli(['current', '--db', 'subscriber'], {cwd: dir})).stdout).to.equal('003\n')
      expect((await runCli(['stamp', '004', '--db', 'subscriber'], {cwd: dir})).code).to.equal(0)
      expect((await runCli(['current'], {cwd: dir})).stdout).to.equal(
        '[subscriber] 004 (head)\n[publisher] 004 (head)\n',
      )
    })
  })
}
