import * as Args from '@oclif/core/args'
import type * as Interfaces from '@oclif/core/interfaces'

import {downgrade, type MigrateResult, upgrade} from '../api/migrate.js'
import {type OfflineResult, renderMigration} from '../api/offline.js'
import type {DialectName} from '../util/dialect-names.js'
import {UsageError} from '../util/errors.js'
import {BaseCommand} from './base-command.js'
import {migrateFlags, sqlDebug, stepLine} from './migrate-flags.js'
import {ProgressLine, progressOptions} from './progress-line.js'
import {checkOfflineTargets, offlineFlags, writeOffline} from './offline-flags.js'

/** upgrade and downgrade: the same flags and the same two paths, online or --sql. */
export abstract class MigrateCommand extends BaseCommand {
  static args = {target: Args.string()}
  static flags = {...migrateFlags, ...offlineFlags}
  protected abstract readonly direction: 'downgrade' | 'upgrade'

  async run(): Promise<MigrateResult[] | OfflineResult[]> {
    const {args, flags} = (await this.parse(this.ctor)) as unknown as {
      args: {target?: string}
      flags: Interfaces.InferredFlags<typeof MigrateCommand.flags & typeof BaseCommand.baseFlags>
    }
    const config = await this.loadConfig(flags)
    if (flags.sql) {
      if (flags.delta !== undefined)
        throw new UsageError("--delta counts from the database's revision, which --sql does not read: give START:END")
      checkOfflineTargets(config, flags, this.direction)
      const sql = await renderMigration(config, this.direction, {
        dialect: flags.dialect as DialectName | undefined,
        revisions: args.target ?? (this.direction === 'upgrade' ? 'head' : ''),
        // Written as it is rendered, unless --json returns it.
        spool: !this.jsonEnabled(),
        versionTable: !flags['no-version-table'],
      })
      await writeOffline(sql, config, flags['output-file'], (text) => this.log(text))
      return sql
    }

    const many = config.nameEach
    const fleet = config.databases.some((d) => d.fleet)
    const tally = new FleetTally(
      config.databases.length,
      this.direction,
      fleet && process.stderr.isTTY && !this.jsonEnabled(),
    )
    const migrate = this.direction === 'upgrade' ? upgrade : downgrade
    // A long revision shows what it does (a fleet's tenants have their own progress line).
    const progress = fleet ? undefined : new ProgressLine(progressOptions()).start()
    try {
      return await migrate(config, {
        debug: sqlDebug(flags.debug),
        delta: flags.delta,
        lockTimeout: flags['lock-timeout'],
        onDatabase: (r) => {
          tally.done(r)
          if (r.steps.length === 0 && !tally.live)
            this.log(
              `${many ? `[${r.database}] ` : ''}Nothing to ${this.direction}: the database is at ${r.to ?? 'base'}`,
            )
        },
        onFailure: (database) => tally.failed(database),
        onStep: (db, step) => {
          progress?.clear()
          if (!tally.live) this.log(stepLine(step, many ? `[${db}] ` : ''))
        },
        onRetry: (db, line) => {
          progress?.clear()
          this.logToStderr(`${many ? `[${db}] ` : ''}${line}`)
        },
        statementLockRetries: flags['statement-lock-retries'],
        statementLockTimeout: flags['statement-lock-timeout'],
        statementTimeout: flags['statement-timeout'],
        target: args.target,
      })
    } finally {
      progress?.stop()
      if (fleet && !this.jsonEnabled()) this.log(tally.summary())
    }
  }
}

/**
 * A fleet's run as it goes: on a terminal one progress line on stderr
 * (`37/100 done, 1 failed`) in place of every tenant's step lines, and a
 * summary at the end, on a terminal or not.
 */
class FleetTally {
  private migrated = 0
  private unchanged = 0
  private readonly failures: string[] = []

  constructor(
    private readonly total: number,
    private readonly direction: 'downgrade' | 'upgrade',
    readonly live: boolean,
  ) {}

  private get finished(): number {
    return this.migrated + this.unchanged + this.failures.length
  }

  done(result: MigrateResult): void {
    if (result.steps.length > 0) this.migrated++
    else this.unchanged++
    this.progress()
  }

  failed(database: string): void {
    this.failures.push(database)
    this.progress()
  }

  private progress(): void {
    if (this.live)
      process.stderr.write(
        `\r${this.finished}/${this.total} done, ${this.failures.length} failed${this.finished === this.total ? '\n' : ''}`,
      )
  }

  summary(): string {
    const notRun = this.total - this.finished
    const failed = this.failures.length > 0 ? ` (${this.failures.sort().join(', ')})` : ''
    return `Summary: ${this.migrated} ${this.direction === 'upgrade' ? 'migrated' : 'downgraded'}, ${this.unchanged} already there, ${this.failures.length} failed${failed}${notRun > 0 ? `, ${notRun} not run` : ''}`
  }
}
