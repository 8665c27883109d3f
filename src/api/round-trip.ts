import type {Config} from '../config/config.js'
import {withScratch} from '../autogenerate/scratch.js'
import {compareSnapshots} from '../autogenerate/snapshot.js'
import {getDialect} from '../dialects/registry.js'
import {loadScript} from '../runtime/load-script.js'
import {onlineContext} from '../runtime/migration-context.js'
import {enterSchemas, readTables} from '../autogenerate/schemas.js'
import {sessionOn} from '../runtime/session.js'
import {loadObjectScript} from '../runtime/load-object-script.js'
import type {MigrationFunction} from '../runtime/load-script.js'
import {planObjectSteps} from '../runtime/object-steps.js'
import {planSteps, type Step} from '../runtime/step.js'
import {type ObjectScript, readRepeatables} from '../script/object-scripts.js'
import {ConfigError, errorMessage} from '../util/errors.js'
import {chainOf, isOwnTable} from './scripts.js'
import {eachDatabase} from './fleet.js'

export interface RoundTripResult {
  readonly database: string
  /** Revisions whose downgrade was run and compared. */
  readonly checked: readonly string[]
  /** Scripts without downgrade(), which could not be round-tripped. */
  readonly withoutDowngrade: readonly string[]
  /** The first revision whose downgrade does not restore the schema, and how, when one does not. */
  readonly problem?: string
  /** How many repeatable objects were applied at head after the round trip (a failing one is the problem). */
  readonly repeatables?: number
}

/**
 * check_migration --round-trip: on a scratch database (SQLite in memory, a
 * temporary database on the server otherwise), for every revision from base
 * (or from `from`) to head: upgrade, reflect, downgrade, reflect, upgrade
 * again. After each downgrade the schema must equal the one before that
 * upgrade, read by the same reflection autogenerate uses. It stops at the
 * first revision that fails, naming it and the difference.
 */
export async function roundTrip(
  config: Config,
  options: {from?: string; debug?: (line: string) => void} = {},
): Promise<RoundTripResult[]> {
  return eachDatabase(config, async (database) => {
    const {chain, dir} = await chainOf(config, database)
    const repeatables = readRepeatables(database.scriptLocation)
    const url = database.url
    if (!url)
      throw new ConfigError(
        `check_migration --round-trip needs a dialect and a server for its scratch database: configure a connection for [${database.name}] or pass --url`,
      )
    const dialect = await getDialect(url.dialect)
    const start = options.from === undefined ? 1 : dir.map.position(options.from)
    const checked: string[] = []
    const withoutDowngrade: string[] = []
    const problem = await withScratch(
      dialect,
      database,
      config.lockTimeout * 1000,
      options.debug,
      async (connection) => {
        await enterSchemas(dialect, connection, database.schemas)
        const session = sessionOn(connection, dialect, database)
        // A scratch database is new: neither table is there.
        await session.versions.ensure({historyTable: false, versionTable: false})
        const context = onlineContext(session, true)
        const reader = dialect.introspector(connection)
        const reflect = async () => ({
          domains: await reader.domains(),
          enums: await reader.enums(),
          // Extensions and virtual tables are not compared by the round trip (as before).
          extensions: [],
          objects: await reader.objects(),
          virtualTables: [],
          tables: (await readTables(dialect, connection, database.schemas)).filter(
            (t) => !isOwnTable(database, t.name),
          ),
        })
        for (const [i, script] of chain.entries()) {
          const [up] = planSteps(chain, i, i + 1)
          const loaded = await loadScript(script)
          const before = await reflect()
          await context.run([up], new Map([[up, loaded.upgrade!]]))
          if (i + 1 < start) continue
          if (!loaded.downgrade) {
            withoutDowngrade.push(script.fileName)
            continue
          }

          const [down] = planSteps(chain, i + 1, i)
          await context.run([down], new Map([[down, loaded.downgrade]]))
          const after = await reflect()
          // One comparison with autogenerate's and diff's (snapshot.ts): views, routines and triggers too, so a
          // downgrade that leaves a view dropped does not restore the schema.
          const differences = compareSnapshots(after, before, {dialect: dialect.name})
            .filter((c) => c.upgrade)
            .map((c) => c.description)
          if (differences.length > 0)
            return (
              `${script.fileName}: its downgrade does not restore the schema it started from` +
              ` (to get back: ${differences.join('; ')})`
            )
          await context.run([up], new Map([[up, loaded.upgrade!]]))
          checked.push(script.id)
        }

        // At head, every repeatable object applies in its order: one that fails is the check's problem.
        const objects = planObjectSteps(
          repeatables.map((o) => ({script: o, state: 'new'})),
          chain.at(-1)?.id ?? null,
        )
        try {
          const functions = new Map<Step, MigrationFunction>()
          for (const step of objects)
            functions.set(step, (await loadObjectScript(step.script as ObjectScript, dialect.name)).upgrade!)
          await context.run(objects, functions)
        } catch (error) {
          return errorMessage(error)
        }

        return undefined
      },
    )
    return {checked, problem, withoutDowngrade, ...(repeatables.length > 0 && {repeatables: repeatables.length})}
  })
}
