import type {ColumnSchema} from '../model/table-schema.js'
import type {AlterColumnOptions, ColumnSequence} from '../operations/nodes.js'

type Sequence = NonNullable<ColumnSchema['sequence']>

/** A reflected sequence as a script states it: its name alone when it is serial's own (the column's type, owned). */
export function sequenceOption(c: ColumnSchema): ColumnSequence | string | undefined {
  const s = c.sequence
  if (!s) return undefined
  const as = s.type.toLowerCase() === c.type.toLowerCase() ? undefined : s.type
  if (as === undefined && s.owned) return s.name
  return {name: s.name, ...(as === undefined ? {} : {as}), ...(s.owned ? {} : {owned: false})}
}

export function sameSequence(a: Sequence | undefined, b: Sequence | undefined): boolean {
  return a?.name === b?.name && a?.type === b?.type && a?.owned === b?.owned
}

/**
 * How an autoincrement column changes the way it is numbered (PostgreSQL):
 * turned on (by an identity, or a sequence when the target has one), turned
 * off, switched between identity and sequence or to another sequence, or an
 * identity's kind changed. The sequence it has now is named, so the change
 * drops it or carries its value over.
 */
export function numberingChange(from: ColumnSchema, to: ColumnSchema): Numbering {
  const kind = to.identity === 'always' ? {identity: 'always' as const} : {}
  const existing = from.sequence ? {existingSequence: from.sequence.name} : {}
  const sequence = to.sequence ? {sequence: sequenceOption(to)} : {sequence: null, ...kind}
  if (Boolean(from.autoincrement) !== Boolean(to.autoincrement)) {
    if (!to.autoincrement) return {autoincrement: false, ...existing}
    return {autoincrement: true, ...(to.sequence ? sequence : kind)}
  }

  if (!to.autoincrement) return {}
  if (!sameSequence(from.sequence, to.sequence)) return {...existing, ...sequence}
  if ((from.identity === 'always') === (to.identity === 'always')) return {}
  return {identity: to.identity === 'always' ? 'always' : 'by default'}
}

type Numbering = Pick<AlterColumnOptions, 'autoincrement' | 'existingSequence' | 'identity' | 'sequence'>
