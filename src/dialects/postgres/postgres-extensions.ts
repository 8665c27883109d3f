import type {Connection} from '../connection.js'

/** Types, functions and operator classes of common extensions whose name is not the extension's own. */
const PROVIDED_BY: Record<string, string> = {
  box2d: 'postgis',
  box3d: 'postgis',
  geography: 'postgis',
  geometry: 'postgis',
  crypt: 'pgcrypto',
  digest: 'pgcrypto',
  gen_random_bytes: 'pgcrypto',
  gen_salt: 'pgcrypto',
  hmac: 'pgcrypto',
  pgp_sym_decrypt: 'pgcrypto',
  pgp_sym_encrypt: 'pgcrypto',
  dmetaphone: 'fuzzystrmatch',
  levenshtein: 'fuzzystrmatch',
  metaphone: 'fuzzystrmatch',
  soundex: 'fuzzystrmatch',
  ean13: 'isn',
  isbn: 'isn',
  isbn13: 'isn',
  issn: 'isn',
  upc: 'isn',
  earth: 'earthdistance',
  earth_distance: 'earthdistance',
  ll_to_earth: 'earthdistance',
  gin_trgm_ops: 'pg_trgm',
  gist_trgm_ops: 'pg_trgm',
  similarity: 'pg_trgm',
  word_similarity: 'pg_trgm',
  gist__int_ops: 'intarray',
  uuid_generate_v1: 'uuid-ossp',
  uuid_generate_v1mc: 'uuid-ossp',
  uuid_generate_v3: 'uuid-ossp',
  uuid_generate_v4: 'uuid-ossp',
  uuid_generate_v5: 'uuid-ossp',
  uuid_nil: 'uuid-ossp',
}

/**
 * A failure in building a target that an extension explains, said so: an
 * extension the server does not have, or a type, function or operator class
 * of an extension the target uses without creating it. Undefined otherwise.
 */
export async function explainExtensionFailure(error: unknown, connection: Connection): Promise<string | undefined> {
  const {code, message = ''} = error as {code?: string; message?: string}
  const unavailable = /^extension "([^"]+)" is not available/.exec(message)
  if (code === '0A000' && unavailable) {
    return `the extension ${unavailable[1]} is not installed on the server (pg_available_extensions does not list it)`
  }

  const missing = /^(type|function|operator class) "?([\w.]+)"?(?:\(.*?\))? does not exist/.exec(message)
  if (!missing || (code !== '42704' && code !== '42883')) return undefined
  const name = missing[2].replace(/^.*\./, '').toLowerCase()
  const extension = PROVIDED_BY[name] ?? name
  const sql = 'SELECT installed_version IS NOT NULL AS installed FROM pg_available_extensions WHERE name = $1'
  const {rows} = await connection.query(sql, [extension])
  // A name no extension has: the server's words stand.
  if (rows.length === 0 && !PROVIDED_BY[name]) return undefined
  if (rows.length === 0) return `${message}: it is the extension ${extension}'s, which is not installed on the server`

  const create = `CREATE EXTENSION ${extension.includes('-') ? `"${extension}"` : extension};`
  return `${message}: it is the extension ${extension}'s, which the target does not create (add ${create} before it)`
}
