-- revision: 004
-- down_revision: 003
-- message: backfill cluster events
-- created_at: 2026-11-22T09:30:00Z
-- +upgrade
-- Every existing cluster gets a 'created' event, so the event log is complete.
INSERT INTO cluster_events (cluster_id, event_type, details, created_at)
SELECT id, 'created', 'backfilled by 004; cluster existed before events', created_at FROM clusters;
-- +downgrade
DELETE FROM cluster_events WHERE event_type = 'created' AND details LIKE 'backfilled by 004;%';
