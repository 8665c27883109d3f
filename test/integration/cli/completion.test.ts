import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {runCli, tempProject} from '../../helpers/cli.js'

describe('command: completion', () => {
  it('completes commands, flags and flag values in bash, after global flags and with --flag=value', async () => {
    const dir = tempProject()
    const printed = await runCli(['completion', 'bash'], {cwd: dir})
    expect(printed).to.deep.include({code: 0, stderr: ''})
    writeFileSync(path.join(dir, 'completion.sh'), printed.stdout)
    writeFileSync(path.join(dir, 'db-manage.ini'), '')
    mkdirSync(path.join(dir, 'migs'))
    // Each case: the words typed (the last is the one being completed) and what bash offers.
    const cases: Array<[string[], string]> = [
      [['up'], 'upgrade'],
      [['che'], 'check-migration check_migration'],
      [['upgrade', '--dialect', ''], 'postgresql mysql sqlite'],
      [['downgrade', '--dialect', 'po'], 'postgresql'],
      [['check-migration', '--dialect', '=', 'my'], 'mysql'],
      [['revision', '--template', ''], 'ts sql'],
      [['upgrade', '--sq'], '--sql'],
      [['-c', 'db-manage.ini', 'upgr'], 'upgrade'],
      [['--config-file', '=', 'db-manage.ini', 'stamp', '--acc'], '--accept-edit'],
      [['--script-location', ''], 'migs'],
      [['upgrade', '-o', 'db-'], 'db-manage.ini'],
    ]
    const script = [
      'source ./completion.sh',
      ...cases.map(([words]) => {
        const quoted = ['db-manage', ...words].map((w) => `'${w}'`).join(' ')
        return `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}; COMPREPLY=(); _db_manage_complete; echo "\${COMPREPLY[*]}"`
      }),
    ].join('\n')
    const offered = execFileSync('bash', ['-c', script], {cwd: dir, encoding: 'utf8'}).split('\n').slice(0, -1)
    expect(offered).to.deep.equal(cases.map(([, expected]) => expected))
  })

  it('refuses a shell it does not write for', async () => {
    const r = await runCli(['completion', 'fish'], {cwd: tempProject()})
    expect(r.code).to.equal(2)
    expect(r.stderr).to.match(/^Error: Expected fish to be one of: bash, zsh/)
  })
})
