import type {DialectName} from '../util/dialect-names.js'
import {parsePortableType} from './portable-type.js'

type Rule = [RegExp, (m: RegExpExecArray) => string]

/**
 * Reflected types spelled back as portable ones where that round-trips
 * exactly (compiling the portable type gives the same database type), so a
 * generated downgrade reads like a hand-written script. Anything else stays
 * as the database spells it.
 */
const RULES: Record<DialectName, Rule[]> = {
  mysql: [
    [/^int(\(11\))?$/i, () => 'integer'],
    [/^bigint(\(20\))?$/i, () => 'bigint'],
    [/^smallint(\(6\))?$/i, () => 'smallint'],
    [/^tinyint\(1\)$/i, () => 'boolean'],
    [/^varchar\((\d+)\)$/i, (m) => `string(${m[1]})`],
    [/^text$/i, () => 'text'],
    [/^datetime$/i, () => 'timestamp'],
    [/^date$/i, () => 'date'],
    [/^decimal\((\d+),(\d+)\)$/i, (m) => `numeric(${m[1]},${m[2]})`],
  ],
  postgresql: [
    [/^integer$/, () => 'integer'],
    [/^bigint$/, () => 'bigint'],
    [/^smallint$/, () => 'smallint'],
    [/^boolean$/, () => 'boolean'],
    [/^character varying\((\d+)\)$/, (m) => `string(${m[1]})`],
    [/^text$/, () => 'text'],
    [/^numeric\((\d+),(\d+)\)$/, (m) => `numeric(${m[1]},${m[2]})`],
    [/^real$/, () => 'float'],
    [/^double precision$/, () => 'double'],
    [/^date$/, () => 'date'],
    [/^time without time zone$/, () => 'time'],
    [/^timestamp without time zone$/, () => 'timestamp'],
    [/^timestamp with time zone$/, () => 'timestamptz'],
    [/^json$/, () => 'json'],
    [/^uuid$/, () => 'uuid'],
    [/^bytea$/, () => 'binary'],
  ],
  sqlite: [
    [/^INTEGER$/, () => 'integer'],
    [/^BIGINT$/, () => 'bigint'],
    [/^SMALLINT$/, () => 'smallint'],
    [/^BOOLEAN$/, () => 'boolean'],
    [/^VARCHAR\((\d+)\)$/, (m) => `string(${m[1]})`],
    [/^TEXT$/, () => 'text'],
    [/^NUMERIC\((\d+), (\d+)\)$/, (m) => `numeric(${m[1]},${m[2]})`],
    [/^FLOAT$/, () => 'float'],
    [/^DOUBLE$/, () => 'double'],
    [/^DATE$/, () => 'date'],
    [/^TIME$/, () => 'time'],
    [/^TIMESTAMP$/, () => 'timestamp'],
    [/^JSON$/, () => 'json'],
    [/^CHAR\(36\)$/, () => 'uuid'],
    [/^BLOB$/, () => 'binary'],
  ],
}

export function portableType(dialect: DialectName, type: string): string {
  for (const [pattern, to] of RULES[dialect]) {
    const m = pattern.exec(type)
    if (m) return to(m)
  }

  // A raw type spelled like a portable one (MySQL reports `timestamp`, `binary(16)`) would be read as
  // the portable type, which this dialect spells otherwise (DATETIME, BLOB): write it in capitals, raw.
  return parsePortableType(type) ? type.toUpperCase() : type
}
