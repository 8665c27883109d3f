import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {type Change} from '../autogenerate/change.js'
import {renderChanges} from '../autogenerate/render.js'
import {reflectTarget} from '../autogenerate/scratch.js'
import {compareSnapshots, objectInScope} from '../autogenerate/snapshot.js'
import {readTables} from '../autogenerate/schemas.js'
import type {Config, DatabaseConfig} from '../config/config.js'
import type {TableSchema} from '../model/table-schema.js'
import type {ObjectSchema} from '../model/object-schema.js'
import {readCurrent, type SessionOptions, withSession} from '../runtime/session.js'
import {createdAtOf, scriptFileName, typescriptScript} from '../script/templates.js'
import {ConfigError, RevisionError, ScriptError, UsageError} from '../util/errors.js'
import {chainOf, isOwnTable} from './scripts.js'
import {eachDatabase} from './fleet.js'

export interface DiffOptions extends SessionOptions {
  /** A target with no tables may drop every table of the database (--allow-empty-target). */
  readonly allowEmptyTarget?: boolean
  /** OLD=NEW */
  readonly renameTables?: readonly string[]
  /** TABLE.OLD=NEW */
  readonly renameColumns?: readonly string[]
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replaceAll(/[$()+.?[\\\]^{|}]/g, String.raw`\$&`))
      .join('.*')}$`,
  )
}

/** `{view: 2, trigger: 1}`: objects counted by kind, for the "not compared" line. */
function countByKind(objects: readonly ObjectSchema[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const o of objects) counts[o.kind] = (counts[o.kind] ?? 0) + 1
  return counts
}

/** Tables autogenerate looks at: not db-manage's own, and as include_tables / exclude_tables say. */
export function inScope(database: DatabaseConfig): (table: Pick<TableSchema, 'name'>) => boolean {
  const include = database.includeTables.map(globToRegExp)
  const exclude = database.excludeTables.map(globToRegExp)
  return (t) =>
    !isOwnTable(database, t.name) &&
    (include.length === 0 || include.some((r) => r.test(t.name))) &&
    !exclude.some((r) => r.test(t.name))
}

function parseRenames(renameTables: readonly string[] = [], renameColumns: readonly string[] = []) {
  const tables = new Map<string, string>()
  for (const r of renameTables) {
    const m = /^([^=]+)=([^=]+)$/.exec(r)
    if (!m) throw new UsageError(`--rename-table ${r}: expected OLD=NEW`)
    tables.set(m[1], m[2])
  }

  const columns = new Map<string, Map<string, string>>()
  for (const r of renameColumns) {
    const m = /^([^=]+)\.([^=.]+)=([^=.]+)$/.exec(r)
    if (!m) throw new UsageError(`--rename-column ${r}: expected TABLE.OLD=NEW`)
    const map = columns.get(m[1]) ?? new Map<string, string>()
    map.set(m[2], m[3])
    columns.set(m[1], map)
  }

  return {columns, tables}
}

/** What the database (at head) lacks compared with the target schema. */
export async function diffDatabase(
  config: Config,
  database: DatabaseConfig,
  options: DiffOptions = {},
): Promise<{asBatch: boolean; changes: Change[]; head: null | string; notCompared: Record<string, number>}> {
  if (!database.targetSchema)
    throw new ConfigError(
      `autogenerate needs target_schema in [db_manage] (or in [${database.name === 'default' ? 'database' : `database:${database.name}`}]) of ${config.file}`,
    )
  const {chain} = await chainOf(config, database)
  const head = chain.at(-1)?.id ?? null
  const renames = parseRenames(options.renameTables, options.renameColumns)
  return withSession(config, database, options, async (session) => {
    const current = await readCurrent(session)
    if (current !== head) {
      throw new RevisionError(
        `the database is at ${current ?? 'base'} but the head is ${head ?? 'base'}: run "db-manage upgrade head" before autogenerating`,
      )
    }

    let queries = 0
    const counting = {
      close: session.connection.close,
      async query(sql: string, params?: readonly unknown[]) {
        queries++
        return session.connection.query(sql, params)
      },
    }
    const keep = inScope(database)
    const reader = session.dialect.introspector(counting)
    // The target is built in its scratch database (its own connections) while the live catalog is read, and the
    // scratch database is dropped while the two are compared: the server works while Node does. An error of the
    // live read is still the one reported, after the scratch database is gone.
    let dropping: Promise<void> = Promise.resolve()
    const reflecting = reflectTarget(
      session.dialect,
      database,
      (options.lockTimeout ?? config.lockTimeout) * 1000,
      options.debug,
      (d) => {
        dropping = d
      },
    )
    reflecting.catch(() => {})
    const readLive = async () => {
      const tables = (await readTables(session.dialect, counting, database.schemas)).filter(keep)
      const enums = await reader.enums()
      const domains = await reader.domains()
      const virtualTables = await reader.virtualTables()
      const extensions = await reader.extensions()
      const objects = (await reader.objects()).filter(objectInScope(keep))
      return {domains, enums, extensions, objects, tables, virtualTables}
    }

    let liveRead: Awaited<ReturnType<typeof readLive>>
    try {
      liveRead = await readLive()
    } catch (error) {
      await reflecting.catch(() => {})
      await dropping.catch(() => {})
      throw error
    }

    const {domains: liveDomains, enums: liveEnums, extensions: liveExtensions, objects: liveObjects} = liveRead
    const {tables: live, virtualTables: liveVirtual} = liveRead
    options.debug?.(`autogenerate: read ${live.length} table(s) of ${database.name} with ${queries} catalog queries`)
    const target = await reflecting
    try {
      const targetTables = target.tables.filter(keep)
      if (targetTables.length === 0 && live.length > 0 && !options.allowEmptyTarget) {
        throw new UsageError(
          `target_schema ${database.targetSchema} holds no tables while the database has ${live.length}: refusing to write a migration that drops them all (a dump's search_path, or the wrong file?); pass --allow-empty-target if that is what you mean`,
        )
      }

      const changes = compareSnapshots(
        {
          domains: liveDomains,
          enums: liveEnums,
          extensions: liveExtensions,
          // A module target that declares no views or objects says nothing of them: they are counted, not compared.
          objects: target.objectsDeclared ? liveObjects : [],
          tables: live,
          virtualTables: liveVirtual.filter(keep),
        },
        {
          ...target,
          objects: target.objects.filter(objectInScope(keep)),
          tables: targetTables,
          virtualTables: target.virtualTables.filter(keep),
        },
        {
          dialect: session.dialect.name,
          inlineCycleKeys: session.dialect.adapter.altersNeedBatch,
          renameColumns: renames.columns,
          renameTables: renames.tables,
          columnBytes: session.dialect.adapter.columnBytes,
          foreignKeysNeedIndexes: session.dialect.adapter.foreignKeysNeedIndexes,
        },
      )
      return {
        asBatch: database.renderAsBatch || session.dialect.adapter.altersNeedBatch,
        changes,
        head,
        notCompared: target.objectsDeclared ? target.uncompared : {...target.uncompared, ...countByKind(liveObjects)},
      }
    } finally {
      await dropping
    }
  })
}

export interface AutogenerateResult {
  readonly database: string
  readonly changes: readonly string[]
  /** What the target holds that autogenerate does not compare, by kind (views, functions, triggers, ...). */
  readonly notCompared: Readonly<Record<string, number>>
  /** The script written, or undefined when there was nothing to write. */
  readonly path?: string
  /** What the script's downgrade cannot give back as it was (its DATA LOSS comments there). */
  readonly downgradeNotes?: readonly string[]
  /** Columns that narrow, in either direction: what may be refused or cut (the script's NARROWS comments). */
  readonly narrowingNotes?: ReadonlyArray<{readonly direction: 'downgrade' | 'upgrade'; readonly note: string}>
}

/** revision --autogenerate: write the migration that makes the database match the target schema. */
export async function autogenerate(
  config: Config,
  options: DiffOptions & {message: string; now?: Date},
): Promise<AutogenerateResult[]> {
  const message = options.message.trim()
  if (!message) throw new ScriptError('a revision needs a message: -m "what it does"')
  if (config.databases.length > 1) {
    throw new UsageError(
      `revision --autogenerate compares one database with its target: choose one with --db (${config.databases.map((d) => d.name).join(', ')})`,
    )
  }

  return eachDatabase(config, async (database) => {
    const {asBatch, changes, head, notCompared} = await diffDatabase(config, database, options)
    if (changes.length === 0) return {changes: [], notCompared}
    const {dir} = await chainOf(config, database)
    const id = dir.map.nextId()
    const createdAt = createdAtOf(options.now)
    const file = path.join(database.scriptLocation, scriptFileName(id, message, 'ts'))
    await writeFile(
      file,
      typescriptScript({createdAt, downRevision: head, id, message}, renderChanges(changes, {asBatch})),
      {flag: 'wx'},
    )
    const downgradeNotes = changes.filter((c) => c.downgradeNote !== undefined).map((c) => c.downgradeNote!)
    const described = changes.filter((c) => c.upgrade).map((c) => c.description)
    const narrowingNotes = changes.flatMap((c) =>
      (['upgrade', 'downgrade'] as const).flatMap((direction) => {
        const note = c.narrows?.[direction]
        return note === undefined ? [] : [{direction, note}]
      }),
    )
    return {
      changes: described,
      notCompared,
      path: file,
      ...(downgradeNotes.length > 0 ? {downgradeNotes} : {}),
      ...(narrowingNotes.length > 0 ? {narrowingNotes} : {}),
    }
  })
}

/** check_migration --autogenerate: the differences, empty when the database at head matches the target. */
export async function checkAutogenerate(
  config: Config,
  options: DiffOptions = {},
): Promise<Array<{database: string; changes: string[]; notCompared: Record<string, number>}>> {
  return eachDatabase(config, async (database) => {
    const {changes, notCompared} = await diffDatabase(config, database, options)
    // What the database lacks: steps that only restore things on downgrade are not differences.
    return {changes: changes.filter((c) => c.upgrade).map((c) => c.description), notCompared}
  })
}
