import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {BIN, runCli, shippedProject, tempProject} from '../../helpers/cli.js'
import {dialectsUnderTest, type TestDatabase, useTestDatabase} from '../../helpers/databases.js'

const SLEEP = {mysql: 'SELECT SLEEP(1.5)', postgresql: 'SELECT pg_sleep(1.5)'}

/** A chain of one slow SQL revision: two statements of 1.5 s and a quick one. */
function slowProject(url: string, sleep: string): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(path.join(dir, 'db-manage.ini'), `[database]\nconnection = ${url}\n`)
  writeFileSync(
    path.join(dir, 'migrations', '001_slow.sql'),
    `-- revision: 001\n-- down_revision: null\n-- message: slow\n-- +upgrade\n${sleep};\n${sleep};\nSELECT 1;\n`,
  )
  return dir
}

/** Run the CLI on a terminal (util-linux's script gives it one): what the terminal shows, stdout and stderr together. */
function onTerminal(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')
  return new Promise((resolve, reject) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      {cwd, env: {...process.env, DATABASE_URL: undefined, ...env}},
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    )
  })
}

describe('a long revision shows what it does', function () {
  this.timeout(120_000)

  it('a quick run prints no progress at all', async () => {
    const r = await runCli(['upgrade', 'head'], {cwd: shippedProject()})
    expect(r).to.deep.include({code: 0, stderr: ''})
  })

  // better-sqlite3 blocks the process while a statement runs: the servers show it inside a statement.
  for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite') as Array<'mysql' | 'postgresql'>) {
    describe(dialect, () => {
      let db: TestDatabase
      useTestDatabase(dialect, (created) => {
        db = created
      })

      it('in a log: a line every DB_MANAGE_PROGRESS_EVERY seconds naming the revision, the statement (n of m) and the time', async () => {
        const dir = slowProject(db.url, SLEEP[dialect])
        const r = await runCli(['upgrade', 'head'], {cwd: dir, env: {DB_MANAGE_PROGRESS_EVERY: '1'}})
        expect(r.code, r.stderr).to.equal(0)
        expect(r.stdout).to.match(/^upgrade <base> -> 001, slow \(\d+ ms\)\n$/)
        const lines = r.stderr.trimEnd().split('\n')
        // One a second of a step of 3 s or more (longer on a loaded machine).
        expect(lines.length).to.be.at.least(2)
        for (const line of lines) {
          expect(line).to.match(
            new RegExp(
              `^db-manage: still running upgrade <base> -> 001 \\(001_slow\\.sql\\): statement [12] of 3, \\d+ s: ${SLEEP[dialect].replace(/[()]/g, '\\$&')}$`,
            ),
          )
        }
      })

      it("on a terminal: one live line once the step has run DB_MANAGE_PROGRESS_AFTER seconds, cleared before the step's own line", async () => {
        const dir = slowProject(db.url, SLEEP[dialect])
        const screen = await onTerminal(['upgrade', 'head'], dir, {DB_MANAGE_PROGRESS_AFTER: '1'})
        expect(screen).to.match(
          /\r\u001B\[2Kupgrade <base> -> 001 \(001_slow\.sql\): statement [12] of 3, \d+ s: SELECT /,
        )
        expect(screen).to.match(/\r\u001B\[2Kupgrade <base> -> 001, slow \(\d+ ms\)\r?\n$/)
        expect(screen).to.not.include('still running')
      })
    })
  }
})
