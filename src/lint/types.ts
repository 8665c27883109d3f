/** Integer types by width: what a key may outgrow. */
export const NARROW_INTEGERS = new Set(['integer', 'mediumint', 'serial', 'smallint', 'smallserial', 'tinyint'])

/** The serial pseudo-types of PostgreSQL (MySQL's SERIAL is BIGINT ... AUTO_INCREMENT). */
export const SERIAL_TYPES = new Set(['bigserial', 'serial', 'smallserial'])
