import {readFileSync} from 'node:fs'

/**
 * The index of a compiled-script cache file (src/boot/script-cache.ts, format 3): a header line, the index's
 * length, the index (JSON: each entry's offset, length, sha1, plain flag and noted facts), then the code.
 */
export function cacheIndex(file: string): {entries: Record<string, [number, number, string, 0 | 1, unknown?]>} {
  const bytes = readFileSync(file)
  const magic = 'db-manage scripts 3\n'
  if (bytes.toString('latin1', 0, magic.length) !== magic) throw new Error(`${file}: not a format-3 script cache`)
  const length = bytes.readUInt32LE(magic.length)
  return JSON.parse(bytes.toString('utf8', magic.length + 4, magic.length + 4 + length))
}

/** The index of the scripts' V8 code file beside it (`.json.v8`): the Node build, each script's place by checksum. */
export function v8Index(file: string): {build: string; scripts: Record<string, [number, number, string]>} {
  const bytes = readFileSync(file)
  const magic = 'db-manage v8 code 2\n'
  if (bytes.toString('latin1', 0, magic.length) !== magic) throw new Error(`${file}: not a V8 code file`)
  const length = bytes.readUInt32LE(magic.length)
  return JSON.parse(bytes.toString('utf8', magic.length + 4, magic.length + 4 + length))
}
