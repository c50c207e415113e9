/**
 * The one status table. Every question about an HTTP status — is it a Clerk error body, may any policy retry it, does
 * the default policy retry it — is answered here, and everything else (the pipelines, the retry loops, `isRetryable`,
 * `RetryPolicy.standard` and `backoff` on both faces) reads these functions.
 *
 * | status | Clerk error body? | any policy may retry | retried by default (`isRetryable`) |
 * | --- | --- | --- | --- |
 * | declared by the endpoint (e.g. get: 400/401/404) | yes | no (unless 408/429) | no |
 * | 403 | yes | no | no |
 * | 408, 429 | yes | yes | yes |
 * | 500, 502, 503, 504 | yes | yes | yes |
 * | other 5xx (501, 505, …) | yes | yes, if the policy names it (`"5XX"`) | no: it will not change by itself |
 * | 3xx, any other 4xx | no: `SDKError` `StatusCode` | no | no |
 */

/** Retried by the default policy and reported by `isRetryable`: timeout, rate limit, and the 5xx that mean "again". */
const transient: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

export const isTransientStatus = (status: number): boolean => transient.has(status)

/** No policy, not even a user's own `Schedule`, retries a status outside this rule: the answer would not change. */
export const mayRetryStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500

/** A JSON body with one of these statuses is parsed as Clerk's error body (besides the endpoint's declared ones). */
export const carriesClerkErrors = (declared: ReadonlySet<number>, status: number): boolean =>
  declared.has(status) || status === 403 || mayRetryStatus(status)

/** Statuses that tell every call of a key to hold back (the rate gate), when they come with `Retry-After`. */
export const isBackpressure = (status: number): boolean => status === 429 || status === 503

/** What the status rules need to know of a failed call, on either face. */
export interface Failure {
  readonly _tag: string
  readonly reason?: string
  readonly status?: number | undefined
}

/**
 * A failure judged by `rule` on its status: transport failures and timeouts always pass; rejected input, undecodable
 * bodies and calls shed by the circuit never do.
 */
const byStatus = (failure: Failure, rule: (status: number) => boolean): boolean => {
  if (failure._tag === "SDKError") {
    if (failure.reason === "Transport" || failure.reason === "Timeout") return true
    if (failure.reason !== "StatusCode") return false
  }
  return failure.status !== undefined && rule(failure.status)
}

/** May any policy retry this failure? Nothing outside {@link mayRetryStatus} is retried, whatever the policy. */
export const mayRetry = (failure: Failure): boolean => byStatus(failure, mayRetryStatus)

/** Does the default policy retry this failure? The definition behind `isRetryable` and `RetryPolicy.standard`. */
export const isTransient = (failure: Failure): boolean => byStatus(failure, isTransientStatus)
