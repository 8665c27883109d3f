import {Command} from '@oclif/core/command'

import {errorMessage} from '../util/errors.js'

/**
 * A command that reads no config and no database (help, completion): none
 * of the shared flags, and the one-line error and exit code every command gives.
 */
export abstract class SimpleCommand extends Command {
  protected async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    // oclif's own exits (help's, this.exit()) are not errors to print.
    if (error.oclif?.exit === 0 || (error as {code?: string}).code === 'EEXIT') throw error
    const message = errorMessage(error)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('See more help'))
      .join(' ')
    process.stderr.write(`Error: ${message}\n`)
    return this.exit(error.oclif?.exit ?? 1)
  }
}
