import {expect} from 'chai'
import {mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {ROOT, runBinary, runCli, tempProject} from '../../helpers/cli.js'

/** A run of the binary with a code-cache folder of its own (bin/run.js writes it at exit), to see what it leaves there. */
async function runWithCache(args: string[]): Promise<{cache: string[]; code: number; stderr: string; stdout: string}> {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'db-manage-help-cache-'))
  const result = await runBinary(args, {cwd: tempProject(), env: {DB_MANAGE_SCRIPT_CACHE: cache}})
  return {...result, cache: readdirSync(cache)}
}

describe('command: help', () => {
  it('lists every command with its summary', async () => {
    // The binary, end to end: help, as oclif prints it to a pipe.
    const r = await runBinary(['help'], {cwd: tempProject()})
    expect(r.code).to.equal(0)
    expect(r.stdout).to.match(/^ {2}upgrade +Upgrade the database to a later revision\.$/m)
    expect(r.stdout).to.match(/^ {2}help +Show help for db-manage or one of its commands\.$/m)
    expect(r.stdout).to.match(/^ {2}show +Show one revision in full\.$/m)
  })

  it('explains one command: its own flags first, then the offline, global and multi-database groups', async () => {
    const r = await runCli(['help', 'upgrade'], {cwd: tempProject()})
    expect(r.code).to.equal(0)
    const headings = r.stdout.split('\n').filter((l) => /^[A-Z][A-Z -]+$/.test(l))
    expect(headings).to.deep.equal([
      'USAGE',
      'ARGUMENTS',
      'FLAGS',
      'OFFLINE FLAGS',
      'GLOBAL FLAGS',
      'MULTI-DATABASE FLAGS',
      'DESCRIPTION',
      'EXAMPLES',
    ])
    const section = (name: string): string => r.stdout.split(`\n${name}\n`)[1].split('\n\n')[0].replaceAll(/\s+/g, ' ')
    expect(section('FLAGS')).to.include('--delta').and.not.include('--sql').and.not.include('--parallel')
    expect(section('OFFLINE FLAGS')).to.include('--sql').and.include('--dialect').and.include('--no-version-table')
    expect(section('MULTI-DATABASE FLAGS')).to.include('--parallel').and.include('--shard').and.include('--fail-fast')
    expect(section('GLOBAL FLAGS'))
      .to.include('--config-file')
      .and.include('by their order key, then file order')
      .and.not.include('--parallel')
    // The same as the flag.
    expect((await runCli(['upgrade', '--help'], {cwd: tempProject()})).stdout).to.equal(r.stdout)
  })

  it('gives init, which reads no config, none of the database flags', async () => {
    const r = await runCli(['help', 'init'], {cwd: tempProject()})
    expect(r.stdout).to.include('--debug').and.not.include('--parallel').and.not.include('--config-file')
  })

  it('describes every command', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, {description?: string; summary?: string}>
    }
    const missing = Object.entries(manifest.commands)
      .filter(([, c]) => !c.summary || !c.description)
      .map(([id]) => id)
    expect(missing).to.deep.equal([])
  })
})

describe('an unknown command', () => {
  it('suggests the nearest command, exits 2 and writes no code cache', async () => {
    const r = await runWithCache(['upgrad'])
    expect(r).to.deep.equal({
      cache: [],
      code: 2,
      stderr: 'Error: unknown command "upgrad": did you mean "upgrade"? (db-manage help lists the commands)\n',
      stdout: '',
    })
    expect((await runWithCache(['chekc_migration', '--no-db'])).stderr).to.equal(
      'Error: unknown command "chekc_migration": did you mean "check_migration"? (db-manage help lists the commands)\n',
    )
    expect((await runWithCache(['check-migratoin'])).stderr).to.include('did you mean "check-migration"?')
    expect((await runWithCache(['hist'])).stderr).to.include('did you mean "history"?')
  })

  it('lists the commands when none is near', async () => {
    const r = await runWithCache(['frobnicate'])
    expect(r).to.deep.equal({
      cache: [],
      code: 2,
      stdout: '',
      stderr:
        'Error: unknown command "frobnicate" (the commands: autocomplete, check_migration, completion, current, diff, downgrade, exec, heads, help, history, init, pull, renumber, reset, revision, seed, show, squash, stamp, upgrade; db-manage help COMMAND explains one)\n',
    })
  })

  it('names only the unknown word: a URL after it keeps its password', async () => {
    const r = await runWithCache(['dif', 'postgresql://app:s3cret@db/app', 'sqlite:///x.db'])
    expect(r.stderr).to.equal(
      'Error: unknown command "dif": did you mean "diff"? (db-manage help lists the commands)\n',
    )
    expect(r.code).to.equal(2)
  })

  it('is the same after help', async () => {
    const r = await runWithCache(['help', 'upgrad'])
    expect(r).to.deep.equal({
      cache: [],
      code: 2,
      stderr: 'Error: unknown command "upgrad": did you mean "upgrade"? (db-manage help lists the commands)\n',
      stdout: '',
    })
  })

  it('leaves the code cache of a real command alone', async () => {
    const r = await runWithCache(['help'])
    expect(r.code).to.equal(0)
    expect(r.cache).to.have.lengthOf(1)
    expect(r.cache[0]).to.match(/^code-[0-9a-f]{16}-help\.bin$/)
  })
})
