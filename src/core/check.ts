/**
 * The result of a check that needs no Effect: the value, or a sentence saying what is wrong. Both faces turn a
 * failed check into their own typed error (`ConfigError` for a layer, `SDKError` `InvalidRequest` for a call).
 */
export type Check<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: string }

export const ok = <A>(value: A): Check<A> => ({ ok: true, value })

export const fail = (error: string): Check<never> => ({ ok: false, error })

/** A failed check of one option, with its path (`["rateLimit", "limit"]`) for the face's `ConfigError`. */
export interface Invalid {
  readonly ok: false
  readonly path: ReadonlyArray<string>
  readonly error: string
}

/** `check`'s value mapped, or its failure unchanged. */
export const map = <A, B>(check: Check<A>, f: (a: A) => B): Check<B> => (check.ok ? ok(f(check.value)) : check)
