#!/usr/bin/env node
// CommonJS (bin/package.json), as is what it loads: Node's ES module loader would cost start-up time.
// The loader (src/boot/bundle-loader.ts) reads the CLI's bundle through V8's code cache and starts it.
const path = require('node:path')

require('../dist/bundle/load.cjs').runCli(path.join(__dirname, '..'), process.argv.slice(2))
