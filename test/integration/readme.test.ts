/**
 * The README's quick start and guides, run as written: the `sh` blocks of a
 * section in order in one bash (`set -e`: every command must succeed), a
 * block whose info string says `file=PATH` written to PATH first, and a
 * `text` block right after an `sh` block compared with that block's output
 * (times in ms aside). The guides reach the test servers through the
 * variables their clients read (PG* for psql; MYSQL_HOST, MYSQL_TCP_PORT,
 * MYSQL_PWD and MARIADB_ADMIN for mariadb), set here from
 * DB_MANAGE_TEST_PG_URL and DB_MANAGE_TEST_MYSQL_URL.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {BIN, ROOT, tempProject} from '../helpers/cli.js'
import {adminConnection, dialectsUnderTest} from '../helpers/databases.js'

interface Block {
  readonly lang: string
  readonly file?: string
  readonly body: string
  /** The README's line the block's fence is on. */
  readonly line: number
}

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8')

/**
 * The text of the `## ` section whose heading starts with `title` (or of the `### ` one, when `title` starts with
 * `### `), up to the next heading of its level or above.
 */
function section(title: string): {start: number; text: string} {
  const heading = title.startsWith('#') ? title : `## ${title}`
  const level = heading.indexOf(' ')
  const start = README.indexOf(`\n${heading}`)
  if (start === -1) throw new Error(`README.md has no section "${heading}"`)
  const next = new RegExp(`\\n#{1,${level}} `, 'g')
  next.lastIndex = start + 1
  const end = next.exec(README)?.index ?? -1
  return {start: start + 1, text: README.slice(start + 1, end === -1 ? undefined : end)}
}

function blocksOf(title: string): Block[] {
  const {start, text} = section(title)
  const lineAt = (offset: number) => README.slice(0, start + offset).split('\n').length
  return [...text.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    body: m[3],
    file: /\bfile=(\S+)/.exec(m[2])?.[1],
    lang: m[1],
    line: lineAt(m.index),
  }))
}

const normalize = (text: string) => text.replaceAll(/\(\d+ ms\)/g, '(N ms)').trimEnd()

/** One bash script for a section's blocks: markers between the sh blocks split its stdout. */
function script(blocks: readonly Block[]): string {
  const lines = ['set -euo pipefail']
  for (const [i, b] of blocks.entries()) {
    if (b.file) {
      lines.push(
        `mkdir -p "$(dirname '${b.file}')"`,
        `cat > '${b.file}' <<'__README_FILE__'`,
        `${b.body}__README_FILE__`,
      )
    } else if (b.lang === 'sh') {
      lines.push(`echo "@@block ${i}@@"`, b.body)
    }
  }

  return `${lines.join('\n')}\n`
}

/** `db-manage` on the PATH: the CLI built from this repository. */
function shim(): string {
  const dir = path.join(tempProject(), 'bin')
  mkdirSync(dir)
  writeFileSync(path.join(dir, 'db-manage'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
  chmodSync(path.join(dir, 'db-manage'), 0o755)
  return dir
}

async function runSection(title: string, env: NodeJS.ProcessEnv): Promise<void> {
  await runSections([title], env)
}

/** Sections run one after another in one folder, as one reader would follow them. */
async function runSections(titles: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const title = titles.join(' + ')
  const blocks = titles.flatMap((t) => blocksOf(t))
  expect(
    blocks.filter((b) => b.lang === 'sh'),
    `${title}: sh blocks`,
  ).to.not.be.empty
  const cwd = tempProject()
  const result = await new Promise<{code: number; stderr: string; stdout: string}>((resolve) => {
    execFile(
      'bash',
      ['-c', script(blocks)],
      {
        cwd,
        env: {
          ...process.env,
          DATABASE_URL: undefined,
          DB_MANAGE_CONFIG: undefined,
          ...env,
          PATH: `${shim()}:${process.env.PATH}`,
        },
        maxBuffer: 1 << 24,
      },
      (error, stdout, stderr) =>
        resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr, stdout}),
    )
  })
  const outputs = new Map<number, string>()
  for (const part of result.stdout
    .split(/^@@block (\d+)@@\n/m)
    .slice(1)
    .reduce<string[][]>((pairs, x, i, all) => (i % 2 === 0 ? [...pairs, [x, all[i + 1]]] : pairs), [])) {
    outputs.set(Number(part[0]), part[1] ?? '')
  }

  const last = Math.max(...outputs.keys())
  expect(result.code, `${title}: the sh block at README.md:${blocks[last]?.line} failed:\n${result.stderr}`).to.equal(0)
  for (const [i, b] of blocks.entries()) {
    if (b.lang !== 'text' || blocks[i - 1]?.lang !== 'sh' || blocks[i - 1]?.file) continue
    expect(
      normalize(outputs.get(i - 1) ?? ''),
      `${title}: the output of the sh block at README.md:${blocks[i - 1].line}`,
    ).to.equal(normalize(b.body))
  }
}

describe('README.md, run as written', function () {
  this.timeout(300_000)

  it('takes a newcomer to a working quick start in its first 60 lines', () => {
    const blocks = blocksOf('Quick start')
    const closing = README.split('\n').findIndex((line, i) => i + 1 > blocks.at(-1)!.line && line === '```') + 1
    expect(closing).to.be.within(1, 60)
    expect(section('Install').start).to.be.below(section('Quick start').start)
  })

  it('the quick start, on SQLite', async () => {
    await runSection('Quick start', {})
  })

  it('repeatable objects, seeds and reset, on SQLite', async () => {
    await runSection('Repeatable objects, seeds and reset', {})
  })

  it('squashing a chain, on SQLite', async () => {
    await runSection('Squashing a chain', {})
  })

  it('diff and pull, on SQLite (one folder: pull reads what diff compared)', async () => {
    await runSections(['### diff: two schemas compared', '### pull: a database as schema code'], {})
  })

  it('callbacks, on SQLite', async () => {
    await runSection('Callbacks', {})
  })

  if (dialectsUnderTest().includes('postgresql')) {
    it('the PostgreSQL guide, on the test server', async () => {
      const server = parseDatabaseUrl(process.env.DB_MANAGE_TEST_PG_URL!)
      const admin = await adminConnection('postgresql')
      const clean = async () => {
        await admin.query('DROP DATABASE IF EXISTS inventory WITH (FORCE)')
        await admin.query('DROP ROLE IF EXISTS inventory')
      }

      try {
        await clean()
        await runSection('Guide: PostgreSQL', {
          PGDATABASE: server.database!,
          PGHOST: server.host!,
          PGPASSWORD: server.password!,
          PGPORT: String(server.port),
          PGUSER: server.user!,
        })
      } finally {
        await clean()
        await admin.close()
      }
    })
  }

  if (dialectsUnderTest().includes('postgresql')) {
    it('several schemas of one PostgreSQL database, on the test server', async () => {
      const server = parseDatabaseUrl(process.env.DB_MANAGE_TEST_PG_URL!)
      const admin = await adminConnection('postgresql')
      const clean = () => admin.query('DROP DATABASE IF EXISTS shop WITH (FORCE)')
      try {
        await clean()
        await runSection('Several schemas', {
          PGDATABASE: server.database!,
          PGHOST: server.host!,
          PGPASSWORD: server.password!,
          PGPORT: String(server.port),
          PGUSER: server.user!,
        })
      } finally {
        await clean()
        await admin.close()
      }
    })
  }

  if (dialectsUnderTest().includes('mysql')) {
    it('the MariaDB guide, on the test server', async () => {
      const server = parseDatabaseUrl(process.env.DB_MANAGE_TEST_MYSQL_URL!)
      const admin = await adminConnection('mysql')
      const clean = async () => {
        await admin.query('DROP DATABASE IF EXISTS inventory')
        await admin.query("DROP USER IF EXISTS 'inventory'@'%'")
      }

      try {
        await clean()
        await runSection('Guide: MariaDB', {
          MARIADB_ADMIN: server.user!,
          MYSQL_HOST: server.host!,
          MYSQL_PWD: server.password!,
          MYSQL_TCP_PORT: String(server.port),
        })
      } finally {
        await clean()
        await admin.close()
      }
    })
  }
})
