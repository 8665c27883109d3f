import {expect} from 'chai'
import {cpSync, mkdirSync} from 'node:fs'
import path from 'node:path'

import {ROOT, runCli, tempProject} from '../../helpers/cli.js'

/** A project with sahara's config in etc/, as an OpenStack deployment keeps it, and no [db_manage] section. */
function saharaProject(withMigrations: boolean): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'etc'))
  cpSync(path.join(ROOT, 'test/fixtures/sahara.conf'), path.join(dir, 'etc/sahara.conf'))
  if (withMigrations) cpSync(path.join(ROOT, 'migrations'), path.join(dir, 'migrations'), {recursive: true})
  return dir
}

describe('--config-file with a sahara.conf in another folder', () => {
  it("finds migrations/ in the working directory when the config file's folder has none", async () => {
    const dir = saharaProject(true)
    const r = await runCli(['--config-file', 'etc/sahara.conf', 'check_migration', '--no-db'], {cwd: dir})
    expect(r).to.deep.equal({
      code: 0,
      stderr: '',
      stdout: 'OK: 5 revision(s), 001 -> 005, one linear sequential chain\n',
    })
  })

  it('prefers migrations/ beside the config file', async () => {
    const dir = saharaProject(true)
    cpSync(
      path.join(ROOT, 'migrations/001_create_clusters.ts'),
      path.join(dir, 'etc/migrations/001_create_clusters.ts'),
    )
    const r = await runCli(['check_migration', '--no-db', '-c', 'etc/sahara.conf'], {cwd: dir})
    expect(r.stdout).to.equal('OK: 1 revision(s), 001 -> 001, one linear sequential chain\n')
  })

  it('says where it looked and which key sets it when neither folder exists', async () => {
    const dir = saharaProject(false)
    const r = await runCli(['--config-file', 'etc/sahara.conf', 'upgrade', 'head'], {cwd: dir})
    expect(r).to.deep.equal({
      code: 2,
      stdout: '',
      stderr: `Error: no migrations folder: looked in ${dir}/etc/migrations (beside sahara.conf) and ${dir}/migrations (the working directory); set script_location in [db_manage] of sahara.conf (relative to it), or give --script-location DIR (run "db-manage init" to start a chain)\n`,
    })
  })
})
