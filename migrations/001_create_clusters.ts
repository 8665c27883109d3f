import type {Operations} from 'db-manage'

export const revision = '001'
export const downRevision = null
export const message = 'create clusters'
export const createdAt = '2026-11-22T09:00:00Z'

export async function upgrade(op: Operations): Promise<void> {
  await op.createTable('clusters', [
    op.column('id', 'string(36)', {primaryKey: true}),
    op.column('name', 'string(80)', {nullable: false}),
    op.column('tenant_id', 'string(36)', {nullable: false}),
    op.column('status', 'string(32)', {default: 'Inactive', nullable: false}),
    op.column('is_public', 'boolean', {default: false, nullable: false}),
    op.column('created_at', 'timestamp', {default: op.now(), nullable: false}),
    op.column('updated_at', 'timestamp'),
  ])
  await op.createIndex('ix_clusters_tenant_id', 'clusters', ['tenant_id'])
  await op.createIndex('uq_clusters_tenant_id_name', 'clusters', ['tenant_id', 'name'], {unique: true})
}

export async function downgrade(op: Operations): Promise<void> {
  await op.dropTable('clusters')
}
