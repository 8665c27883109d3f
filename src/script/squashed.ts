import {existsSync} from 'node:fs'
import path from 'node:path'

import {describe, type Revision} from './revision.js'

/** Where `db-manage squash` moves the scripts of a range it replaces: `<script_location>/squashed/START_END`. */
export function archiveFolder(location: string, from: string, to: string): string {
  return path.join(location, 'squashed', `${from}_${to}`)
}

/** The line for a database at `current` when a squash of the chain in `location` replaced it, else undefined. */
export function squashedMessage(
  revisions: readonly Revision[],
  current: string,
  location?: string,
): string | undefined {
  const squash = squashedInto(revisions, current)
  if (!squash) return undefined
  const range = squashRange(squash)!
  const archive = location === undefined ? undefined : archiveFolder(location, range.from, range.to)
  return insideSquash(current, squash, archive !== undefined && existsSync(archive) ? archive : undefined)
}

/** A squash's range, `START:END` as its header says, or undefined for a revision that is no squash. */
export function squashRange(rev: Revision): undefined | {from: string; to: string} {
  const m = rev.squashed === undefined ? null : /^\s*(\w+)\s*:\s*(\w+)\s*$/.exec(rev.squashed)
  return m ? {from: m[1], to: m[2]} : undefined
}

/** `a` before `b` in a chain of ids: as numbers when both are, else as text of one width. */
function before(a: string, b: string): boolean {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) < Number(b)
  return a.length === b.length && a < b
}

/** The squash that replaced revision `id` (one of START..END before END), if one did. */
export function squashedInto(revisions: readonly Revision[], id: string): Revision | undefined {
  return revisions.find((rev) => {
    const range = squashRange(rev)
    return range !== undefined && !before(id, range.from) && before(id, rev.id)
  })
}

/**
 * One line for a database at a revision a squash replaced: where it stands, and the two ways on (with the scripts
 * from before the squash, or a stamp when its schema is END's already).
 */
export function insideSquash(current: string, squash: Revision, archive?: string): string {
  const range = squashRange(squash)!
  const relative = archive && path.relative(process.cwd(), archive)
  const shown = relative && !relative.startsWith('..') ? relative : archive
  const how = shown
    ? `"db-manage upgrade ${squash.id} --script-location ${shown}" (the chain as it was)`
    : 'the scripts from before the squash'
  return (
    `the database is at revision ${current}, which ${describe(squash)} replaced (squash of ${range.from}:${range.to}):` +
    ` take it to ${squash.id} with ${how}, then run db-manage again;` +
    ` or, if its schema is ${squash.id}'s already, run "db-manage stamp ${squash.id}"`
  )
}
