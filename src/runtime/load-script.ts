import {readFile} from 'node:fs/promises'

import {importScript, recordScriptFacts, scriptFacts} from '../boot/index.js'
import type {DialectName} from '../util/dialect-names.js'
import type {Operations} from '../operations/operations.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {SqlTextError, tokenize} from '../sql/lexer.js'
import {refusal, splitSql, type SqlStatement} from '../sql/split.js'
import {leadingWords, statementKind} from '../sql/statement-kind.js'
import {errorMessage, ScriptError} from '../util/errors.js'
import {statementsExpected} from './progress.js'

export {saveScriptCaches, scriptRan} from '../boot/index.js'

export type MigrationFunction = (op: Operations) => Promise<void> | void

export interface LoadedScript {
  readonly upgrade?: MigrationFunction
  readonly downgrade?: MigrationFunction
  /**
   * false: the revision runs outside a transaction, each statement committing on its own (a TS/JS script's
   * `export const transaction = false`, a `.sql` script's `-- transaction: false` header line).
   */
  readonly transaction: boolean
}

/** Import a script only when it runs: TypeScript compiled once and cached, no build step (boot/import-script.ts). */
export async function loadScript(script: ScriptRevision, dialect?: DialectName): Promise<LoadedScript> {
  if (script.kind === 'sql') return loadSqlScript(script, dialect)
  let module: Record<string, unknown>
  try {
    module = await importScript(script)
  } catch (error) {
    throw new ScriptError(`${script.fileName}: cannot load: ${errorMessage(error).split('\n')[0]}`)
  }

  if (module.revision !== undefined && module.revision !== script.id) {
    throw new ScriptError(
      `${script.fileName}: exports revision ${String(module.revision)} but its header says ${script.id}`,
    )
  }

  const pick = (name: string) => {
    const fn = module[name]
    if (fn !== undefined && typeof fn !== 'function')
      throw new ScriptError(`${script.fileName}: export ${name} is not a function`)
    return fn as MigrationFunction | undefined
  }

  if (module.transaction !== undefined && typeof module.transaction !== 'boolean')
    throw new ScriptError(`${script.fileName}: export transaction must be true or false`)
  const loaded = {downgrade: pick('downgrade'), transaction: module.transaction !== false, upgrade: pick('upgrade')}
  recordScriptFacts(script, {
    downgrade: loaded.downgrade !== undefined,
    transaction: loaded.transaction,
    upgrade: loaded.upgrade !== undefined,
  } satisfies ScriptFacts)
  return loaded
}

/** What a plan needs to know of a revision script before it runs: which functions it has, its transaction. */
export interface ScriptFacts {
  readonly upgrade: boolean
  readonly downgrade: boolean
  readonly transaction: boolean
}

/**
 * A TypeScript revision's facts as loadScript() found them the last time it loaded this text (kept in the
 * compiled-script cache), without importing it; undefined when they are not known (the script is then imported).
 */
export function knownFacts(script: ScriptRevision): ScriptFacts | undefined {
  if (script.kind === 'sql') return undefined
  const facts = scriptFacts(script) as Partial<ScriptFacts> | undefined
  return typeof facts?.upgrade === 'boolean' &&
    typeof facts.downgrade === 'boolean' &&
    typeof facts.transaction === 'boolean'
    ? (facts as ScriptFacts)
    : undefined
}

/**
 * `-- transaction: false` among the comment lines that open a `.sql` file: a revision's header lines (before its
 * first section, `sections`), a callback's leading comments.
 */
export function sqlTransaction(text: string, label: string, sections = true): boolean {
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (t === '') continue
    if ((sections && SECTION_MARK.test(t)) || !t.startsWith('--')) break
    const m = /^--\s*transaction\s*:\s*(.*)$/i.exec(t)
    if (!m) continue
    const value = m[1].trim().toLowerCase()
    if (value !== 'true' && value !== 'false')
      throw new ScriptError(`${label}: "-- transaction: ${m[1].trim()}" must be true or false`)
    return value === 'true'
  }

  return true
}

/**
 * A `.sql` revision: its `-- +upgrade` and `-- +downgrade` sections (marker
 * comments at the start of a line, found by the dialect's lexer, so a marker
 * inside a string or a $$ body is text), each split as the dialect's client
 * would. With the dialect known at load, a text that cannot be read to a
 * clean end is refused before anything runs.
 */
async function loadSqlScript(script: ScriptRevision, dialect?: DialectName): Promise<LoadedScript> {
  const text = await readFile(script.path, 'utf8')
  const read = (name: DialectName) => sqlSections(text, name, script.fileName)
  const known = dialect && read(dialect)
  const run = (section: 'downgrade' | 'upgrade'): MigrationFunction | undefined => {
    if (known && !known[section]) return undefined
    return async (op) => {
      const statements = (known || read(op.dialect))[section]
      if (!statements) throw new ScriptError(`${script.fileName}: no "-- +${section}" section`)
      // A statement that would end the revision's transaction is named by its place in the file, before any runs.
      for (const statement of op.dialect === 'mysql' ? [] : statements) {
        const kind = statementKind(statement.sql, op.dialect)
        if (kind === 'begin' || kind === 'commit' || kind === 'rollback')
          throw new ScriptError(
            `${script.fileName}:${statement.line}:${statement.column}: ${leadingWords(statement.sql, op.dialect, 1)[0]}` +
              " would end the revision's own transaction, which db-manage opens and commits with the version update;" +
              ' leave it out',
          )
      }

      statementsExpected(statements.length)
      // Split once, here, with the settings the file's own statements made (a SET standard_conforming_strings).
      for (const statement of statements) await op.execute(statement.sql, undefined, {split: false})
    }
  }

  return {downgrade: run('downgrade'), transaction: sqlTransaction(text, script.fileName), upgrade: run('upgrade')}
}

const SECTION_MARK = /^--[ \t]*\+(upgrade|downgrade)\b/i

/** The statements of each section of a `.sql` revision. */
export function sqlSections(
  text: string,
  dialect: DialectName,
  fileName: string,
): Partial<Record<'downgrade' | 'upgrade', SqlStatement[]>> {
  const marks: Array<{end: number; name: 'downgrade' | 'upgrade'; start: number}> = []
  let tokens
  try {
    tokens = tokenize(text, dialect)
  } catch (error) {
    throw error instanceof SqlTextError ? refusal(text, fileName, error) : error
  }

  for (const token of tokens) {
    if (token.kind !== 'comment') continue
    const mark = SECTION_MARK.exec(text.slice(token.start, token.end))
    const lineStart = text.lastIndexOf('\n', token.start - 1) + 1
    if (mark && /^[ \t]*$/.test(text.slice(lineStart, token.start))) {
      marks.push({end: token.end, name: mark[1].toLowerCase() as 'downgrade' | 'upgrade', start: token.start})
    }
  }

  if (marks.length === 0) throw new ScriptError(`${fileName}: no "-- +upgrade" section`)
  const sections: Partial<Record<'downgrade' | 'upgrade', SqlStatement[]>> = {}
  for (const [i, mark] of marks.entries()) {
    if (sections[mark.name]) throw new ScriptError(`${fileName}: a second "-- +${mark.name}" section`)
    sections[mark.name] = splitSql(text, dialect, fileName, {range: [mark.end, marks[i + 1]?.start ?? text.length]})
  }

  return sections
}
