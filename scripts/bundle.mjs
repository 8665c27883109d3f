// Bundles the CLI (dist/, which tsc built) into dist/bundle/: the build itself is src/boot/bundle.ts.
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {bundleCli} from '../dist/boot/bundle.js'

await bundleCli(path.resolve(fileURLToPath(import.meta.url), '../..'))
