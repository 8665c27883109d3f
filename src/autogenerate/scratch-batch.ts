import {batchIndex, type Connection} from '../dialects/connection.js'

/** How many statements of a schema go to the scratch server in one round trip. */
const CHUNK = 200

/** A statement that begins or ends a transaction itself. */
const TRANSACTION_CONTROL = /^\s*(begin|commit|end|rollback|start\s+transaction|savepoint|release|abort)\b/i

/**
 * Run `statements` in order on the scratch database, many to a round trip
 * where the connection can (the scratch build was one round trip a statement:
 * 1,000 tables and their indexes, thousands of them). A statement that fails
 * is run again alone, so `failed` sees exactly the error it had run one by
 * one (PostgreSQL runs a query of several statements as one transaction:
 * what came before it in its batch is rolled back and sent again; MySQL
 * keeps it). `failed` decides: return to go on with the next statement, or throw.
 * `rollsBack`: whether a failed batch undoes what ran before the failure (transactional DDL).
 */
export async function runStatements(
  connection: Connection,
  statements: readonly string[],
  rollsBack: boolean,
  failed: (index: number, sql: string, error: unknown) => Promise<void>,
): Promise<void> {
  const one = async (index: number) => {
    try {
      await connection.query(statements[index])
    } catch (error) {
      await failed(index, statements[index], error)
    }
  }

  let at = 0
  while (at < statements.length) {
    const chunk = statements.slice(at, at + CHUNK)
    // A file's own BEGIN/COMMIT would end the batch's transaction part-way: such a chunk goes one by one.
    if (!connection.batch || chunk.length === 1 || chunk.some((sql) => TRANSACTION_CONTROL.test(sql))) {
      for (let i = 0; i < chunk.length; i++) await one(at++)
      continue
    }

    try {
      await connection.batch(chunk)
      at += chunk.length
    } catch (error) {
      const index = batchIndex(error)
      if (index === undefined) throw error
      if (rollsBack && index > 0) await connection.batch(chunk.slice(0, index))
      await one(at + index)
      at += index + 1
    }
  }
}
