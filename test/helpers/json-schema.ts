/**
 * A validator for the subset of JSON Schema (2020-12) that
 * docs/json-output.schema.json uses: type, enum, const, required,
 * properties, additionalProperties: false, items, minimum, anyOf, oneOf,
 * allOf, if/then/else and local $ref (#/$defs/NAME). A keyword it does not
 * know is an error, so the schema cannot grow past what is checked.
 * (No JSON Schema package is among the dependencies; ajv as a dev
 * dependency would replace this.)
 */
type Schema = boolean | {[keyword: string]: unknown}

const KNOWN = new Set([
  '$schema',
  'title',
  'description',
  '$defs',
  'type',
  'enum',
  'const',
  'required',
  'properties',
  'additionalProperties',
  'items',
  'minimum',
  'anyOf',
  'oneOf',
  'allOf',
  'if',
  'then',
  'else',
  '$ref',
])

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value)
  return actual === type || (type === 'number' && actual === 'integer')
}

/** The errors of `value` against `schema` (`root` holds the $defs), each `path: what`; none when it is valid. */
export function validate(value: unknown, schema: Schema, root: Schema = schema, at = '$'): string[] {
  if (schema === true) return []
  if (schema === false) return [`${at}: no value is allowed here`]
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k))
  if (unknown.length > 0)
    throw new Error(`${at}: schema keyword(s) ${unknown.join(', ')} not supported by test/helpers/json-schema.ts`)
  const errors: string[] = []
  const s = schema as Record<string, any>
  if (s.$ref !== undefined) {
    const m = /^#\/\$defs\/(\w+)$/.exec(s.$ref)
    if (!m || typeof root !== 'object' || !(root.$defs as Record<string, Schema>)?.[m[1]])
      throw new Error(`${at}: unresolved $ref ${s.$ref}`)
    errors.push(...validate(value, (root.$defs as Record<string, Schema>)[m[1]], root, at))
  }

  if (s.type !== undefined) {
    const types: string[] = Array.isArray(s.type) ? s.type : [s.type]
    if (!types.some((t) => matchesType(value, t)))
      return [...errors, `${at}: expected ${types.join(' or ')}, got ${typeOf(value)}`]
  }

  if (s.enum !== undefined && !s.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value)))
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`)
  if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value))
    errors.push(`${at}: expected ${JSON.stringify(s.const)}`)
  if (s.minimum !== undefined && typeof value === 'number' && value < s.minimum)
    errors.push(`${at}: ${value} is below ${s.minimum}`)
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>
    for (const key of s.required ?? []) if (!(key in object)) errors.push(`${at}: "${key}" is required`)
    for (const [key, sub] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
      if (key in object) errors.push(...validate(object[key], sub, root, `${at}.${key}`))
    }

    if (s.additionalProperties === false) {
      for (const key of Object.keys(object))
        if (!(key in (s.properties ?? {}))) errors.push(`${at}: "${key}" is not allowed`)
    }
  }

  if (s.items !== undefined && Array.isArray(value))
    value.forEach((item, i) => errors.push(...validate(item, s.items, root, `${at}[${i}]`)))
  if (s.allOf) for (const sub of s.allOf) errors.push(...validate(value, sub, root, at))
  if (s.anyOf && !s.anyOf.some((sub: Schema) => validate(value, sub, root, at).length === 0)) {
    errors.push(
      `${at}: matches none of anyOf (${s.anyOf.map((sub: Schema) => validate(value, sub, root, at)[0]).join(' | ')})`,
    )
  }

  if (s.oneOf) {
    const passing = s.oneOf.filter((sub: Schema) => validate(value, sub, root, at).length === 0).length
    if (passing !== 1) errors.push(`${at}: matches ${passing} of oneOf, not exactly 1`)
  }

  if (s.if !== undefined) {
    const branch = validate(value, s.if, root, at).length === 0 ? s.then : s.else
    if (branch !== undefined) errors.push(...validate(value, branch, root, at))
  }

  return errors
}
