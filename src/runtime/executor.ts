import type {Connection, QueryResult} from '../dialects/connection.js'
import type {Statement} from '../dialects/ddl-compiler.js'

/**
 * The one place all migration SQL goes through, version-table updates
 * included: online it runs on the connection; offline (--sql) it is written
 * out. Offline therefore equals online by construction.
 */
export interface SqlExecutor {
  execute(statement: Statement): Promise<QueryResult>
}

export class OnlineExecutor implements SqlExecutor {
  /** Statements run since the last mark, for reporting what a failed MySQL revision left behind. */
  executed: string[] = []

  constructor(readonly connection: Connection, private readonly debug?: (line: string) => void) {}

  async execute(statement: Statement): Promise<QueryResult> {
    this.debug?.(`SQL: ${statement.sql}${statement.params?.length ? ` -- params: ${JSON.stringify(statement.params)}` : ''}`)
    const result = await this.connection.query(statement.sql, statement.params)
    this.executed.push(statement.sql)
    return result
  }
}
