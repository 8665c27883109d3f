import type {DialectName} from '../util/dialect-names.js'
import {splitSql} from '../sql/split.js'
import type {Action, LintStatement} from './actions.js'
import type {SqlReader} from './from-operations.js'
import {loadPostgresParser, postgresActions} from './postgres-sql.js'
import {tokenActions} from './token-sql.js'

/** Reads one statement into actions. */
export type StatementReader = (sql: string) => Action[]

/**
 * The dialect's reader of one statement: PostgreSQL's grammar (its parser
 * loaded here, once), MySQL's and SQLite's from the lexer's tokens.
 */
export async function statementReader(dialect: DialectName): Promise<StatementReader> {
  if (dialect === 'postgresql') {
    await loadPostgresParser()
    return postgresActions
  }

  return (sql) => tokenActions(sql, dialect)
}

/**
 * A reader of a raw SQL text (what op.execute is given): split as the
 * dialect's client splits it, each statement read with its line in the text.
 * A text that cannot be split (an unterminated string) is one unclassified
 * statement: it fails when it runs, and says so then.
 */
export function textReader(read: StatementReader, dialect: DialectName): SqlReader {
  return (text) => {
    let statements
    try {
      // As op.execute splits it when it runs: a MySQL stored program (CREATE PROCEDURE ... BEGIN ...; END) is one.
      statements = splitSql(text, dialect, 'op.execute', {programs: true})
    } catch (error) {
      return [{actions: [{kind: 'unclassified', what: (error as Error).message}], line: 1, sql: text}]
    }

    return statements.map((s): LintStatement => ({actions: read(s.sql), line: s.line, sql: s.sql}))
  }
}
