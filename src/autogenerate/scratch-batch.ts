import {batchIndex, type Connection} from '../dialects/connection.js'
import type {ScratchUnit} from './scratch-fold.js'

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
 * `units`: the statements as they are sent, when some are sent as one (scratch-fold.ts); a unit of several that
 * fails is run again statement by statement.
 */
export async function runStatements(
  connection: Connection,
  statements: readonly string[],
  rollsBack: boolean,
  failed: (index: number, sql: string, error: unknown) => Promise<void>,
  units: readonly ScratchUnit[] = statements.map((sql, i) => ({from: i, sql, to: i + 1})),
): Promise<void> {
  const one = async (index: number) => {
    try {
      await connection.query(statements[index])
    } catch (error) {
      await failed(index, statements[index], error)
    }
  }

  // A unit of several statements that fails: each of them alone (a CREATE TABLE failed whole, nothing of it made).
  const unit = async (u: ScratchUnit) => {
    if (u.to - u.from === 1) return one(u.from)
    try {
      await connection.query(u.sql)
    } catch {
      for (let i = u.from; i < u.to; i++) await one(i)
    }
  }

  let at = 0
  while (at < units.length) {
    const chunk = units.slice(at, at + CHUNK)
    // A file's own BEGIN/COMMIT would end the batch's transaction part-way: such a chunk goes one by one.
    if (!connection.batch || chunk.length === 1 || chunk.some((u) => TRANSACTION_CONTROL.test(u.sql))) {
      for (const u of chunk) await unit(u)
      at += chunk.length
      continue
    }

    try {
      await connection.batch(chunk.map((u) => u.sql))
      at += chunk.length
    } catch (error) {
      const index = batchIndex(error)
      if (index === undefined) throw error
      if (rollsBack && index > 0) await connection.batch(chunk.slice(0, index).map((u) => u.sql))
      await unit(chunk[index])
      at += index + 1
    }
  }
}
