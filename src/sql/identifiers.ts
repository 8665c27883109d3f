/** An identifier as SQL text may spell it: "double-quoted", `backquoted`, [bracketed] or bare. */
export const IDENT = String.raw`(?:"(?:[^"]|"")*"|\x60(?:[^\x60]|\x60\x60)*\x60|\[[^\]]*]|[\w$]+)`

/** Whether an identifier is written quoted (its case then matters). */
export function isQuotedIdent(ident: string): boolean {
  return /^["`[]/.test(ident)
}

/** The name an identifier spells, its quotes removed. */
export function unquoteIdent(ident: string): string {
  const first = ident[0]
  if (first === '"') return ident.slice(1, -1).replaceAll('""', '"')
  if (first === '`') return ident.slice(1, -1).replaceAll('``', '`')
  if (first === '[') return ident.slice(1, -1)
  return ident
}
