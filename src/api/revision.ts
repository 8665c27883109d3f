import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {Config} from '../config/config.js'
import {createdAtOf, scriptFileName, sqlScript, typescriptScript} from '../script/templates.js'
import {ScriptError} from '../util/errors.js'
import {oneChain, scriptsOf} from './scripts.js'

export interface RevisionOptions {
  readonly message: string
  readonly template?: 'sql' | 'ts'
  /** Fixed creation time, for reproducible output; now by default. */
  readonly now?: Date
}

export interface NewRevision {
  readonly database: string
  readonly id: string
  readonly downRevision: null | string
  readonly path: string
}

/**
 * Write the next revision script of the chain. Several databases with their
 * own script_location are several chains: the caller picks one with --db.
 */
export async function revision(config: Config, options: RevisionOptions): Promise<NewRevision[]> {
  const message = options.message.trim()
  if (!message) throw new ScriptError('a revision needs a message: -m "what it does"')
  const database = oneChain(config, 'revision')
  const dir = await scriptsOf(config, database)
  if (dir.unreadable.length > 0) throw new ScriptError(dir.unreadable[0].message)
  const id = dir.map.nextId()
  const downRevision = dir.map.heads[0]?.id ?? null
  const header = {createdAt: createdAtOf(options.now), downRevision, id, message}
  const sql = options.template === 'sql'
  const file = path.join(database.scriptLocation, scriptFileName(id, message, sql ? 'sql' : 'ts'))
  await writeFile(file, sql ? sqlScript(header) : typescriptScript(header), {flag: 'wx'})
  return [{database: database.name, downRevision, id, path: file}]
}
