/**
 * Import an ES module by its URL (a `.js`/`.mjs` script, a target schema).
 * The CLI's bundle is CommonJS compiled through V8's code cache (see
 * cli/code-cache.ts), where a native import() has no loader behind it on
 * Node 20: bin/run.js hands in its own. Everywhere else (the library's
 * dist/, the tests) this is import() itself.
 */
export type Importer = (url: string) => Promise<unknown>

let importer: Importer | undefined

export function useImporter(fn: Importer): void {
  importer = fn
}

export async function importUrl(url: string): Promise<Record<string, unknown>> {
  return (await (importer ? importer(url) : import(url))) as Record<string, unknown>
}
