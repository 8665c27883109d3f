/**
 * A statement on one line, its first `length` characters (120 by default): for messages that name it. Its words
 * joined by one space, read only as far as `length` needs: every statement a run starts is briefed for the
 * progress line, and a long one (a function's body, a seed's VALUES) is not copied whole for its first 60 characters.
 */
export function brief(sql: string, length = 120): string {
  let out = ''
  for (const [word] of sql.matchAll(/\S+/g)) {
    out = out === '' ? word : `${out} ${word}`
    if (out.length >= length) break
  }

  return out.slice(0, length)
}
