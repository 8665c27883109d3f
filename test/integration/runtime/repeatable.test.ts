/**
 * Repeatable objects (migrations/repeatable/), `seed` and `reset` on each dialect's real server: the chain is
 * Chinook's schema as its authors wrote it (test/fixtures/public), the repeatables are views over it, the seeds
 * load rows in Chinook's shape.
 */
import {expect} from 'chai'
import {appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../../src/config/database-url.js'
import {objectKey} from '../../../src/script/object-scripts.js'
import type {DialectName} from '../../../src/util/dialect-names.js'
import {ROOT, runCli, tempProject} from '../../helpers/cli.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

/** Chinook's names on each dialect: snake_case in its PostgreSQL script, PascalCase in the others. */
function chinookNames(dialect: DialectName) {
  return dialect === 'postgresql'
    ? {
        album: 'album',
        albumId: 'album_id',
        artist: 'artist',
        artistId: 'artist_id',
        genre: 'genre',
        genreId: 'genre_id',
        mediaType: 'media_type',
        mediaTypeId: 'media_type_id',
        name: 'name',
        title: 'title',
      }
    : {
        album: 'Album',
        albumId: 'AlbumId',
        artist: 'Artist',
        artistId: 'ArtistId',
        genre: 'Genre',
        genreId: 'GenreId',
        mediaType: 'MediaType',
        mediaTypeId: 'MediaTypeId',
        name: 'Name',
        title: 'Title',
      }
}

const stripMs = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .map((l) => l.replace(/ \(\d+ ms\)$/, ''))

for (const dialect of dialectsUnderTest()) {
  describe(`repeatable objects, seed and reset on ${dialect}`, function () {
    this.timeout(180_000)
    let db: TestDatabase
    useTestDatabase(dialect, (created) => {
      db = created
    })
    const n = chinookNames(dialect)

    const albumCounts = (alias = 'albums') =>
      `-- Albums per artist, over the artist_names view's artists.
-- depends: artist_names
DROP VIEW IF EXISTS album_counts;
CREATE VIEW album_counts AS SELECT a.${n.name} AS artist, COUNT(al.${n.albumId}) AS ${alias}
  FROM ${n.artist} a LEFT JOIN ${n.album} al ON al.${n.artistId} = a.${n.artistId} GROUP BY a.${n.name};
`

    /** Chinook's schema as revision 001, two repeatable views over it, and three seeds. */
    function project(options: {dev?: boolean} = {}): string {
      const dir = tempProject()
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${db.url}\n${options.dev ? 'dev = true\n' : ''}`,
      )
      mkdirSync(path.join(dir, 'migrations', 'repeatable'), {recursive: true})
      const chinook = readFileSync(path.join(ROOT, 'test', 'fixtures', 'public', `chinook.${dialect}.sql`), 'utf8')
      writeFileSync(
        path.join(dir, 'migrations', '001_chinook.sql'),
        `-- revision: 001\n-- down_revision: null\n-- message: chinook schema\n-- +upgrade\n${chinook}`,
      )
      // By name album_counts would run first; its -- depends line puts it after artist_names.
      writeFileSync(path.join(dir, 'migrations', 'repeatable', 'album_counts.sql'), albumCounts())
      writeFileSync(
        path.join(dir, 'migrations', 'repeatable', 'artist_names.ts'),
        `import type {Operations} from 'db-manage'
export async function upgrade(op: Operations): Promise<void> {
  await op.execute('DROP VIEW IF EXISTS artist_names')
  await op.execute('CREATE VIEW artist_names AS SELECT ${n.name} FROM ${n.artist}')
}
`,
      )
      mkdirSync(path.join(dir, 'seeds'))
      writeFileSync(
        path.join(dir, 'seeds', '01_genres.sql'),
        `DELETE FROM ${n.genre};
INSERT INTO ${n.genre} (${n.genreId}, ${n.name}) VALUES (1, 'Rock'), (2, 'Jazz'), (3, 'Metal'), (4, 'Alternative & Punk');
`,
      )
      writeFileSync(
        path.join(dir, 'seeds', '02_media_types.ts'),
        `import type {Operations} from 'db-manage'
export async function upgrade(op: Operations): Promise<void> {
  await op.execute('DELETE FROM ${n.mediaType}')
  await op.bulkInsert('${n.mediaType}', [
    {${n.mediaTypeId}: 1, ${n.name}: 'MPEG audio file'},
    {${n.mediaTypeId}: 2, ${n.name}: 'Protected AAC audio file'},
  ])
}
`,
      )
      writeFileSync(
        path.join(dir, 'seeds', '03_artists.sql'),
        `-- depends: 01_genres
DELETE FROM ${n.album};
DELETE FROM ${n.artist};
INSERT INTO ${n.artist} (${n.artistId}, ${n.name}) VALUES (1, 'AC/DC'), (2, 'Accept'), (3, 'Guns N'' Roses');
INSERT INTO ${n.album} (${n.albumId}, ${n.title}, ${n.artistId}) VALUES
  (1, 'For Those About To Rock We Salute You', 1), (2, 'Balls to the Wall', 2), (3, 'Restless and Wild', 2);
`,
      )
      return dir
    }

    const query = (sql: string) => connected(db, async (c) => (await c.query(sql)).rows)
    const history = async () =>
      (await query('SELECT revision, direction, from_revision, to_revision FROM db_manage_history ORDER BY id')).map(
        (r) => [r.revision, r.direction, r.from_revision, r.to_revision],
      )

    it('applies each repeatable after the chain in the order its depends line gives, again only once it changed', async () => {
      const dir = project()
      const up = await runCli(['upgrade'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(stripMs(up.stdout)).to.deep.equal([
        'upgrade <base> -> 001, chinook schema',
        'repeatable artist_names.ts, new',
        'repeatable album_counts.sql, new',
      ])
      expect(await runCli(['upgrade'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout: 'Nothing to upgrade: the database is at 001\n',
      })
      expect(await runCli(['current'], {cwd: dir})).to.deep.include({code: 0, stdout: '001 (head)\n'})

      writeFileSync(path.join(dir, 'migrations', 'repeatable', 'album_counts.sql'), albumCounts('album_count'))
      expect(await runCli(['current'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout: '001 (head)\nrepeatable/album_counts.sql: pending (changed)\n',
      })
      expect(await runCli(['current', '-v'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout:
          `Current revision for ${parseDatabaseUrl(db.url).masked} (table alembic_version):\n` +
          '001 (head), chinook schema\n' +
          'repeatable/artist_names.ts: applied\n' +
          'repeatable/album_counts.sql: pending (changed)\n',
      })
      expect(await runCli(['history'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout:
          'repeatable/artist_names.ts (applied)\n' +
          'repeatable/album_counts.sql (pending: changed), depends on artist_names\n' +
          '<base> -> 001 (head) (current), chinook schema\n',
      })
      // An edited repeatable is how one is changed: reported, not an error.
      expect(await runCli(['check_migration'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout:
          'OK: 1 revision(s), 001 -> 001, one linear sequential chain\n' +
          'OK: the database is at 001; nothing pending; 1 applied script matches its recorded checksum;' +
          ' 1 repeatable to apply at the next upgrade to head: repeatable/album_counts.sql (changed)\n',
      })
      const again = await runCli(['upgrade'], {cwd: dir})
      expect(again.code, again.stderr).to.equal(0)
      expect(stripMs(again.stdout)).to.deep.equal(['repeatable album_counts.sql, changed'])
      const columns = await query('SELECT * FROM album_counts')
      expect(columns).to.deep.equal([])
      expect(await history()).to.deep.equal([
        ['001', 'upgrade', null, '001'],
        ['artist_names', 'repeatable', '001', '001'],
        ['album_counts', 'repeatable', '001', '001'],
        ['album_counts', 'repeatable', '001', '001'],
      ])
      expect(await runCli(['history'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout:
          'repeatable/artist_names.ts (applied)\n' +
          'repeatable/album_counts.sql (applied), depends on artist_names\n' +
          '<base> -> 001 (head) (current), chinook schema\n',
      })
    })

    it('applies the repeatables again after a downgrade, which may have dropped what they built', async () => {
      const dir = project()
      writeFileSync(
        path.join(dir, 'migrations', '002_genre_note.sql'),
        `-- revision: 002\n-- down_revision: 001\n-- message: genre note\n-- +upgrade\nCREATE TABLE genre_note (id INTEGER PRIMARY KEY);\n-- +downgrade\nDROP TABLE genre_note;\n`,
      )
      expect((await runCli(['upgrade'], {cwd: dir})).code).to.equal(0)
      expect(stripMs((await runCli(['downgrade', '-1'], {cwd: dir})).stdout)).to.deep.equal([
        'downgrade 002 -> 001, genre note',
      ])
      expect(await runCli(['current'], {cwd: dir})).to.deep.include({
        stdout:
          '001\nrepeatable/artist_names.ts: pending (after a downgrade)\n' +
          'repeatable/album_counts.sql: pending (after a downgrade)\n',
      })
      expect(stripMs((await runCli(['upgrade'], {cwd: dir})).stdout)).to.deep.equal([
        'upgrade 001 -> 002, genre note',
        'repeatable artist_names.ts, after a downgrade',
        'repeatable album_counts.sql, after a downgrade',
      ])
    })

    it('records a name longer than the revision column under its 32-character key, and knows it again', async () => {
      const dir = project()
      const name = 'customer_invoice_summary_by_region'
      writeFileSync(
        path.join(dir, 'migrations', 'repeatable', `${name}.sql`),
        `DROP VIEW IF EXISTS ${name};\nCREATE VIEW ${name} AS SELECT ${n.name} FROM ${n.artist};\n`,
      )
      const up = await runCli(['upgrade'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      expect(stripMs(up.stdout).at(-1)).to.equal(`repeatable ${name}.sql, new`)
      expect((await history()).at(-1)).to.deep.equal([objectKey(name), 'repeatable', '001', '001'])
      expect(objectKey(name)).to.have.length(32)
      expect(await runCli(['upgrade'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout: 'Nothing to upgrade: the database is at 001\n',
      })
      expect((await runCli(['history'], {cwd: dir})).stdout).to.include(`repeatable/${name}.sql (applied)\n`)
    })

    it('renders every repeatable with --sql when the range reaches head', async () => {
      const dir = project()
      const out = await runCli(['upgrade', '--sql', '001:head', '--no-version-table'], {cwd: dir})
      expect(out.code, out.stderr).to.equal(0)
      const [begin, commit] = dialect === 'postgresql' ? ['BEGIN;\n\n', 'COMMIT;\n\n'] : ['', '']
      const view = albumCounts()
        .split('\n')
        .slice(2)
        .join('\n')
        .trimEnd()
        .split(';\n')
        .map((s) => `${s.replace(/;$/, '')};\n\n`)
        .join('')
      expect(out.stdout).to.equal(
        `${begin}-- Running repeatable artist_names.ts\n\n` +
          'DROP VIEW IF EXISTS artist_names;\n\n' +
          `CREATE VIEW artist_names AS SELECT ${n.name} FROM ${n.artist};\n\n` +
          `${commit}${begin}-- Running repeatable album_counts.sql\n\n` +
          view +
          commit,
      )
      // With the version table, each gets its history row; a range short of head renders none.
      const full = await runCli(['upgrade', '--sql'], {cwd: dir, env: {DB_MANAGE_ACTOR: 'ci@runner'}})
      expect(full.code, full.stderr).to.equal(0)
      expect(full.stdout).to.match(
        /INSERT INTO db_manage_history \(revision, direction, from_revision, to_revision, checksum, applied_at, duration_ms, applied_by, db_manage_version\) VALUES \('album_counts', 'repeatable', '001', '001', '[\da-f]{64}', [^,]+, NULL, 'ci@runner \(--sql\)', '[\d.]+'\);/,
      )
      const none = await runCli(['upgrade', '--sql', 'base:base'], {cwd: dir})
      expect(none.stdout).to.not.include('repeatable')
    })

    it('a failing repeatable leaves the revisions applied, names its file in one line and exits 1', async () => {
      const dir = project()
      writeFileSync(
        path.join(dir, 'migrations', '002_genre_note.sql'),
        `-- revision: 002\n-- down_revision: 001\n-- message: genre note\n-- +upgrade\nCREATE TABLE genre_note (id INTEGER PRIMARY KEY, note VARCHAR(80));\n-- +downgrade\nDROP TABLE genre_note;\n`,
      )
      writeFileSync(
        path.join(dir, 'migrations', 'repeatable', 'broken.sql'),
        // SQLite creates the view and fails only when it is read.
        `DROP VIEW IF EXISTS broken;\nCREATE VIEW broken AS SELECT no_such_column FROM ${n.artist};\nSELECT COUNT(*) FROM broken;\n`,
      )
      const failing =
        dialect === 'sqlite'
          ? 'SELECT COUNT(*) FROM broken'
          : `CREATE VIEW broken AS SELECT no_such_column FROM ${n.artist}`
      const up = await runCli(['upgrade'], {cwd: dir})
      expect(up.code).to.equal(1)
      expect(stripMs(up.stdout)).to.deep.equal([
        'upgrade <base> -> 001, chinook schema',
        'upgrade 001 -> 002, genre note',
        'repeatable artist_names.ts, new',
        'repeatable album_counts.sql, new',
      ])
      expect(up.stderr.trimEnd().split('\n')).to.have.length(1)
      expect(up.stderr).to.match(/^Error: repeatable broken \(repeatable\/broken\.sql\) failed: .*no_such_column/)
      expect(up.stderr).to.include(
        `[SQL: ${failing}]` +
          (dialect === 'mysql'
            ? '; 1 of its statements had already committed (MySQL commits DDL as it goes; the last: DROP VIEW IF' +
              ' EXISTS broken): the database is at 002, and repeatable/broken.sql runs again at the next upgrade to head'
            : '; rolled back, the database is at 002'),
      )
      expect((await query('SELECT version_num FROM alembic_version')).map((r) => r.version_num)).to.deep.equal(['002'])
      expect(await runCli(['current'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout: '002 (head)\nrepeatable/broken.sql: pending (new)\n',
      })
      // On a scratch database the round trip applies every repeatable at head: the failing one fails the check.
      const check = await runCli(['check_migration', '--round-trip', '--from', '002'], {cwd: dir})
      expect(check.code, check.stdout + check.stderr).to.equal(1)
      expect(check.stdout, check.stderr).to.match(
        /\nrepeatable broken \(repeatable\/broken\.sql\) failed: .*no_such_column.*\n$/,
      )
      writeFileSync(
        path.join(dir, 'migrations', 'repeatable', 'broken.sql'),
        `DROP VIEW IF EXISTS broken;\nCREATE VIEW broken AS SELECT ${n.name} FROM ${n.artist};\n`,
      )
      const fixed = await runCli(['upgrade'], {cwd: dir})
      expect(fixed.code, fixed.stderr).to.equal(0)
      expect(stripMs(fixed.stdout)).to.deep.equal(['repeatable broken.sql, new'])
    })

    if (dialect !== 'mysql') {
      it('with one transaction for the run, a failing repeatable rolls back the repeatables, not the revisions', async () => {
        const dir = project()
        writeFileSync(
          path.join(dir, 'db-manage.ini'),
          readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
            '[db_manage]\n',
            '[db_manage]\ntransaction_per_migration = false\n',
          ),
        )
        writeFileSync(path.join(dir, 'migrations', 'repeatable', 'zz_broken.sql'), 'SELECT * FROM no_such_table;\n')
        const up = await runCli(['upgrade'], {cwd: dir})
        expect(up.code).to.equal(1)
        expect(up.stderr).to.match(
          /^Error: repeatable zz_broken \(repeatable\/zz_broken\.sql\) failed: .*no_such_table.*; rolled back with the other repeatables of this run \(transaction_per_migration = false\), the revisions kept: the database is at 001\n$/,
        )
        expect((await query('SELECT version_num FROM alembic_version')).map((r) => r.version_num)).to.deep.equal([
          '001',
        ])
        expect(await runCli(['current'], {cwd: dir})).to.deep.include({
          stdout:
            '001 (head)\nrepeatable/artist_names.ts: pending (new)\nrepeatable/album_counts.sql: pending (new)\n' +
            'repeatable/zz_broken.sql: pending (new)\n',
        })
      })
    }

    it('seeds once, again only what changed, every one with --all', async () => {
      const dir = project()
      expect((await runCli(['upgrade'], {cwd: dir})).code).to.equal(0)
      const seeded = await runCli(['seed'], {cwd: dir})
      expect(seeded.code, seeded.stderr).to.equal(0)
      expect(stripMs(seeded.stdout)).to.deep.equal([
        'seed 01_genres.sql, new',
        'seed 02_media_types.ts, new',
        'seed 03_artists.sql, new',
      ])
      expect(await runCli(['seed'], {cwd: dir})).to.deep.include({
        code: 0,
        stdout: 'Nothing to seed: all 3 seeds have run as they are (--all runs them again)\n',
      })
      appendFileSync(
        path.join(dir, 'seeds', '01_genres.sql'),
        `INSERT INTO ${n.genre} (${n.genreId}, ${n.name}) VALUES (5, 'Blues');\n`,
      )
      expect(stripMs((await runCli(['seed'], {cwd: dir})).stdout)).to.deep.equal(['seed 01_genres.sql, changed'])
      const all = await runCli(['seed', '--all'], {cwd: dir})
      expect(all.code, all.stderr).to.equal(0)
      expect(stripMs(all.stdout)).to.deep.equal([
        'seed 01_genres.sql, again (--all)',
        'seed 02_media_types.ts, again (--all)',
        'seed 03_artists.sql, again (--all)',
      ])
      const count = async (table: string) => Number((await query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n)
      expect([
        await count(n.genre),
        await count(n.mediaType),
        await count(n.artist),
        await count(n.album),
      ]).to.deep.equal([5, 2, 3, 3])
      const counts = await query('SELECT artist, albums FROM album_counts ORDER BY artist')
      expect(counts.map((r) => [r.artist, Number(r.albums)])).to.deep.equal([
        ['AC/DC', 1],
        ['Accept', 2],
        ["Guns N' Roses", 0],
      ])
      expect((await history()).filter((r) => r[1] === 'seed').map((r) => r[0])).to.deep.equal([
        '01_genres',
        '02_media_types',
        '03_artists',
        '01_genres',
        '01_genres',
        '02_media_types',
        '03_artists',
      ])
    })

    it('seeds from seed_location, and says which folder is missing', async () => {
      const dir = project()
      expect((await runCli(['upgrade'], {cwd: dir})).code).to.equal(0)
      writeFileSync(
        path.join(dir, 'db-manage.ini'),
        readFileSync(path.join(dir, 'db-manage.ini'), 'utf8').replace(
          '[database]\n',
          '[database]\nseed_location = data/seeds\n',
        ),
      )
      expect(await runCli(['seed'], {cwd: dir})).to.deep.include({
        code: 2,
        stderr:
          `Error: no seeds folder: ${path.join(dir, 'data', 'seeds')} does not exist (seed_location sets it, relative to` +
          ' the config file; by default "seeds" beside migrations/)\n',
        stdout: '',
      })
      mkdirSync(path.join(dir, 'data'))
      renameSync(path.join(dir, 'seeds'), path.join(dir, 'data', 'seeds'))
      const seeded = await runCli(['seed'], {cwd: dir})
      expect(seeded.code, seeded.stderr).to.equal(0)
      expect(stripMs(seeded.stdout)).to.have.length(3)
    })

    if (dialect !== 'sqlite') {
      it('refuses to reset unless the section says dev = true, in one line, before anything is dropped', async () => {
        const dir = project()
        expect((await runCli(['upgrade'], {cwd: dir})).code).to.equal(0)
        const masked = parseDatabaseUrl(db.url).masked
        expect(await runCli(['reset'], {cwd: dir})).to.deep.include({
          code: 2,
          stderr:
            `Error: reset refused: it drops every object of ${masked}, and db-manage.ini [database] dev is not true` +
            ' (set dev = true there for a developer database; a SQLite database needs none)\n',
          stdout: '',
        })
        // dev = true vouches for the file's connection, not for another URL given over it.
        const dev = project({dev: true})
        expect(await runCli(['reset'], {cwd: dev, env: {DATABASE_URL: db.url}})).to.deep.include({
          code: 2,
          stderr:
            'Error: reset refused: db-manage.ini [database] dev = true vouches for the connection in the file,' +
            ` and DATABASE_URL replaced it with ${masked}\n`,
        })
        expect((await query('SELECT version_num FROM alembic_version')).map((r) => r.version_num)).to.deep.equal([
          '001',
        ])
      })
    }

    it(`resets: drops every object, upgrades to head and seeds${dialect === 'sqlite' ? ' (SQLite needs no dev = true)' : ' (dev = true)'}`, async () => {
      const dir = project({dev: dialect !== 'sqlite'})
      expect((await runCli(['upgrade'], {cwd: dir})).code).to.equal(0)
      // Objects the chain did not make, of every kind the dialect has.
      const extras: Record<DialectName, string[]> = {
        mysql: [
          'CREATE TABLE scratch_notes (id INT PRIMARY KEY)',
          'CREATE VIEW scratch_view AS SELECT id FROM scratch_notes',
          'CREATE PROCEDURE scratch_proc() SELECT 1',
          'CREATE FUNCTION scratch_fn() RETURNS INT DETERMINISTIC RETURN 1',
        ],
        postgresql: [
          "CREATE TYPE scratch_mood AS ENUM ('ok', 'meh')",
          'CREATE DOMAIN scratch_pos AS integer CHECK (VALUE > 0)',
          'CREATE SEQUENCE scratch_seq',
          'CREATE TABLE scratch_notes (id serial PRIMARY KEY, mood scratch_mood, n scratch_pos)',
          'CREATE MATERIALIZED VIEW scratch_mv AS SELECT id FROM scratch_notes',
          "CREATE FUNCTION scratch_fn() RETURNS integer LANGUAGE sql AS 'SELECT 1'",
          "CREATE PROCEDURE scratch_proc() LANGUAGE sql AS 'SELECT 1'",
        ],
        sqlite: [
          'CREATE TABLE scratch_notes (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT)',
          'CREATE INDEX ix_scratch_notes_note ON scratch_notes (note)',
          'CREATE TRIGGER scratch_trg AFTER INSERT ON scratch_notes BEGIN SELECT 1; END',
        ],
      }
      await connected(db, async (c) => {
        for (const sql of extras[dialect]) await c.query(sql)
      })
      const out = await runCli(['reset'], {cwd: dir})
      expect(out.code, out.stderr).to.equal(0)
      const dropped: Record<DialectName, string> = {
        // Chinook's 11 tables, the version and history tables, the repeatables' 2 views, and the extras.
        mysql: 'Dropped 3 views, 14 tables, 1 function, 1 procedure',
        postgresql:
          'Dropped 1 materialized view, 2 views, 14 tables, 1 sequence, 1 function, 1 procedure, 1 domain, 1 type',
        sqlite: 'Dropped 2 views, 1 trigger, 14 tables',
      }
      expect(stripMs(out.stdout)).to.deep.equal([
        dropped[dialect],
        'upgrade <base> -> 001, chinook schema',
        'repeatable artist_names.ts, new',
        'repeatable album_counts.sql, new',
        'seed 01_genres.sql, new',
        'seed 02_media_types.ts, new',
        'seed 03_artists.sql, new',
        'Reset: the database is at 001, seeded',
      ])
      const left = await connected(db, async (c) => {
        const sql: Record<DialectName, string> = {
          mysql:
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'scratch%'" +
            ' UNION ALL SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()',
          postgresql:
            "SELECT relname AS name FROM pg_class WHERE relname LIKE 'scratch%' AND relnamespace = 'public'::regnamespace" +
            " UNION ALL SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace" +
            " UNION ALL SELECT typname FROM pg_type WHERE typname LIKE 'scratch%'",
          sqlite: "SELECT name FROM sqlite_master WHERE name LIKE 'scratch%' OR name LIKE 'ix_scratch%'",
        }
        return (await c.query(sql[dialect])).rows
      })
      expect(left).to.deep.equal([])
      expect(Number((await query(`SELECT COUNT(*) AS n FROM ${n.artist}`))[0].n)).to.equal(3)
      // The history starts again: the reset dropped the old one with everything else.
      expect((await history()).map((r) => `${r[1]} ${r[0]}`)).to.deep.equal([
        'upgrade 001',
        'repeatable artist_names',
        'repeatable album_counts',
        'seed 01_genres',
        'seed 02_media_types',
        'seed 03_artists',
      ])
    })
  })
}
