// The schema the example application declares: what `migrations/` builds at
// head. `db-manage check_migration --autogenerate` compares the database with
// it; change it and `db-manage revision -m "..." --autogenerate` writes the
// migration.
import {column, defineSchema, now} from 'db-manage'

export default defineSchema({
  tables: {
    cluster_events: {
      columns: [
        column('id', 'integer', {autoincrement: true, primaryKey: true}),
        column('cluster_id', 'string(36)', {nullable: false, onDelete: 'CASCADE', references: 'clusters.id'}),
        column('event_type', 'string(32)', {nullable: false}),
        column('details', 'text'),
        column('created_at', 'timestamp', {default: now(), nullable: false}),
      ],
      indexes: [{columns: ['cluster_id', 'created_at'], name: 'ix_cluster_events_cluster_id_created_at'}],
    },
    clusters: {
      columns: [
        column('id', 'string(36)', {primaryKey: true}),
        column('name', 'string(80)', {nullable: false}),
        column('tenant_id', 'string(36)', {nullable: false}),
        column('status', 'string(32)', {default: 'Inactive', nullable: false}),
        column('is_public', 'boolean', {default: false, nullable: false}),
        column('created_at', 'timestamp', {default: now(), nullable: false}),
        column('updated_at', 'timestamp'),
        column('description', 'text'),
      ],
      indexes: [
        {columns: ['tenant_id'], name: 'ix_clusters_tenant_id'},
        {columns: ['tenant_id', 'name'], name: 'uq_clusters_tenant_id_name', unique: true},
      ],
    },
    node_groups: {
      checks: [{condition: 'count > 0', name: 'ck_node_groups_count_positive'}],
      columns: [
        column('id', 'string(36)', {primaryKey: true}),
        column('cluster_id', 'string(36)', {nullable: false, onDelete: 'CASCADE', references: 'clusters.id'}),
        column('name', 'string(80)', {nullable: false}),
        column('flavor_id', 'string(64)', {nullable: false}),
        column('count', 'integer', {default: 1, nullable: false}),
        column('node_processes', 'json'),
        column('max_count', 'integer', {default: 10, nullable: false}),
      ],
      indexes: [{columns: ['cluster_id'], name: 'ix_node_groups_cluster_id'}],
    },
  },
})
