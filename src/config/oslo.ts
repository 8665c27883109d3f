/**
 * oslo.db's options in `[database]` (oslo_db/options.py, with the names
 * older releases used). An OpenStack service's config file sets them for its
 * own connection pool; db-manage accepts them there and ignores them, so a
 * sahara.conf is read as it is.
 */
export const OSLO_DB_OPTIONS: ReadonlySet<string> = new Set([
  'asyncio_connection',
  'asyncio_slave_connection',
  'backend',
  'connection_debug',
  'connection_parameters',
  'connection_recycle_time',
  'connection_trace',
  'db_backend',
  'db_inc_retry_interval',
  'db_max_retries',
  'db_max_retry_interval',
  'db_retry_interval',
  'idle_timeout',
  'max_overflow',
  'max_pool_size',
  'max_retries',
  'min_pool_size',
  'mysql_enable_ndb',
  'mysql_sql_mode',
  'mysql_wsrep_sync_wait',
  'pool_timeout',
  'retry_interval',
  'slave_connection',
  'sqlite_db',
  'sqlite_synchronous',
  'use_db_reconnect',
  'use_tpool',
])
