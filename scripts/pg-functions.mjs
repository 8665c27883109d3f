// Writes src/lint/pg-functions.ts: the names of PostgreSQL's built-in functions none of whose overloads is
// VOLATILE, read from a server's catalog (DATABASE_URL, a PostgreSQL URL). The lint reads a column default that
// calls only these as computed once for the table (no rewrite since PostgreSQL 11); any other function, a
// user's or an extension's, as volatile, as Squawk's adding-field-with-default does.
import {writeFileSync} from 'node:fs'
import pg from 'pg'

const client = new pg.Client(process.env.DATABASE_URL)
await client.connect()
const {rows} = await client.query(`
  SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'pg_catalog' AND prokind = 'f'
  GROUP BY proname HAVING NOT bool_or(provolatile = 'v') ORDER BY proname`)
const version = (await client.query('SHOW server_version')).rows[0].server_version
await client.end()
const lines = []
let line = ''
for (const {proname} of rows) {
  if (line.length + proname.length + 1 > 110) {
    lines.push(line)
    line = ''
  }

  line += (line ? ' ' : '') + proname
}

lines.push(line)
writeFileSync(
  new URL('../src/lint/pg-functions.ts', import.meta.url),
  `// Written by scripts/pg-functions.mjs from PostgreSQL ${version.split(' ')[0]}'s catalog: do not edit.
/** Built-in functions with no VOLATILE overload (pg_proc.provolatile), by name. */
export const NON_VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set(
  [
${lines.map((l) => `    '${l}',`).join('\n')}
  ]
    .join(' ')
    .split(' '),
)
`,
)
console.log(`${rows.length} names`)
