// Bundles the CLI (dist/cli/main.js, which tsc built) with @oclif/core into
// dist/bundle/: start-up then reads a handful of files instead of the few
// hundred of @oclif/core and its dependencies. The database drivers, the
// script loaders and cosmiconfig stay external (loaded only by the commands
// that need them), and each dynamic import of db-manage's own modules becomes
// a chunk, loaded as lazily as before.
import {build} from 'esbuild'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(fileURLToPath(import.meta.url), '../..')
await build({
  absWorkingDir: root,
  banner: {js: "import {createRequire as __dbmCreateRequire} from 'node:module'; const require = __dbmCreateRequire(import.meta.url);"},
  bundle: true,
  chunkNames: 'chunk-[hash]',
  entryPoints: ['dist/cli/main.js'],
  // typescript and ts-node: @oclif/core's development mode asks for them, never in a built CLI.
  external: ['better-sqlite3', 'cosmiconfig', 'jiti', 'mysql2', 'pg', 'sucrase', 'dbgate-query-splitter', '@oclif/plugin-autocomplete', 'typescript', 'ts-node'],
  format: 'esm',
  logLevel: 'warning',
  outdir: 'dist/bundle',
  platform: 'node',
  splitting: true,
  target: 'node20',
})
