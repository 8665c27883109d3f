#!/usr/bin/env node
// The bundle (scripts/bundle.mjs) holds the CLI and @oclif/core in one file, compiled through V8's code cache.
import {fileURLToPath} from 'node:url'

import {loadBundle} from '../dist/cli/code-cache.js'

const argv = process.argv.slice(2)
const bundle = loadBundle(fileURLToPath(new URL('../dist/bundle/main.cjs', import.meta.url)), argv)
await bundle.exports.main(argv, import.meta.url, {codeCache: bundle.codeCache, importUrl: (url) => import(url)})
