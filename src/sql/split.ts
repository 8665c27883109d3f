import type {DialectName} from '../util/dialect-names.js'
import {ScriptError} from '../util/errors.js'
import {initialState, isTrivia, Lexer, type LexerState, SqlTextError, type Token} from './lexer.js'

/** One statement of a SQL text, as its dialect's client would send it. */
export interface SqlStatement {
  /** From its first to its last token that says something: leading and trailing space and comments left out. */
  readonly sql: string
  /** Where it starts in the text (0-based offset; 1-based line and column). */
  readonly offset: number
  readonly line: number
  readonly column: number
}

/** A client command of the text (a psql meta-command), which is not SQL and never sent. */
export interface SqlDirective {
  readonly directive: string
  readonly offset: number
}

// sqlite3_complete()'s states and token classes (SQLite's complete.c).
const enum Sq {
  Start = 1,
  Normal,
  Explain,
  Create,
  Trigger,
  Semi,
  End,
}
const SQLITE_TRANSITIONS: Record<number, readonly number[]> = {
  //           SEMI       OTHER       EXPLAIN     CREATE     TEMP        TRIGGER     END
  [Sq.Start]: [Sq.Start, Sq.Normal, Sq.Explain, Sq.Create, Sq.Normal, Sq.Normal, Sq.Normal],
  [Sq.Normal]: [Sq.Start, Sq.Normal, Sq.Normal, Sq.Normal, Sq.Normal, Sq.Normal, Sq.Normal],
  [Sq.Explain]: [Sq.Start, Sq.Explain, Sq.Normal, Sq.Create, Sq.Normal, Sq.Normal, Sq.Normal],
  [Sq.Create]: [Sq.Start, Sq.Normal, Sq.Normal, Sq.Normal, Sq.Create, Sq.Trigger, Sq.Normal],
  [Sq.Trigger]: [Sq.Semi, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.Trigger],
  [Sq.Semi]: [Sq.Semi, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.End],
  [Sq.End]: [Sq.Start, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.Trigger, Sq.Trigger],
}
const SQLITE_KEYWORDS: Record<string, number> = {CREATE: 3, END: 6, EXPLAIN: 2, TEMP: 4, TEMPORARY: 4, TRIGGER: 5}

/**
 * Where one statement ends, per dialect: psql's parenthesis depth and its
 * `CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ... END` depth (psqlscan.l),
 * and sqlite3_complete()'s trigger states; MySQL's client ends a statement
 * at every delimiter.
 */
class StatementEnd {
  private parens: number[] = []
  private begins: number[] = []
  private words = 0
  private head = ''
  private sqlite = Sq.Start
  private create = 0

  constructor(
    private readonly text: string,
    private readonly dialect: DialectName,
  ) {}

  reset(): void {
    this.parens = []
    this.begins = []
    this.words = 0
    this.head = ''
    this.sqlite = Sq.Start
  }

  /** A token of the statement that is not trivia. */
  see(token: Token): void {
    if (this.dialect === 'postgresql') this.postgres(token)
    else if (this.dialect === 'sqlite') this.step(token)
  }

  /** The delimiter ends the statement (else it is part of it). */
  ends(token: Token): boolean {
    if (this.dialect === 'postgresql') return this.parens.length === 0 && this.begins.length === 0
    if (this.dialect === 'sqlite') return this.step(token) === Sq.Start
    return true
  }

  /** At the end of the text: the statement is whole, or the error that says why not. */
  check(): void {
    if (this.parens.length > 0) this.fail(this.parens.at(-1)!, 'unclosed parenthesis')
    if (this.begins.length > 0) this.fail(this.begins[0], 'BEGIN without its END')
    // At the end of the text a trigger's END needs no `;` after it (a statement given alone, as op.execute gets it).
    if (this.sqlite === Sq.Trigger || this.sqlite === Sq.Semi) this.fail(this.create, 'CREATE TRIGGER without its END;')
  }

  private fail(offset: number, reason: string): never {
    throw new SqlTextError(reason, offset)
  }

  private postgres(token: Token): void {
    const text = this.text.slice(token.start, token.end)
    if (token.kind === 'punct') {
      if (text === '(') this.parens.push(token.start)
      else if (text === ')') this.parens.pop()
      return
    }

    if (token.kind !== 'word') return
    // psql remembers the first letters of the first four words when they are CREATE, OR, REPLACE, FUNCTION, PROCEDURE.
    const word = text.toLowerCase()
    if (this.words < 4) this.head += ['create', 'function', 'procedure', 'or', 'replace'].includes(word) ? word[0] : '-'
    this.words++
    const routine = /^c(?:[fp]|or[fp])/.test(this.head)
    if (!routine || this.parens.length > 0) return
    if (word === 'begin') this.begins.push(token.start)
    else if (word === 'case' && this.begins.length > 0) this.begins.push(token.start)
    else if (word === 'end') this.begins.pop()
  }

  /** sqlite3_complete's next state for a token (the delimiter included). */
  private step(token: Token): number {
    let column = 1 // OTHER
    if (token.kind === 'delimiter') column = 0
    else if (token.kind === 'word') column = SQLITE_KEYWORDS[this.text.slice(token.start, token.end).toUpperCase()] ?? 1
    if (this.sqlite === Sq.Start && column === 3) this.create = token.start
    this.sqlite = SQLITE_TRANSITIONS[this.sqlite][column]
    return this.sqlite
  }
}

/** psql meta-commands that change nothing db-manage does: pg_dump's \restrict guard, stopping on error (always on). */
const HARMLESS_DIRECTIVE = /^\\(?:restrict|unrestrict)\b|^\\set\s+ON_ERROR_STOP\b/i

export interface SplitOptions {
  /** The lexer's settings at the start (MySQL's NO_BACKSLASH_ESCAPES when the server's sql_mode has it). */
  readonly state?: Partial<LexerState>
  /** psql meta-commands: all skipped (a dump read as a target schema), or refused but for the harmless ones. */
  readonly directives?: 'refuse' | 'skip'
  /** Only this part of the text (offsets), positions still counted in the whole text: a section of a file. */
  readonly range?: readonly [number, number]
  /**
   * MySQL, for SQL a script passes to `op.execute`: a statement that creates a
   * stored program (CREATE PROCEDURE, FUNCTION, TRIGGER, EVENT, PACKAGE, or
   * BEGIN NOT ATOMIC) runs to the end of the text, its `;` inside, as the
   * server reads one statement (a file needs DELIMITER for that, as for the
   * mysql client).
   */
  readonly programs?: boolean
}

/**
 * Split a SQL text into the statements its dialect's client would send, and
 * read the settings a statement changes for the rest of the text (MySQL's
 * sql_mode NO_BACKSLASH_ESCAPES, PostgreSQL's standard_conforming_strings).
 * `source` names the text in an error: a text that cannot be read to a clean
 * end (an unterminated string, comment, dollar quote, block or parenthesis,
 * a psql meta-command db-manage cannot run) is refused whole, naming the line
 * and column, before anything of it runs.
 */
export function splitSql(
  text: string,
  dialect: DialectName,
  source: string,
  options: SplitOptions = {},
): SqlStatement[] {
  const [from, to] = options.range ?? [0, text.length]
  try {
    const part = from === 0 && to === text.length ? text : text.slice(from, to)
    return split(part, dialect, {...initialState(), ...options.state}, options)
      .map(({offset, sql}) => ({offset: offset + from, sql}))
      .map(withPositions(text))
  } catch (error) {
    if (!(error instanceof SqlTextError)) throw error
    throw refusal(text, source, error, from)
  }
}

/** The one line that says where and why `source`'s text cannot be read to a clean end. */
export function refusal(text: string, source: string, error: SqlTextError, base = 0): ScriptError {
  const {column, line} = lineAndColumn(text, error.offset + base)
  return new ScriptError(`${source}:${line}:${column}: ${error.reason}; nothing of it was run`)
}

function split(
  text: string,
  dialect: DialectName,
  state: LexerState,
  options: SplitOptions,
): Array<{offset: number; sql: string}> {
  const skipDirectives = options.directives === 'skip'
  const initial = {...state}
  const lexer = new Lexer(text, dialect, state)
  const end = new StatementEnd(text, dialect)
  const out: Array<{offset: number; sql: string}> = []
  let tokens: Token[] = []
  let first = -1
  let last = -1
  let program: boolean | undefined
  /** MySQL: a stored program's `;` stays inside it (options.programs). */
  const inProgram = () => {
    if (!options.programs || dialect !== 'mysql' || state.delimiter !== ';') return false
    program ??= storedProgram(text, tokens.slice(first))
    return program
  }

  /** The statement ends at `delimiter` (undefined: at the end of the text). */
  const emit = (delimiter?: Token) => {
    if (first !== -1) {
      const start = tokens[first].start
      if (dialect === 'sqlite') {
        const lastToken = [...tokens].reverse().find((t) => t.kind !== 'space')!
        out.push({offset: start, sql: sqliteText(text, start, delimiter, lastToken)})
      } else if (dialect === 'mysql' && state.delimiter !== ';') {
        // The mysql client sends what lies between two DELIMITERs whole, with multi-statements on: the
        // server runs each statement of it, a stored program's body being one.
        const chunk = text.slice(start, tokens[last].end)
        const inner = split(chunk, dialect, {...state, delimiter: ';'}, {...options, programs: true})
        out.push(...inner.map((s) => ({offset: s.offset + start, sql: s.sql})))
      } else {
        out.push({offset: start, sql: text.slice(start, tokens[last].end)})
      }

      settings(text, tokens, dialect, state, initial)
    }

    tokens = []
    first = -1
    last = -1
    program = undefined
    end.reset()
  }

  while (!lexer.done) {
    const token = lexer.next()
    if (token.kind === 'directive') {
      const line = text.slice(token.start, token.end).trim()
      const command = line.split(/\s/)[0]
      if (first !== -1) throw new SqlTextError(`psql meta-command ${command} inside a statement`, token.start)
      if (!skipDirectives && !HARMLESS_DIRECTIVE.test(line)) {
        throw new SqlTextError(`psql meta-command ${command} is not SQL, and db-manage runs only SQL`, token.start)
      }

      continue
    }

    if (dialect === 'mysql' && first === -1 && token.kind === 'word' && delimiterCommand(text, token, lexer)) continue
    if (token.kind === 'delimiter' && end.ends(token) && !(first !== -1 && inProgram())) {
      emit(token)
      continue
    }

    tokens.push(token)
    if (isTrivia(token) || (token.kind === 'delimiter' && program)) continue
    if (first === -1) first = tokens.length - 1
    last = tokens.length - 1
    if (token.kind !== 'delimiter') end.see(token)
  }

  lexer.finish()
  if (first !== -1) end.check()
  emit()
  return out
}

/**
 * SQLite keeps a statement's text in sqlite_master as sqlite3 sent it: from
 * its first token up to the `;` (comments and line breaks before the `;`
 * included), lines ending in LF; at the end of the text, trailing space
 * dropped but for the line break that ends a last line comment.
 */
function sqliteText(text: string, start: number, delimiter: Token | undefined, last: Token): string {
  let sql = text.slice(start, delimiter ? delimiter.start : undefined)
  if (!delimiter) sql = sql.trimEnd() + (last.kind === 'comment' && text[last.start] === '-' ? '\n' : '')
  return sql.replaceAll('\r\n', '\n')
}

/**
 * MySQL: the statement creates a stored program: CREATE [OR REPLACE] [DEFINER = user] [AGGREGATE]
 * PROCEDURE|FUNCTION|TRIGGER|EVENT|PACKAGE, or BEGIN NOT ATOMIC.
 */
function storedProgram(text: string, tokens: readonly Token[]): boolean {
  const words = tokens
    .filter((t) => !isTrivia(t) && t.kind !== 'code-open' && t.kind !== 'code-close')
    .slice(0, 16)
    .map((t) => text.slice(t.start, t.end).toUpperCase())
  if (words[0] === 'BEGIN') return words[1] === 'NOT' && words[2] === 'ATOMIC'
  if (words[0] !== 'CREATE') return false
  let i = 1
  if (words[i] === 'OR' && words[i + 1] === 'REPLACE') i += 2
  if (words[i] === 'DEFINER' && words[i + 1] === '=') {
    // user@host, CURRENT_USER or CURRENT_USER(): up to the next keyword.
    i += 2
    const next = /^(AGGREGATE|PROCEDURE|FUNCTION|TRIGGER|EVENT|PACKAGE|SQL|VIEW|ALGORITHM)$/
    while (i < words.length && !next.test(words[i])) i++
  }

  if (words[i] === 'AGGREGATE') i++
  return /^(PROCEDURE|FUNCTION|TRIGGER|EVENT|PACKAGE)$/.test(words[i] ?? '')
}

/** MySQL's `DELIMITER xx` command at the start of a statement: the rest of its line is the new delimiter. */
function delimiterCommand(text: string, token: Token, lexer: Lexer): boolean {
  if (token.end - token.start !== 9 || text.slice(token.start, token.end).toUpperCase() !== 'DELIMITER') return false
  if (text[token.end] !== ' ' && text[token.end] !== '\t') return false
  const eol = text.indexOf('\n', token.end)
  const line = text.slice(token.end, eol === -1 ? text.length : eol).trim()
  const arg = /^(['"`])(.+?)\1|^\S+/.exec(line)
  if (!arg) throw new SqlTextError('DELIMITER needs a delimiter after it', token.start)
  const delimiter = arg[2] ?? arg[0]
  if (delimiter.includes('\\')) throw new SqlTextError('DELIMITER cannot contain a backslash', token.start)
  lexer.state.delimiter = delimiter
  lexer.pos = eol === -1 ? text.length : eol
  return true
}

/** What a statement sets for the rest: MySQL's NO_BACKSLASH_ESCAPES, PostgreSQL's standard_conforming_strings. */
function settings(
  text: string,
  tokens: readonly Token[],
  dialect: DialectName,
  state: LexerState,
  initial: LexerState,
): void {
  if (dialect === 'sqlite') return
  const words = tokens.filter((t) => !isTrivia(t) && t.kind !== 'code-open' && t.kind !== 'code-close')
  const word = (t: Token | undefined) => (t ? text.slice(t.start, t.end).toUpperCase() : '')
  if (word(words[0]) !== 'SET') return
  const name = dialect === 'mysql' ? 'SQL_MODE' : 'STANDARD_CONFORMING_STRINGS'
  for (let i = 1; i < words.length - 1; i++) {
    if (word(words[i]) !== name) continue
    let k = i + 1
    if (word(words[k]) === ':') k++
    if (word(words[k]) !== '=' && word(words[k]) !== 'TO') continue
    const value = words[k + 1]
    if (dialect === 'mysql') {
      // A string sets the mode; an expression holding NO_BACKSLASH_ESCAPES (CONCAT(@@sql_mode, ...)) adds it.
      const rest = value ? text.slice(value.start, words.at(-1)!.end) : ''
      const literal = value?.kind === 'string' ? text.slice(value.start, value.end) : undefined
      if (literal !== undefined) state.noBackslashEscapes = /NO_BACKSLASH_ESCAPES/i.test(literal)
      else state.noBackslashEscapes = /NO_BACKSLASH_ESCAPES/i.test(rest) || initial.noBackslashEscapes
      continue
    }

    const literal = value ? text.slice(value.start, value.end).replaceAll(/^'|'$/g, '') : ''
    if (/^(on|true|yes|1)$/i.test(literal)) state.standardStrings = true
    else if (/^(off|false|no|0)$/i.test(literal)) state.standardStrings = false
    else state.standardStrings = initial.standardStrings
  }
}

/** 1-based line and column of an offset. */
function lineAndColumn(text: string, offset: number): {column: number; line: number} {
  return withPositions(text)({offset, sql: ''})
}

/** Line and column for offsets given in increasing order, in one pass over the text. */
function withPositions(text: string): (s: {offset: number; sql: string}) => SqlStatement {
  let line = 1
  let lineStart = 0
  let at = 0
  return ({offset, sql}) => {
    if (offset < at) {
      line = 1
      lineStart = 0
      at = 0
    }

    for (let i = text.indexOf('\n', at); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
      line++
      lineStart = i + 1
    }

    at = offset
    return {column: offset - lineStart + 1, line, offset, sql}
  }
}
