/**
 * Retry policies are plain `Schedule`s over the errors a Clients call can fail with, so they compose with every
 * `Schedule` combinator Effect has (`Schedule.intersect(Schedule.recurs(2))`, `Schedule.union`, …).
 *
 * Whatever policy you pass, effect-clerk enforces three rules around it:
 * - decode errors, rejected input, 3xx and 4xx other than 408/429 are never retried (5xx other than 500, 502, 503
 *   and 504 only by a policy that names them, e.g. `statusCodes: ["5XX"]`);
 * - a `Retry-After` header (seconds or HTTP-date) is a floor on the next delay;
 * - a retry that would start after the call's `deadline` is not attempted: the last error is returned at once.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Interval from "effect/ScheduleInterval"
import type { ClientsError } from "./ClerkError.js"
import { isTransientStatus, retryAfterMillis } from "./internal/status.js"

/**
 * A retry policy: a `Schedule` of your choice that accepts effect-clerk's errors as input.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { RetryPolicy } from "effect-clerk"
 * const atMostTwice: RetryPolicy.RetryPolicy = RetryPolicy.standard.pipe(Schedule.intersect(Schedule.recurs(2)))
 * ```
 * @since 0.1.0
 * @category Models
 */
export type RetryPolicy = Schedule.Schedule<unknown, ClientsError>

/**
 * Options of {@link backoff}. Every field has a default (the {@link standard} numbers).
 *
 * @since 0.1.0
 * @category Models
 */
export interface BackoffOptions {
  /** Delay before the first retry. Default 500 ms. */
  readonly initialInterval?: Duration.DurationInput
  /** Cap on any one backoff delay (a `Retry-After` may exceed it). Default 10 s. */
  readonly maxInterval?: Duration.DurationInput
  /** Growth factor between delays. Default 2. */
  readonly exponent?: number
  /**
   * Stop retrying once this much time has passed since the first failure, and never sleep past it: a
   * `Retry-After` that ends beyond it fails at once with that error. Default 30 s.
   */
  readonly maxElapsedTime?: Duration.DurationInput
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
  /** Each delay is multiplied by a random factor in [1 − jitter, 1 + jitter], so clients don't retry in lockstep. Default 0.2. */
  readonly jitter?: number
}

interface Resolved {
  readonly initialMillis: number
  readonly maxIntervalMillis: number
  readonly exponent: number
  readonly maxElapsedMillis: number
  readonly maxRetries: number
  readonly retryConnectionErrors: boolean
  readonly statuses: (status: number) => boolean
  readonly delayFor: (base: number) => Effect.Effect<number>
}

const statusMatcher = (codes: ReadonlyArray<number | "5XX">) => {
  const exact = new Set(codes.filter((c): c is number => typeof c === "number"))
  const anyServerError = codes.includes("5XX")
  return (status: number) => exact.has(status) || (anyServerError && status >= 500 && status <= 599)
}

interface BackoffState {
  readonly retries: number
  readonly startedAt: number | undefined
}

const engine = (resolved: Resolved): Schedule.Schedule<number, ClientsError> =>
  Schedule.makeWithState<BackoffState, ClientsError, number>(
    { retries: 0, startedAt: undefined },
    (now, error, state) => {
      const startedAt = state.startedAt ?? now
      const stop = Effect.succeed(
        [{ retries: state.retries, startedAt }, state.retries, ScheduleDecision.done] as const
      )
      if (!wantsRetry(resolved, error) || state.retries >= resolved.maxRetries) return stop
      const base = Math.min(
        resolved.maxIntervalMillis,
        resolved.initialMillis * Math.pow(resolved.exponent, state.retries)
      )
      return Effect.map(resolved.delayFor(base), (jittered) => {
        const delay = Math.round(Math.max(jittered, retryAfterMillis(error)))
        if (now + delay - startedAt > resolved.maxElapsedMillis) {
          return [{ retries: state.retries, startedAt }, state.retries, ScheduleDecision.done] as const
        }
        return [
          { retries: state.retries + 1, startedAt },
          state.retries + 1,
          ScheduleDecision.continueWith(Interval.after(now + delay))
        ] as const
      })
    }
  )

const wantsRetry = (resolved: Resolved, error: ClientsError): boolean => {
  if (error._tag === "SDKError" && (error.reason === "Transport" || error.reason === "Timeout")) {
    return resolved.retryConnectionErrors
  }
  return error.status !== undefined && resolved.statuses(error.status)
}

const proportionalJitter = (factor: number) => (base: number): Effect.Effect<number> =>
  factor <= 0
    ? Effect.succeed(base)
    : Effect.map(Random.nextRange(1 - factor, 1 + factor), (f) => Math.round(base * f))

/**
 * Exponential backoff with jitter, bounded by a number of retries *and* by elapsed time.
 *
 * @example
 * ```ts
 * import { RetryPolicy } from "effect-clerk"
 * const patient = RetryPolicy.backoff({ maxRetries: 10, maxElapsedTime: "2 minutes", statusCodes: ["5XX", 429] })
 * ```
 * @since 0.1.0
 * @category Constructors
 */
export const backoff = (options: BackoffOptions = {}): RetryPolicy =>
  engine({
    initialMillis: Duration.toMillis(options.initialInterval ?? "500 millis"),
    maxIntervalMillis: Duration.toMillis(options.maxInterval ?? "10 seconds"),
    exponent: options.exponent ?? 2,
    maxElapsedMillis: Duration.toMillis(options.maxElapsedTime ?? "30 seconds"),
    maxRetries: options.maxRetries ?? 4,
    retryConnectionErrors: options.retryConnectionErrors ?? true,
    statuses: options.statusCodes === undefined ? isTransientStatus : statusMatcher(options.statusCodes),
    delayFor: proportionalJitter(options.jitter ?? 0.2)
  })

/**
 * The default: up to 4 retries (5 attempts) of 408, 429, 500, 502, 503, 504, transport errors and per-attempt
 * timeouts; delays 500 ms, 1 s, 2 s, 4 s (±20 % jitter, each capped at 10 s, raised to any `Retry-After`); never
 * retries once 30 s have passed since the first failure.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients, RetryPolicy } from "effect-clerk"
 * Clients.layer({ secretKey: Redacted.make("sk_test_…"), retry: RetryPolicy.standard })
 * ```
 * @since 0.1.0
 * @category Policies
 */
export const standard: RetryPolicy = backoff()

/**
 * Parity with Clerk's Speakeasy-generated SDKs (the spec's `x-speakeasy-retries`): 500 ms initial delay, ×1.5, each
 * delay capped at 60 s plus 0–1 s of random jitter, retries every 5xx and connection error, for up to one hour. Like
 * them it does not retry 429 — unlike them it honours `Retry-After` on what it does retry and never overruns the hour.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients, RetryPolicy } from "effect-clerk"
 * Effect.flatMap(Clients.Clients, (c) => c.get("client_123", { retry: RetryPolicy.speakeasy }))
 * ```
 * @since 0.1.0
 * @category Policies
 */
export const speakeasy: RetryPolicy = engine({
  initialMillis: 500,
  maxIntervalMillis: 60_000,
  exponent: 1.5,
  maxElapsedMillis: 3_600_000,
  maxRetries: Number.POSITIVE_INFINITY,
  retryConnectionErrors: true,
  statuses: statusMatcher(["5XX"]),
  delayFor: (base) => Effect.map(Random.nextIntBetween(0, 1000), (extra) => Math.min(60_000, base + extra))
})

/**
 * Never retry. The same as passing `retry: false`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients, RetryPolicy } from "effect-clerk"
 * Effect.flatMap(Clients.Clients, (c) => c.get("client_123", { retry: RetryPolicy.none }))
 * ```
 * @since 0.1.0
 * @category Policies
 */
export const none: RetryPolicy = Schedule.stop
