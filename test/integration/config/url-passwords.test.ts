import {expect} from 'chai'
import {randomBytes} from 'node:crypto'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type {parseDatabaseUrl} from '../../../src/config/database-url.js'
import {loadConfig} from '../../../src/config/load-config.js'
import {ConfigError} from '../../../src/util/errors.js'
import {runCli} from '../../helpers/cli.js'
import {adminConnection, dialectsUnderTest} from '../../helpers/databases.js'

// A password written raw (not percent-encoded) into a URL, holding what a URL
// uses to separate its parts. For each, from the config file, --url and
// DATABASE_URL: the URL reads as exactly the intended user, host, port,
// database and password, or it is refused with one line that names the
// setting, tells how to fix it, and shows no part of the password.
const DELIMITERS = ['@', '/', '?', '#', '%', ':', '[', ']', ';', ' ']
// Around the delimiters: text no output holds by chance, and no hex digit after a % (%Qx is no escape).
const [A, B] = ['Qx7', 'Zk9']

function passwords(): string[] {
  const all = new Set<string>()
  for (const d of DELIMITERS) for (const p of [d, `${A}${d}`, `${d}${B}`, `${A}${d}${B}`, `${d}${A}${d}`]) all.add(p)
  for (const d of DELIMITERS) for (const e of DELIMITERS) all.add(`${A}${d}${e}${B}`).add(`${d}${A}${e}${B}`)
  all.add(`${A}${DELIMITERS.join('')}${B}`).add(`${B}${[...DELIMITERS].reverse().join('')}${A}`)
  // Passwords that look like the rest of a URL.
  for (const p of [`${A}@qz.vkw:5433/wvq`, `${A}@127.0.0.1/${B}?qzx=vkj#`, `p@ss/w%rd${A}`, `${A}/@${B}`]) all.add(p)
  return [...all]
}

/** Every piece of the password of 3 or more characters that holds a letter or digit (punctuation alone reveals nothing). */
function fragments(password: string): string[] {
  const found = new Set<string>()
  for (let i = 0; i < password.length; i++) {
    for (let j = i + 3; j <= password.length; j++) {
      const piece = password.slice(i, j)
      if (/[A-Za-z0-9]/.test(piece)) found.add(piece)
    }
  }

  return [...found]
}

/**
 * Whether the raw password can be read one way only. A URL's authority ends
 * at the first / ? or #, and a % starts an escape; in an ini file a ; or #
 * starts a comment (and a tab or line break is dropped by URL parsers).
 */
function readsOneWay(password: string, source: Source): boolean {
  if (/[/?#%]/.test(password)) return false
  return !(source === 'file' && /[;#]/.test(password))
}

/** `${DB_MANAGE_URL}`: the whole URL from a variable the file names (as the shipped db-manage.ini does). */
type Source = '${DB_MANAGE_URL}' | 'DATABASE_URL' | '--url' | 'file'
const SOURCES: Source[] = ['file', '--url', 'DATABASE_URL', '${DB_MANAGE_URL}']
const SETTING: Record<Source, string> = {
  '${DB_MANAGE_URL}': 'db-manage.ini [database] connection',
  '--url': '--url',
  DATABASE_URL: 'DATABASE_URL',
  file: 'db-manage.ini [database] connection',
}
/** The one line of a refusal: the setting, that it is not printed, and the fix. */
const refusal = (source: Source) =>
  new RegExp(
    `^${SETTING[source].replaceAll(/[[\]]/g, '\\$&')}: .*it is not printed.*: ` +
      'percent-encode the user and password \\(@ %40, / %2F, \\? %3F, # %23, % %25, : %3A, ; %3B, space %20\\), ' +
      'or use the discrete keys \\(host, username, database, \\.\\.\\.\\) with password = \\$\\{VAR\\}$',
  )

function project(connection?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'db-manage-pw-'))
  mkdirSync(path.join(dir, 'migrations'))
  const database = connection === undefined ? '' : `\n[database]\nconnection = ${connection}\n`
  writeFileSync(path.join(dir, 'db-manage.ini'), `[db_manage]\nscript_location = migrations\n${database}`)
  return dir
}

/** The URL as each source gives it, read by loadConfig; the error's message, or the parts. */
async function read(source: Source, url: string): Promise<Error | ReturnType<typeof parseDatabaseUrl>> {
  try {
    const config =
      source === 'file' || source === '${DB_MANAGE_URL}'
        ? await loadConfig({cwd: project(source === 'file' ? url : '${DB_MANAGE_URL}'), env: {DB_MANAGE_URL: url}})
        : await loadConfig({
            cwd: project(),
            env: source === 'DATABASE_URL' ? {DATABASE_URL: url} : {},
            url: source === '--url' ? url : undefined,
          })
    return config.databases[0].url!
  } catch (error) {
    return error as Error
  }
}

describe('passwords written raw in a URL', () => {
  it(`every URL delimiter, alone and combined (${passwords().length} passwords x 4 sources): exactly the intended parts, or one line that shows none of the password`, async () => {
    const failures: string[] = []
    let accepted = 0
    let refused = 0
    for (const password of passwords()) {
      for (const source of SOURCES) {
        const url = `postgresql://app:${password}@db.example:5433/app`
        const got = await read(source, url)
        const label = `${JSON.stringify(password)} from ${source}`
        if (got instanceof Error) {
          refused++
          if (!(got instanceof ConfigError)) failures.push(`${label}: ${got.name}, not a ConfigError`)
          if (readsOneWay(password, source))
            failures.push(`${label}: refused, but it reads one way only: ${got.message}`)
          if (!refusal(source).test(got.message)) failures.push(`${label}: the refusal does not match: ${got.message}`)
          const shown = fragments(password).find((f) => got.message.includes(f))
          if (shown) failures.push(`${label}: the refusal shows "${shown}"`)
        } else {
          accepted++
          const parts = {database: got.database, host: got.host, password: got.password, port: got.port, user: got.user}
          const meant = {database: 'app', host: 'db.example', password, port: 5433, user: 'app'}
          if (JSON.stringify(parts) !== JSON.stringify(meant))
            failures.push(`${label}: read as ${JSON.stringify(parts)}`)
          if (!readsOneWay(password, source)) failures.push(`${label}: accepted, but it reads two ways`)
          const shown = fragments(password).find((f) => got.masked.includes(f))
          if (shown) failures.push(`${label}: the masked URL shows "${shown}"`)
        }
      }
    }

    expect(failures, failures.join('\n')).to.deep.equal([])
    expect(accepted).to.be.greaterThan(300)
    expect(refused).to.be.greaterThan(500)
    process.stdout.write(`      ${accepted} read exactly as meant, ${refused} refused in one line, 0 fragments shown\n`)
  })

  it('a ; or # inside a secret of the config file is refused naming the key (an ini comment would cut it); after a space it is a comment', async () => {
    const dir = project()
    const ini = path.join(dir, 'db-manage.ini')
    const cases: Array<[string, RegExp | undefined]> = [
      [
        'password = Qx7;Zk9',
        /^db-manage\.ini \[database\] password: a ; or # inside the value would start an ini comment/,
      ],
      ['password = Qx7#Zk9', /^db-manage\.ini \[database\] password: a ; or # inside/],
      ['password = "Qx7;Zk9"', undefined],
      ['password = Qx7\\;Zk9', undefined],
      ['password = ${PW}   ; from the environment', undefined],
    ]
    for (const [line, refused] of cases) {
      writeFileSync(
        ini,
        `[db_manage]\nscript_location = migrations\n\n[database]\ndialect = postgresql\nhost = h\ndatabase = d\n${line}\n`,
      )
      let error: Error | undefined
      let password: string | undefined
      try {
        password = (await loadConfig({cwd: dir, env: {PW: 'Qx7;Zk9'}})).databases[0].url!.password
      } catch (caught) {
        error = caught as Error
      }

      if (refused) {
        expect(error?.message, line).to.match(refused)
        expect(error?.message).not.to.include('Qx7').and.not.to.include('Zk9')
      } else {
        expect(error, line).to.equal(undefined)
        expect(password, line).to.equal('Qx7;Zk9')
      }
    }
  })
})

// The same against real servers: a user whose password is each of these logs in, or the run is refused in one line.
const CLI_PASSWORDS = [
  ...DELIMITERS.map((d) => `${A}${d}${B}`),
  `${A}${DELIMITERS.join('')}${B}`,
  `p@ss/w%rd${A}`,
  `${A}@/${B}`,
  `${A}/@${B}`,
  `${A}?@${B}`,
  `${A}#@${B}`,
  `${A}:@${B}`,
  `${A}@:${B}`,
  `${A}[]${B}`,
  `${A}; ${B}`,
  `${A} ;${B}`,
  `${A}%@${B}`,
  `${A}@ ${B}`,
  `${A}@127.0.0.1/qzv?${B}`,
]

for (const dialect of dialectsUnderTest().filter((d) => d !== 'sqlite')) {
  describe(`passwords written raw, against ${dialect}`, function () {
    this.timeout(900_000)
    const user = `dbm_pw_${randomBytes(3).toString('hex')}`
    const server = new URL(
      dialect === 'postgresql' ? process.env.DB_MANAGE_TEST_PG_URL! : process.env.DB_MANAGE_TEST_MYSQL_URL!,
    )
    const admin = async (sql: string) => {
      const connection = await adminConnection(dialect as 'mysql' | 'postgresql')
      try {
        await connection.query(sql)
      } finally {
        await connection.close()
      }
    }

    const quote = (text: string) => `'${text.replaceAll("'", "''")}'`
    before(async () => {
      if (dialect === 'postgresql') {
        await admin(`CREATE ROLE ${user} LOGIN PASSWORD 'x'`)
        await admin(`CREATE DATABASE ${user} OWNER ${user}`)
      } else {
        await admin(`CREATE DATABASE ${user}`)
        await admin(`CREATE USER '${user}'@'%' IDENTIFIED BY 'x'`)
        await admin(`GRANT ALL ON ${user}.* TO '${user}'@'%'`)
      }
    })

    after(async () => {
      if (dialect === 'postgresql') {
        await admin(`DROP DATABASE IF EXISTS ${user} WITH (FORCE)`)
        await admin(`DROP ROLE IF EXISTS ${user}`)
      } else {
        await admin(`DROP DATABASE IF EXISTS ${user}`)
        await admin(`DROP USER IF EXISTS '${user}'@'%'`)
      }
    })

    it(`${CLI_PASSWORDS.length} passwords x file, --url, DATABASE_URL and \${DB_MANAGE_URL}, with and without --debug: it logs in, or one line, and no output holds the password`, async () => {
      const failures: string[] = []
      const scheme = dialect === 'postgresql' ? 'postgresql' : 'mysql'
      for (const password of CLI_PASSWORDS) {
        await admin(
          dialect === 'postgresql'
            ? `ALTER ROLE ${user} PASSWORD ${quote(password)}`
            : `ALTER USER '${user}'@'%' IDENTIFIED BY ${quote(password)}`,
        )
        const url = `${scheme}://${user}:${password}@${server.host}/${user}`
        for (const source of SOURCES) {
          const dir = project(source === 'file' ? url : source === '${DB_MANAGE_URL}' ? source : undefined)
          for (const debug of [false, true]) {
            const args = ['current', ...(source === '--url' ? ['--url', url] : []), ...(debug ? ['--debug'] : [])]
            const env =
              source === 'DATABASE_URL'
                ? {DATABASE_URL: url}
                : source === '${DB_MANAGE_URL}'
                  ? {DB_MANAGE_URL: url}
                  : {}
            const run = await runCli(args, {cwd: dir, env})
            const label = `${JSON.stringify(password)} from ${source}${debug ? ' --debug' : ''}`
            const shown = fragments(password).find((f) => run.stdout.includes(f) || run.stderr.includes(f))
            if (shown) failures.push(`${label}: the output shows "${shown}": ${run.stdout}${run.stderr}`)
            if (readsOneWay(password, source)) {
              if (run.code !== 0 || run.stdout !== '<base>\n')
                failures.push(`${label}: exit ${run.code}: ${run.stdout}${run.stderr}`)
            } else if (run.code !== 2) {
              failures.push(`${label}: exit ${run.code}, not 2: ${run.stdout}${run.stderr}`)
            } else if (!debug) {
              const lines = run.stderr.split('\n').filter(Boolean)
              if (lines.length !== 1 || !refusal(source).test(lines[0].replace(/^Error: /, '')))
                failures.push(`${label}: ${run.stderr}`)
            }
          }
        }
      }

      expect(failures, failures.join('\n')).to.deep.equal([])
    })
  })
}
