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
import * as Backoff from "./core/backoff.js"
import { retryAfterMillis } from "./internal/status.js"

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
export interface BackoffOptions extends Backoff.BackoffOptions<Duration.DurationInput> {}

/** A policy's settings (the core's `Backoff`) and how this face draws each jittered delay from a base one. */
interface Resolved extends Backoff.Backoff {
  readonly delayFor: (base: number) => Effect.Effect<number>
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
      if (!Backoff.wantsRetry(resolved, error) || state.retries >= resolved.maxRetries) return stop
      return Effect.flatMap(resolved.delayFor(Backoff.baseDelay(resolved, state.retries)), (jittered) => {
        const delay = Backoff.plannedDelay(resolved, now, startedAt, jittered, retryAfterMillis(error))
        if (delay === undefined) return stop
        return Effect.succeed(
          [
            { retries: state.retries + 1, startedAt },
            state.retries + 1,
            ScheduleDecision.continueWith(Interval.after(now + delay))
          ] as const
        )
      })
    }
  )

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
    initialMillis: millisOr(options.initialInterval, Backoff.defaults.initialMillis),
    maxIntervalMillis: millisOr(options.maxInterval, Backoff.defaults.maxIntervalMillis),
    exponent: options.exponent ?? Backoff.defaults.exponent,
    maxElapsedMillis: millisOr(options.maxElapsedTime, Backoff.defaults.maxElapsedMillis),
    maxRetries: options.maxRetries ?? Backoff.defaults.maxRetries,
    retryConnectionErrors: options.retryConnectionErrors ?? Backoff.defaults.retryConnectionErrors,
    statuses: Backoff.statusMatcher(options.statusCodes),
    delayFor: proportionalJitter(options.jitter ?? Backoff.defaults.jitter)
  })

const millisOr = (input: Duration.DurationInput | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(input)

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
  ...Backoff.speakeasy,
  // Effect 3's `nextIntBetween` excludes its upper bound: 0–999 ms, as on the other face.
  delayFor: (base) =>
    Effect.map(Random.nextIntBetween(0, Backoff.speakeasy.extraMillis), (extra) => Backoff.speakeasyDelay(base, extra))
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
