/**
 * The package as a user installs it: `npm pack`, then the tarball installed
 * into a fresh project, and `npx db-manage` run there. The install is npm's
 * own (`npm ci`), offline-first from npm's cache (which the repository's own
 * `npm ci` filled), with a lockfile made from this repository's, so it needs
 * no registry lookup and installs the versions the tests ran with. Install
 * scripts are skipped: better-sqlite3's would build its native module from
 * source (minutes); the one this repository built is copied in instead.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {promisify} from 'node:util'

import {ROOT, tempProject} from '../helpers/cli.js'

const run = promisify(execFile)

interface Lock {
  packages: Record<string, {dev?: boolean} & Record<string, unknown>>
}

describe('npm pack, installed into a fresh project', function () {
  this.timeout(300_000)
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, any>
  let app: string
  let files: string[]

  before(async () => {
    const dir = tempProject()
    // npm test has just built dist/ (prepack would build it again).
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {cwd: ROOT})
    const [info] = JSON.parse(packed.stdout) as Array<{filename: string; files: Array<{path: string}>}>
    files = info.files.map((f) => f.path)
    app = path.join(dir, 'app')
    mkdirSync(app)
    const tarball = `file:../${info.filename}`
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lock
    const root = lock.packages['']
    const packages: Lock['packages'] = {
      '': {dependencies: {'db-manage': tarball}, name: 'app', version: '1.0.0'},
      'node_modules/db-manage': {
        bin: root.bin,
        dependencies: root.dependencies,
        engines: root.engines,
        license: root.license,
        resolved: tarball,
        version: pkg.version,
      },
    }
    for (const [key, entry] of Object.entries(lock.packages)) if (key && !entry.dev) packages[key] = entry
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({
        dependencies: {'db-manage': tarball},
        name: 'app',
        private: true,
        type: 'module',
        version: '1.0.0',
      }),
    )
    writeFileSync(
      path.join(app, 'package-lock.json'),
      JSON.stringify({lockfileVersion: 3, name: 'app', packages, requires: true, version: '1.0.0'}),
    )
    await run('npm', ['ci', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], {cwd: app})
    const native = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'
    mkdirSync(path.dirname(path.join(app, native)), {recursive: true})
    copyFileSync(path.join(ROOT, native), path.join(app, native))
  })

  const npx = (args: string[]) =>
    run('npx', ['--no-install', 'db-manage', ...args], {cwd: app, env: {...process.env, DATABASE_URL: undefined}})

  it('is ready to publish: bin, engines, exports of the library and its types, a prepack that builds', () => {
    expect(pkg.bin).to.deep.equal({'db-manage': './bin/run.js'})
    expect(pkg.engines.node).to.match(/^>=20/)
    expect(pkg.exports['.']).to.deep.equal({import: './dist/index.js', types: './dist/index.d.ts'})
    expect(pkg.scripts.prepack).to.equal('npm run build && npm run manifest')
    for (const file of [
      'bin/run.js',
      'bin/package.json',
      'dist/bundle/main.cjs',
      'dist/bundle/load.cjs',
      'dist/bundle/mysql2.cjs',
      'dist/index.js',
      'dist/index.d.ts',
      'oclif.manifest.json',
      'README.md',
      'package.json',
    ]) {
      expect(files, file).to.include(file)
    }

    expect(files.filter((f) => /^(src|test|bench|scripts|deploy|migrations)\//.test(f))).to.deep.equal([])
  })

  it('gives a working npx db-manage: init, a revision that imports db-manage, upgrade, current', async () => {
    expect((await npx(['init'])).stdout).to.equal(`Created ${app}/db-manage.ini\nCreated ${app}/migrations/\n`)
    writeFileSync(
      path.join(app, 'migrations', '001_notes.ts'),
      `import {now, type Operations} from 'db-manage'
export const revision = '001'
export const downRevision = null
export const message = 'notes'
export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('notes', [op.column('id', 'integer', {primaryKey: true}), op.column('at', 'timestamp', {default: now()})])
}
export async function downgrade(op: Operations): Promise<void> {
  await op.dropTable('notes')
}
`,
    )
    expect((await npx(['upgrade', 'head'])).stdout).to.match(/^upgrade <base> -> 001, notes \(\d+ ms\)\n$/)
    expect((await npx(['current'])).stdout).to.equal('001 (head)\n')
    const typo = await npx(['upgrad']).catch((error: {code: number; stderr: string}) => error)
    expect(typo).to.deep.include({
      code: 2,
      stderr: 'Error: unknown command "upgrad": did you mean "upgrade"? (db-manage help lists the commands)\n',
    })
  })

  it('npm link puts db-manage on the PATH (into a prefix of its own here), and a path install works', async () => {
    const prefix = tempProject()
    await run('npm', ['link', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: ROOT,
      env: {...process.env, npm_config_prefix: prefix},
    })
    const project = tempProject()
    const env = {...process.env, DATABASE_URL: undefined, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}`}
    expect((await run('db-manage', ['init'], {cwd: project, env})).stdout).to.equal(
      `Created ${project}/db-manage.ini\nCreated ${project}/migrations/\n`,
    )
    expect((await run('db-manage', ['current'], {cwd: project, env})).stdout).to.equal('<base>\n')

    const other = tempProject()
    writeFileSync(path.join(other, 'package.json'), JSON.stringify({name: 'other', private: true, version: '1.0.0'}))
    await run('npm', ['install', '--save-dev', ROOT, '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: other,
    })
    expect((await run('npx', ['--no-install', 'db-manage', 'init'], {cwd: other})).stdout).to.equal(
      `Created ${other}/db-manage.ini\nCreated ${other}/migrations/\n`,
    )
  })

  it("exports the library API to the project's code, with its types", async () => {
    writeFileSync(
      path.join(app, 'report.ts'),
      `import {type Config, history, loadConfig} from 'db-manage'
const config: Config = await loadConfig()
const [chain] = await history(config)
console.log(chain.revisions.map((r) => r.id).join(','))
`,
    )
    // A Node project's own setting: db-manage's types name Node's (Buffer, NodeJS.ProcessEnv).
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          noEmit: true,
          skipLibCheck: false,
          strict: true,
          target: 'es2022',
          types: ['node'],
        },
        files: ['report.ts'],
      }),
    )
    const tsc = await run(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      {cwd: app},
    ).catch((error: {stdout: string}) => error)
    expect(tsc.stdout).to.equal('')
    writeFileSync(
      path.join(app, 'report.mjs'),
      "import {history, loadConfig} from 'db-manage'\nconst [chain] = await history(await loadConfig())\nconsole.log(chain.revisions.map((r) => r.id).join(','))\n",
    )
    expect((await run(process.execPath, ['report.mjs'], {cwd: app})).stdout).to.equal('001\n')
  })
})
