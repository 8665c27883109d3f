import {mkdir, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {UsageError} from '../util/errors.js'

export const DEFAULT_CONFIG = `; db-manage configuration. Every value may use \${VAR} or \${VAR:-default}.

[db_manage]
; folder of revision scripts, relative to this file
script_location = migrations
; Alembic's table: a database Alembic or sahara-db-manage managed is taken over as it is
version_table = alembic_version
; commit each revision with its version update (false: one transaction for the whole run)
transaction_per_migration = true
revision_digits = 3
; seconds to wait for another run's migration lock
lock_timeout = 60
; target_schema = src/db/schema.ts

[database]
; sqlite:///path/relative/to/this/file, postgresql://user:\${DB_PASSWORD}@host:5432/db,
; mysql://user:\${DB_PASSWORD}@host:3306/db
connection = sqlite:///db-manage.sqlite
`

export interface InitResult {
  readonly configFile: string
  readonly scriptLocation: string
}

/** Write a db-manage.ini on the embedded SQLite default and an empty migrations/. Never overwrites. */
export async function init(directory: string): Promise<InitResult> {
  const dir = path.resolve(directory)
  const configFile = path.join(dir, 'db-manage.ini')
  const scriptLocation = path.join(dir, 'migrations')
  const existing = await readdir(scriptLocation).catch(() => [])
  if (existing.length > 0) throw new UsageError(`${scriptLocation} already exists and is not empty; not overwriting`)
  await mkdir(scriptLocation, {recursive: true})
  try {
    await writeFile(configFile, DEFAULT_CONFIG, {flag: 'wx'})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new UsageError(`${configFile} already exists; not overwriting`)
    throw new UsageError(`cannot write ${configFile}: ${(error as NodeJS.ErrnoException).code}`)
  }

  return {configFile, scriptLocation}
}
