import type {Operations} from 'db-manage'

export const revision = '002'
export const downRevision = '001'
export const message = 'create node groups'
export const createdAt = '2026-11-22T09:10:00Z'

export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('node_groups', [
    op.column('id', 'string(36)', {primaryKey: true}),
    op.column('cluster_id', 'string(36)', {nullable: false, onDelete: 'CASCADE', references: 'clusters.id'}),
    op.column('name', 'string(80)', {nullable: false}),
    op.column('flavor_id', 'string(36)', {nullable: false}),
    op.column('count', 'integer', {default: 1, nullable: false}),
    op.column('node_processes', 'json'),
  ])
  await op.createIndex('ix_node_groups_cluster_id', 'node_groups', ['cluster_id'])
}

export async function downgrade(op: Operations): Promise<void> {
  await op.dropTable('node_groups')
}
