import type {DialectName} from '../config/database-url.js'
import type {BatchOperation, Operation} from '../operations/nodes.js'

export type Severity = 'error' | 'info' | 'warning'

/** One rule: a stable id, how bad, where it applies, why, and what to do instead. */
export interface Rule {
  readonly id: string
  readonly severity: Severity
  readonly dialects: readonly DialectName[]
  readonly reason: string
  readonly fix: string
}

const ALL: readonly DialectName[] = ['postgresql', 'mysql', 'sqlite']

export const RULES: Readonly<Record<string, Rule>> = {
  DM101: {dialects: ALL, fix: 'keep the data until no code reads it (expand/contract), then drop it in a later release', id: 'DM101', reason: 'drops data that no downgrade can bring back', severity: 'error'},
  DM102: {dialects: ALL, fix: 'add it nullable or with a default, backfill, then set NOT NULL', id: 'DM102', reason: 'fails on a table that has rows', severity: 'error'},
  DM103: {dialects: ['postgresql'], fix: 'createIndex(..., {concurrently: true})', id: 'DM103', reason: 'CREATE INDEX blocks writes to the table for the whole build', severity: 'error'},
  DM104: {dialects: ['postgresql', 'mysql'], fix: 'add a new column, backfill it, switch the code, drop the old one', id: 'DM104', reason: 'rewrites the table under an exclusive lock (MySQL copies it)', severity: 'warning'},
  DM105: {dialects: ['postgresql'], fix: "add it NOT VALID (op.execute('ALTER TABLE ... ADD CONSTRAINT ... NOT VALID')), then VALIDATE CONSTRAINT in a later step", id: 'DM105', reason: 'validates every row while holding a lock that blocks writes', severity: 'warning'},
  DM106: {dialects: ALL, fix: 'expand/contract: add the new name, write both, switch the readers, drop the old one later', id: 'DM106', reason: 'the code still running during the deploy uses the old name', severity: 'warning'},
  DM107: {dialects: ['postgresql'], fix: "add a CHECK (col IS NOT NULL) NOT VALID, validate it, then SET NOT NULL (PostgreSQL 12+ uses the check and skips the scan)", id: 'DM107', reason: 'SET NOT NULL scans the whole table under an exclusive lock', severity: 'warning'},
  DM108: {dialects: ['postgresql'], fix: 'build a unique index CONCURRENTLY first, then ADD CONSTRAINT ... UNIQUE USING INDEX', id: 'DM108', reason: 'builds its unique index while blocking writes', severity: 'warning'},
  DM109: {dialects: ['sqlite'], fix: 'fine for small tables; for a large one, plan the time it takes', id: 'DM109', reason: 'batchAlterTable rebuilds the table, copying every row', severity: 'warning'},
  DM110: {dialects: ALL, fix: 'review the SQL by hand', id: 'DM110', reason: 'raw SQL is not analysed', severity: 'info'},
}

/** A finding before suppression: the rule and what it found. */
export interface Finding {
  readonly rule: string
  readonly message: string
}

/**
 * What the rules find in one revision's operations, given the tables the
 * revision itself creates (changes to those are harmless: they are empty).
 */
export function findings(operations: readonly Operation[], dialect: DialectName): Finding[] {
  const created = new Set<string>()
  const out: Finding[] = []
  const add = (rule: string, message: string) => {
    if (RULES[rule].dialects.includes(dialect)) out.push({message, rule})
  }

  let raw = 0
  const visit = (op: BatchOperation | Operation, inBatch: boolean): void => {
    const existing = 'table' in op && typeof op.table === 'string' && !created.has(op.table)
    switch (op.kind) {
      case 'createTable': {
        created.add(op.table)
        break
      }

      case 'dropTable': {
        add('DM101', `drop table ${op.table}`)
        break
      }

      case 'dropColumn': {
        add('DM101', `drop column ${op.table}.${op.column}`)
        break
      }

      case 'addColumn': {
        const c = op.column
        if (existing && (c.nullable === false || c.primaryKey) && c.default === undefined && !c.autoincrement) add('DM102', `add NOT NULL column ${op.table}.${c.name} without a default`)
        break
      }

      case 'createIndex': {
        if (existing && !op.concurrently) add('DM103', `create index ${op.name} on existing table ${op.table} without concurrently`)
        break
      }

      case 'alterColumn': {
        if (!existing) break
        if (op.type !== undefined) add('DM104', `change the type of ${op.table}.${op.column} to ${op.type}`)
        if (op.newName !== undefined) add('DM106', `rename column ${op.table}.${op.column} to ${op.newName}`)
        if (op.nullable === false && op.existingNullable !== false) add('DM107', `set ${op.table}.${op.column} NOT NULL`)
        break
      }

      case 'recreateEnumType': {
        // Each column is converted to the new type: a rewrite under an exclusive lock, as a change of type is.
        for (const c of op.columns) if (!created.has(c.table)) add('DM104', `change the type of ${c.table}.${c.column} to the recreated enum ${op.name}`)
        break
      }

      case 'createForeignKey':
      case 'createCheckConstraint': {
        if (existing) add('DM105', `add ${op.kind === 'createForeignKey' ? 'foreign key' : 'check'} ${op.name} on existing table ${op.table}`)
        break
      }

      case 'createUniqueConstraint': {
        if (existing) add('DM108', `add unique constraint ${op.name} on existing table ${op.table}`)
        break
      }

      case 'renameTable': {
        add('DM106', `rename table ${op.table} to ${op.newName}`)
        break
      }

      case 'batchAlterTable': {
        if (existing && !inBatch) add('DM109', `batchAlterTable rebuilds existing table ${op.table}`)
        for (const inner of op.operations) visit(inner, true)
        break
      }

      case 'execute': {
        raw++
        break
      }

      default: {
        break
      }
    }
  }

  for (const op of operations) visit(op, false)
  if (raw > 0) add('DM110', `${raw} raw SQL statement${raw === 1 ? '' : 's'} (op.execute or a .sql script)`)
  return out
}
