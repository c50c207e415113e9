/**
 * Retry policies are plain Effect 4 `Schedule`s over the errors a Clients call can fail with, so they compose with
 * every `Schedule` combinator (`Schedule.max([policy, Schedule.recurs(2)])`, `Schedule.min`, …). The delays are the
 * root's, step for step.
 *
 * Whatever policy you pass, effect-clerk enforces three rules around it:
 * - decode errors, rejected input, 3xx and 4xx other than 408/429 are never retried (5xx other than 500, 502, 503
 *   and 504 only by a policy that names them, e.g. `statusCodes: ["5XX"]`);
 * - a `Retry-After` header (seconds or HTTP-date) is a floor on the next delay;
 * - a retry that would start after the call's `deadline` is not attempted: the last error is returned at once.
 *
 * @since 0.3.0
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Core from "../core/backoff.js"
import type { ClientsError } from "./ClerkError.js"

/**
 * A retry policy: a `Schedule` of your choice that accepts effect-clerk's errors as input.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { RetryPolicy } from "effect-clerk/v4"
 * const atMostTwice: RetryPolicy.RetryPolicy = Schedule.max([RetryPolicy.standard, Schedule.recurs(2)])
 * ```
 * @since 0.3.0
 * @category Models
 */
export type RetryPolicy = Schedule.Schedule<unknown, ClientsError>

/**
 * Options of {@link backoff}. Every field has a default (the {@link standard} numbers).
 *
 * @since 0.3.0
 * @category Models
 */
export interface BackoffOptions extends Core.BackoffOptions<Duration.Input> {}

const retryAfterMillis = (error: ClientsError): number =>
  error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)

/** The schedule of a policy: its state (retries so far, when the first failure came) lives in each run's step. */
const engine = (
  backoff: Core.Backoff,
  jitter: (base: number) => Effect.Effect<number>
): Schedule.Schedule<number, ClientsError> =>
  Schedule.fromStep(Effect.sync(() => {
    let retries = 0
    let startedAt: number | undefined
    return (now: number, error: ClientsError) => {
      const first = startedAt ??= now
      if (!Core.wantsRetry(backoff, error) || retries >= backoff.maxRetries) return Cause.done(retries)
      return Effect.flatMap(jitter(Core.baseDelay(backoff, retries)), (jittered) => {
        const delay = Core.plannedDelay(backoff, now, first, jittered, retryAfterMillis(error))
        if (delay === undefined) return Cause.done(retries)
        retries++
        const step: [number, Duration.Duration] = [retries, Duration.millis(delay)]
        return Effect.succeed(step)
      })
    }
  }))

const proportionalJitter = (factor: number) => (base: number): Effect.Effect<number> =>
  factor <= 0
    ? Effect.succeed(base)
    : Effect.map(Random.nextBetween(1 - factor, 1 + factor), (f) => Math.round(base * f))

/**
 * Exponential backoff with jitter, bounded by a number of retries *and* by elapsed time.
 *
 * @example
 * ```ts
 * import { RetryPolicy } from "effect-clerk/v4"
 * const patient = RetryPolicy.backoff({ maxRetries: 10, maxElapsedTime: "2 minutes", statusCodes: ["5XX", 429] })
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const backoff = (options: BackoffOptions = {}): RetryPolicy =>
  engine({
    initialMillis: options.initialInterval === undefined
      ? Core.defaults.initialMillis
      : Duration.toMillis(options.initialInterval),
    maxIntervalMillis: options.maxInterval === undefined
      ? Core.defaults.maxIntervalMillis
      : Duration.toMillis(options.maxInterval),
    exponent: options.exponent ?? Core.defaults.exponent,
    maxElapsedMillis: options.maxElapsedTime === undefined
      ? Core.defaults.maxElapsedMillis
      : Duration.toMillis(options.maxElapsedTime),
    maxRetries: options.maxRetries ?? Core.defaults.maxRetries,
    retryConnectionErrors: options.retryConnectionErrors ?? Core.defaults.retryConnectionErrors,
    statuses: Core.statusMatcher(options.statusCodes)
  }, proportionalJitter(options.jitter ?? Core.defaults.jitter))

/**
 * The default: up to 4 retries (5 attempts) of 408, 429, 500, 502, 503, 504, transport errors and per-attempt
 * timeouts; delays 500 ms, 1 s, 2 s, 4 s (±20 % jitter, each capped at 10 s, raised to any `Retry-After`); never
 * retries once 30 s have passed since the first failure.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients, RetryPolicy } from "effect-clerk/v4"
 * Clients.layer({ secretKey: Redacted.make("sk_test_…"), retry: RetryPolicy.standard })
 * ```
 * @since 0.3.0
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
 * import { Clients, RetryPolicy } from "effect-clerk/v4"
 * Clients.Clients.use((c) => c.get("client_123", { retry: RetryPolicy.speakeasy }))
 * ```
 * @since 0.3.0
 * @category Policies
 */
export const speakeasy: RetryPolicy = engine(
  Core.speakeasy,
  // Effect 4's `nextIntBetween` includes the upper bound unless half-open; Effect 3's (and so the root's) never does.
  (base) =>
    Effect.map(
      Random.nextIntBetween(0, Core.speakeasy.extraMillis, { halfOpen: true }),
      (extra) => Core.speakeasyDelay(base, extra)
    )
)

/**
 * Never retry. The same as passing `retry: false`.
 *
 * @example
 * ```ts
 * import { Clients, RetryPolicy } from "effect-clerk/v4"
 * Clients.Clients.use((c) => c.get("client_123", { retry: RetryPolicy.none }))
 * ```
 * @since 0.3.0
 * @category Policies
 */
export const none: RetryPolicy = Schedule.recurs(0)
