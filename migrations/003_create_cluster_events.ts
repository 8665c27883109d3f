import type {Operations} from 'db-manage'

export const revision = '003'
export const downRevision = '002'
export const message = 'create cluster events'
export const createdAt = '2026-11-22T09:20:00Z'

export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('cluster_events', [
    op.column('id', 'integer', {autoincrement: true, primaryKey: true}),
    op.column('cluster_id', 'string(36)', {nullable: false, onDelete: 'CASCADE', references: 'clusters.id'}),
    op.column('event_type', 'string(32)', {nullable: false}),
    op.column('details', 'text'),
    op.column('created_at', 'timestamp', {default: op.now(), nullable: false}),
  ])
  await op.createIndex('ix_cluster_events_cluster_id_created_at', 'cluster_events', ['cluster_id', 'created_at'])
}

export async function downgrade(op: Operations): Promise<void> {
  await op.dropTable('cluster_events')
}
