import {reverse} from '../operations/reverse.js'
import type {Change} from './change.js'

/**
 * Extensions (PostgreSQL): those the target creates and the database lacks
 * are created first, before the types and tables that may use them, and
 * dropped by the downgrade. One the database has and the target does not is
 * left alone: it may be there for another reason (pg_stat_statements).
 */
export function compareExtensions(live: readonly string[], target: readonly string[]): Change[] {
  return target
    .filter((name) => !live.includes(name))
    .map((name) => {
      const create = {kind: 'createExtension', name} as const
      return {description: `add extension ${name}`, downgrade: reverse(create), table: name, upgrade: create}
    })
}
