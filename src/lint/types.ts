import type {DialectName} from '../util/dialect-names.js'
import {parseSqlType} from '../model/sql-type.js'
import type {TypeFacts} from './actions.js'

/** A type as written in SQL, read into the facts the rules compare (model/sql-type.ts). */
export function typeFacts(text: string, dialect: DialectName): TypeFacts {
  return parseSqlType(text, dialect)
}

/** Integer types by width: what a key may outgrow. */
export const NARROW_INTEGERS = new Set(['integer', 'mediumint', 'serial', 'smallint', 'smallserial', 'tinyint'])

/** The serial pseudo-types of PostgreSQL (MySQL's SERIAL is BIGINT ... AUTO_INCREMENT). */
export const SERIAL_TYPES = new Set(['bigserial', 'serial', 'smallserial'])
