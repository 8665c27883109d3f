import * as Flags from '@oclif/core/flags'
import {closeSync, existsSync, openSync, statSync, writeSync} from 'node:fs'
import path from 'node:path'
import {StringDecoder} from 'node:string_decoder'

import {joinOffline, type OfflineResult} from '../api/offline.js'
import type {Config} from '../config/config.js'
import type {SqlSpool} from '../runtime/sql-spool.js'
import {DIALECT_NAMES} from '../util/dialect-names.js'
import {UsageError} from '../util/errors.js'

export const offlineFlags = {
  dialect: Flags.string({
    dependsOn: ['sql'],
    helpGroup: 'OFFLINE',
    options: [...DIALECT_NAMES],
    summary: "With --sql: the SQL dialect to write (default: the connection URL's).",
  }),
  'no-version-table': Flags.boolean({
    dependsOn: ['sql'],
    helpGroup: 'OFFLINE',
    env: 'DB_MANAGE_NO_VERSION_TABLE',
    summary: 'With --sql: leave out every version-table statement (clean SQL for replicated tables).',
  }),
  'output-file': Flags.string({
    char: 'o',
    dependsOn: ['sql'],
    helpGroup: 'OFFLINE',
    summary: 'With --sql: write the SQL to this file instead of stdout.',
  }),
  sql: Flags.boolean({
    env: 'DB_MANAGE_SQL',
    helpGroup: 'OFFLINE',
    summary: 'Write the SQL instead of running it (offline mode; no connection is made).',
  }),
}

/**
 * Several databases' SQL is never mixed by accident in one text (a file run
 * on one of them would run the others' too): without --db choosing them,
 * `--sql` over several databases needs `-o DIR`, which gets one file each.
 * Checked before anything is rendered.
 */
export function checkOfflineTargets(
  config: Config,
  flags: {db?: string; 'output-file'?: string},
  command: string,
): void {
  const names = config.databases.map((d) => d.name)
  if (names.length <= 1 || flags.db !== undefined) return
  const list = `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}`
  if (flags['output-file'] === undefined) {
    throw new UsageError(
      `${command} --sql would write the SQL of ${names.length} databases (${list}) as one text: choose one with --db NAME, or give -o DIR for one file per database`,
    )
  }

  if (!isFolder(flags['output-file'])) {
    throw new UsageError(
      `${command} --sql -o ${flags['output-file']}: ${names.length} databases (${list}) need a folder, one file each (-o ${flags['output-file'].replace(/\.sql$/, '')}/), or --db NAME`,
    )
  }
}

function isFolder(target: string): boolean {
  return /[\\/]$/.test(target) || (existsSync(target) && statSync(target).isDirectory())
}

/**
 * Write offline SQL: to stdout, to the --output-file with a note on stderr,
 * or, for several databases and -o DIR, to DIR/NAME.sql each (a fleet's
 * tenant NAME/TENANT to DIR/NAME/TENANT.sql).
 */
export async function writeOffline(
  results: readonly OfflineResult[],
  config: Config,
  file: string | undefined,
  log: (text: string) => void,
): Promise<void> {
  try {
    if (results.some((r) => r.spool)) {
      await writeSpooled(results, config, file)
      return
    }

    if (results.length <= 1 || file === undefined || !isFolder(file)) {
      await writeSql(joinOffline(results, config.nameEach), file, log)
      return
    }

    const {mkdir} = await import('node:fs/promises')
    for (const r of results) {
      const target = path.join(file, `${r.database}.sql`)
      await mkdir(path.dirname(target), {recursive: true})
      await writeSql(r.sql, target, log)
    }
  } finally {
    for (const r of results) r.spool?.remove()
  }
}

/**
 * writeOffline for results rendered to spools (api/offline.ts): the same bytes where writeSql would put them,
 * copied from each spool in chunks, never the whole text in memory.
 */
async function writeSpooled(results: readonly OfflineResult[], config: Config, file: string | undefined) {
  type Piece = string | SqlSpool
  const piecesOf = (r: OfflineResult): Piece[] => [r.spool ?? r.sql]
  if (file !== undefined && results.length > 1 && isFolder(file)) {
    const {mkdir} = await import('node:fs/promises')
    for (const r of results) {
      const target = path.join(file, `${r.database}.sql`)
      await mkdir(path.dirname(target), {recursive: true})
      await writeFilePieces(target, piecesOf(r))
    }

    return
  }

  const named = config.nameEach
  const pieces = results.flatMap((r) => (named ? [`-- Database: ${r.database}\n\n`, ...piecesOf(r)] : piecesOf(r)))
  if (file !== undefined) {
    await writeFilePieces(file, pieces)
    return
  }

  // As writeSql's log(): the text, and a line break after it unless it ends with one.
  const decoder = new StringDecoder('utf8')
  let last = ''
  const write = async (text: string) => {
    if (text.length === 0) return
    last = text.at(-1)!
    await new Promise<void>((resolve, reject) => {
      process.stdout.write(text, (error) => (error ? reject(error) : resolve()))
    })
  }

  for (const piece of pieces) {
    if (typeof piece === 'string') await write(piece)
    else await piece.copyTo((chunk) => write(decoder.write(chunk)))
  }

  await write(decoder.end())
  if (last !== '' && last !== '\n') await write('\n')
}

/** Write `pieces` to `file` (created or emptied, as writeFile does), and say so on stderr. */
async function writeFilePieces(file: string, pieces: ReadonlyArray<string | SqlSpool>): Promise<void> {
  const fd = openSync(file, 'w')
  let bytes = 0
  const write = (chunk: Uint8Array) => {
    for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at)
    bytes += chunk.length
  }

  try {
    for (const piece of pieces) {
      if (typeof piece === 'string') write(Buffer.from(piece))
      else await piece.copyTo(write)
    }
  } finally {
    closeSync(fd)
  }

  process.stderr.write(`Wrote ${bytes} bytes of SQL to ${file}\n`)
}

/** Write offline SQL to stdout, or to the --output-file with a note on stderr. */
export async function writeSql(sql: string, file: string | undefined, log: (text: string) => void): Promise<void> {
  if (file === undefined) {
    if (sql) log(sql.replace(/\n$/, ''))
    return
  }

  const {writeFile} = await import('node:fs/promises')
  await writeFile(file, sql)
  process.stderr.write(`Wrote ${Buffer.byteLength(sql)} bytes of SQL to ${file}\n`)
}
