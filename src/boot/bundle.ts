/**
 * The build of the CLI's bundle (scripts/bundle.mjs calls bundleCli() after
 * tsc): dist/main.js with @oclif/core, pg and cosmiconfig in one CommonJS
 * file, dist/bundle/main.cjs, so that start-up reads that one file instead
 * of the few hundred of @oclif/core and its dependencies, and
 * boot/bundle-loader.ts compiles it through V8's code cache, which takes
 * CommonJS only on Node 20. db-manage's own modules that were imported
 * dynamically are still evaluated only when first needed.
 *
 * - import() becomes require() (`dynamic-import` unsupported): code compiled
 *   by vm.Script has no module loader behind import() on Node 20. Imports of
 *   a file URL (a .js/.mjs script, and oclif's of an ES-module plugin, below)
 *   go through boot/handoff.ts's importUrl, whose import() the loader supplies.
 * - import.meta.url is the bundle's own URL (dist/bundle/ is as deep as the
 *   dist/<folder>/ the sources were compiled to, so relative URLs hold).
 * - better-sqlite3 (a native module) and the script loaders (jiti, sucrase)
 *   stay external: each loads only when a command needs it. mysql2 is
 *   bundled apart (below).
 *
 * A build-time module: esbuild, a development dependency, is imported only
 * when bundleCli() runs.
 */
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import type {BuildOptions, Plugin} from 'esbuild'

/**
 * Two edits to @oclif/core's code as it goes into the bundle. The build fails
 * when oclif's code no longer reads as expected, so that an upgrade of oclif
 * is reviewed here.
 *
 * - It sorts a plugin's commands with localeCompare, whose first call loads
 *   ICU's collation data: ~8 ms of every command, and nothing else in a run
 *   compares strings by locale. Command ids are ASCII words, which sort the
 *   same by code point.
 * - It imports an ES-module plugin's commands (@oclif/plugin-autocomplete's)
 *   with import(), which the bundle cannot use (above): it goes through
 *   boot/handoff.ts's importUrl, as db-manage's own imports of file URLs do.
 */
function oclifEdits(root: string): Plugin {
  const handoff = JSON.stringify(path.join(root, 'dist/boot/handoff.js'))
  const edits = [
    {
      file: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/,
      from: '.sort((a, b) => a.id.localeCompare(b.id))',
      times: 1,
      to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
    },
    {
      file: /@oclif[\\/]core[\\/]lib[\\/]module-loader\.js$/,
      from: 'await import((0, node_url_1.pathToFileURL)(filePath).href)',
      prefix: `const {importUrl: __dbmImportUrl} = require(${handoff});\n`,
      times: 3,
      to: 'await __dbmImportUrl((0, node_url_1.pathToFileURL)(filePath).href)',
    },
  ]
  return {
    name: 'edit-oclif',
    setup(build) {
      for (const edit of edits) {
        build.onLoad({filter: edit.file}, async (args) => {
          const text = await readFile(args.path, 'utf8')
          const found = text.split(edit.from).length - 1
          if (found !== edit.times)
            throw new Error(
              `${args.path}: "${edit.from}" found ${found} times, not ${edit.times}: ` +
                'review src/boot/bundle.ts for this @oclif/core',
            )
          return {contents: (edit.prefix ?? '') + text.replaceAll(edit.from, edit.to), loader: 'js'}
        })
      }
    },
  }
}

/**
 * mysql2 (1.4 MB with its dependencies) is bundled into a file of its own,
 * dist/bundle/mysql2.cjs, which only commands on MySQL read: the bundle
 * requires it as `./mysql2.cjs`, and boot/bundle-loader.ts compiles it
 * through the code cache too (required file by file, mysql2 took ~60 ms).
 */
const mysql2Apart: Plugin = {
  name: 'mysql2-apart',
  setup(build) {
    build.onResolve({filter: /^mysql2\/promise$/}, () => ({external: true, path: './mysql2.cjs'}))
  },
}

/** Build dist/bundle/ (main.cjs, mysql2.cjs and the loader, load.cjs) from the package at `root`, after tsc. */
export async function bundleCli(root: string): Promise<void> {
  const {build} = await import('esbuild')
  const common = {
    absWorkingDir: root,
    banner: {js: "var __dbmImportMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
    bundle: true,
    charset: 'ascii',
    define: {'import.meta.url': '__dbmImportMetaUrl'},
    format: 'cjs',
    logLevel: 'warning',
    // Whitespace, comments and redundant syntax out (names kept: stack traces and class names read as before): V8
    // keeps the bundle's text for the functions it compiles lazily, and reads it whole at every start; 1.8 MB
    // became 1.3 MB, 1.6 MB less peak RSS for every command (bench/README.md, "mem2").
    minifySyntax: true,
    minifyWhitespace: true,
    platform: 'node',
    supported: {'dynamic-import': false},
    target: 'node20',
    write: false,
  } satisfies BuildOptions
  const outputs = await Promise.all([
    build({
      ...common,
      entryPoints: ['dist/main.js'],
      // typescript and ts-node: @oclif/core's development mode (and cosmiconfig's .ts configs) ask for them, never
      // in a built CLI. pg and cosmiconfig are bundled (pg's optional pg-native and pg-cloudflare are not): their
      // code then comes from the code cache too.
      external: [
        'better-sqlite3',
        'jiti',
        'pg-cloudflare',
        'pg-native',
        'sucrase',
        '@oclif/plugin-autocomplete',
        'typescript',
        'ts-node',
      ],
      outfile: 'dist/bundle/main.cjs',
      plugins: [oclifEdits(root), mysql2Apart],
    }),
    build({...common, entryPoints: ['mysql2/promise'], outfile: 'dist/bundle/mysql2.cjs'}),
    // What bin/run.js requires first: the loader of the bundle above, CommonJS too (an ES module costs Node's ESM
    // loader at start-up). Node loads it as a file, so its import() (the one it hands the bundle) stays import().
    build({
      ...common,
      entryPoints: ['dist/boot/bundle-loader.js'],
      outfile: 'dist/bundle/load.cjs',
      supported: {'dynamic-import': true},
    }),
  ])
  // Plain ASCII, so that the loader can decode it as Latin-1, ~2.5 ms faster than UTF-8: esbuild leaves a few
  // characters of comments and regular expressions as they are, and an escape means the same there.
  for (const file of outputs.flatMap((o) => o.outputFiles)) {
    await mkdir(path.dirname(file.path), {recursive: true})
    await writeFile(
      file.path,
      file.text.replaceAll(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    )
  }
}
