import {expect} from 'chai'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {RULES} from '../../../src/lint/rules.js'
import {linkDbManage, runCli, tempProject} from '../../helpers/cli.js'
import type {CorpusEntry} from '../../fixtures/lint-corpus/corpus.js'
import {MYSQL} from '../../fixtures/lint-corpus/mysql.js'
import {POSTGRESQL} from '../../fixtures/lint-corpus/postgresql.js'
import {SQLITE} from '../../fixtures/lint-corpus/sqlite.js'

interface Linted {
  revision: string
  file: string
  class: string
  findings: Array<{rule: string; message: string; line?: number}>
}

/** The corpus as a chain of revisions, one a migration: .sql for raw SQL, .ts for operations. */
function chain(entries: readonly CorpusEntry[]): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(path.join(dir, 'db-manage.ini'), '[db_manage]\nscript_location = migrations\n')
  linkDbManage(dir)
  for (const [i, e] of entries.entries()) {
    const id = String(i + 1).padStart(3, '0')
    const down = i === 0 ? null : String(i).padStart(3, '0')
    const slug = e.name.replaceAll(/\W+/g, '_')
    if (e.sql === undefined) {
      writeFileSync(
        path.join(dir, 'migrations', `${id}_${slug}.ts`),
        `import type {Operations} from 'db-manage'

export const revision = '${id}'
export const downRevision = ${down === null ? 'null' : `'${down}'`}
export const message = ${JSON.stringify(e.name)}

export async function upgrade(op: Operations): Promise<void> {
  ${e.ops}
}
`,
      )
    } else {
      writeFileSync(
        path.join(dir, 'migrations', `${id}_${slug}.sql`),
        `-- revision: ${id}\n-- down_revision: ${down ?? ''}\n-- message: ${e.name}\n-- +upgrade\n${e.sql}\n`,
      )
    }
  }

  return dir
}

const CORPORA = {mysql: MYSQL, postgresql: POSTGRESQL, sqlite: SQLITE}

describe('lint corpus: real migrations, each labelled with the rule it must raise or "safe"', function () {
  this.timeout(120_000)
  for (const [dialect, corpus] of Object.entries(CORPORA)) {
    describe(dialect, () => {
      let linted: Linted[]
      before(async () => {
        const dir = chain(corpus)
        const result = await runCli(
          ['check_migration', '--lint', '--no-db', '--dialect', dialect, '--format', 'json'],
          {
            cwd: dir,
          },
        )
        const document = JSON.parse(result.stdout) as {databases: Array<{revisions: Linted[]}>}
        linted = document.databases[0].revisions
      })

      it('has at least 60 dangerous and 30 safe migrations, SQL and operations both', () => {
        const dangerous = corpus.filter((e) => e.expect !== 'safe')
        const safe = corpus.filter((e) => e.expect === 'safe')
        expect(dangerous.length).to.be.at.least(60)
        expect(safe.length).to.be.at.least(30)
        for (const group of [dangerous, safe]) {
          expect(group.some((e) => e.sql !== undefined)).to.equal(true)
          expect(group.some((e) => e.ops !== undefined)).to.equal(true)
        }
      })

      it('flags every dangerous migration with its rule, at a line of the file', () => {
        const missed: string[] = []
        for (const [i, e] of corpus.entries()) {
          if (e.expect === 'safe') continue
          const found = linted[i].findings
          for (const rule of e.expect) {
            const hit = found.find((f) => f.rule === rule)
            if (!hit) missed.push(`${linted[i].file} (${e.name}): ${rule} not raised; got ${JSON.stringify(found)}`)
            else if (hit.line === undefined) missed.push(`${linted[i].file} (${e.name}): ${rule} without a line`)
          }

          const care = e.expect.some((rule) => RULES[rule].severity !== 'info')
          if (care && linted[i].class === 'online-safe')
            missed.push(`${linted[i].file} (${e.name}) classed online-safe`)
        }

        expect(missed).to.deep.equal([])
      })

      it('flags no safe migration, and classes each online-safe', () => {
        const flagged = corpus.flatMap((e, i) =>
          e.expect === 'safe' && (linted[i].findings.length > 0 || linted[i].class !== 'online-safe')
            ? [`${linted[i].file} (${e.name}): ${JSON.stringify(linted[i].findings)}`]
            : [],
        )
        expect(flagged).to.deep.equal([])
      })
    })
  }
})
