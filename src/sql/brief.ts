/** A statement on one line, its first `length` characters (120 by default): for messages that name it. */
export function brief(sql: string, length = 120): string {
  return sql.replaceAll(/\s+/g, ' ').trim().slice(0, length)
}
