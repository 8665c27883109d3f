import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import type {DialectName} from '../util/dialect-names.js'
import type {Operations} from '../operations/operations.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {SqlTextError, tokenize} from '../sql/lexer.js'
import {refusal, splitSql, type SqlStatement} from '../sql/split.js'
import {privateCacheFolder} from '../util/cache-dir.js'
import {errorMessage, ScriptError} from '../util/errors.js'
import {importUrl} from '../util/import-url.js'
import {statementsExpected} from './progress.js'
import {ScriptCache} from './script-cache.js'

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

type Loader = {import: (id: string) => Promise<unknown>}

/** jiti as it resolves imports (`plain`), and with 'db-manage' mapped to the running db-manage (`own`). */
const loaders: {own?: Loader; plain?: Loader} = {}

/** The running db-manage's library entry (dist/index.js; src/index.ts when run from the sources). */
function ownEntry(): string {
  const js = fileURLToPath(new URL('../index.js', import.meta.url))
  return existsSync(js) ? js : js.replace(/\.js$/, '.ts')
}

const installed = new Map<string, boolean>()

/** Whether a project folder (or one above it) has db-manage in its node_modules. */
function installedFrom(dir: string): boolean {
  let known = installed.get(dir)
  if (known === undefined) {
    const parent = path.dirname(dir)
    known =
      existsSync(path.join(dir, 'node_modules', 'db-manage', 'package.json')) ||
      (parent !== dir && installedFrom(parent))
    installed.set(dir, known)
  }

  return known
}

/**
 * The loader for a module in `dir`: a project that has not installed
 * db-manage (a quick start, a job's image running the global one) still
 * imports 'db-manage' in its scripts and target schema, as the running one.
 */
async function loaderFor(dir: string): Promise<Loader> {
  const kind = installedFrom(dir) ? 'plain' : 'own'
  return (loaders[kind] ??= await createLoader(kind === 'own' ? {'db-manage': ownEntry()} : undefined))
}

/** A top-level await (an unindented statement using await) or import.meta needs jiti's own, slower transform. */
const TOP_LEVEL_AWAIT = /^(?:export\s+)?(?:(?:const|let|var)\s[^\n=]*=\s*)?await\b/m

function needsBabel(source: string): boolean {
  return TOP_LEVEL_AWAIT.test(source) || source.includes('import.meta')
}

type Sucrase = typeof import('sucrase')
let sucrase: Sucrase | undefined

/** TypeScript (or plain ES modules) to CommonJS, lines kept where they were, in well under a millisecond a script. */
function transform(source: string, filePath: string, ts: boolean): string {
  const transforms: Array<'imports' | 'typescript'> = ts ? ['typescript', 'imports'] : ['imports']
  return sucrase!.transform(source, {filePath, transforms}).code
}

/**
 * jiti keeps the code it compiled (a script's helper imports) in files it
 * runs on the next load: by default in the shared temporary folder
 * (`/tmp/jiti`), where another user may have put a folder of their own
 * first. Its files go to db-manage's own private cache folder instead
 * (util/cache-dir.ts), or nowhere when caches are off or none is private.
 */
function jitiOptions(): {esmEvalTempFile: false; fsCache: false | string; moduleCache: false} {
  return {esmEvalTempFile: false, fsCache: privateCacheFolder('jiti') ?? false, moduleCache: false}
}

async function createLoader(alias?: Record<string, string>): Promise<Loader> {
  const [{createJiti}] = await Promise.all([import('jiti'), loadSucrase()])
  const options = {...jitiOptions(), alias}
  const babel = createJiti(import.meta.url, options)
  // Sucrase strips types and turns imports into requires; jiti's Babel transform takes several milliseconds a script.
  return createJiti(import.meta.url, {
    ...options,
    transform(opts) {
      if (needsBabel(opts.source)) return {code: babel.transform(opts)}
      return {code: transform(opts.source, opts.filename ?? 'script.ts', Boolean(opts.ts))}
    },
  })
}

async function loadSucrase(): Promise<void> {
  sucrase ??= await import('sucrase')
}

/** Import a TypeScript or JavaScript module with no build step (a script, or a target schema). */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  if (/\.m?ts$/.test(file)) return (await (await loaderFor(path.dirname(file))).import(file)) as Record<string, unknown>
  return importJavaScript(file)
}

/**
 * A .js/.mjs module, by Node's own import(); one that imports 'db-manage'
 * where it is not installed goes through the loader that maps the name.
 */
async function importJavaScript(file: string): Promise<Record<string, unknown>> {
  try {
    return await importUrl(pathToFileURL(file).href)
  } catch (error) {
    const missing =
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /['"]db-manage['"]/.test(errorMessage(error))
    if (!missing || installedFrom(path.dirname(file))) throw error
    return (await (await loaderFor(path.dirname(file))).import(file)) as Record<string, unknown>
  }
}

const caches = new Map<string, ScriptCache>()

/**
 * Write back the compiled-script caches this process added to: once a run's
 * scripts are loaded, and again when the command is over, with `code`, V8's
 * code of what ran.
 */
export function saveScriptCaches(options: {code?: boolean} = {}): void {
  for (const cache of caches.values()) cache.save(options)
}

/**
 * A TypeScript script, from the compiled-script cache when its text is there:
 * code that requires nothing (a script whose only import is `import type`)
 * runs as it is, with no loader; anything else goes through jiti, which
 * resolves its imports.
 */
async function importTypeScript(script: ScriptRevision): Promise<Record<string, unknown>> {
  const location = path.dirname(script.path)
  let cache = caches.get(location)
  if (!cache) caches.set(location, (cache = new ScriptCache(location)))
  // The script's checksum (also its history row's) keys it: text that differs only in line endings or a BOM runs alike.
  // Known from the header cache, a cached script's text is not even read.
  const hash = script.checksum
  let compiled = cache.get(hash)
  if (!compiled) {
    const source = script.source ?? (await readFile(script.path, 'utf8'))
    if (needsBabel(source)) {
      compiled = {code: '', plain: false}
    } else {
      await loadSucrase()
      const code = transform(source, script.path, true)
      compiled = {code, plain: !/\brequire\s*\(/.test(code)}
    }

    cache.set(hash, compiled)
  }

  if (!compiled.plain) return (await (await loaderFor(location)).import(script.path)) as Record<string, unknown>

  const module = {exports: {} as Record<string, unknown>}
  const run = cache.compile(hash, compiled.code, script.path)
  const noRequire = (id: string) => {
    throw new Error(`require(${JSON.stringify(id)}) in a script compiled as needing nothing`)
  }

  run(module.exports, noRequire, module, script.path, location)
  return module.exports
}

/** Import a script only when it runs: TypeScript compiled once and cached, no build step. */
export async function loadScript(script: ScriptRevision, dialect?: DialectName): Promise<LoadedScript> {
  if (script.kind === 'sql') return loadSqlScript(script, dialect)
  let module: Record<string, unknown>
  try {
    module = script.kind === 'ts' ? await importTypeScript(script) : await importJavaScript(script.path)
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
  return {downgrade: pick('downgrade'), transaction: module.transaction !== false, upgrade: pick('upgrade')}
}

/** A `.sql` revision's `-- transaction: false` among its header lines (before its first section). */
function sqlTransaction(text: string, fileName: string): boolean {
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (t === '') continue
    if (SECTION_MARK.test(t) || !t.startsWith('--')) break
    const m = /^--\s*transaction\s*:\s*(.*)$/i.exec(t)
    if (!m) continue
    const value = m[1].trim().toLowerCase()
    if (value !== 'true' && value !== 'false')
      throw new ScriptError(`${fileName}: "-- transaction: ${m[1].trim()}" must be true or false`)
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
