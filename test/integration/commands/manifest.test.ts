import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

import {ROOT, runCli, tempProject} from '../../helpers/cli.js'

describe('oclif.manifest.json', () => {
  it('is what the built commands generate (run "npm run manifest" after changing a command)', async () => {
    const result = await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/manifest.mjs'), '--check'], {
      cwd: ROOT,
    }).catch((error) => error)
    expect(result.stderr ?? '', 'stale manifest').to.equal('')
    expect(result.code ?? 0).to.equal(0)
  })

  it('lists every command the CLI answers to', async () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8'))
    expect(Object.keys(manifest.commands).sort()).to.deep.equal([
      'check_migration',
      'completion',
      'current',
      'diff',
      'downgrade',
      'exec',
      'heads',
      'help',
      'history',
      'init',
      'pull',
      'renumber',
      'reset',
      'revision',
      'seed',
      'show',
      'squash',
      'stamp',
      'upgrade',
    ])
    const help = await runCli(['--help'], {cwd: tempProject()})
    for (const id of Object.keys(manifest.commands)) expect(help.stdout).to.include(id)
  })
})
