import {readFile} from 'node:fs/promises'
import {pathToFileURL} from 'node:url'

import type {Operations} from '../operations/operations.js'
import type {ScriptRevision} from '../script/script-directory.js'
import {errorMessage, ScriptError} from '../util/errors.js'
import {splitSql} from './split-sql.js'

export type MigrationFunction = (op: Operations) => Promise<void> | void

export interface LoadedScript {
  readonly upgrade?: MigrationFunction
  readonly downgrade?: MigrationFunction
}

let jiti: undefined | {import: (id: string) => Promise<unknown>}

/** A top-level await (an unindented statement using await) or import.meta needs jiti's own, slower transform. */
const TOP_LEVEL_AWAIT = /^(?:export\s+)?(?:(?:const|let|var)\s[^\n=]*=\s*)?await\b/m

async function createLoader(): Promise<{import: (id: string) => Promise<unknown>}> {
  const [{createJiti}, sucrase] = await Promise.all([import('jiti'), import('sucrase')])
  const babel = createJiti(import.meta.url, {fsCache: true, moduleCache: false})
  // Sucrase strips types and turns imports into requires in well under a
  // millisecond a script; jiti's Babel transform takes several.
  return createJiti(import.meta.url, {
    fsCache: true,
    moduleCache: false,
    transform(opts) {
      if (TOP_LEVEL_AWAIT.test(opts.source) || opts.source.includes('import.meta')) return {code: babel.transform(opts)}
      const transforms: Array<'imports' | 'typescript'> = opts.ts ? ['typescript', 'imports'] : ['imports']
      return {code: sucrase.transform(opts.source, {filePath: opts.filename, transforms}).code}
    },
  })
}

/** Import a TypeScript or JavaScript module with no build step (a script, or a target schema). */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  if (/\.m?ts$/.test(file)) {
    jiti ??= await createLoader()
    return (await jiti.import(file)) as Record<string, unknown>
  }

  return (await import(pathToFileURL(file).href)) as Record<string, unknown>
}

/** Import a script only when it runs: TypeScript through jiti, no build step. */
export async function loadScript(script: ScriptRevision): Promise<LoadedScript> {
  if (script.kind === 'sql') return loadSqlScript(script)
  let module: Record<string, unknown>
  try {
    if (script.kind === 'ts') {
      jiti ??= await createLoader()

      module = (await jiti.import(script.path)) as Record<string, unknown>
    } else {
      module = (await import(pathToFileURL(script.path).href)) as Record<string, unknown>
    }
  } catch (error) {
    throw new ScriptError(`${script.fileName}: cannot load: ${errorMessage(error).split('\n')[0]}`)
  }

  if (module.revision !== undefined && module.revision !== script.id) {
    throw new ScriptError(`${script.fileName}: exports revision ${String(module.revision)} but its header says ${script.id}`)
  }

  const pick = (name: string) => {
    const fn = module[name]
    if (fn !== undefined && typeof fn !== 'function') throw new ScriptError(`${script.fileName}: export ${name} is not a function`)
    return fn as MigrationFunction | undefined
  }

  return {downgrade: pick('downgrade'), upgrade: pick('upgrade')}
}

async function loadSqlScript(script: ScriptRevision): Promise<LoadedScript> {
  const text = await readFile(script.path, 'utf8')
  const marker = /^[ \t]*--[ \t]*\+(upgrade|downgrade)\b.*$/gim
  const sections: Record<string, string> = {}
  const marks = [...text.matchAll(marker)]
  if (marks.length === 0) throw new ScriptError(`${script.fileName}: no "-- +upgrade" section`)
  for (const [i, m] of marks.entries()) {
    const end = marks[i + 1]?.index ?? text.length
    sections[m[1].toLowerCase()] = text.slice(m.index + m[0].length, end)
  }

  const run = (sql: string | undefined): MigrationFunction | undefined => {
    if (sql === undefined) return undefined
    return async (op) => {
      for (const statement of await splitSql(sql, op.dialect)) await op.execute(statement)
    }
  }

  return {downgrade: run(sections.downgrade), upgrade: run(sections.upgrade)}
}
