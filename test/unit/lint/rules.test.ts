import {expect} from 'chai'

import {findings, RULES, type Severity} from '../../../src/lint/rules.js'
import type {Operation} from '../../../src/operations/nodes.js'
import {Operations, drainOperations} from '../../../src/operations/operations.js'
import type {DialectName} from '../../../src/util/dialect-names.js'

interface Found {
  readonly rule: string
  readonly severity: Severity
  readonly message: string
}

/**
 * What check_migration --lint reports for the operations `build` makes, on
 * `dialect`: the nodes recorded through the op object, as api/lint.ts records a
 * revision's upgrade(), and each finding with its rule's severity.
 */
async function lintOf(dialect: DialectName, build: (op: Operations) => Promise<void>): Promise<Found[]> {
  const operations: Operation[] = []
  const op = new Operations({
    dialect,
    async query() {
      return []
    },
    async run(operation) {
      operations.push(operation)
    },
  })
  await build(op)
  await drainOperations(op)
  // This file covers DM101-DM111 on operations; the later rules (and SQL) are test/unit/lint/sql.test.ts's.
  return findings(operations, dialect)
    .filter((f) => f.rule <= 'DM111')
    .map((f) => ({
      message: f.message,
      rule: f.rule,
      severity: RULES[f.rule].severity,
    }))
}

/** One scenario: what each dialect reports for it (an empty list: nothing). */
function lints(
  title: string,
  build: (op: Operations) => Promise<void>,
  expected: Readonly<Record<DialectName, readonly Found[]>>,
): void {
  describe(title, () => {
    for (const [dialect, want] of Object.entries(expected) as Array<[DialectName, readonly Found[]]>) {
      it(`${dialect}: ${want.length === 0 ? 'nothing' : want.map((f) => f.rule).join(', ')}`, async () => {
        expect(await lintOf(dialect, build)).to.deep.equal(want)
      })
    }
  })
}

/** The same findings on every dialect. */
function everywhere(found: readonly Found[]): Record<DialectName, readonly Found[]> {
  return {mysql: found, postgresql: found, sqlite: found}
}

/** Findings on PostgreSQL alone. */
function postgresOnly(found: readonly Found[]): Record<DialectName, readonly Found[]> {
  return {mysql: [], postgresql: found, sqlite: []}
}

const NONE = everywhere([])

describe('lint rules on operations', () => {
  it('recreateEnumType converts each column of an existing table (DM104), not those of a table the same revision creates', () => {
    const result = findings(
      [
        {columns: [{name: 'id', type: 'integer'}], kind: 'createTable', table: 'fresh'},
        {
          columns: [
            {column: 'rating', default: 'G', table: 'film'},
            {array: true, column: 'past', table: 'film'},
            {column: 'mood', table: 'fresh'},
          ],
          kind: 'recreateEnumType',
          name: 'mpaa_rating',
          values: ['G', 'R'],
        },
      ] as never,
      'postgresql',
    )
    expect(result).to.deep.equal([
      {message: 'change the type of film.rating to the recreated enum mpaa_rating', rule: 'DM104'},
      {message: 'change the type of film.past to the recreated enum mpaa_rating', rule: 'DM104'},
    ])
  })

  it('a serial column (numbered by a sequence) is an info on PostgreSQL (DM111), the migration keeping it so; nothing elsewhere', () => {
    const ops = [
      {
        columns: [{autoincrement: true, name: 'id', sequence: 'posts_id_seq', type: 'bigint'}],
        kind: 'createTable',
        table: 'posts',
      },
      {autoincrement: true, column: 'id', kind: 'alterColumn', sequence: 'tags_id_seq', table: 'tags'},
      {columns: [{autoincrement: true, name: 'id', type: 'bigint'}], kind: 'createTable', table: 'plain'},
    ] as never
    expect(findings(ops, 'postgresql')).to.deep.equal([
      {message: 'column posts.id numbered by a sequence (serial)', rule: 'DM111'},
      {message: 'column tags.id numbered by a sequence (serial)', rule: 'DM111'},
    ])
    expect(findings(ops, 'mysql')).to.deep.equal([])
  })

  it('every rule has a severity, a reason and a fix, and names the dialects it applies to', () => {
    expect(Object.keys(RULES)).to.include.members([
      'DM101',
      'DM102',
      'DM103',
      'DM104',
      'DM105',
      'DM106',
      'DM107',
      'DM108',
      'DM109',
      'DM110',
      'DM111',
    ])
    for (const [id, rule] of Object.entries(RULES)) {
      expect(rule.id).to.equal(id)
      expect(rule.reason).not.to.equal('')
      expect(rule.fix).not.to.equal('')
      expect(rule.dialects.length).to.be.greaterThan(0)
    }
  })

  describe('DM101 (error, every dialect): data dropped', () => {
    lints(
      'dropTable',
      (op) => op.dropTable('film'),
      everywhere([{message: 'drop table film', rule: 'DM101', severity: 'error'}]),
    )
    lints(
      'dropColumn',
      (op) => op.dropColumn('film', 'rating'),
      everywhere([{message: 'drop column film.rating', rule: 'DM101', severity: 'error'}]),
    )
    lints(
      'dropColumn inside batchAlterTable',
      (op) => op.batchAlterTable('film', (batch) => batch.dropColumn('rating')),
      {
        mysql: [{message: 'drop column film.rating', rule: 'DM101', severity: 'error'}],
        postgresql: [{message: 'drop column film.rating', rule: 'DM101', severity: 'error'}],
        sqlite: [
          {message: 'batchAlterTable rebuilds existing table film', rule: 'DM109', severity: 'warning'},
          {message: 'drop column film.rating', rule: 'DM101', severity: 'error'},
        ],
      },
    )
    // What the same revision created (under its name or a new one) holds no data yet.
    lints(
      'a table created, renamed, a column dropped and the table dropped in one revision',
      async (op) => {
        await op.createTable('scratch', [op.column('id', 'bigint', {primaryKey: true}), op.column('note', 'text')])
        await op.renameTable('scratch', 'staging')
        await op.dropColumn('staging', 'note')
        await op.dropTable('staging')
      },
      NONE,
    )
    lints(
      'a table dropped, then one of the same name created and dropped',
      async (op) => {
        await op.dropTable('film')
        await op.createTable('film', [op.column('id', 'bigint', {primaryKey: true})])
        await op.dropTable('film')
      },
      everywhere([{message: 'drop table film', rule: 'DM101', severity: 'error'}]),
    )
    // Dropping an index or a constraint loses no data.
    lints(
      'dropIndex and dropConstraint',
      async (op) => {
        await op.dropIndex('film_title', 'film')
        await op.dropConstraint('film_rating_check', 'film', {type: 'check'})
      },
      NONE,
    )
  })

  describe('DM102 (error, every dialect): a NOT NULL column without a default added to a table with rows', () => {
    lints(
      'addColumn NOT NULL without a default to an existing table',
      (op) => op.addColumn('film', op.column('rating', 'string(5)', {nullable: false})),
      everywhere([{message: 'add NOT NULL column film.rating without a default', rule: 'DM102', severity: 'error'}]),
    )
    lints(
      'addColumn primary key without a default to an existing table',
      (op) => op.addColumn('film', op.column('film_id', 'integer', {primaryKey: true})),
      everywhere([{message: 'add NOT NULL column film.film_id without a default', rule: 'DM102', severity: 'error'}]),
    )
    lints(
      'addColumn NOT NULL with a default, nullable, autoincrement, or to a table the revision creates',
      async (op) => {
        await op.addColumn('film', op.column('rating', 'string(5)', {default: 'G', nullable: false}))
        await op.addColumn('film', op.column('note', 'text'))
        await op.addColumn('film', op.column('note2', 'text', {nullable: true}))
        await op.addColumn('film', op.column('film_id', 'integer', {autoincrement: true, primaryKey: true}))
        await op.createTable('actor', [op.column('id', 'integer')])
        await op.addColumn('actor', op.column('name', 'text', {nullable: false}))
      },
      NONE,
    )
    // A generated column computes its value for every row, so adding it NOT NULL to a table with rows needs no
    // default (and may not have one: the compiler refuses a default on it).
    it('addColumn NOT NULL generated column: nothing', async () => {
      for (const dialect of ['postgresql', 'mysql', 'sqlite'] as const) {
        expect(
          await lintOf(dialect, (op) =>
            op.addColumn('item', op.column('total', 'integer', {generated: {expression: 'qty * 2'}, nullable: false})),
          ),
        ).to.deep.equal([])
      }
    })
  })

  describe('DM103 (error, PostgreSQL): CREATE INDEX without CONCURRENTLY on a table with rows', () => {
    lints(
      'createIndex on an existing table',
      (op) => op.createIndex('film_title', 'film', ['title']),
      postgresOnly([
        {
          message: 'create index film_title on existing table film without concurrently',
          rule: 'DM103',
          severity: 'error',
        },
      ]),
    )
    lints(
      'createIndex unique inside batchAlterTable',
      (op) => op.batchAlterTable('film', (batch) => batch.createIndex('film_title', ['title'], {unique: true})),
      {
        mysql: [],
        postgresql: [
          {
            message: 'create index film_title on existing table film without concurrently',
            rule: 'DM103',
            severity: 'error',
          },
        ],
        sqlite: [{message: 'batchAlterTable rebuilds existing table film', rule: 'DM109', severity: 'warning'}],
      },
    )
    lints(
      'createIndex concurrently, or on a table the revision creates',
      async (op) => {
        await op.createIndex('film_title', 'film', ['title'], {concurrently: true})
        await op.createTable('actor', [op.column('name', 'text')])
        await op.createIndex('actor_name', 'actor', ['name'])
      },
      NONE,
    )
  })

  describe('DM104 (warning, PostgreSQL and MySQL): a column changes its type', () => {
    lints(
      'alterColumn type on an existing table',
      (op) => op.alterColumn('film', 'title', {existingType: 'string(40)', type: 'string(80)'}),
      {
        // utf8mb4: 80 characters need two length bytes where 40 need one, so InnoDB copies the table.
        mysql: [{message: 'change the type of film.title to string(80)', rule: 'DM104', severity: 'warning'}],
        // A longer varchar is a catalog change on PostgreSQL: no rewrite, nothing to say.
        postgresql: [],
        sqlite: [],
      },
    )
    lints(
      'alterColumn type inside batchAlterTable',
      (op) => op.batchAlterTable('film', (batch) => batch.alterColumn('title', {type: 'text'})),
      {
        mysql: [{message: 'change the type of film.title to text', rule: 'DM104', severity: 'warning'}],
        postgresql: [{message: 'change the type of film.title to text', rule: 'DM104', severity: 'warning'}],
        // SQLite copies the table for any change: that is DM109's to say.
        sqlite: [{message: 'batchAlterTable rebuilds existing table film', rule: 'DM109', severity: 'warning'}],
      },
    )
    lints(
      'alterColumn of everything but the type, or the type on a table the revision creates',
      async (op) => {
        await op.alterColumn('film', 'title', {comment: 'the title', default: 'x', existingType: 'string(40)'})
        await op.createTable('actor', [op.column('name', 'string(40)')])
        await op.alterColumn('actor', 'name', {existingType: 'string(40)', type: 'text'})
      },
      NONE,
    )
  })

  describe('DM105 (warning, PostgreSQL): a foreign key or check validated under a lock', () => {
    lints(
      'createForeignKey on an existing table',
      (op) => op.createForeignKey('film_language_fkey', 'film', 'language', ['language_id'], ['id']),
      postgresOnly([
        {
          message: 'add foreign key film_language_fkey on existing table film',
          rule: 'DM105',
          severity: 'warning',
        },
      ]),
    )
    lints(
      'createCheckConstraint on an existing table',
      (op) => op.createCheckConstraint('film_length_check', 'film', 'length > 0'),
      postgresOnly([
        {message: 'add check film_length_check on existing table film', rule: 'DM105', severity: 'warning'},
      ]),
    )
    lints(
      'createForeignKey and createCheckConstraint on a table the revision creates',
      async (op) => {
        await op.createTable('actor', [op.column('id', 'integer'), op.column('film_id', 'integer')])
        await op.createForeignKey('actor_film_fkey', 'actor', 'film', ['film_id'], ['id'])
        await op.createCheckConstraint('actor_id_check', 'actor', 'id > 0')
      },
      NONE,
    )
  })

  // MariaDB 10.11 adds a foreign key (with foreign_key_checks on) or a CHECK only with ALGORITHM=COPY, copying the
  // table while writes wait ("ALGORITHM=INPLACE is not supported. Reason: Adding foreign keys needs
  // foreign_key_checks=OFF"; checked on the test server): DM140 says so (DM105 is PostgreSQL's NOT VALID advice).
  it('DM140 warns of a key or check added to an existing MySQL table', async () => {
    const operations: Operation[] = []
    const op = new Operations({
      dialect: 'mysql',
      async query() {
        return []
      },
      async run(operation) {
        operations.push(operation)
      },
    })
    await op.createForeignKey('film_language_fkey', 'film', 'language', ['language_id'], ['id'])
    await op.createCheckConstraint('film_length_check', 'film', 'length > 0')
    await drainOperations(op)
    expect(findings(operations, 'mysql').map((f) => `${f.rule} ${RULES[f.rule].severity}: ${f.message}`)).to.deep.equal(
      [
        'DM140 warning: add foreign key film_language_fkey on film with foreign_key_checks on (ALGORITHM=COPY)',
        'DM140 warning: add check film_length_check on film (ALGORITHM=COPY)',
      ],
    )
  })

  describe('DM106 (warning, every dialect): a rename the running code does not know', () => {
    lints(
      'renameTable',
      (op) => op.renameTable('film', 'movie'),
      everywhere([{message: 'rename table film to movie', rule: 'DM106', severity: 'warning'}]),
    )
    lints(
      'alterColumn newName on an existing table',
      (op) => op.alterColumn('film', 'title', {existingType: 'string(40)', newName: 'name'}),
      everywhere([{message: 'rename column film.title to name', rule: 'DM106', severity: 'warning'}]),
    )
    lints(
      'alterColumn newName on a table the revision creates',
      async (op) => {
        await op.createTable('actor', [op.column('nm', 'string(40)')])
        await op.alterColumn('actor', 'nm', {existingType: 'string(40)', newName: 'name'})
      },
      NONE,
    )
  })

  describe('DM107 (warning, PostgreSQL): SET NOT NULL scans the table', () => {
    lints(
      'alterColumn nullable false on a column that was nullable, or whose nullability is not given',
      async (op) => {
        await op.alterColumn('film', 'title', {existingNullable: true, nullable: false})
        await op.alterColumn('film', 'year', {nullable: false})
      },
      postgresOnly([
        {message: 'set film.title NOT NULL', rule: 'DM107', severity: 'warning'},
        {message: 'set film.year NOT NULL', rule: 'DM107', severity: 'warning'},
      ]),
    )
    lints(
      'alterColumn nullable false on a column already NOT NULL, nullable true, or on a table the revision creates',
      async (op) => {
        await op.alterColumn('film', 'title', {existingNullable: false, existingType: 'text', nullable: false})
        await op.alterColumn('film', 'year', {existingType: 'integer', nullable: true})
        await op.createTable('actor', [op.column('name', 'text')])
        await op.alterColumn('actor', 'name', {nullable: false})
      },
      NONE,
    )
  })

  describe('DM108 (warning, PostgreSQL): a unique constraint builds its index under a lock', () => {
    lints(
      'createUniqueConstraint on an existing table',
      (op) => op.createUniqueConstraint('film_title_key', 'film', ['title']),
      postgresOnly([
        {message: 'add unique constraint film_title_key on existing table film', rule: 'DM108', severity: 'warning'},
      ]),
    )
    lints(
      'createUniqueConstraint on a table the revision creates',
      async (op) => {
        await op.createTable('actor', [op.column('name', 'text')])
        await op.createUniqueConstraint('actor_name_key', 'actor', ['name'])
      },
      NONE,
    )
  })

  describe('DM109 (warning, SQLite): batchAlterTable copies the table', () => {
    lints(
      'batchAlterTable on an existing table',
      (op) => op.batchAlterTable('film', (batch) => batch.addColumn(op.column('note', 'text'))),
      {
        mysql: [],
        postgresql: [],
        sqlite: [{message: 'batchAlterTable rebuilds existing table film', rule: 'DM109', severity: 'warning'}],
      },
    )
    lints(
      'batchAlterTable on a table the revision creates',
      async (op) => {
        await op.createTable('actor', [op.column('name', 'text')])
        await op.batchAlterTable('actor', (batch) => batch.addColumn(op.column('note', 'text')))
      },
      NONE,
    )
  })

  describe('DM110 (info, every dialect): raw SQL is not analysed', () => {
    lints(
      'one execute',
      (op) => op.execute("UPDATE film SET rating = 'G' WHERE rating IS NULL"),
      everywhere([{message: '1 raw SQL statement (op.execute or a .sql script)', rule: 'DM110', severity: 'info'}]),
    )
    lints(
      'three executes, counted once at the end',
      async (op) => {
        await op.execute('UPDATE film SET a = 1')
        await op.dropTable('old')
        await op.execute('UPDATE film SET b = 2')
        await op.execute('DELETE FROM film WHERE a IS NULL', [], {split: false})
      },
      everywhere([
        {message: 'drop table old', rule: 'DM101', severity: 'error'},
        {message: '3 raw SQL statements (op.execute or a .sql script)', rule: 'DM110', severity: 'info'},
      ]),
    )
    // A bulkInsert writes rows too, but its SQL is db-manage's own.
    lints('bulkInsert', (op) => op.bulkInsert('film', [{title: 'Alien'}]), NONE)
  })

  describe('DM111 (info, PostgreSQL): a serial column', () => {
    lints(
      'createTable, addColumn and alterColumn numbering a column by a sequence',
      async (op) => {
        await op.createTable('film', [
          op.column('id', 'integer', {autoincrement: true, primaryKey: true, sequence: 'film_id_seq'}),
        ])
        await op.addColumn(
          'actor',
          op.column('n', 'bigint', {autoincrement: true, sequence: {as: 'bigint', name: 'actor_n_seq'}}),
        )
        await op.alterColumn('tag', 'id', {autoincrement: true, existingType: 'integer', sequence: 'tag_id_seq'})
      },
      postgresOnly([
        {message: 'column film.id numbered by a sequence (serial)', rule: 'DM111', severity: 'info'},
        {message: 'column actor.n numbered by a sequence (serial)', rule: 'DM111', severity: 'info'},
        {message: 'column tag.id numbered by a sequence (serial)', rule: 'DM111', severity: 'info'},
      ]),
    )
    lints(
      'an identity column, and a sequence taken away (sequence: null)',
      async (op) => {
        await op.createTable('film', [op.column('id', 'integer', {autoincrement: true, primaryKey: true})])
        await op.alterColumn('tag', 'id', {
          existingAutoincrement: true,
          existingSequence: 'tag_id_seq',
          existingType: 'integer',
          sequence: null,
        })
      },
      NONE,
    )
  })
})
