/**
 * What counts as transient: the one definition behind `isRetryable` and the default retry policy.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { ClientsError } from "../ClerkError.js"

/** Statuses worth another attempt: timeout, rate limit, and the 5xx that mean "try again". */
export const transientStatuses: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504])

/** Milliseconds the server asked us to wait (`Retry-After`), or 0. */
export const retryAfterMillis = (error: ClientsError): number =>
  error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)
