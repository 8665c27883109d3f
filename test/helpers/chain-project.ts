import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {tempProject} from './cli.js'

/**
 * A temporary project whose chain is `scripts` (001, 002, ...), each [upgrade body, downgrade body] of a plain
 * JavaScript-typed script; its configured database is a SQLite file nobody uses (tests pass --url).
 */
export function chainProject(scripts: ReadonlyArray<readonly [string, string]>): string {
  const dir = tempProject()
  mkdirSync(path.join(dir, 'migrations'))
  writeFileSync(
    path.join(dir, 'db-manage.ini'),
    '[db_manage]\nscript_location = migrations\n[database]\nconnection = sqlite:///unused.sqlite\n',
  )
  for (const [i, [up, down]] of scripts.entries()) {
    const id = String(i + 1).padStart(3, '0')
    const previous = i === 0 ? 'null' : `'${String(i).padStart(3, '0')}'`
    writeFileSync(
      path.join(dir, 'migrations', `${id}_r.ts`),
      [
        `export const revision = '${id}'`,
        `export const downRevision = ${previous}`,
        `export const message = 'r${id}'`,
        `export async function upgrade(op) {\n${up}\n}`,
        `export async function downgrade(op) {\n${down}\n}`,
        '',
      ].join('\n'),
    )
  }

  return dir
}
