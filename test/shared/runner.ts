/**
 * What a shared suite needs of a test runner: its own `describe`, `it` and `expect`. Each face's runner hands in
 * vitest's (3 on the root face, 5 on the Effect 4 face), so the suites import neither vitest nor Effect.
 */

/** The matchers the shared suites use: a subset of vitest's, which both vitest 3 and 5 have. */
export interface Assertion {
  toBe(expected: unknown): void
  toEqual(expected: unknown): void
  toMatchObject(expected: object): void
  toMatch(expected: RegExp): void
  toContain(expected: unknown): void
  toHaveLength(expected: number): void
  toBeLessThan(expected: number): void
  toBeLessThanOrEqual(expected: number): void
  toBeGreaterThan(expected: number): void
  toBeGreaterThanOrEqual(expected: number): void
  toBeUndefined(): void
  readonly not: { toContain(expected: unknown): void }
}

export interface Runner {
  readonly describe: (name: string, body: () => void) => void
  readonly it: (name: string, body: () => void | Promise<void>, timeout?: number) => void
  readonly expect: (actual: unknown, message?: string) => Assertion
}
