#!/usr/bin/env node
// The bundle (scripts/bundle.mjs) holds the CLI and @oclif/core in a few files: start-up reads those only.
import {main} from '../dist/bundle/main.js'

await main(process.argv.slice(2), import.meta.url)
