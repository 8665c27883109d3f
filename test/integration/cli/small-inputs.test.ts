import {expect} from 'chai'
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {linkDbManage, runCli, tempProject} from '../../helpers/cli.js'

// Small inputs that did the wrong thing quietly: a control character in a
// revision's message, an empty --url, a SQLite path into a folder that is
// not there.
function project(connection = 'sqlite:///app.sqlite'): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    `[db_manage]\nscript_location = migrations\n\n[database]\nconnection = ${connection}\n`,
  )
  linkDbManage(dir)
  return dir
}

describe('revision -m with control characters', () => {
  // CR alone, CRLF, LF, tab, U+2028, ESC (a terminal's escape sequences), BEL, DEL, a C1 CSI.
  const message = 'fix\rthe\r\nusers\ntable\tnow\u2028\u001B[31mred\u001B[0m \u0007\u007F\u009B end'
  for (const template of ['ts', 'sql'] as const) {
    it(`writes a ${template} file that loads, on one line, with no control character in it or in its name`, async () => {
      const dir = project()
      const made = await runCli(['revision', '-m', message, ...(template === 'sql' ? ['--template', 'sql'] : [])], {
        cwd: dir,
      })
      expect(made.code, made.stderr).to.equal(0)
      const [file] = readdirSync(path.join(dir, 'migrations'))
      expect(file).to.equal(`001_fix_the_users_table_now_31mred_0m_end.${template}`)
      const text = readFileSync(path.join(dir, 'migrations', file), 'utf8')

      expect(text.replaceAll('\n', '')).not.to.match(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/)
      const line = text.split('\n').find((l) => /message/.test(l))
      expect(line).to.equal(
        template === 'ts'
          ? String.raw`export const message = 'fix the users table now \x1b[31mred\x1b[0m \x07\x7f\x9b end'`
          : String.raw`-- message: fix the users table now \x1b[31mred\x1b[0m \x07\x7f\x9b end`,
      )
      // The script runs, and the chain reads its message back.
      const up = await runCli(['upgrade', 'head'], {cwd: dir})
      expect(up.code, up.stderr).to.equal(0)
      const history = await runCli(['history', '--json'], {cwd: dir})
      const [
        {
          revisions: [entry],
        },
      ] = (JSON.parse(history.stdout) as {data: Array<{revisions: Array<{message: string}>}>}).data
      expect(entry.message).to.equal(
        template === 'ts'
          ? 'fix the users table now \u001B[31mred\u001B[0m \u0007\u007F\u009B end'
          : String.raw`fix the users table now \x1b[31mred\x1b[0m \x07\x7f\x9b end`,
      )
    })
  }
})

describe('an empty --url', () => {
  it("is an error, not the config file's database", async () => {
    const dir = project()
    for (const args of [
      ['upgrade', 'head', '--url', ''],
      ['current', '--url='],
      ['upgrade', '--url', '  '],
    ]) {
      const run = await runCli(args, {cwd: dir})
      expect(run, args.join(' ')).to.deep.equal({
        code: 2,
        stderr: 'Error: --url is empty: give a database URL, or leave the flag out\n',
        stdout: '',
      })
    }

    expect(existsSync(path.join(dir, 'app.sqlite'))).to.equal(false)
  })
})

describe('a SQLite file in a folder that does not exist', () => {
  it('is an error naming the path, and no folder or database is made; a folder that exists is used', async () => {
    const dir = project('sqlite:///dta/app.sqlite')
    for (const args of [['upgrade', 'head'], ['current'], ['stamp', 'base']]) {
      const run = await runCli(args, {cwd: dir})
      expect(run, args.join(' ')).to.deep.equal({
        code: 1,
        stderr:
          `Error: cannot connect to sqlite:///dta/app.sqlite: SQLite database ${path.join(dir, 'dta', 'app.sqlite')}: its folder` +
          ` ${path.join(dir, 'dta')} does not exist (a typo in the path?): correct the URL, or create the folder first\n`,
        stdout: '',
      })
    }

    const url = await runCli(['current', '--url', `sqlite:///${path.join(dir, 'nowhere', 'x.sqlite')}`], {cwd: dir})
    expect(url.code).to.equal(1)
    expect(url.stderr).to.include(`its folder ${path.join(dir, 'nowhere')} does not exist`)
    expect(existsSync(path.join(dir, 'dta'))).to.equal(false)
    expect(existsSync(path.join(dir, 'nowhere'))).to.equal(false)

    mkdirSync(path.join(dir, 'dta'))
    const made = await runCli(['current'], {cwd: dir})
    expect([made.code, made.stdout]).to.deep.equal([0, '<base>\n'])
  })

  it('init writes a config whose database sits beside it, so upgrade head works at once', async () => {
    const dir = tempProject()
    expect((await runCli(['init'], {cwd: dir})).code).to.equal(0)
    expect((await runCli(['revision', '-m', 'first', '--template', 'sql'], {cwd: dir})).code).to.equal(0)
    const up = await runCli(['upgrade', 'head'], {cwd: dir})
    expect(up.code, up.stderr).to.equal(0)
    expect(existsSync(path.join(dir, 'db-manage.sqlite'))).to.equal(true)
  })
})
