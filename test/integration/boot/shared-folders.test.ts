import {expect} from 'chai'
import {chmodSync, chownSync, existsSync, lchownSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {linkDbManage, runCli} from '../../helpers/cli.js'

// What another local user can put in a folder every user may write to (/tmp)
// must not decide what runs as this user. The config search goes upward from
// the working directory: a run in /tmp/work with no config of its own would
// find a /tmp/db-manage.ini planted there, whose script_location names code.
const NOBODY = 65_534

describe('a config another user planted in a shared folder', () => {
  before(function () {
    // Only root can give a file to another uid.
    if (process.getuid?.() !== 0) this.skip()
  })

  function plant(): {work: string; marker: string; shared: string} {
    const shared = mkdtempSync(path.join(os.tmpdir(), 'db-manage-shared-'))
    chmodSync(shared, 0o1777)
    const scripts = path.join(shared, 'planted-scripts')
    mkdirSync(scripts)
    const marker = path.join(shared, 'planted-code-ran')
    writeFileSync(
      path.join(scripts, '001_x.ts'),
      `export const revision = '001'
export const downRevision = null
export const message = 'planted'
export async function upgrade(): Promise<void> {
  require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran')
}
`,
    )
    const ini = path.join(shared, 'db-manage.ini')
    writeFileSync(
      ini,
      `[db_manage]\nscript_location = planted-scripts\n\n[database]\nconnection = sqlite:///x.sqlite\n`,
    )
    chownSync(ini, NOBODY, NOBODY)
    const work = path.join(shared, 'work')
    mkdirSync(work)
    linkDbManage(work)
    return {marker, shared, work}
  }

  it('found by the search upward, it is refused with one line, and nothing it names runs', async () => {
    const {marker, shared, work} = plant()
    const run = await runCli(['upgrade', '--sql', 'head'], {cwd: work})
    expect(run.code).to.equal(2)
    expect(run.stdout).to.equal('')
    expect(run.stderr).to.equal(
      `Error: ${path.join(shared, 'db-manage.ini')} is another user's (uid ${NOBODY}) in a folder` +
        ' anyone may write to: not read, as what it names would run as you (name it with --config-file to use it' +
        ' anyway, or add a config of your own)\n',
    )
    expect(existsSync(marker)).to.equal(false)

    // A symlink planted there, to a file of this user's, is the other user's choice too.
    const link = path.join(shared, '.db-managerc')
    const {symlinkSync, renameSync} = await import('node:fs')
    renameSync(path.join(shared, 'db-manage.ini'), path.join(work, 'elsewhere.ini'))
    chownSync(path.join(work, 'elsewhere.ini'), 0, 0)
    symlinkSync(path.join(work, 'elsewhere.ini'), link)
    lchownSync(link, NOBODY, NOBODY)
    const viaLink = await runCli(['upgrade', '--sql', 'head'], {cwd: work})
    expect([viaLink.code, viaLink.stderr]).to.deep.equal([
      2,
      `Error: ${link} is another user's (uid ${NOBODY}) in a folder` +
        ' anyone may write to: not read, as what it names would run as you (name it with --config-file to use it' +
        ' anyway, or add a config of your own)\n',
    ])
    expect(existsSync(marker)).to.equal(false)
  })

  it('named with --config-file, or in a folder closed to others, it is read as before', async () => {
    const {marker, shared, work} = plant()
    const named = await runCli(['upgrade', '--sql', 'head', '--config-file', path.join(shared, 'db-manage.ini')], {
      cwd: work,
    })
    expect(named.code, named.stderr).to.equal(0)
    expect(existsSync(marker)).to.equal(true)

    // A project folder of another user's (a checkout shared read-only) is not a shared folder: its config is read.
    const project = mkdtempSync(path.join(os.tmpdir(), 'db-manage-project-'))
    writeFileSync(
      path.join(project, 'db-manage.ini'),
      '[db_manage]\nscript_location = migrations\n\n[database]\nconnection = sqlite:///x.sqlite\n',
    )
    mkdirSync(path.join(project, 'migrations'))
    chownSync(path.join(project, 'db-manage.ini'), NOBODY, NOBODY)
    chmodSync(project, 0o755)
    const heads = await runCli(['heads'], {cwd: project})
    expect([heads.code, heads.stdout, heads.stderr]).to.deep.equal([0, '', ''])
  })
})
