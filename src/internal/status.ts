/**
 * The status table (core/status.ts) as the Effect 3 face asks it: of its own error types.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type { ClientsError } from "../ClerkError.js"
import * as Status from "../core/status.js"

export { carriesClerkErrors, isBackpressure, isTransientStatus, mayRetryStatus } from "../core/status.js"

/** May any policy retry this error? Nothing outside the table's `mayRetryStatus` is retried, whatever the policy. */
export const mayRetry = (error: ClientsError): boolean => Status.mayRetry(error)

/** Does the default policy retry this error? The definition behind `isRetryable` and `RetryPolicy.standard`. */
export const isTransient = (error: ClientsError): boolean => Status.isTransient(error)

/** Milliseconds the server asked us to wait (`Retry-After`), or 0. */
export const retryAfterMillis = (error: ClientsError): number =>
  error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)
