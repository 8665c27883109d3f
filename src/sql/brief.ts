/**
 * A statement on one line, its first `length` characters (120 by default): for messages that name it. Its words
 * joined by one space, read only as far as `length` needs: every statement a run starts is briefed for the
 * progress line, and a long one (a function's body, a seed's VALUES) is not copied whole for its first 60 characters.
 */
export function brief(sql: string, length = 120): string {
  let out = ''
  let at = 0
  while (at < sql.length && out.length < length) {
    while (at < sql.length && isSpace(sql.charCodeAt(at))) at++
    const start = at
    while (at < sql.length && !isSpace(sql.charCodeAt(at))) at++
    if (at > start) out += (out === '' ? '' : ' ') + sql.slice(start, Math.min(at, start + length))
  }

  return out.slice(0, length)
}

/** A character of JavaScript's `\s`: white space and line terminators. */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d)
  if (code < 0xa0) return false
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  )
}
