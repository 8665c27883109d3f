import type {DialectName} from '../util/dialect-names.js'
import {isTrivia, tokenize} from '../sql/lexer.js'
import type {DefaultFacts} from './actions.js'
import {NON_VOLATILE_FUNCTIONS} from './pg-functions.js'

/** SQL's special values that read the clock or the session: computed once per statement, not per row. */
const SQL_VALUE_WORDS = new Set([
  'current_catalog',
  'current_date',
  'current_role',
  'current_schema',
  'current_time',
  'current_timestamp',
  'current_user',
  'localtime',
  'localtimestamp',
  'session_user',
  'user',
])
const LITERAL_WORDS = new Set(['false', 'null', 'true', 'unknown'])

/** A PostgreSQL function the server may compute anew for each row: a built-in VOLATILE one, or one it does not know. */
export function pgVolatileFunction(name: string): boolean {
  return !NON_VOLATILE_FUNCTIONS.has(name.split('.').at(-1)!.replaceAll('"', '').toLowerCase())
}

/**
 * A column default written as SQL text (`0`, `'draft'::text`, `now()`,
 * `gen_random_uuid()`, `(uuid())`, `CURRENT_TIMESTAMP`), read from the
 * dialect's tokens: whether it is an expression, and on PostgreSQL whether
 * a volatile function is called in it.
 */
export function defaultFacts(text: string, dialect: DialectName): DefaultFacts {
  let tokens
  try {
    tokens = tokenize(text, dialect).filter((t) => !isTrivia(t))
  } catch {
    return {expression: true, text, volatile: dialect === 'postgresql'}
  }

  const word = (i: number) => text.slice(tokens[i].start, tokens[i].end).toLowerCase()
  const parenthesised = tokens.length > 1 && word(0) === '(' && word(tokens.length - 1) === ')'
  let expression = false
  let volatile = false
  let isNull = tokens.length > 0
  for (const [i, token] of tokens.entries()) {
    const w = word(i)
    if (token.kind === 'string' || token.kind === 'number' || token.kind === 'param') {
      isNull = false
      continue
    }

    if (token.kind === 'punct') {
      // `::type` casts, a sign, parentheses around a literal, commas of an ARRAY[...] are no computation.
      if (![':', '-', '+', '(', ')', '[', ']', ','].includes(w)) expression = true
      continue
    }

    if (token.kind !== 'word' && token.kind !== 'quoted') continue
    if (w !== 'null') isNull = false
    const previous = i > 0 ? word(i - 1) : ''
    if (previous === ':') continue // a type name after `::`
    const call = tokens[i + 1] && word(i + 1) === '('
    if (call) {
      expression = true
      // A qualified name: the function is the last part.
      if (tokens[i + 2] && word(i + 1) === '.') continue
      if (dialect === 'postgresql' && !/^(array|row|cast|coalesce|nullif|greatest|least)$/.test(w))
        volatile ||= pgVolatileFunction(w)
      continue
    }

    if (SQL_VALUE_WORDS.has(w)) {
      expression = true
      continue
    }

    if (LITERAL_WORDS.has(w) || w === 'array' || w === 'interval' || w === 'date' || w === 'timestamp') continue
    if (/^(b|x|e|n)$/.test(w)) continue
    // A type name written before a literal (`DATE '2020-01-01'`) or anything else: an expression.
    expression = true
  }

  return {
    expression,
    isNull: isNull || undefined,
    parenthesised: parenthesised || undefined,
    text: text.trim(),
    volatile,
  }
}
