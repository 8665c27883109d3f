import type {Operation} from './nodes.js'

/**
 * The operation that undoes `op`, as Alembic's ops know their `reverse()`:
 * a create is undone by its drop, a rename by the rename back, a column
 * change (which states what it changes from: existingType, existingNullable,
 * ...) by the change back. A drop is not reversible from the drop alone (it
 * does not carry what it dropped): write the create, and use its reverse as
 * the drop. Anything else is an error, never a guess.
 */
export function reverse(op: Operation): Operation {
  switch (op.kind) {
    case 'createTable': {
      // A sequence a column is numbered by but does not own (not serial's) outlives DROP TABLE: it goes too.
      const sequences = op.columns.flatMap((c) => {
        const s = c.autoincrement ? c.sequence : undefined
        return typeof s === 'object' && s.owned === false ? [s.name] : []
      })
      return {kind: 'dropTable', table: op.table, ...(sequences.length > 0 ? {sequences} : {})}
    }

    case 'renameTable': {
      return {kind: 'renameTable', newName: op.table, table: op.newName}
    }

    case 'addColumn': {
      return {column: op.column.name, kind: 'dropColumn', table: op.table}
    }

    case 'alterColumn': {
      if (
        op.type !== undefined ||
        op.nullable !== undefined ||
        op.default !== undefined ||
        op.collation !== undefined ||
        op.comment !== undefined ||
        op.onUpdateDefault !== undefined ||
        op.autoincrement !== undefined ||
        op.identity !== undefined ||
        op.sequence !== undefined
      ) {
        throw new Error(
          `cannot reverse a change of column ${op.table}.${op.column} other than a rename: write both directions`,
        )
      }

      // A rename: the same column, called back by its old name; what it holds is unchanged.
      return {...op, column: op.newName ?? op.column, newName: op.newName === undefined ? undefined : op.column}
    }

    case 'createIndex': {
      return {kind: 'dropIndex', name: op.name, table: op.table}
    }

    case 'createPrimaryKey': {
      return {kind: 'dropConstraint', name: op.name, table: op.table, type: 'primary'}
    }

    case 'createUniqueConstraint': {
      return {kind: 'dropConstraint', name: op.name, table: op.table, type: 'unique'}
    }

    case 'createForeignKey': {
      return {kind: 'dropConstraint', name: op.name, table: op.table, type: 'foreignkey'}
    }

    case 'createCheckConstraint': {
      return {kind: 'dropConstraint', name: op.name, table: op.table, type: 'check'}
    }

    case 'createEnumType': {
      return {kind: 'dropEnumType', name: op.name}
    }

    case 'createDomain': {
      return {kind: 'dropDomain', name: op.name}
    }

    case 'createExtension': {
      return {kind: 'dropExtension', name: op.name}
    }

    case 'alterPartition': {
      return {...op, bound: op.existingBound, existingBound: op.bound}
    }

    default: {
      throw new Error(`cannot reverse ${op.kind} from the operation alone`)
    }
  }
}
