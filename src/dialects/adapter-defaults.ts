import type {Adapter} from './dialect.js'

/**
 * What most servers share; each adapter spreads these and overrides what
 * differs, as Kysely's dialect adapters extend a default one.
 */
export const ADAPTER_DEFAULTS = {
  altersNeedBatch: false,
  beginSql: 'BEGIN',
  offlineTransactions: false,
  scratch: {
    create: async (_admin, name) => `CREATE DATABASE ${name}`,
    drop: (name) => `DROP DATABASE IF EXISTS ${name}`,
  },
  supportsTransactionalDdl: false,
} satisfies Partial<Adapter>
