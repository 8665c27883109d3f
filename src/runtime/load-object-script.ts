import {importScript} from '../boot/index.js'
import type {ObjectScript} from '../script/object-scripts.js'
import {splitSql} from '../sql/split.js'
import type {DialectName} from '../util/dialect-names.js'
import {errorMessage, ScriptError} from '../util/errors.js'
import type {LoadedScript, MigrationFunction} from './load-script.js'
import {statementsExpected} from './progress.js'

/**
 * A repeatable object or a seed, loaded to run: a SQL file is its statements, the whole file (split as the
 * dialect's client would; a text that cannot be read to a clean end is refused before anything runs); a module is
 * its `upgrade(op)`. It runs in a transaction, as a revision does.
 */
export async function loadObjectScript(script: ObjectScript, dialect: DialectName): Promise<LoadedScript> {
  if (script.kind === 'sql') {
    const statements = splitSql(script.source!, dialect, script.fileName)
    const upgrade: MigrationFunction = async (op) => {
      statementsExpected(statements.length)
      for (const statement of statements) await op.execute(statement.sql, undefined, {split: false})
    }

    return {transaction: true, upgrade}
  }

  let module: Record<string, unknown>
  try {
    module = await importScript(script)
  } catch (error) {
    throw new ScriptError(`${script.fileName}: cannot load: ${errorMessage(error).split('\n')[0]}`)
  }

  if (typeof module.upgrade !== 'function')
    throw new ScriptError(`${script.fileName}: no upgrade(op) function exported; nothing was changed`)
  return {transaction: true, upgrade: module.upgrade as MigrationFunction}
}
