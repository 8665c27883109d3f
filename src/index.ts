// The public surface: what migration scripts and applications import from 'db-manage'.
export {checkMigration} from './api/check.js'
export {heads, history, show} from './api/history.js'
export {init} from './api/init.js'
export {renumber} from './api/renumber.js'
export {revision} from './api/revision.js'
export type {Config, DatabaseConfig} from './config/config.js'
export {maskUrl, parseDatabaseUrl} from './config/database-url.js'
export type {DatabaseUrl} from './config/database-url.js'
export type {DialectName} from './util/dialect-names.js'
export {loadConfig} from './api/fleet.js'
export {RevisionMap} from './script/revision-map.js'
export type {Revision, RevisionHeader} from './script/revision.js'
export * from './util/errors.js'
export {current, downgrade, stamp, upgrade} from './api/migrate.js'
export type {
  AlterColumnOptions,
  Column,
  ColumnOptions,
  ConstraintType,
  DefaultValue,
  ForeignKeyOptions,
  IndexOptions,
  Operation,
  ReferentialAction,
  SqlExpression,
} from './operations/nodes.js'
export {BatchOperations, Operations} from './operations/operations.js'
export type {CallbackContext, CallbackEvent, CallbackStep} from './runtime/callbacks.js'
export {autogenerate, checkAutogenerate} from './api/autogenerate.js'
export {column, defineSchema, now, sql} from './autogenerate/target-schema.js'
export type {SchemaDefinition, TableDefinition} from './autogenerate/target-schema.js'
