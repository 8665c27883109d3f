// Takeover both ways: Alembic itself reads and continues a database that
// db-manage migrated (the history table beside alembic_version changes
// nothing for it). Runs where Alembic is installed; CI installs it.
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../../src/config/database-url.js'
import {runCli, shippedProject} from '../../helpers/cli.js'
import {connected, dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

const PYTHON = '/usr/bin/python3'

function alembicInstalled(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import alembic, psycopg2'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** An Alembic project whose chain has db-manage's ids 001..005 and one more revision of its own. */
function alembicProject(dir: string, sqlalchemyUrl: string): void {
  const root = path.join(dir, 'alem')
  mkdirSync(path.join(root, 'versions'), {recursive: true})
  writeFileSync(path.join(dir, 'alembic.ini'), `[alembic]\nscript_location = alem\nsqlalchemy.url = ${sqlalchemyUrl}\n`)
  writeFileSync(
    path.join(root, 'env.py'),
    `from alembic import context
from sqlalchemy import engine_from_config, pool
config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section), prefix='sqlalchemy.', poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
`,
  )
  writeFileSync(path.join(root, 'script.py.mako'), '')
  let previous = 'None'
  for (const id of ['001', '002', '003', '004', '005', '006']) {
    const body =
      id === '006' ? "op.create_table('from_alembic', sa.Column('id', sa.Integer, primary_key=True))" : 'pass'
    writeFileSync(
      path.join(root, 'versions', `${id}_r.py`),
      `import sqlalchemy as sa
from alembic import op
revision = '${id}'
down_revision = ${previous}
branch_labels = None
depends_on = None
def upgrade():
    ${body}
def downgrade():
    pass
`,
    )
    previous = `'${id}'`
  }
}

function alembic(dir: string, ...args: string[]): string {
  return execFileSync(PYTHON, ['-m', 'alembic', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

for (const dialect of dialectsUnderTest().filter((d) => d !== 'mysql')) {
  describe(`Alembic continues a database db-manage migrated, on ${dialect}`, function () {
    this.timeout(120_000)
    let db: TestDatabase
    useTestDatabase(dialect, (created) => {
      db = created
    })

    it('alembic current reads 005 and alembic upgrade head runs 005 -> 006; db-manage then sees 006', async function () {
      if (!alembicInstalled()) this.skip()
      const dir = shippedProject(db.url)
      expect((await runCli(['upgrade', 'head'], {cwd: dir})).code).to.equal(0)
      const u = parseDatabaseUrl(db.url)
      const url =
        dialect === 'sqlite'
          ? `sqlite:///${u.filename}`
          : `postgresql://${encodeURIComponent(u.user!)}:${encodeURIComponent(u.password ?? '')}@${u.host}:${u.port}/${u.database}`
      alembicProject(dir, url.replaceAll('%', '%%'))
      expect(alembic(dir, 'current').trim()).to.equal('005')
      alembic(dir, 'upgrade', 'head')
      expect(alembic(dir, 'current').trim()).to.equal('006 (head)')
      const tables = await connected(
        db,
        async (c) =>
          (
            await c.query(
              dialect === 'sqlite'
                ? "SELECT name FROM sqlite_master WHERE name = 'from_alembic'"
                : "SELECT tablename AS name FROM pg_tables WHERE tablename = 'from_alembic'",
            )
          ).rows,
      )
      expect(tables).to.deep.equal([{name: 'from_alembic'}])
      expect((await runCli(['current'], {cwd: dir})).stderr).to.equal(
        `Error: the database is at revision 006, which no script in ${path.join(dir, 'migrations')} declares\n`,
      )
    })
  })
}
