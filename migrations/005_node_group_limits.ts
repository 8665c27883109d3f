import type {Operations} from 'db-manage'

export const revision = '005'
export const downRevision = '004'
export const message = 'node group limits'
export const createdAt = '2026-11-22T09:40:00Z'

// batchAlterTable: on SQLite the table is rebuilt (move and copy), elsewhere
// these are plain ALTER TABLE statements.
export async function upgrade(op: Operations): Promise<void> {
  await op.addColumn('clusters', op.column('description', 'text'))
  await op.batchAlterTable('node_groups', (batch) => {
    batch.addColumn(op.column('max_count', 'integer', {default: 10, nullable: false}))
    batch.createCheckConstraint('ck_node_groups_count_positive', 'count > 0')
    batch.alterColumn('flavor_id', {existingNullable: false, existingType: 'string(36)', type: 'string(64)'})
  })
}

export async function downgrade(op: Operations): Promise<void> {
  await op.batchAlterTable('node_groups', (batch) => {
    batch.alterColumn('flavor_id', {existingNullable: false, existingType: 'string(64)', type: 'string(36)'})
    batch.dropConstraint('ck_node_groups_count_positive', {type: 'check'})
    batch.dropColumn('max_count')
  })
  await op.dropColumn('clusters', 'description')
}
