/**
 * MySQL/MariaDB and SQLite statements, read from db-manage's own lexer
 * (sql/lexer.ts): the DDL grammar a migration uses (CREATE/ALTER/DROP/RENAME
 * TABLE with every ALTER specification, CREATE/DROP INDEX, TRUNCATE,
 * OPTIMIZE, LOCK TABLES, UPDATE/DELETE, SET) is read clause by clause into
 * the neutral actions; anything else is named as unclassified (DM110). No
 * JavaScript parser of these grammars reads the ALTER TABLE specifications
 * migrations are made of (node-sql-parser 5.4 refuses ALTER COLUMN ... SET
 * DEFAULT, CONVERT TO CHARACTER SET, FORCE, ALTER ONLINE TABLE, OPTIMIZE
 * TABLE, partitioning), so this reading is the better one here.
 */
import type {DialectName} from '../util/dialect-names.js'
import {initialState, isTrivia, Lexer, tokenize, type Token} from '../sql/lexer.js'
import type {Action, ColumnFacts, DefaultFacts} from './actions.js'
import {defaultFacts} from './defaults.js'
import {parseSqlType} from '../model/sql-type.js'

interface Tok {
  readonly kind: Token['kind']
  readonly text: string
  /** Upper-cased text of a word; '' for anything else. */
  readonly word: string
  readonly start: number
  readonly end: number
}

class Cursor {
  i = 0
  constructor(
    readonly tokens: readonly Tok[],
    readonly sql: string,
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length
  }

  peek(n = 0): Tok | undefined {
    return this.tokens[this.i + n]
  }

  /** The upper-cased word n tokens ahead ('' when it is no word). */
  w(n = 0): string {
    return this.peek(n)?.word ?? ''
  }

  is(text: string, n = 0): boolean {
    const t = this.peek(n)
    return t !== undefined && (t.word === text || (t.word === '' && t.text === text))
  }

  next(): Tok | undefined {
    return this.tokens[this.i++]
  }

  /** Take the words if they come next, all of them. */
  accept(...words: string[]): boolean {
    if (!words.every((w, k) => this.is(w, k))) return false
    this.i += words.length
    return true
  }

  /** Take one of the words if it comes next. */
  acceptAny(...words: string[]): boolean {
    return words.some((w) => this.accept(w))
  }

  /** A name: a word or a quoted identifier, dotted parts joined. Quotes are kept. */
  name(): string {
    let out = this.next()?.text ?? ''
    while (this.is('.') && this.peek(1)) {
      this.i++
      out += `.${this.next()!.text}`
    }

    return out
  }

  /** A balanced parenthesised group starting here: its inner tokens; the cursor moves past it. */
  group(): Tok[] {
    if (!this.is('(')) return []
    let depth = 0
    const start = this.i
    while (!this.done) {
      const t = this.next()!
      if (t.text === '(' && t.kind === 'punct') depth++
      else if (t.text === ')' && t.kind === 'punct' && --depth === 0) return this.tokens.slice(start + 1, this.i - 1)
    }

    return this.tokens.slice(start + 1)
  }

  /** The text from token `from` up to (not including) the cursor. */
  textFrom(from: number): string {
    if (from >= this.i) return ''
    return this.sql.slice(this.tokens[from].start, this.tokens[this.i - 1].end)
  }
}

/** Split tokens at commas outside parentheses. */
function splitCommas(tokens: readonly Tok[]): Tok[][] {
  const parts: Tok[][] = [[]]
  let depth = 0
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === '(') depth++
    if (t.kind === 'punct' && t.text === ')') depth--
    if (depth === 0 && t.kind === 'punct' && t.text === ',') parts.push([])
    else parts.at(-1)!.push(t)
  }

  return parts.filter((p) => p.length > 0)
}

function unquote(name: string): string {
  return name.replaceAll(/^[`"[]|[`"\]]$/g, '')
}

/** The last part of a dotted name, unquoted. */
function last(name: string): string {
  return unquote(name.split('.').at(-1) ?? name)
}

/**
 * The statement's tokens. A text written for MySQL's NO_BACKSLASH_ESCAPES
 * (set by an earlier statement of its file) is read that way when the
 * default reading cannot end its strings.
 */
function readTokens(sql: string, dialect: DialectName): Tok[] {
  let tokens: Token[]
  try {
    tokens = tokenize(sql, dialect)
  } catch (error) {
    if (dialect !== 'mysql' || !sql.includes('\\')) throw error
    const lexer = new Lexer(sql, dialect, {...initialState(), noBackslashEscapes: true})
    tokens = []
    while (!lexer.done) tokens.push(lexer.next())
    lexer.finish()
  }

  return tokens
    .filter((t) => !isTrivia(t) && t.kind !== 'code-open' && t.kind !== 'code-close' && t.kind !== 'delimiter')
    .map((t) => {
      const text = sql.slice(t.start, t.end)
      return {end: t.end, kind: t.kind, start: t.start, text, word: t.kind === 'word' ? text.toUpperCase() : ''}
    })
}

/** Words that end a column's type and start its attributes. */
const ATTRIBUTE = new Set([
  'AFTER',
  'AS',
  'AUTOINCREMENT',
  'AUTO_INCREMENT',
  'CHECK',
  'COLLATE',
  'COLUMN_FORMAT',
  'COMMENT',
  'CONSTRAINT',
  'DEFAULT',
  'ENGINE_ATTRIBUTE',
  'FIRST',
  'GENERATED',
  'INVISIBLE',
  'KEY',
  'NOT',
  'NULL',
  'ON',
  'PERSISTENT',
  'PRIMARY',
  'REFERENCES',
  'SERIAL',
  'SRID',
  'STORAGE',
  'STORED',
  'UNIQUE',
  'VIRTUAL',
  'VISIBLE',
])

/** A column definition: `name type [attributes]`, with MySQL's FIRST / AFTER. */
function columnDefinition(
  tokens: readonly Tok[],
  sql: string,
  dialect: DialectName,
): {column: ColumnFacts; positioned: boolean} {
  const c = new Cursor(tokens, sql)
  const name = unquote(c.name())
  const typeStart = c.i
  // MySQL's SERIAL type is BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE; `SERIAL DEFAULT VALUE` an attribute.
  while (!c.done && !(ATTRIBUTE.has(c.w()) && !(c.i === typeStart && c.w() === 'SERIAL'))) {
    if (c.is('(')) c.group()
    else c.next()
  }

  const typeText = c.textFrom(typeStart)
  const type = typeText ? parseSqlType(typeText, dialect) : undefined
  const facts: {-readonly [K in keyof ColumnFacts]: ColumnFacts[K]} = {
    check: false,
    name,
    notNull: false,
    primaryKey: false,
    type,
    unique: false,
  }
  if (type?.name === 'serial' && dialect === 'mysql') {
    Object.assign(facts, {
      autoincrement: 'auto_increment',
      notNull: true,
      type: parseSqlType('bigint', dialect),
      unique: true,
    })
  }

  let positioned = false
  while (!c.done) {
    if (c.accept('NOT', 'NULL')) facts.notNull = true
    else if (c.accept('NULL')) facts.notNull = false
    else if (c.accept('DEFAULT')) facts.default = readDefault(c, dialect)
    else if (c.accept('AUTO_INCREMENT') || c.accept('AUTOINCREMENT')) facts.autoincrement = 'auto_increment'
    else if (c.accept('SERIAL', 'DEFAULT', 'VALUE')) facts.autoincrement = 'auto_increment'
    else if (c.accept('PRIMARY', 'KEY') || (c.w() === 'KEY' && c.accept('KEY'))) {
      facts.primaryKey = true
      facts.notNull = true
      c.acceptAny('ASC', 'DESC')
      if (c.accept('ON', 'CONFLICT')) c.next()
      c.accept('AUTOINCREMENT')
    } else if (c.accept('UNIQUE')) {
      facts.unique = true
      c.accept('KEY')
    } else if (c.accept('REFERENCES')) {
      const table = unquote(c.name())
      const columns = c.group()
      facts.references = columns.length === 1 ? `${table}.${unquote(columns[0].text)}` : table
      while (c.is('ON') || c.is('MATCH') || c.is('DEFERRABLE') || c.is('NOT') || c.is('INITIALLY')) {
        if (c.accept('NOT', 'NULL')) {
          facts.notNull = true
          break
        }

        c.next()
        if (['DELETE', 'UPDATE'].includes(c.w())) {
          c.next()
          if (c.accept('SET')) c.next()
          else if (c.accept('NO')) c.next()
          else c.next()
        } else if (!c.done && !ATTRIBUTE.has(c.w())) c.next()
      }
    } else if (c.accept('CHECK')) {
      c.group()
      facts.check = true
    } else if (c.accept('GENERATED', 'ALWAYS', 'AS') || c.accept('AS')) {
      if (c.is('(')) c.group()
      else if (c.accept('IDENTITY')) facts.autoincrement = 'identity'
      facts.generated = c.accept('STORED') || c.accept('PERSISTENT') ? 'stored' : (c.accept('VIRTUAL'), 'virtual')
    } else if (c.accept('STORED') || c.accept('PERSISTENT')) facts.generated = 'stored'
    else if (c.accept('ON', 'UPDATE')) readDefault(c, dialect)
    else if (c.accept('CONSTRAINT')) {
      if (!['CHECK', 'PRIMARY', 'UNIQUE', 'REFERENCES', 'NOT', 'DEFAULT'].includes(c.w())) c.next()
    } else if (c.accept('FIRST')) positioned = true
    else if (c.accept('AFTER')) {
      c.name()
      positioned = true
    } else if (
      c.accept('COMMENT') ||
      c.accept('COLLATE') ||
      c.accept('COLUMN_FORMAT') ||
      c.accept('STORAGE') ||
      c.accept('SRID')
    ) {
      if (!c.accept('=')) c.next()
    } else {
      c.next()
    }
  }

  return {column: facts, positioned}
}

/** A DEFAULT value: a literal (signed, MySQL's b'0'), a parenthesised expression, CURRENT_TIMESTAMP(n), NOW(). */
function readDefault(c: Cursor, dialect: DialectName): DefaultFacts {
  const from = c.i
  if (c.is('(')) c.group()
  else {
    if (c.is('-') || c.is('+')) c.next()
    c.next()
    if (c.is('(')) c.group() // CURRENT_TIMESTAMP(6), NOW()
  }

  // MySQL's CURRENT_TIMESTAMP / NOW() written bare is no expression default (not parenthesised): it goes in place.
  return defaultFacts(c.textFrom(from), dialect)
}

/** The actions of one MySQL or SQLite statement. */
export function tokenActions(text: string, dialect: DialectName): Action[] {
  // MariaDB's dumps open with /*M!999999\- enable the sandbox mode */, a command to its client, not SQL.
  const sql = text.replace(/^\s*\/\*M!\d+\\-[^*]*\*\/\s*/, '')
  let tokens: Tok[]
  try {
    tokens = readTokens(sql, dialect)
  } catch {
    return [{kind: 'unclassified', what: 'a statement the lexer cannot read to its end'}]
  }

  const c = new Cursor(tokens, sql)
  const head = tokens
    .slice(0, 3)
    .map((t) => t.word || t.text)
    .join(' ')
  const unclassified = (): Action[] => [{kind: 'unclassified', what: `${head} (raw SQL the lint does not read)`}]
  if (tokens.length === 0) return [{kind: 'harmless', what: 'empty'}]
  switch (c.w()) {
    case 'CREATE': {
      return create(c, dialect) ?? unclassified()
    }

    case 'ALTER': {
      c.next()
      c.acceptAny('ONLINE', 'OFFLINE')
      c.accept('IGNORE')
      if (!c.accept('TABLE')) return alterOther(c)
      c.accept('IF', 'EXISTS')
      const table = c.name()
      return alterTable(c, table, dialect) ?? unclassified()
    }

    case 'DROP': {
      return drop(c) ?? unclassified()
    }

    case 'RENAME': {
      c.next()
      if (!c.accept('TABLE') && !c.accept('TABLES')) return unclassified()
      return splitCommas(c.tokens.slice(c.i)).flatMap((part) => {
        const r = new Cursor(part, sql)
        const table = r.name()
        r.accept('TO')
        const newName = r.name()
        return [
          {kind: 'name', name: last(newName), what: 'table'},
          {kind: 'renameTable', newName, table},
        ] as Action[]
      })
    }

    case 'TRUNCATE': {
      c.next()
      c.accept('TABLE')
      return [{cascade: false, kind: 'truncate', tables: [c.name()]}]
    }

    case 'OPTIMIZE': {
      c.next()
      c.acceptAny('NO_WRITE_TO_BINLOG', 'LOCAL')
      if (!c.accept('TABLE') && !c.accept('TABLES')) return unclassified()
      return splitCommas(c.tokens.slice(c.i)).map(
        (p) => ({kind: 'rebuild', table: p.map((t) => t.text).join(''), what: 'optimize'}) as Action,
      )
    }

    case 'LOCK': {
      c.next()
      if (!c.accept('TABLES') && !c.accept('TABLE')) return unclassified()
      const parts = splitCommas(c.tokens.slice(c.i))
      const modes = new Set(parts.map((p) => (p.some((t) => t.word === 'WRITE') ? 'WRITE' : 'READ')))
      return [{kind: 'lockTable', mode: [...modes].join('/'), tables: parts.map((p) => p[0]?.text ?? '')}]
    }

    case 'UPDATE':
    case 'DELETE': {
      return writeRows(c)
    }

    case 'SET': {
      c.next()
      c.acceptAny('SESSION', 'LOCAL')
      return splitCommas(c.tokens.slice(c.i)).map((p) => {
        const names = p.findIndex((t) => t.text === '=' || t.text === ':=')
        const name = p
          .slice(0, names === -1 ? 1 : names)
          .map((t) => t.text)
          .join('')
          .replace(/^@@(session\.)?/i, '')
        return {
          kind: 'setting',
          name,
          value:
            names === -1
              ? ''
              : p
                  .slice(names + 1)
                  .map((t) => t.text)
                  .join(''),
        } as Action
      })
    }

    case 'VACUUM': {
      return dialect === 'sqlite' ? [{kind: 'rebuild', what: 'vacuum'}] : unclassified()
    }

    case 'INSERT':
    case 'REPLACE':
    case 'SELECT':
    case 'WITH':
    case 'VALUES':
    case 'PRAGMA':
    case 'ANALYZE':
    case 'CHECK':
    case 'REINDEX':
    case 'BEGIN':
    case 'START':
    case 'COMMIT':
    case 'END':
    case 'ROLLBACK':
    case 'SAVEPOINT':
    case 'RELEASE':
    case 'UNLOCK':
    case 'GRANT':
    case 'REVOKE':
    case 'FLUSH':
    case 'CALL':
    case 'DO':
    case 'USE':
    case 'ATTACH':
    case 'DETACH':
    case 'EXPLAIN':
    case 'SHOW':
    case 'DESCRIBE':
    case 'COMMENT': {
      return [{kind: 'harmless', what: c.w()}]
    }

    default: {
      return unclassified()
    }
  }
}

function writeRows(c: Cursor): Action[] {
  const verb = c.next()!.word === 'UPDATE' ? 'update' : 'delete'
  while (['LOW_PRIORITY', 'QUICK', 'IGNORE', 'OR'].includes(c.w())) {
    if (c.accept('OR')) c.next()
    else c.next()
  }

  c.accept('FROM')
  const table = c.name()
  let depth = 0
  let bounded = false
  for (const t of c.tokens.slice(c.i)) {
    if (t.text === '(') depth++
    if (t.text === ')') depth--
    if (depth === 0 && (t.word === 'WHERE' || t.word === 'LIMIT' || t.word === 'JOIN')) bounded = true
  }

  return [{bounded, kind: 'writeRows', table, verb}]
}

function create(c: Cursor, dialect: DialectName): Action[] | undefined {
  c.next()
  c.accept('OR', 'REPLACE')
  const temporary = c.acceptAny('TEMPORARY', 'TEMP')
  if (c.accept('TABLE')) {
    c.accept('IF', 'NOT', 'EXISTS')
    const table = c.name()
    if (temporary) return [{kind: 'harmless', what: 'CREATE TEMPORARY TABLE'}]
    const body = c.is('(') ? c.group() : []
    const columns: ColumnFacts[] = []
    const keys = new Set<string>()
    const names: Action[] = [{kind: 'name', name: last(table), what: 'table'}]
    for (const part of splitCommas(body)) {
      const first = part[0]?.word ?? ''
      const key = /^(PRIMARY|UNIQUE|KEY|INDEX|CONSTRAINT|FOREIGN|CHECK|FULLTEXT|SPATIAL)$/.test(first)
      if (key && first !== 'KEY') {
        if (first === 'CONSTRAINT' && part[1])
          names.push({kind: 'name', name: unquote(part[1].text), what: 'constraint'})
        const primary = part.findIndex((t) => t.word === 'PRIMARY')
        if (primary !== -1 && part[primary + 1]?.word === 'KEY') {
          const group = part.slice(part.findIndex((t) => t.text === '(') + 1)
          for (const t of group) if (t.kind === 'word' || t.kind === 'quoted') keys.add(unquote(t.text).toLowerCase())
        }

        continue
      }

      if (first === 'KEY' && part[1] && part[2]?.text === '(') continue // MySQL: KEY name (cols)
      const {column} = columnDefinition(part, c.sql, dialect)
      names.push({kind: 'name', name: column.name, what: 'column'})
      columns.push(column)
    }

    const withKeys = columns.map((col) =>
      keys.has(col.name.toLowerCase()) ? {...col, notNull: true, primaryKey: true} : col,
    )
    return [...names, {columns: withKeys, kind: 'createTable', table}]
  }

  const unique = c.accept('UNIQUE')
  const method = c.accept('FULLTEXT') ? 'fulltext' : c.accept('SPATIAL') ? 'spatial' : undefined
  if (c.accept('INDEX')) {
    c.accept('IF', 'NOT', 'EXISTS')
    const name = c.is('ON') ? undefined : c.name()
    if (c.accept('USING')) c.next()
    if (!c.accept('ON')) return undefined
    const table = c.name()
    const columns = splitCommas(c.group()).length
    const clauses = mysqlClauses(c.tokens.slice(c.i), table)
    return [
      ...(name ? [{kind: 'name', name: last(name), what: 'index'} as Action] : []),
      {columns, concurrently: false, kind: 'createIndex', method, name: name && last(name), table, unique},
      ...clauses,
    ]
  }

  if (
    [
      'VIEW',
      'TRIGGER',
      'PROCEDURE',
      'FUNCTION',
      'EVENT',
      'DATABASE',
      'SCHEMA',
      'USER',
      'ROLE',
      'VIRTUAL',
      'DEFINER',
      'ALGORITHM',
      'SQL',
      'AGGREGATE',
      'SEQUENCE',
      'TEMPORARY',
    ].includes(c.w())
  )
    return [{kind: 'harmless', what: `CREATE ${c.w()}`}]
  return undefined
}

/** ALGORITHM= and LOCK= among the remaining tokens (CREATE INDEX, DROP INDEX). */
function mysqlClauses(tokens: readonly Tok[], table: string): Action[] {
  let algorithm: string | undefined
  let lock: string | undefined
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i].word
    if (w !== 'ALGORITHM' && w !== 'LOCK') continue
    const value = tokens[i + 1]?.text === '=' ? tokens[i + 2] : tokens[i + 1]
    if (w === 'ALGORITHM') algorithm = value?.text
    else lock = value?.text
  }

  return algorithm || lock ? [{algorithm, kind: 'mysqlClauses', lock, table}] : []
}

function drop(c: Cursor): Action[] | undefined {
  c.next()
  const temporary = c.accept('TEMPORARY')
  if (c.accept('TABLE') || c.accept('TABLES')) {
    c.accept('IF', 'EXISTS')
    if (temporary) return [{kind: 'harmless', what: 'DROP TEMPORARY TABLE'}]
    const rest = c.tokens.slice(c.i).filter((t) => !['CASCADE', 'RESTRICT'].includes(t.word))
    return splitCommas(rest).map((p) => ({kind: 'dropTable', table: p.map((t) => t.text).join('')}) as Action)
  }

  if (c.accept('INDEX')) {
    c.accept('IF', 'EXISTS')
    const name = c.name()
    const table = c.accept('ON') ? c.name() : undefined
    return [
      {concurrently: false, kind: 'dropIndex', name, table},
      ...(table ? mysqlClauses(c.tokens.slice(c.i), table) : []),
    ]
  }

  if (c.accept('DATABASE') || c.accept('SCHEMA')) {
    c.accept('IF', 'EXISTS')
    return [{kind: 'dropDatabase', name: c.name(), what: 'database'}]
  }

  if (['VIEW', 'TRIGGER', 'PROCEDURE', 'FUNCTION', 'EVENT', 'USER', 'ROLE'].includes(c.w()))
    return [{kind: 'harmless', what: `DROP ${c.w()}`}]
  return undefined
}

/** ALTER DATABASE / VIEW / EVENT / ...: nothing a running application waits for. */
function alterOther(c: Cursor): Action[] {
  const what = c.w()
  if (
    [
      'DATABASE',
      'SCHEMA',
      'VIEW',
      'EVENT',
      'FUNCTION',
      'PROCEDURE',
      'USER',
      'DEFINER',
      'ALGORITHM',
      'SQL',
      'SERVER',
      'LOGFILE',
      'TABLESPACE',
      'INSTANCE',
      'SEQUENCE',
    ].includes(what)
  )
    return [{kind: 'harmless', what: `ALTER ${what}`}]
  return [{kind: 'unclassified', what: `ALTER ${what} (raw SQL the lint does not read)`}]
}

/** ALTER TABLE t spec, spec, ...: each specification into actions; undefined when one is not understood. */
function alterTable(c: Cursor, table: string, dialect: DialectName): Action[] | undefined {
  const out: Action[] = []
  let algorithm: string | undefined
  let lock: string | undefined
  const rest = c.tokens.slice(c.i)
  // Partition options follow the specifications without a comma.
  const partitionAt = rest.findIndex(
    (t, i) =>
      (t.word === 'PARTITION' && rest[i + 1]?.word === 'BY') ||
      (t.word === 'REMOVE' && rest[i + 1]?.word === 'PARTITIONING'),
  )
  const specs = splitCommas(partitionAt === -1 ? rest : rest.slice(0, partitionAt))
  if (partitionAt !== -1) out.push({kind: 'rebuild', table, what: 'repartition'})
  for (const spec of specs) {
    const s = new Cursor(spec, c.sql)
    const word = s.w()
    if (s.accept('ALGORITHM')) {
      s.accept('=')
      algorithm = s.next()?.text
    } else if (s.accept('LOCK')) {
      s.accept('=')
      lock = s.next()?.text
    } else if (s.accept('ADD')) {
      const added = addSpec(s, table, dialect)
      if (!added) return undefined
      out.push(...added)
    } else if (s.accept('DROP')) {
      const dropped = dropSpec(s, table)
      if (!dropped) return undefined
      out.push(...dropped)
    } else if (s.accept('MODIFY') || word === 'CHANGE') {
      const change = s.accept('CHANGE')
      s.accept('COLUMN')
      s.accept('IF', 'EXISTS')
      const old = change ? unquote(s.name()) : undefined
      const {column} = columnDefinition(spec.slice(s.i), c.sql, dialect)
      if (old !== undefined && old.toLowerCase() !== column.name.toLowerCase()) {
        out.push(
          {kind: 'name', name: column.name, what: 'column'},
          {column: old, kind: 'renameColumn', newName: column.name, table},
        )
      }

      if (column.type) out.push({column: column.name, kind: 'alterType', restated: true, table, type: column.type})
      if (column.autoincrement) out.push({column: column.name, how: 'auto_increment', kind: 'numbering', table})
    } else if (s.accept('ALTER')) {
      s.accept('COLUMN')
      const column = unquote(s.name())
      if (
        s.accept('SET', 'DEFAULT') ||
        s.accept('DROP', 'DEFAULT') ||
        s.accept('SET', 'VISIBLE') ||
        s.accept('SET', 'INVISIBLE')
      )
        out.push({kind: 'harmless', what: `ALTER COLUMN ${column} DEFAULT`})
      else if (s.accept('INDEX') || s.accept('CHECK') || s.accept('CONSTRAINT'))
        out.push({kind: 'harmless', what: 'ALTER INDEX'})
      else return undefined
    } else if (s.accept('RENAME')) {
      if (s.accept('COLUMN')) {
        const column = unquote(s.name())
        s.accept('TO')
        const newName = unquote(s.name())
        out.push({kind: 'name', name: newName, what: 'column'}, {column, kind: 'renameColumn', newName, table})
      } else if (s.accept('INDEX') || s.accept('KEY')) {
        s.name()
        s.accept('TO')
        out.push({kind: 'name', name: unquote(s.name()), what: 'index'})
      } else {
        s.acceptAny('TO', 'AS')
        const newName = s.name()
        // SQLite (and MySQL's CHANGE-less form): RENAME a TO b renames a column.
        if (s.accept('TO')) {
          const to = unquote(s.name())
          out.push(
            {kind: 'name', name: to, what: 'column'},
            {column: unquote(newName), kind: 'renameColumn', newName: to, table},
          )
        } else out.push({kind: 'name', name: last(newName), what: 'table'}, {kind: 'renameTable', newName, table})
      }
    } else if (s.accept('CONVERT', 'TO')) {
      out.push({kind: 'rebuild', table, what: 'convert charset'})
    } else if (s.accept('ENGINE')) {
      out.push({kind: 'rebuild', table, what: 'engine'})
    } else if (s.accept('FORCE') || s.accept('ROW_FORMAT') || s.accept('KEY_BLOCK_SIZE')) {
      out.push({kind: 'rebuild', table, what: 'force'})
    } else if (
      [
        'DEFAULT',
        'CHARACTER',
        'CHARSET',
        'COLLATE',
        'COMMENT',
        'AUTO_INCREMENT',
        'STATS_PERSISTENT',
        'STATS_AUTO_RECALC',
        'STATS_SAMPLE_PAGES',
        'DISABLE',
        'ENABLE',
        'PACK_KEYS',
        'CHECKSUM',
        'MAX_ROWS',
        'MIN_ROWS',
        'AVG_ROW_LENGTH',
      ].includes(word)
    ) {
      out.push({kind: 'harmless', what: `table option ${word}`})
    } else if (s.accept('TRUNCATE', 'PARTITION')) {
      out.push({cascade: false, kind: 'truncate', tables: [`${table} partition ${s.name()}`]})
    } else if (
      [
        'ANALYZE',
        'CHECK',
        'OPTIMIZE',
        'REBUILD',
        'REPAIR',
        'COALESCE',
        'REORGANIZE',
        'EXCHANGE',
        'DISCARD',
        'IMPORT',
        'ORDER',
      ].includes(word)
    ) {
      if (word === 'ANALYZE' || word === 'CHECK') out.push({kind: 'harmless', what: word})
      else if (word === 'REBUILD' || word === 'OPTIMIZE' || word === 'REORGANIZE' || word === 'COALESCE')
        out.push({kind: 'rebuild', table, what: 'force'})
      else return undefined
    } else {
      return undefined
    }
  }

  if (algorithm || lock) out.push({algorithm, kind: 'mysqlClauses', lock, table})
  // MySQL: DROP PRIMARY KEY with ADD PRIMARY KEY in one statement replaces the key in place.
  const addsKey = out.some((a) => a.kind === 'addConstraint' && a.constraint === 'primaryKey')
  return out.map((a) =>
    a.kind === 'dropConstraint' && a.constraint === 'primaryKey' && addsKey ? {...a, replaced: true} : a,
  )
}

function addSpec(s: Cursor, table: string, dialect: DialectName): Action[] | undefined {
  let name: string | undefined
  if (s.accept('CONSTRAINT')) {
    if (!['PRIMARY', 'UNIQUE', 'FOREIGN', 'CHECK'].includes(s.w())) name = unquote(s.name())
  }

  const named: Action[] = name ? [{kind: 'name', name, what: 'constraint'}] : []
  if (s.accept('PRIMARY', 'KEY')) return [...named, {constraint: 'primaryKey', kind: 'addConstraint', name, table}]
  if (s.accept('UNIQUE')) {
    s.acceptAny('INDEX', 'KEY')
    if (!s.is('(')) name ??= unquote(s.name())
    return [...named, {constraint: 'unique', kind: 'addConstraint', name, table}]
  }

  if (s.accept('FOREIGN', 'KEY')) {
    if (!s.is('(')) name ??= unquote(s.name())
    s.group()
    s.accept('REFERENCES')
    const referencedTable = s.name()
    return [...named, {constraint: 'foreignKey', kind: 'addConstraint', name, referencedTable, table}]
  }

  if (s.accept('CHECK')) {
    s.group()
    const notEnforced = s.accept('NOT', 'ENFORCED')
    return [...named, {constraint: 'check', kind: 'addConstraint', name, notValid: notEnforced || undefined, table}]
  }

  const method = s.accept('FULLTEXT') ? 'fulltext' : s.accept('SPATIAL') ? 'spatial' : undefined
  if (s.accept('INDEX') || s.accept('KEY') || method) {
    s.acceptAny('INDEX', 'KEY')
    s.accept('IF', 'NOT', 'EXISTS')
    const index = s.is('(') ? undefined : unquote(s.name())
    if (s.accept('USING')) s.next()
    const columns = splitCommas(s.group()).length
    return [
      ...(index ? [{kind: 'name', name: index, what: 'index'} as Action] : []),
      {columns, concurrently: false, kind: 'createIndex', method, name: index, table, unique: false},
    ]
  }

  if (s.accept('PARTITION')) return [{kind: 'harmless', what: 'ADD PARTITION'}]
  s.accept('COLUMN')
  s.accept('IF', 'NOT', 'EXISTS')
  if (s.is('(')) {
    // ADD COLUMN (a INT, b INT): several columns, added last.
    return splitCommas(s.group()).flatMap((part) => {
      const {column} = columnDefinition(part, s.sql, dialect)
      return [
        {kind: 'name', name: column.name, what: 'column'},
        {column, kind: 'addColumn', table},
      ] as Action[]
    })
  }

  const {column, positioned} = columnDefinition(s.tokens.slice(s.i), s.sql, dialect)
  return [
    {kind: 'name', name: column.name, what: 'column'},
    {column, kind: 'addColumn', positioned: positioned || undefined, table},
  ]
}

function dropSpec(s: Cursor, table: string): Action[] | undefined {
  if (s.accept('PRIMARY', 'KEY')) return [{constraint: 'primaryKey', kind: 'dropConstraint', table}]
  if (s.accept('FOREIGN', 'KEY')) {
    s.accept('IF', 'EXISTS')
    return [{constraint: 'foreignKey', kind: 'dropConstraint', name: unquote(s.name()), table}]
  }

  if (s.accept('INDEX') || s.accept('KEY')) {
    s.accept('IF', 'EXISTS')
    return [{concurrently: false, kind: 'dropIndex', name: unquote(s.name()), table}]
  }

  if (s.accept('CHECK') || s.accept('CONSTRAINT')) {
    s.accept('IF', 'EXISTS')
    return [{kind: 'dropConstraint', name: unquote(s.name()), table}]
  }

  if (s.accept('PARTITION')) {
    return splitCommas(s.tokens.slice(s.i)).map(
      (p) => ({kind: 'dropTable', table: `${table} partition ${p.map((t) => t.text).join('')}`}) as Action,
    )
  }

  s.accept('COLUMN')
  s.accept('IF', 'EXISTS')
  const column = unquote(s.name())
  return [{column, kind: 'dropColumn', table}]
}
