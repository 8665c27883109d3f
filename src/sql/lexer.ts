/**
 * The one SQL lexer of db-manage: every place that splits or reads raw SQL
 * (exec, `.sql` revisions, `op.execute`, the autogenerate scratch, offline
 * output, the statement rules) reads it through these tokens, per dialect,
 * as each database's own client reads a file:
 * - PostgreSQL as psql does: `--` and nested `/* *\/` comments; '' strings,
 *   E'' strings with backslash escapes, U&'' and U&""; "" identifiers;
 *   `$tag$ ... $tag$` bodies; `;` inside parentheses or a `BEGIN ATOMIC ...
 *   END` body ends nothing; a backslash starts a psql meta-command;
 * - MySQL/MariaDB as the mysql client does: `#` comments, `--` comments only
 *   before a space or a control character, `/* *\/` comments, `/*! ... *\/`
 *   and `/*M! ... *\/` as code; '' and "" strings with backslash escapes
 *   (unless the file sets NO_BACKSLASH_ESCAPES), backtick identifiers; the
 *   DELIMITER command;
 * - SQLite as sqlite3 does (sqlite3_complete): '' strings, "", ``, []
 *   identifiers, `--` and `/* *\/` comments, and `CREATE TRIGGER ... BEGIN
 *   ... END` whose `;` inside ends nothing, whatever CASE ... END it holds.
 */
import type {DialectName} from '../util/dialect-names.js'

export type TokenKind =
  /** MySQL's `/*!NNNNN` or `/*M!NNNNNN`: what follows is code the server runs, up to its `*\/` (a `code-close`). */
  | 'code-close'
  | 'code-open'
  | 'comment'
  /** The statement terminator: `;`, or what a MySQL DELIMITER command set. */
  | 'delimiter'
  /** A client command on a line of its own: MySQL's DELIMITER, a psql meta-command (`\connect`). */
  | 'directive'
  | 'number'
  /** A bound parameter: `$1` on PostgreSQL, `?` elsewhere (SQLite also `?NNN`, `:name`, `@name`, `$name`). */
  | 'param'
  | 'punct'
  /** A quoted identifier: "..." (and `...` on MySQL and SQLite, [...] on SQLite). */
  | 'quoted'
  | 'space'
  /** A string literal: '...', E'...', U&'...', $tag$...$tag$, MySQL "...". */
  | 'string'
  | 'word'

export interface Token {
  readonly kind: TokenKind
  readonly start: number
  readonly end: number
}

/** Where and why a SQL text cannot be read to a clean end (the caller turns the offset into a line and column). */
export class SqlTextError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`at offset ${offset}: ${reason}`)
  }
}

function fail(offset: number, reason: string): never {
  throw new SqlTextError(reason, offset)
}

/** Lexer settings a file can change as it goes (the statement that does is read first). */
export interface LexerState {
  /** MySQL: the statement terminator (DELIMITER). */
  delimiter: string
  /** MySQL: backslashes in strings are plain characters (sql_mode NO_BACKSLASH_ESCAPES). */
  noBackslashEscapes: boolean
  /** PostgreSQL: backslashes in '' strings are plain characters (standard_conforming_strings, on by default). */
  standardStrings: boolean
}

export function initialState(): LexerState {
  return {delimiter: ';', noBackslashEscapes: false, standardStrings: true}
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v'
/** A character that may continue an unquoted name: letters, digits, `_`, `$`, anything past ASCII. */
const isWordChar = (c: string): boolean => /[\w$]/.test(c) || c > '\u007F'
const isWordStart = (c: string): boolean => /[A-Za-z_]/.test(c) || c > '\u007F'

/**
 * A reader of one dialect's tokens, from a position; `next()` gives the
 * token there. It knows nothing of statements: the splitter does.
 */
export class Lexer {
  pos = 0
  /** MySQL: inside `/*! ... *\/`. */
  private codeDepth = 0
  /** MySQL: the position where the open `/*!` began, for an error. */
  private codeStart = 0

  constructor(
    readonly text: string,
    readonly dialect: DialectName,
    readonly state: LexerState = initialState(),
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length
  }

  /** The open MySQL `/*! ... *\/` at the end of the text, as an error. */
  finish(): void {
    if (this.codeDepth > 0) fail(this.codeStart, 'unterminated /*! ... */ comment')
  }

  private token(kind: TokenKind, start: number): Token {
    return {end: this.pos, kind, start}
  }

  next(): Token {
    const {text, dialect} = this
    const start = this.pos
    const c = text[start]
    const d = text[start + 1]
    if (dialect === 'mysql' && this.state.delimiter !== ';' && text.startsWith(this.state.delimiter, start)) {
      this.pos += this.state.delimiter.length
      return this.token('delimiter', start)
    }

    if (isSpace(c)) {
      while (this.pos < text.length && isSpace(text[this.pos])) this.pos++
      return this.token('space', start)
    }

    const dashes = c === '-' && d === '-'
    if (dashes && (dialect !== 'mysql' || this.mysqlDashComment(start + 2))) return this.lineComment(start)
    if (c === '#' && dialect === 'mysql') return this.lineComment(start)
    if (c === '/' && d === '*') {
      if (dialect === 'mysql' && (text[start + 2] === '!' || (text[start + 2] === 'M' && text[start + 3] === '!'))) {
        this.pos = start + (text[start + 2] === '!' ? 3 : 4)
        while (/\d/.test(text[this.pos] ?? '')) this.pos++
        if (this.codeDepth === 0) this.codeStart = start
        this.codeDepth++
        return this.token('code-open', start)
      }

      return this.blockComment(start)
    }

    if (c === '*' && d === '/' && this.codeDepth > 0) {
      this.pos += 2
      this.codeDepth--
      return this.token('code-close', start)
    }

    if (c === ';' && this.state.delimiter === ';') {
      this.pos++
      return this.token('delimiter', start)
    }

    if (c === "'") return this.quoted(start, "'", this.backslashes())
    switch (dialect) {
      case 'postgresql': {
        return this.postgres(start)
      }

      case 'mysql': {
        return this.mysql(start)
      }

      default: {
        return this.sqlite(start)
      }
    }
  }

  /** MySQL reads `--` as a comment only before a space, a control character or the end. */
  private mysqlDashComment(at: number): boolean {
    return at >= this.text.length || this.text.charCodeAt(at) <= 32
  }

  private lineComment(start: number): Token {
    const end = this.text.indexOf('\n', start)
    this.pos = end === -1 ? this.text.length : end
    return this.token('comment', start)
  }

  private blockComment(start: number): Token {
    const {text} = this
    const nested = this.dialect === 'postgresql'
    let depth = 0
    let i = start
    while (i < text.length) {
      if (text[i] === '/' && text[i + 1] === '*' && (nested || depth === 0)) {
        depth++
        i += 2
      } else if (text[i] === '*' && text[i + 1] === '/') {
        depth--
        i += 2
        if (depth === 0) {
          this.pos = i
          return this.token('comment', start)
        }
      } else {
        i++
      }
    }

    fail(start, 'unterminated /* comment')
  }

  /** Whether a backslash escapes the next character in a '' string. */
  private backslashes(): boolean {
    if (this.dialect === 'mysql') return !this.state.noBackslashEscapes
    if (this.dialect === 'postgresql') return !this.state.standardStrings
    return false
  }

  /** A quoted text up to its closing `close`, a doubled `close` standing for itself. */
  private quoted(start: number, close: string, backslash: boolean, kind: TokenKind = 'string', open = 1): Token {
    const {text} = this
    let i = start + open
    while (i < text.length) {
      const ch = text[i]
      if (backslash && ch === '\\') {
        i += 2
      } else if (ch === close) {
        if (text[i + 1] === close && close !== ']') {
          i += 2
        } else {
          this.pos = i + 1
          return this.token(kind, start)
        }
      } else {
        i++
      }
    }

    const what = kind === 'string' ? 'string' : 'quoted identifier'
    fail(start, `unterminated ${what} ${text.slice(start, start + open)}...${close}`)
  }

  private word(start: number): Token {
    const {text} = this
    const delimiter = this.dialect === 'mysql' && this.state.delimiter !== ';' ? this.state.delimiter : undefined
    let i = start + 1
    while (i < text.length && isWordChar(text[i]) && !(delimiter && text.startsWith(delimiter, i))) i++
    this.pos = i
    return this.token(/\d/.test(text[start]) ? 'number' : 'word', start)
  }

  private punct(start: number): Token {
    this.pos = start + 1
    return this.token('punct', start)
  }

  private postgres(start: number): Token {
    const {text} = this
    const c = text[start]
    if (c === '"') return this.quoted(start, '"', false, 'quoted')
    // E'...' (backslash escapes), U&'...' and U&"...", B'', X'', N''.
    if ((c === 'E' || c === 'e') && text[start + 1] === "'") return this.quoted(start, "'", true, 'string', 2)
    if ((c === 'U' || c === 'u') && text[start + 1] === '&' && (text[start + 2] === "'" || text[start + 2] === '"')) {
      const q = text[start + 2]
      return this.quoted(start, q, false, q === "'" ? 'string' : 'quoted', 3)
    }

    if (/[BbXxNn]/.test(c) && text[start + 1] === "'") return this.quoted(start, "'", false, 'string', 2)
    if (c === '$') {
      const tag = /^\$(?:[A-Za-z_\u0080-\uFFFF][\w\u0080-\uFFFF]*)?\$/.exec(text.slice(start, start + 256))
      if (tag) {
        const end = text.indexOf(tag[0], start + tag[0].length)
        if (end === -1) fail(start, `unterminated dollar-quoted string ${tag[0]}...${tag[0]}`)
        this.pos = end + tag[0].length
        return this.token('string', start)
      }

      const param = /^\$\d+/.exec(text.slice(start, start + 24))
      if (param) {
        this.pos = start + param[0].length
        return this.token('param', start)
      }
    }

    if (c === '\\') {
      // psql: a backslash starts a meta-command that runs to the end of the line.
      const end = text.indexOf('\n', start)
      this.pos = end === -1 ? text.length : end
      return this.token('directive', start)
    }

    if (isWordStart(c) || /\d/.test(c)) return this.word(start)
    return this.punct(start)
  }

  private mysql(start: number): Token {
    const {text} = this
    const c = text[start]
    if (c === '"') return this.quoted(start, '"', !this.state.noBackslashEscapes)
    if (c === '`') return this.quoted(start, '`', false, 'quoted')
    if (c === '?') return this.param(start)
    if (isWordChar(c)) return this.word(start)
    return this.punct(start)
  }

  private sqlite(start: number): Token {
    const {text} = this
    const c = text[start]
    if (c === '"' || c === '`') return this.quoted(start, c, false, 'quoted')
    if (c === '[') return this.quoted(start, ']', false, 'quoted')
    if (c === '?') {
      this.pos = start + 1
      while (/\d/.test(text[this.pos] ?? '')) this.pos++
      return this.token('param', start)
    }

    if ((c === ':' || c === '@' || c === '$') && isWordChar(text[start + 1] ?? ' ')) {
      this.pos = start + 1
      while (this.pos < text.length && isWordChar(text[this.pos])) this.pos++
      return this.token('param', start)
    }

    if (isWordChar(c)) return this.word(start)
    return this.punct(start)
  }

  private param(start: number): Token {
    this.pos = start + 1
    return this.token('param', start)
  }
}

/** Every token of a text, in order (no statement splitting; a MySQL text is read with `;` as its delimiter). */
export function tokenize(text: string, dialect: DialectName): Token[] {
  const lexer = new Lexer(text, dialect)
  const tokens: Token[] = []
  while (!lexer.done) tokens.push(lexer.next())
  lexer.finish()
  return tokens
}

/** Tokens that are no part of what a statement says: space and comments (not MySQL's `/*! ... *\/` code). */
export function isTrivia(token: Token): boolean {
  return token.kind === 'space' || token.kind === 'comment'
}
