/**
 * The arithmetic of effect-clerk's retry policies, for both faces' `RetryPolicy.backoff`, `standard` and `speakeasy`:
 * the defaults, which failures a policy wants to retry, each retry's base delay, and when the elapsed-time budget
 * ends it. A face adds only the randomness (its `Random`) and the `Schedule` around these steps.
 */
import { type Failure, isTransientStatus } from "./status.js"

/**
 * Options of `RetryPolicy.backoff` on both faces, and of the Promise API's `retry` without Effect. `D` is the face's
 * duration input. Every field has a default: {@link defaults}, `RetryPolicy.standard`'s numbers.
 */
export interface BackoffOptions<D> {
  /** Delay before the first retry. Default 500 ms. */
  readonly initialInterval?: D
  /** Cap on any one backoff delay (a `Retry-After` may exceed it). Default 10 s. */
  readonly maxInterval?: D
  /** Growth factor between delays. Default 2. */
  readonly exponent?: number
  /**
   * Stop retrying once this much time has passed since the first failure, and never sleep past it: a
   * `Retry-After` that ends beyond it fails at once with that error. Default 30 s.
   */
  readonly maxElapsedTime?: D
  /** At most this many retries (attempts = retries + 1). Default 4. */
  readonly maxRetries?: number
  /** Retry transport failures and per-attempt timeouts. Default true. */
  readonly retryConnectionErrors?: boolean
  /**
   * Statuses to retry: numbers, or `"5XX"` for every 500–599. Default: the transient ones, 408, 429, 500, 502, 503
   * and 504 (what `ClerkError.isRetryable` reports). Statuses outside 408, 429 and 5xx are ignored: effect-clerk
   * never retries them.
   */
  readonly statusCodes?: ReadonlyArray<number | "5XX">
  /** Each delay is multiplied by a random factor between 1 − jitter and 1 + jitter, so clients don't retry in lockstep. Default 0.2. */
  readonly jitter?: number
}

/** A policy's settings, in milliseconds. */
export interface Backoff {
  readonly initialMillis: number
  readonly maxIntervalMillis: number
  readonly exponent: number
  readonly maxElapsedMillis: number
  readonly maxRetries: number
  readonly retryConnectionErrors: boolean
  readonly statuses: (status: number) => boolean
}

/** `RetryPolicy.standard`'s numbers: what `backoff()` uses for anything left out. */
export const defaults = {
  initialMillis: 500,
  maxIntervalMillis: 10_000,
  exponent: 2,
  maxElapsedMillis: 30_000,
  maxRetries: 4,
  retryConnectionErrors: true,
  jitter: 0.2
} as const

/** `RetryPolicy.speakeasy`: the spec's `x-speakeasy-retries`, plus 0–1 s of jitter added to each delay (capped). */
export const speakeasy: Backoff & { readonly extraMillis: number } = {
  initialMillis: 500,
  maxIntervalMillis: 60_000,
  exponent: 1.5,
  maxElapsedMillis: 3_600_000,
  maxRetries: Number.POSITIVE_INFINITY,
  retryConnectionErrors: true,
  statuses: (status) => status >= 500 && status <= 599,
  extraMillis: 1000
}

/** `statusCodes` of `backoff`: numbers, or `"5XX"` for every 500–599; none given means the transient ones. */
export const statusMatcher = (codes: ReadonlyArray<number | "5XX"> | undefined): (status: number) => boolean => {
  if (codes === undefined) return isTransientStatus
  const exact = new Set(codes.filter((c): c is number => typeof c === "number"))
  const anyServerError = codes.includes("5XX")
  return (status) => exact.has(status) || (anyServerError && status >= 500 && status <= 599)
}

/** Does the policy want to retry this failure (before the pipeline's own rules, which may still refuse)? */
export const wantsRetry = (backoff: Backoff, failure: Failure): boolean => {
  if (failure._tag === "SDKError" && (failure.reason === "Transport" || failure.reason === "Timeout")) {
    return backoff.retryConnectionErrors
  }
  return failure.status !== undefined && backoff.statuses(failure.status)
}

/** The delay before retry number `retries + 1`, before jitter: exponential, capped. */
export const baseDelay = (backoff: Backoff, retries: number): number =>
  Math.min(backoff.maxIntervalMillis, backoff.initialMillis * Math.pow(backoff.exponent, retries))

/**
 * The delay actually slept: the jittered one raised to the server's `Retry-After`, or `undefined` when sleeping it
 * would end past the budget (`maxElapsedMillis` since the first failure, at `startedAt`).
 */
export const plannedDelay = (
  backoff: Backoff,
  now: number,
  startedAt: number,
  jittered: number,
  retryAfterMillis: number
): number | undefined => {
  const delay = Math.round(Math.max(jittered, retryAfterMillis))
  return now + delay - startedAt > backoff.maxElapsedMillis ? undefined : delay
}

/** Speakeasy's jitter: `extra` (0 ≤ extra < 1000) added to the base delay, capped at its interval. */
export const speakeasyDelay = (base: number, extra: number): number =>
  Math.min(speakeasy.maxIntervalMillis, base + extra)
