/**
 * The one status table. Every question about an HTTP status — is it a Clerk error body, may any policy retry it, does
 * the default policy retry it — is answered here, and everything else (the pipeline, the retry loop, `isRetryable`,
 * `RetryPolicy.standard` and `backoff`) reads these functions.
 *
 * | status | Clerk error body? | any policy may retry | retried by default (`isRetryable`) |
 * | --- | --- | --- | --- |
 * | declared by the endpoint (e.g. get: 400/401/404) | yes | no (unless 408/429) | no |
 * | 403 | yes | no | no |
 * | 408, 429 | yes | yes | yes |
 * | 500, 502, 503, 504 | yes | yes | yes |
 * | other 5xx (501, 505, …) | yes | yes, if the policy names it (`"5XX"`) | no: it will not change by itself |
 * | 3xx, any other 4xx | no: `SDKError` `StatusCode` | no | no |
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { ClientsError } from "../ClerkError.js"

/** Retried by the default policy and reported by `isRetryable`: timeout, rate limit, and the 5xx that mean "again". */
const transient: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

export const isTransientStatus = (status: number): boolean => transient.has(status)

/** No policy, not even a user's own `Schedule`, retries a status outside this rule: the answer would not change. */
export const mayRetryStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500

/** A JSON body with one of these statuses is parsed as Clerk's error body (besides the endpoint's declared ones). */
export const carriesClerkErrors = (declared: ReadonlySet<number>, status: number): boolean =>
  declared.has(status) || status === 403 || mayRetryStatus(status)

/** Statuses that tell every call of a key to hold back (see internal/gate.ts), when they come with `Retry-After`. */
export const isBackpressure = (status: number): boolean => status === 429 || status === 503

/**
 * An error judged by `rule` on its status: transport failures and timeouts always pass, rejected input and
 * undecodable bodies never do.
 */
const byStatus = (error: ClientsError, rule: (status: number) => boolean): boolean => {
  if (error._tag === "SDKError") {
    if (error.reason === "Transport" || error.reason === "Timeout") return true
    if (error.reason !== "StatusCode") return false
  }
  return error.status !== undefined && rule(error.status)
}

/** May any policy retry this error? Nothing outside {@link mayRetryStatus} is retried, whatever the policy. */
export const mayRetry = (error: ClientsError): boolean => byStatus(error, mayRetryStatus)

/** Does the default policy retry this error? The definition behind `isRetryable` and `RetryPolicy.standard`. */
export const isTransient = (error: ClientsError): boolean => byStatus(error, isTransientStatus)

/** Milliseconds the server asked us to wait (`Retry-After`), or 0. */
export const retryAfterMillis = (error: ClientsError): number =>
  error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)
