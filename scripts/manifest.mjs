// Generates oclif.manifest.json from the built commands with @oclif/core's own
// Plugin loader (the same code path as the `oclif manifest` tool), so the
// manifest never needs writing by hand. `--check` compares instead of writing.
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {Plugin} from '@oclif/core'

const root = path.resolve(fileURLToPath(import.meta.url), '../..')
const plugin = new Plugin({
  errorOnManifestCreate: true,
  ignoreManifest: true,
  respectNoCacheDefault: true,
  root,
  type: 'core',
})
await plugin.load()
const text = JSON.stringify(plugin.manifest, null, 2) + '\n'
const file = path.join(root, 'oclif.manifest.json')
if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '')
  if (current !== text) {
    console.error('oclif.manifest.json is stale: run "npm run build && npm run manifest" and commit it')
    process.exit(1)
  }
} else {
  await writeFile(file, text)
  console.log(`wrote ${path.relative(process.cwd(), file)} (${Object.keys(plugin.manifest.commands).length} commands)`)
}
