import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'
import {Command} from '@oclif/core/command'

import type {Config} from '../config/config.js'
import {maskUrl} from '../config/database-url.js'
import {loadConfig} from '../api/fleet.js'
import {installSignalHandlers, interruptExitCode} from '../runtime/interrupt.js'
import {saveScriptCaches} from '../boot/index.js'
import {phaseLine, timed} from '../runtime/phases.js'
import {databaseOf, DbManageError, errorMessage} from '../util/errors.js'
import {envelope, type JsonEnvelope} from './json-envelope.js'
import {sqlDebug} from './migrate-flags.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>

/**
 * Shared flags, config loading and the one place where an error becomes a
 * message and an exit code. Subclasses parse, make one api call and print.
 */
export abstract class BaseCommand extends Command {
  static baseFlags = {
    'config-file': Flags.string({
      char: 'c',
      env: 'DB_MANAGE_CONFIG',
      helpGroup: 'GLOBAL',
      summary: 'Config file to use instead of searching for db-manage.ini from the working directory upward.',
    }),
    db: Flags.string({
      env: 'DB_MANAGE_DB',
      helpGroup: 'GLOBAL',
      summary:
        'Act on one database only: a [database:NAME] section, a [fleet:NAME], or one tenant NAME/TENANT (default: every database, by their order key, then file order).',
    }),
    debug: Flags.boolean({helpGroup: 'GLOBAL', summary: 'Show stack traces and log every SQL statement to stderr.'}),
    'fail-fast': Flags.boolean({
      env: 'DB_MANAGE_FAIL_FAST',
      helpGroup: 'MULTI-DATABASE',
      summary: 'Stop a fleet at its first failing tenant (otherwise the others go on, and the exit code is 1).',
    }),
    parallel: Flags.integer({
      env: 'DB_MANAGE_PARALLEL',
      helpGroup: 'MULTI-DATABASE',
      summary:
        "Run N databases of one order (a fleet's tenants) at once, each with its own connection and lock (default 1).",
    }),
    shard: Flags.string({
      env: 'DB_MANAGE_SHARD',
      helpGroup: 'MULTI-DATABASE',
      summary: 'Act on shard I of N only (I from 0), a stable split by database name: one Job per shard.',
    }),
    'script-location': Flags.string({
      env: 'DB_MANAGE_SCRIPT_LOCATION',
      helpGroup: 'GLOBAL',
      summary: 'Folder of the revision scripts; wins over script_location, and with it no config file is needed.',
    }),
    url: Flags.string({
      helpGroup: 'GLOBAL',
      summary: 'Database URL; wins over DATABASE_URL, which wins over the config file.',
    }),
  }

  static enableJsonFlag = true

  /** A command that can act on a URL alone (a container job's runner has nothing else) works with no config file. */
  protected readonly worksWithoutConfig: boolean = false

  async init(): Promise<void> {
    await super.init()
    installSignalHandlers()
    // A script's own promise that nobody awaited and that failed: one line, not Node's crash report.
    process.on('unhandledRejection', (reason) => {
      const debug = this.argv.includes('--debug') && reason instanceof Error && reason.stack
      process.stderr.write(
        `Error: ${maskUrl(debug ? String(reason.stack) : errorMessage(reason))} (a promise nobody awaited: does a script miss an "await"?)\n`,
      )
      process.exit(1)
    })
  }

  /** The config the command loaded, for the JSON envelope's database. */
  private loaded?: Config

  /** Load the config with the global flags applied. */
  protected async loadConfig(flags: {
    'config-file'?: string
    db?: string
    'fail-fast'?: boolean
    parallel?: number
    'script-location'?: string
    shard?: string
    url?: string
  }): Promise<Config> {
    return (this.loaded = await timed('config', () =>
      loadConfig({
        configFile: flags['config-file'],
        db: flags.db,
        debug: sqlDebug(this.argv.includes('--debug')),
        failFast: flags['fail-fast'],
        parallel: flags.parallel,
        scriptLocation: flags['script-location'],
        shard: flags.shard,
        url: flags.url,
        withoutFile: this.worksWithoutConfig,
      }),
    ))
  }

  /** --json: the command's result in the one envelope every command uses. */
  protected toSuccessJson(result: unknown): JsonEnvelope {
    return envelope(this.id ?? 'db-manage', this.loaded, result, null)
  }

  /** With --debug, where the time went (one line on stderr), however the command ended. */
  async finally(error: Error | undefined): Promise<unknown> {
    // Scripts compiled by lint or the round trip, which load them one by one; V8's code of the scripts that ran.
    saveScriptCaches({code: true})
    if (this.argv.includes('--debug')) process.stderr.write(`db-manage: ${phaseLine()}\n`)
    return super.finally(error)
  }

  /** Print lines in one write (a long history is one syscall, not thousands). */
  protected printLines(lines: readonly string[]): void {
    if (lines.length > 0) this.log(lines.join('\n'))
  }

  /** The exit code of a failure: its kind's (a usage or config error 2, others 1); diff has its own (diff(1)'s). */
  protected exitCodeOf(error: Error & {oclif?: {exit?: number}}): number {
    return error instanceof DbManageError ? error.exitCode : (error.oclif?.exit ?? 1)
  }

  protected async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    const debug = this.argv.includes('--debug')
    // A run a signal stopped exits 130/143 whatever error its stop became.
    const code = interruptExitCode() ?? this.exitCodeOf(error)
    if (error.oclif?.exit === 0) throw error // oclif's own exits (help, version)
    // One line: oclif's own parse errors come on several, with a help hint.
    const message = maskUrl(errorMessage(error))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('See more help'))
      .join(' ')
    const database = databaseOf(error)
    if (this.jsonEnabled()) {
      // Exactly one JSON document: what was found, if anything, and the error.
      const data = error instanceof DbManageError ? error.data : undefined
      this.logJson(
        envelope(this.id ?? 'db-manage', this.loaded, data, {
          code,
          message,
          name: error.name,
          ...(database === undefined ? {} : {database}),
        }),
      )
    } else {
      process.stderr.write(`${database === undefined ? '' : `[${database}] `}Error: ${message}\n`)
      if (debug && error.stack) process.stderr.write(`${maskUrl(error.stack)}\n`)
    }

    return this.exit(code)
  }
}
