import {existsSync} from 'node:fs'
import {copyFile, mkdir, mkdtemp, rename, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {
  ChainRunner,
  type DataStep,
  newRecording,
  type Recording,
  type Reflection,
  type Refusal,
} from '../autogenerate/squash-recorder.js'
import {renderChanges} from '../autogenerate/render.js'
import {describeDataStep, differences, renderPath, schemaChanges} from '../autogenerate/squash-render.js'
import {withScratch} from '../autogenerate/scratch.js'
import type {Config} from '../config/config.js'
import type {Dialect} from '../dialects/dialect.js'
import {getDialect} from '../dialects/registry.js'
import {loadScript} from '../runtime/load-script.js'
import type {SessionOptions} from '../runtime/session.js'
import {type ScriptRevision, scriptChecksum} from '../script/script-directory.js'
import {brief} from '../sql/brief.js'
import {archiveFolder} from '../script/squashed.js'
import {createdAtOf, scriptFileName, typescriptScript} from '../script/templates.js'
import {ConfigError, DbManageError, RevisionError, ScriptError, UsageError} from '../util/errors.js'
import {chainOf, isOwnTable, oneChain} from './scripts.js'

/** What a squash does with the data steps of its range. */
export type DataMode = 'copy' | 'refuse'

export interface SquashOptions extends SessionOptions {
  /** `START:END`: the revisions to replace, both included. */
  readonly range: string
  readonly message?: string
  /** refuse (the default): a data step in the range stops the squash, named; copy: it is copied in order. */
  readonly data?: DataMode
  readonly dryRun?: boolean
  /** Where the replaced scripts go; `<script_location>/squashed/START_END` by default. */
  readonly archive?: string
  readonly now?: Date
  /** The revision each configured database is at, when it can be read: one inside the range stops the squash. */
  readonly applied?: (database: string) => Promise<null | string | undefined>
}

export interface SquashResult {
  readonly database: string
  readonly from: string
  readonly to: string
  /** The scripts replaced, in chain order. */
  readonly replaced: readonly string[]
  /** The squash's file name, and its path. */
  readonly fileName: string
  readonly path: string
  readonly archive: string
  /** The data steps copied, `FILE: statement` each. */
  readonly copied: readonly string[]
  /** Session statements (SET, PRAGMA, ANALYZE, ...) of the range left out. */
  readonly leftOut: readonly string[]
  readonly dryRun: boolean
  /** The squash's text. */
  readonly script: string
}

/** A squash refused: what in the range it cannot carry over. */
export class SquashRefused extends DbManageError {}

function named(r: Pick<Refusal, 'file' | 'statement'>): string {
  return `${r.file}: ${r.statement}`
}

/** START:END as positions of the chain (1 is the first revision), START before END. */
function rangeOf(spec: string, chain: readonly ScriptRevision[], position: (s: string) => number) {
  const parts = spec.split(':')
  if (parts.length !== 2 || !parts[0].trim() || !parts[1].trim())
    throw new UsageError(`squash ${spec}: expected START:END, two revisions of the chain (e.g. 001:040)`)
  const from = position(parts[0])
  const to = position(parts[1])
  if (from === 0 || to === 0)
    throw new UsageError(`squash ${spec}: base is not a revision; START is the first to replace`)
  if (from >= to)
    throw new UsageError(
      `squash ${spec}: START must come before END (${chain[from - 1].id} is ${from === to ? 'END itself' : 'after END'})`,
    )
  return {from, to}
}

/**
 * `db-manage squash START:END`: replace the revisions START..END with one
 * revision that keeps END's id (databases at END or past it have nothing to
 * do) and builds END's schema from START's parent, as autogenerate renders it:
 * the chain is run on a scratch database and read before START and at END.
 * Data steps (op.execute / .sql DML, op.bulkInsert) are copied in order after
 * the schema each ran on, or, by default, stop the squash, named. Before
 * anything is written, the squash itself is run on the scratch database, up
 * and down, and must give END's schema and the one before START.
 */
export async function squash(config: Config, options: SquashOptions): Promise<SquashResult> {
  const database = oneChain(config, 'squash')
  const {chain, dir} = await chainOf(config, database)
  const {from, to} = rangeOf(options.range, chain, (s) => dir.map.position(s))
  const range = chain.slice(from - 1, to)
  const [first, last] = [range[0], range.at(-1)!]
  const mode: DataMode = options.data ?? 'refuse'
  if (mode !== 'copy' && mode !== 'refuse') throw new UsageError(`--data ${String(mode)}: expected copy or refuse`)
  for (const d of config.databases.filter((x) => x.scriptLocation === database.scriptLocation)) {
    const current = await options.applied?.(d.name)
    const at = current ? chain.findIndex((r) => r.id === current) + 1 : 0
    if (at >= from && at < to) {
      throw new RevisionError(
        `squash ${first.id}:${last.id}: the database [${d.name}] is at ${current}, inside the range: upgrade it to ${last.id} first (or squash a range it is not inside)`,
      )
    }
  }

  const url = database.url
  if (!url)
    throw new ConfigError(
      `squash runs the chain on a scratch database of the dialect the squash is for: configure a connection for [${database.name}] or pass --url`,
    )
  const dialect = await getDialect(url.dialect)
  const asBatch = database.renderAsBatch || dialect.adapter.altersNeedBatch
  const message = options.message?.trim() || `squash of ${first.id} to ${last.id}`
  const fileName = scriptFileName(last.id, message, 'ts')
  const target = path.join(dir.location, fileName)
  const archive = path.resolve(options.archive ?? archiveFolder(dir.location, first.id, last.id))
  if (existsSync(archive)) throw new UsageError(`squash: ${archive} exists already; move it, or pass --archive DIR`)
  if (existsSync(target) && !range.some((s) => s.fileName === fileName))
    throw new UsageError(`squash: ${target} exists already and is not in the range; choose another message with -m`)

  const built = await withScratch(
    dialect,
    database,
    (options.lockTimeout ?? config.lockTimeout) * 1000,
    options.debug,
    async (connection) => {
      const runner = new ChainRunner(dialect, connection, (t) => !isOwnTable(database, t))
      for (const script of chain.slice(0, from - 1)) await runner.run(script, 'upgrade')
      const before = await runner.reflect()
      const up = newRecording()
      for (const script of range) await runner.run(script, 'upgrade', up)
      const at = await runner.reflect()
      // The chain's own downgrades, where every script has one: their data steps (a DELETE of rows an upgrade
      // added) then go into the squash's downgrade in the same way.
      const loaded = await Promise.all(range.map((s) => loadScript(s, dialect.name)))
      const down = loaded.every((l) => l.downgrade) ? newRecording() : undefined
      if (down) for (const script of [...range].reverse()) await runner.run(script, 'downgrade', down)

      refuse(
        `${first.id}:${last.id}`,
        [...up.refusals, ...(down?.refusals ?? [])],
        mode === 'refuse'
          ? [
              ...up.steps.map(({step}) => step),
              ...(down?.steps ?? []).map(({step}) => ({...step, file: `${step.file} (downgrade)`})),
            ]
          : [],
      )

      const body = squashBody(before, at, up, down, {asBatch, dialect})
      const header = {createdAt: createdAtOf(options.now), downRevision: first.downRevision, id: last.id, message}
      const script = squashScript(typescriptScript(header, body), {
        checksum: last.checksum,
        from: first.id,
        replaced: range.map((s) => s.fileName),
        to: last.id,
      })
      await verify(runner, script, {at, before, fileName, last, scratchAt: down ? 'before' : 'end'}, dialect)
      return {
        copied: up.steps.map(({step}) =>
          named({
            file: step.file,
            statement: describeDataStep(step),
          }),
        ),
        leftOut: up.leftOut.map(named),
        script,
      }
    },
  )

  if (!options.dryRun) await replace(chain.slice(0, from - 1), range, archive, target, built.script)
  return {
    ...built,
    archive,
    database: database.name,
    dryRun: Boolean(options.dryRun),
    fileName,
    from: first.id,
    path: target,
    replaced: range.map((s) => s.fileName),
    to: last.id,
  }
}

/**
 * Stop the squash, naming each step it cannot carry over (file and statement): what it never copies, then, with
 * --data refuse, the data steps.
 */
function refuse(range: string, refusals: readonly Refusal[], data: readonly DataStep[]): void {
  const seen = new Set<string>()
  const line = (file: string, statement: string) => `${file}: ${brief(statement, 100)}`
  const never = refusals
    .map((r) => `${line(r.file, r.statement)} (${r.why})`)
    .filter((l) => !seen.has(l) && seen.add(l))
  const steps = data.map((s) => line(s.file, describeDataStep(s))).filter((l) => !seen.has(l) && seen.add(l))
  if (never.length === 0 && steps.length === 0) return
  const parts = [
    ...(never.length > 0 ? [`it cannot carry over ${never.join('; ')}`] : []),
    ...(steps.length > 0
      ? [`the range has data steps: ${steps.join('; ')} (--data copy copies them into the squash, in order)`]
      : []),
  ]
  throw new SquashRefused(`cannot squash ${range}: ${parts.join('; and ')}; nothing was changed`)
}

/** The squash's upgrade and downgrade: one diff each way, or, around data steps, the diffs between them. */
function squashBody(
  before: Reflection,
  at: Reflection,
  up: Recording,
  down: Recording | undefined,
  options: {asBatch: boolean; dialect: Dialect},
): {downgrade: string; upgrade: string} {
  const {asBatch, dialect} = options
  const renamesOf = (r: Recording) => [...r.steps.map((s) => s.renames), r.renames]
  // No data step either way: exactly what autogenerate writes, the downgrade its reverse.
  if (up.steps.length === 0 && (down?.steps.length ?? 0) === 0)
    return renderChanges(schemaChanges(before, at, dialect, up.renames), {asBatch})
  const walk = (from: Reflection, r: Recording, to: Reflection) =>
    renderPath(
      [from, ...r.steps.map((s) => s.at), to],
      r.steps.map((s) => s.step),
      renamesOf(r),
      dialect,
      asBatch,
    )
  const upgrade = walk(before, up, at)
  if (down) return {downgrade: walk(at, down, before), upgrade}

  // A script of the range has no downgrade: the schema goes back, the data steps stay done.
  const states = [before, ...up.steps.map((s) => s.at), at]
  const renames = renamesOf(up)
  const parts: string[] = []
  for (let i = states.length - 1; i > 0; i--) {
    if (i <= up.steps.length) parts.push(`// NOT UNDONE: the data step of ${up.steps[i - 1].step.file}`)
    const code = renderChanges(schemaChanges(states[i - 1], states[i], dialect, renames[i - 1]), {asBatch}).downgrade
    if (code) parts.push(code)
  }

  return {downgrade: parts.join('\n'), upgrade}
}

/** The squash's header lines after createdAt, and a comment saying what it replaced, before its imports. */
function squashScript(
  text: string,
  squashed: {from: string; to: string; checksum: string; replaced: readonly string[]},
): string {
  const note = [
    `// Made by "db-manage squash ${squashed.from}:${squashed.to}": the schema at ${squashed.to}, built in one revision,`,
    `// in place of ${squashed.replaced.length} scripts, ${squashed.replaced[0]} to ${squashed.replaced.at(-1)}.`,
    '// squashed: the range it replaced; squashedChecksum: what databases at the old',
    `// ${squashed.to} recorded, which check_migration accepts for this script.`,
  ].join('\n')
  return `${note}\n${text.replace(
    /^(export const createdAt = .*)$/m,
    `$1\nexport const squashed = '${squashed.from}:${squashed.to}'\nexport const squashedChecksum = '${squashed.checksum}'`,
  )}`
}

/**
 * Run the squash on the scratch database, where the chain's run left it (at the schema before START when the
 * range's downgrades ran, else at END): it must give END's schema up, and the one before START down.
 */
async function verify(
  runner: ChainRunner,
  script: string,
  facts: {at: Reflection; before: Reflection; fileName: string; last: ScriptRevision; scratchAt: 'before' | 'end'},
  dialect: Dialect,
): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'db-manage-squash-'))
  const file = path.join(dir, facts.fileName)
  try {
    await writeFile(file, script)
    const candidate: ScriptRevision = {
      checksum: scriptChecksum(script),
      downRevision: null,
      fileName: facts.fileName,
      id: facts.last.id,
      kind: 'ts',
      message: '',
      path: file,
      slug: '',
      source: script,
    }
    const check = async (direction: 'downgrade' | 'upgrade', expected: Reflection) => {
      await runner.run(candidate, direction)
      const found = differences(await runner.reflect(), expected, dialect)
      if (found.length > 0)
        throw new ScriptError(
          `the squash's ${direction} does not give the schema it must (${found.join('; ')}); nothing was changed`,
        )
    }

    if (facts.scratchAt === 'before') {
      await check('upgrade', facts.at)
      await check('downgrade', facts.before)
    } else {
      await check('downgrade', facts.before)
      await check('upgrade', facts.at)
    }
  } finally {
    await rm(dir, {force: true, recursive: true})
  }
}

/**
 * Move the range's scripts to `archive`, with copies of the scripts before it, so that the archive is the chain from
 * base to END as it was (a database inside the range is taken to END with --script-location ARCHIVE), and write the
 * squash; on a failure, put back what was moved.
 */
async function replace(
  prefix: readonly ScriptRevision[],
  range: readonly ScriptRevision[],
  archive: string,
  target: string,
  script: string,
) {
  await mkdir(archive, {recursive: true})
  const moved: Array<[string, string]> = []
  try {
    for (const s of prefix) await copyFile(s.path, path.join(archive, s.fileName))
    for (const s of range) {
      const to = path.join(archive, s.fileName)
      await rename(s.path, to)
      moved.push([s.path, to])
    }

    await writeFile(target, script, {flag: 'wx'})
  } catch (error) {
    for (const [was, now] of moved.reverse()) await rename(now, was).catch(() => {})
    await rm(archive, {force: true, recursive: true}).catch(() => {})
    throw error
  }
}
