#!/usr/bin/env node
// CommonJS (bin/package.json), as is what it loads: Node's ES module loader would cost start-up time.
// The bundle (scripts/bundle.mjs) holds the CLI and @oclif/core in one file, compiled through V8's code cache.
const path = require('node:path')

const {loadBundle} = require('../dist/bundle/load.cjs')

const argv = process.argv.slice(2)
const bundle = loadBundle(path.join(__dirname, '../dist/bundle/main.cjs'), argv)
// The package's folder, where oclif finds package.json; import() for ES modules, which the bundle cannot use itself.
bundle.exports.main(argv, path.join(__dirname, '..'), {
  codeCache: bundle.codeCache,
  discardCodeCache: bundle.discard,
  importUrl: (url) => import(url),
})
