// Kept free of src/ imports: the mocha setup file loads it, and src/ must be
// loaded once, by the tests themselves (a second copy breaks instanceof).
export type TestDialect = 'mysql' | 'postgresql' | 'sqlite'

export const ALL_DIALECTS: TestDialect[] = ['sqlite', 'postgresql', 'mysql']

/** The dialects to test, narrowed by DB_MANAGE_TEST_DIALECTS (e.g. "sqlite,postgresql"). */
export function dialectsUnderTest(): TestDialect[] {
  const only = process.env.DB_MANAGE_TEST_DIALECTS
  if (!only) return ALL_DIALECTS
  return ALL_DIALECTS.filter((d) =>
    only
      .split(',')
      .map((s) => s.trim())
      .includes(d),
  )
}
