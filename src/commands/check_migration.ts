import * as Flags from '@oclif/core/flags'

import {checkAutogenerate} from '../api/autogenerate.js'
import {checkDatabase, checkMigration, type DatabaseCheck} from '../api/check.js'
import type {LintResult} from '../api/lint.js'
import {lintLines} from '../cli/lint-format.js'
import {roundTrip, type RoundTripResult} from '../api/round-trip.js'
import {DIALECT_NAMES} from '../util/dialect-names.js'
import {type DialectName} from '../util/dialect-names.js'
import {autogenerateFlags} from '../cli/autogenerate-flags.js'
import {BaseCommand} from '../cli/base-command.js'
import {notComparedLine} from '../cli/format.js'
import {sqlDebug} from '../cli/migrate-flags.js'
import {ChainError, UsageError} from '../util/errors.js'

export default class CheckMigration extends BaseCommand {
  static aliases = ['check-migration']
  static description = `Exits non-zero, naming the files, when the chain has more than one head or base, a duplicate id, a downRevision that does not exist, a cycle, an id that is not the next number, a file name that does not match its id, or a header that cannot be read. When a database is configured (or --url given) it is asked too: it fails when the database is at a revision no script declares, or when an applied script was edited after it was applied (its checksum in the history table differs), naming the file, when and by whom; pending revisions are reported, and fail only with --fail-on-pending. Prints one summary line per check and exits 0 when all pass.`
  static flags = {
    ...autogenerateFlags,
    autogenerate: Flags.boolean({
      summary: 'Also fail when the database at head differs from target_schema (a model change without its migration).',
    }),
    dialect: Flags.string({
      dependsOn: ['lint'],
      options: [...DIALECT_NAMES],
      summary: 'With --lint and no connection: the dialect the revisions run on.',
    }),
    'fail-on-pending': Flags.boolean({summary: 'Fail when the database has revisions still to apply.'}),
    format: Flags.string({
      env: 'DB_MANAGE_LINT_FORMAT',
      options: ['text', 'json', 'github'],
      summary:
        'With --lint: text (one line a finding, the default), json (the findings as one JSON document on stdout), or github (workflow annotations on the file and line).',
    }),
    lint: Flags.boolean({
      summary:
        'Check what the pending revisions (or those after --since) do, their operations and raw SQL, for data loss, locks and rewrites, per dialect and server version (rules DM101-DM147).',
    }),
    since: Flags.string({dependsOn: ['lint'], summary: 'With --lint: check the revisions after REV.'}),
    from: Flags.string({
      dependsOn: ['round-trip'],
      summary: 'With --round-trip: check the revisions from REV on (those before it are only applied).',
    }),
    'round-trip': Flags.boolean({
      summary:
        'On a scratch database, upgrade, downgrade and upgrade again every revision, and fail on the first whose downgrade does not restore the schema.',
    }),
    strict: Flags.boolean({
      dependsOn: ['round-trip'],
      summary: 'With --round-trip: a script without downgrade() fails the check.',
    }),
    'no-db': Flags.boolean({summary: 'Check the scripts only; ask no database.'}),
  }

  static summary = 'Check the revision chain (for CI).'

  async run(): Promise<{
    autogenerate?: Awaited<ReturnType<typeof checkAutogenerate>>
    chain: Awaited<ReturnType<typeof checkMigration>>
    database?: DatabaseCheck[]
    lint?: LintResult[]
    roundTrip?: RoundTripResult[]
  }> {
    const {flags} = await this.parse(CheckMigration)
    for (const needsDb of ['autogenerate', 'fail-on-pending'] as const) {
      if (flags[needsDb] && flags['no-db'])
        throw new UsageError(`--${needsDb} asks the database, and --no-db asks none: give one or the other`)
    }

    const config = await this.loadConfig(flags)
    // --format json: stdout is the lint's JSON document alone; what the other checks say goes to stderr.
    const format = (flags.format ?? 'text') as 'github' | 'json' | 'text'
    const jsonLint = flags.lint && format === 'json' && !this.jsonEnabled()
    const say = (text: string) => (jsonLint ? process.stderr.write(`${text}\n`) : this.log(text))
    const results = await checkMigration(config)
    const many = config.nameEach
    for (const r of results) {
      const prefix = many ? `[${r.database}] ` : ''
      if (r.ok) {
        say(
          `${prefix}OK: ${r.revisions} revision(s)${r.revisions ? `, ${r.base} -> ${r.head}` : ''}, one linear sequential chain`,
        )
      } else {
        for (const p of r.problems) say(`${prefix}${p.message}`)
      }
    }

    const failed = results.filter((r) => !r.ok)
    let database: DatabaseCheck[] | undefined
    if (!flags['no-db'] && failed.length === 0) {
      database = await checkDatabase(config, {debug: sqlDebug(flags.debug), failOnPending: flags['fail-on-pending']})
      for (const d of database) {
        const prefix = many ? `[${d.database}] ` : ''
        if (d.skipped) {
          if (d.skipped !== 'no database connection configured')
            process.stderr.write(`${prefix}database not checked: ${d.skipped}\n`)
          continue
        }

        say(
          d.problems.length > 0 ? d.problems.map((p) => `${prefix}${p}`).join('\n') : `${prefix}OK: ${databaseLine(d)}`,
        )
      }

      const count = database.reduce((n, d) => n + d.problems.length, 0)
      if (count > 0)
        throw new ChainError(`check_migration found ${count} problem(s) with the database's revisions`, {
          data: {chain: results, database},
        })
    }

    let trips: RoundTripResult[] | undefined
    if (flags['round-trip'] && failed.length === 0) {
      trips = await roundTrip(config, {debug: sqlDebug(flags.debug), from: flags.from})
      const lines: string[] = []
      for (const t of trips) {
        const prefix = many ? `[${t.database}] ` : ''
        for (const file of t.withoutDowngrade)
          lines.push(`${prefix}${file} has no downgrade(): not round-tripped${flags.strict ? ' (--strict)' : ''}`)
        lines.push(
          t.problem
            ? `${prefix}${t.problem}`
            : `${prefix}OK: round trip of ${t.checked.length} revision(s) on a scratch database: every downgrade restores the schema before its upgrade` +
                (t.repeatables ? `; ${t.repeatables} repeatable(s) apply at head` : ''),
        )
      }

      if (lines.length > 0) say(lines.join('\n'))
      const count =
        trips.filter((t) => t.problem).length +
        (flags.strict ? trips.reduce((n, t) => n + t.withoutDowngrade.length, 0) : 0)
      if (count > 0)
        throw new ChainError(`check_migration --round-trip found ${count} problem(s)`, {
          data: {chain: results, database, roundTrip: trips},
        })
    }

    let linted: LintResult[] | undefined
    if (flags.lint && failed.length === 0) {
      const {lint} = await import('../api/lint.js')
      linted = await lint(config, {
        dialect: flags.dialect as DialectName | undefined,
        noDb: flags['no-db'],
        since: flags.since,
      })
      const {errors, lines} = lintLines(linted, format, {many, root: process.cwd()})
      this.printLines(lines)
      if (errors > 0)
        throw new ChainError(
          `check_migration --lint found ${errors} error(s) not allowed: fix them, or allow each with "// db-manage: allow DMxxx -- reason" in the script`,
          {data: {chain: results, database, lint: linted}},
        )
    }

    let drift: Awaited<ReturnType<typeof checkAutogenerate>> | undefined
    if (flags.autogenerate && failed.length === 0) {
      drift = await checkAutogenerate(config, {
        allowEmptyTarget: flags['allow-empty-target'],
        debug: sqlDebug(flags.debug),
      })
      notComparedLine(drift, config.nameEach)
      for (const d of drift) {
        const prefix = many ? `[${d.database}] ` : ''
        say(
          d.changes.length === 0
            ? `${prefix}OK: the database at head matches the target schema`
            : d.changes.map((c) => `${prefix}${c}`).join('\n'),
        )
      }

      const count = drift.reduce((n, d) => n + d.changes.length, 0)
      if (count > 0) {
        throw new ChainError(
          `check_migration --autogenerate found ${count} difference(s) between the database and the target schema: run "db-manage revision --autogenerate"`,
          {data: {autogenerate: drift, chain: results, database}},
        )
      }
    }

    if (failed.length > 0) {
      const count = failed.reduce((n, r) => n + r.problems.length, 0)
      throw new ChainError(`check_migration found ${count} problem(s) in the revision chain`, {data: {chain: results}})
    }

    // --json: one shape whatever was asked; what was not asked is left out (a database not asked included).
    const asked = database?.some((d) => !d.skipped) ? database : undefined
    return {autogenerate: drift, chain: results, database: asked, lint: linted, roundTrip: trips}
  }
}

/** `the database is at 003; 2 pending: 004, 005; 3 applied scripts match their recorded checksums`. */
function databaseLine(d: DatabaseCheck): string {
  const parts = [
    `the database is at ${d.current ?? 'base'}`,
    d.pending.length > 0 ? `${d.pending.length} pending: ${d.pending.join(', ')}` : 'nothing pending',
  ]
  if (d.matching > 0)
    parts.push(
      `${d.matching} applied script${d.matching === 1 ? ' matches its' : 's match their'} recorded checksum${d.matching === 1 ? '' : 's'}`,
    )
  if (d.unknownChecksums.length > 0)
    parts.push(`no checksum recorded for ${d.unknownChecksums.join(', ')} (applied before db-manage kept a history)`)
  if (d.pendingRepeatables)
    parts.push(
      `${d.pendingRepeatables.length} repeatable${d.pendingRepeatables.length === 1 ? '' : 's'} to apply at the next upgrade to head: ` +
        d.pendingRepeatables.map((o) => `${o.file} (${o.state})`).join(', '),
    )
  return parts.join('; ')
}
