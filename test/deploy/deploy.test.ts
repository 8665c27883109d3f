import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {cpSync, mkdirSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import yaml from 'js-yaml'

import {parseDatabaseUrl} from '../../src/config/database-url.js'
import {type CliResult, ROOT, runCli, shippedCopy} from '../helpers/cli.js'
import {adminConnection, connected, createTestDatabase, dialectsUnderTest, type TestDatabase} from '../helpers/databases.js'

/**
 * deploy/ holds manifests no container engine runs here. What can be proven
 * is proven: every YAML file parses, and every db-manage command line in
 * them (and the README's `docker run` lines) runs against the test servers
 * with exactly the environment the manifest sets, Secrets and cluster names
 * standing in for what a cluster would give.
 */
const DEPLOY = path.join(ROOT, 'deploy')
const IMAGE_HOME = '/opt/db-manage'

type Doc = Record<string, any>
interface EnvVar {name: string; value?: string; valueFrom?: {secretKeyRef?: {name: string; key: string}; fieldRef?: {fieldPath: string}}}
interface Container {name: string; image: string; args?: string[]; command?: string[]; env?: EnvVar[]}

function files(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]))
}

const yamlFiles = files(DEPLOY).filter((f) => /\.ya?ml$/.test(f))
const load = (file: string, text = readFileSync(file, 'utf8')): Doc[] => yaml.loadAll(text) as Doc[]

/** Every container of a Job, or of a ClowdApp's jobs. */
function containers(doc: Doc): Container[] {
  if (doc.kind === 'Job') return doc.spec.template.spec.containers
  if (doc.kind === 'ClowdApp') return doc.spec.jobs.map((j: Doc) => ({name: j.name, ...j.podSpec}))
  if (doc.kind === 'Template') return doc.objects.flatMap(containers)
  return []
}

/** An OpenShift template's ${PARAM}s filled in (oc process), checked against its declared parameters. */
function processTemplate(file: string, values: Record<string, string>): Doc[] {
  const [template] = load(file)
  const declared = (template.parameters as Array<{name: string; value?: string; required?: boolean}>)
  for (const p of declared) if (p.required && values[p.name] === undefined) throw new Error(`${file}: parameter ${p.name} is required`)
  const all = {...Object.fromEntries(declared.filter((p) => p.value !== undefined).map((p) => [p.name, p.value!])), ...values}
  // As oc process does: ${PARAM} inside string fields, which stay strings.
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node.replaceAll(/\$\{(\w+)}/g, (whole, name: string) => {
        if (all[name] === undefined) throw new Error(`${file}: \${${name}} is not a declared parameter`)
        return all[name]
      })
    }

    if (Array.isArray(node)) return node.map(fill)
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v)]))
    return node
  }

  return fill(template.objects) as Doc[]
}

/** A Helm template rendered with values.yaml (the `{{ .Values.x.y }}` and `{{ .Release.Name }}` it uses). */
function renderHelm(file: string, release: string): Doc[] {
  const values = load(path.join(DEPLOY, 'helm', 'db-manage', 'values.yaml'))[0]
  const text = readFileSync(file, 'utf8').replaceAll(/\{\{\s*\.(Values|Release)\.([\w.]+)\s*}}/g, (_, root: string, key: string) => {
    if (root === 'Release') return key === 'Name' ? release : ''
    const value = key.split('.').reduce<any>((v, k) => v?.[k], values)
    if (value === undefined) throw new Error(`${file}: .Values.${key} is not in values.yaml`)
    return String(value)
  })
  return load(file, text)
}

/**
 * The environment a container gets: literal values (a name only the
 * cluster knows, a host or a role, replaced by the test's own), Secrets and field references from what the
 * test gives, then `$(VAR)` references expanded as the kubelet does.
 */
function containerEnv(container: Container, cluster: {secrets: Record<string, string>; fields?: Record<string, string>; names?: Record<string, string>}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const v of container.env ?? []) {
    let value: string
    if (v.valueFrom?.secretKeyRef) {
      const ref = `${v.valueFrom.secretKeyRef.name}/${v.valueFrom.secretKeyRef.key}`
      if (cluster.secrets[ref] === undefined) throw new Error(`the test gives no Secret value for ${ref}`)
      value = cluster.secrets[ref]
    } else if (v.valueFrom?.fieldRef) {
      value = cluster.fields?.[v.valueFrom.fieldRef.fieldPath] ?? ''
    } else {
      value = cluster.names?.[v.value!] ?? v.value!
    }

    env[v.name] = value.replaceAll(/\$\((\w+)\)/g, (whole, name: string) => env[name] ?? whole)
  }

  return env
}

/** A folder laid out as the image's /opt/db-manage: the config, the migrations, deploy/*.ini, db-manage resolvable by name. */
function imageHome(): string {
  const dir = shippedCopy()
  mkdirSync(path.join(dir, 'deploy'))
  for (const f of readdirSync(DEPLOY).filter((n) => n.endsWith('.ini'))) cpSync(path.join(DEPLOY, f), path.join(dir, 'deploy', f))
  return dir
}

/** Run a container's command as the image would (entrypoint db-manage, workdir /opt/db-manage), in `home`. */
async function runContainer(container: Container, env: Record<string, string>, home: string): Promise<CliResult> {
  expect(container.command, `${container.name}: the image's entrypoint is db-manage`).to.equal(undefined)
  const local = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replaceAll(IMAGE_HOME, home)]))
  return runCli(container.args ?? ['upgrade', 'head'], {cwd: home, env: {...local, DB_MANAGE_URL: undefined}})
}

const steps = (stdout: string) => stdout.split('\n').filter(Boolean).map((l) => l.replace(/ \(\d+ ms\)$/, ''))
const SHIPPED = ['upgrade <base> -> 001, create clusters', 'upgrade 001 -> 002, create node groups', 'upgrade 002 -> 003, create cluster events', 'upgrade 003 -> 004, backfill cluster events', 'upgrade 004 -> 005, node group limits']

describe('deploy/: the container image, the Kubernetes Jobs, the Helm hook and the Clowder runner', () => {
  it('every YAML file parses, and every container runs the image\'s db-manage', () => {
    expect(yamlFiles.map((f) => path.relative(DEPLOY, f)).sort()).to.deep.equal([
      'clowder/db-manage-runner.yaml', 'helm/db-manage/Chart.yaml', 'helm/db-manage/templates/migrate-job.yaml', 'helm/db-manage/values.yaml', 'k8s/fleet-indexed-job.yaml', 'k8s/job.yaml',
    ])
    const found = yamlFiles.flatMap((f) => load(f).flatMap(containers))
    expect(found).to.have.length(4)
    const commands = readdirSync(path.join(ROOT, 'src', 'commands')).map((f) => f.replace(/\.ts$/, ''))
    for (const c of found) expect(commands, `${c.name}: ${c.args?.join(' ')}`).to.include(c.args?.[0])
    const dockerfile = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8')
    expect(dockerfile).to.match(/^FROM node:20-slim$/m)
    expect(dockerfile).to.include('npm ci --omit=dev')
    expect(dockerfile).to.include(`ENTRYPOINT ["node", "${IMAGE_HOME}/bin/run.js"]`)
    // What the Dockerfile copies exists, and the files the manifests name are among it.
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of m[1].split(' ')) {
        const matches = source.includes('*') ? readdirSync(path.join(ROOT, path.dirname(source))).filter((n) => n.endsWith(path.extname(source))) : [source]
        expect(matches.length, source).to.be.above(0)
      }
    }
  })

  if (!dialectsUnderTest().includes('postgresql')) return

  describe('on the test PostgreSQL server', function () {
    this.timeout(180_000)
    let db: TestDatabase
    beforeEach(async () => {
      db = await createTestDatabase('postgresql')
    })
    afterEach(async () => {
      await db.drop()
    })

    it('k8s/job.yaml and the Helm hook: upgrade head with DATABASE_URL from the Secret; a second run finds nothing to do', async () => {
      const home = imageHome()
      const [job] = load(path.join(DEPLOY, 'k8s', 'job.yaml'))
      expect(job.spec.backoffLimit).to.be.a('number')
      const [container] = containers(job)
      const first = await runContainer(container, containerEnv(container, {secrets: {'db-manage/DATABASE_URL': db.url}}), home)
      expect(first.code, first.stderr).to.equal(0)
      expect(steps(first.stdout)).to.deep.equal(SHIPPED)

      const [hook] = renderHelm(path.join(DEPLOY, 'helm', 'db-manage', 'templates', 'migrate-job.yaml'), 'shop')
      expect(hook.metadata.annotations['helm.sh/hook']).to.equal('pre-install,pre-upgrade')
      expect(hook.metadata.name).to.equal('shop-db-manage')
      const [hooked] = containers(hook)
      expect(hooked.image).to.equal('db-manage:latest')
      const again = await runContainer(hooked, containerEnv(hooked, {secrets: {'db-manage/DATABASE_URL': db.url}}), home)
      expect(again).to.deep.equal({code: 0, stderr: '', stdout: 'Nothing to upgrade: the database is at 005\n'})
    })

    it('k8s/fleet-indexed-job.yaml: 4 indexed pods, each its --shard of the control database\'s active tenants, together every tenant once', async () => {
      const home = imageHome()
      const suffix = randomBytes(3).toString('hex')
      const tenants = Array.from({length: 10}, (_, i) => `dbm_f${suffix}_${i}`)
      const admin = await adminConnection('postgresql')
      const server = parseDatabaseUrl(process.env.DB_MANAGE_TEST_PG_URL!)
      const password = `m@gr/t%r:${suffix}`
      try {
        await admin.query(`CREATE ROLE migrator_${suffix} LOGIN PASSWORD '${password}'`)
        for (const t of tenants) await admin.query(`CREATE DATABASE ${t} OWNER migrator_${suffix}`)
        await connected(db, async (c) => {
          await c.query('CREATE TABLE tenants (slug TEXT PRIMARY KEY, active BOOLEAN NOT NULL)')
          // The last tenant is not active: no shard migrates it.
          for (const [i, t] of tenants.entries()) await c.query('INSERT INTO tenants VALUES ($1, $2)', [t, i < 9])
        })
        const [job] = load(path.join(DEPLOY, 'k8s', 'fleet-indexed-job.yaml'))
        expect(job.spec.completionMode).to.equal('Indexed')
        const [container] = containers(job)
        const count = job.spec.completions as number
        const migrated: string[] = []
        for (let index = 0; index < count; index++) {
          const env = containerEnv(container, {
            fields: {"metadata.annotations['batch.kubernetes.io/job-completion-index']": String(index)},
            names: {'tenants-db': server.host!, migrator: `migrator_${suffix}`},
            secrets: {'db-manage-fleet/CONTROL_DATABASE_URL': db.url, 'db-manage-fleet/TENANT_DB_PASSWORD': password},
          })
          expect(env.DB_MANAGE_SHARD).to.equal(`${index}/${count}`)
          const run = await runContainer(container, {...env, TENANT_DB_PORT: String(server.port)}, home)
          expect(run.code, run.stderr).to.equal(0)
          expect(run.stdout).to.not.include(password)
          migrated.push(...new Set([...run.stdout.matchAll(/^\[tenants\/(\w+)] upgrade/gm)].map((m) => m[1])))
        }

        expect(migrated.sort()).to.deep.equal(tenants.slice(0, 9))
      } finally {
        for (const t of tenants) await admin.query(`DROP DATABASE IF EXISTS ${t} WITH (FORCE)`)
        await admin.query(`DROP ROLE IF EXISTS migrator_${suffix}`)
        await admin.close()
      }
    })

    it('clowder/db-manage-runner.yaml: the ClowdJobInvocation starts the ClowdApp\'s exec job; a dry run changes nothing, then the file runs, with a password that needs encoding', async () => {
      const home = imageHome()
      const server = parseDatabaseUrl(process.env.DB_MANAGE_TEST_PG_URL!)
      const suffix = randomBytes(3).toString('hex')
      const password = `p@ss/w%rd:${suffix}#`
      const admin = await adminConnection('postgresql')
      try {
        await admin.query(`CREATE ROLE runner_${suffix} LOGIN PASSWORD '${password}'`)
        await admin.query(`ALTER DATABASE ${db.url.split('/').at(-1)} OWNER TO runner_${suffix}`)
        // The subscriber is at 004; the seed file for 005 is built into the image.
        const runnerUrl = db.url.replace(/\/\/[^@]*@/, `//runner_${suffix}:${encodeURIComponent(password)}@`)
        expect((await runCli(['upgrade', '004'], {cwd: home, env: {DATABASE_URL: runnerUrl}})).code).to.equal(0)
        mkdirSync(path.join(home, 'migrations', 'sql'))
        const seed = await runCli(['upgrade', '--sql', '004:005', '--no-version-table', '-o', 'migrations/sql/005.sql', '--dialect', 'postgresql'], {cwd: home})
        expect(seed.code, seed.stderr).to.equal(0)

        const cluster = {secrets: {'inventory-db/db.host': server.host!, 'inventory-db/db.password': password, 'inventory-db/db.port': String(server.port), 'inventory-db/db.user': `runner_${suffix}`}}
        const run = async (dryRun: string, number: string) => {
          const objects = processTemplate(path.join(DEPLOY, 'clowder', 'db-manage-runner.yaml'), {
            DB_MANAGE_DRY_RUN: dryRun, DB_MANAGE_EXEC_FILE: '005.sql', DB_NAME: db.url.split('/').at(-1)!, DEPENDENT_APP_NAME: 'inventory', IMAGE_TAG: 'abc1234', MIGRATION_RUN_NUMBER: number,
          })
          const app = objects.find((o) => o.kind === 'ClowdApp')!
          const cji = objects.find((o) => o.kind === 'ClowdJobInvocation')!
          expect(cji.spec.appName).to.equal(app.metadata.name)
          expect(cji.metadata.name).to.equal(`inventory-db-manage-${number}`)
          const [container] = containers(app).filter((c) => cji.spec.jobs.includes(c.name))
          expect(container.image).to.equal('quay.io/example/db-manage:abc1234')
          return runContainer(container, containerEnv(container, cluster), home)
        }

        const columns = () => connected(db, async (c) => (await c.query("SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'node_groups' ORDER BY 1")).rows.map((r) => String(r.c)))
        const before = await columns()
        const dry = await run('true', '1')
        expect(dry.code, dry.stderr).to.equal(0)
        expect(dry.stdout).to.equal([
          '-- statement 1', 'BEGIN;', '-- statement 2', 'ALTER TABLE "clusters" ADD COLUMN "description" TEXT;',
          '-- statement 3', 'ALTER TABLE "node_groups" ADD COLUMN "max_count" INTEGER NOT NULL DEFAULT 10;',
          '-- statement 4', 'ALTER TABLE "node_groups" ADD CONSTRAINT "ck_node_groups_count_positive" CHECK (count > 0);',
          '-- statement 5', 'ALTER TABLE "node_groups" ALTER COLUMN "flavor_id" TYPE VARCHAR(64);', '-- statement 6', 'COMMIT;', '',
        ].join('\n'))
        expect(await columns()).to.deep.equal(before)
        const real = await run('false', '2')
        expect(real.code, real.stderr).to.equal(0)
        expect(`${real.stdout}${real.stderr}`).to.not.include(password)
        expect(await columns()).to.include('max_count')
      } finally {
        await admin.query(`ALTER DATABASE ${db.url.split('/').at(-1)} OWNER TO postgres`).catch(() => {})
        await connected(db, (c) => c.query(`DROP OWNED BY runner_${suffix}`)).catch(() => {})
        await admin.query(`DROP ROLE IF EXISTS runner_${suffix}`)
        await admin.close()
      }
    })

    it('the README\'s docker run lines run as the image would, with their -e variables', async () => {
      const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
      const lines = [...readme.matchAll(/^ +docker run (.+)$/gm)].map((m) => m[1])
      expect(lines.length).to.be.above(0)
      const home = imageHome()
      const outputs: string[] = []
      for (const line of lines) {
        const words = line.match(/'[^']*'|"[^"]*"|\S+/g)!.map((w) => w.replace(/^['"]|['"]$/g, ''))
        const env: Record<string, string> = {}
        let i = 0
        for (; i < words.length && words[i].startsWith('-'); i++) {
          if (words[i] === '-e') env[words[++i].split('=')[0]] = words[i].slice(words[i].indexOf('=') + 1)
          else if (words[i] === '-v') i++
        }

        expect(words[i], line).to.equal('db-manage')
        // The database the line names is the test's.
        if (env.DATABASE_URL) env.DATABASE_URL = db.url
        const result = await runCli(words.slice(i + 1), {cwd: home, env})
        expect(result.code, `${line}\n${result.stderr}`).to.equal(0)
        outputs.push(result.stdout)
      }

      expect(lines.map((l) => l.split(' ').slice(-2).join(' '))).to.deep.equal(['upgrade head', 'db-manage current'])
      expect(steps(outputs[0])).to.deep.equal(SHIPPED)
      expect(outputs[1]).to.equal('005 (head)\n')
    })
  })
})
