import {appliedCount, type Revision} from '../script/revision.js'
import type {ScriptRevision} from '../script/script-directory.js'
import type {HistoryRow} from './version-store.js'

const RECORDS_SCRIPT = new Set(['accept-edit', 'stamp', 'upgrade'])

/** How a row that recorded a script's checksum got there, in a message: applied, stamped, or accepted. */
const APPLIED_AS: Readonly<Record<string, string>> = {stamp: 'stamped', upgrade: 'applied'}

/**
 * For each revision the database holds now (the first `appliedCount` of the
 * chain), the latest row that recorded its checksum: what the script looked
 * like when it was applied, stamped or accepted.
 */
export function appliedRecords(
  chain: readonly Revision[],
  current: null | string,
  rows: readonly HistoryRow[],
): Map<string, HistoryRow> {
  const applied = new Set(chain.slice(0, appliedCount(chain, current)).map((r) => r.id))
  const latest = new Map<string, HistoryRow>()
  // A downgrade's row, or a step's in-progress mark (MySQL), says nothing of what is applied now.
  for (const row of rows)
    if (row.checksum !== null && RECORDS_SCRIPT.has(row.direction) && applied.has(row.revision))
      latest.set(row.revision, row)
  return latest
}

/**
 * The applied scripts of `chain` (the database is at `current`) against the
 * checksums `history` recorded: one line for each edited script, naming it,
 * when and by whom it was applied, and the command that accepts the edit.
 */
export function compareChecksums(
  chain: readonly ScriptRevision[],
  current: null | string,
  history: readonly HistoryRow[],
): {edited: string[]; matching: number; unknownChecksums: string[]} {
  const recorded = appliedRecords(chain, current, history)
  const edited: string[] = []
  const unknownChecksums: string[] = []
  let matching = 0
  for (const script of chain.slice(0, appliedCount(chain, current))) {
    const row = recorded.get(script.id)
    if (!row) {
      unknownChecksums.push(script.id)
    } else if (row.checksum === script.checksum || row.checksum === script.squashedChecksum) {
      // A squash keeps END's id: a database that applied END before the squash recorded the old script's checksum.
      matching++
    } else {
      edited.push(
        `${script.fileName} was edited after it was ${APPLIED_AS[row.direction] ?? 'accepted'}` +
          ` (${row.appliedAt} UTC by ${row.appliedBy ?? 'unknown'}): its checksum was ${row.checksum!.slice(0, 12)},` +
          ` it is ${script.checksum.slice(0, 12)} now; undo the edit,` +
          ` or accept it with "db-manage stamp --accept-edit ${script.id}"`,
      )
    }
  }

  return {edited, matching, unknownChecksums}
}
