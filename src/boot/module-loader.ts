import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {errorMessage} from '../util/errors.js'
import {privateCacheFolder} from './cache-file.js'
import {type Compiled, TOP_LEVEL_AWAIT} from './compile-thread.js'
import {importUrl} from './handoff.js'

export type {Compiled} from './compile-thread.js'

/**
 * Importing TypeScript and JavaScript modules with no build step (a revision
 * script, a target schema, the helpers they import): TypeScript is compiled
 * with sucrase (types stripped, imports made CommonJS, lines kept) and, when
 * its imports must be resolved, run through jiti; a script with a top-level
 * `await` or `import.meta` goes through jiti's own Babel transform.
 */
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

export function needsBabel(source: string): boolean {
  return TOP_LEVEL_AWAIT.test(source) || source.includes('import.meta')
}

type Sucrase = typeof import('sucrase')
let sucrase: Sucrase | undefined

export async function loadSucrase(): Promise<void> {
  sucrase ??= await import('sucrase')
}

/** TypeScript (or plain ES modules) to CommonJS, lines kept where they were, in well under a millisecond a script. */
export function transform(source: string, filePath: string, ts: boolean): string {
  const transforms: Array<'imports' | 'typescript'> = ts ? ['typescript', 'imports'] : ['imports']
  return sucrase!.transform(source, {filePath, transforms}).code
}

/** A revision script's text compiled: by sucrase, or marked for jiti (a top-level await, `import.meta`). */
export async function compileSource(source: string, filePath: string): Promise<Compiled> {
  if (needsBabel(source)) return {code: '', plain: false}
  await loadSucrase()
  const code = transform(source, filePath, true)
  return {code, plain: !/\brequire\s*\(/.test(code)}
}

/**
 * jiti keeps the code it compiled (a script's helper imports) in files it
 * runs on the next load: by default in the shared temporary folder
 * (`/tmp/jiti`), where another user may have put a folder of their own
 * first. Its files go to db-manage's own private cache folder instead
 * (boot/cache-file.ts), or nowhere when caches are off or none is private.
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

/** A module through jiti, which resolves its imports. */
export async function importThroughLoader(file: string): Promise<Record<string, unknown>> {
  return (await (await loaderFor(path.dirname(file))).import(file)) as Record<string, unknown>
}

/** Import a TypeScript or JavaScript module with no build step (a script, or a target schema). */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  if (/\.m?ts$/.test(file)) return importThroughLoader(file)
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
    return importThroughLoader(file)
  }
}

/**
 * A package the bundle keeps external (libpg-query's WebAssembly parser, say), required from db-manage's own
 * node_modules when a command first needs it.
 */
export function requireExternal(id: string): unknown {
  return createRequire(import.meta.url)(id)
}
