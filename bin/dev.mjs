#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly (development). The package's folder is given as oclif's root: bin/ has its own
// package.json.
import {execute} from '@oclif/core'
import {fileURLToPath} from 'node:url'

import {hoistGlobalFlags} from '../src/boot/argv.ts'

await execute({
  args: hoistGlobalFlags(process.argv.slice(2)),
  development: true,
  dir: fileURLToPath(new URL('..', import.meta.url)),
})
