/**
 * The dialects db-manage speaks: the vocabulary every layer shares (a URL's
 * scheme, the SQL lexer's rules, `op.dialect`, --dialect). What each one does
 * lives in dialects/ (registry.ts); this file only names them, so that config,
 * sql and operations can say which dialect they mean without importing it.
 */
export const DIALECT_NAMES = ['postgresql', 'mysql', 'sqlite'] as const
export type DialectName = (typeof DIALECT_NAMES)[number]
