/**
 * Retries (Effect 4 face): the rules effect-clerk enforces around any retry policy (so a user's `Schedule.recurs(5)`
 * is as safe as ours), and the loop that applies them to an attempt. The policy is stepped by hand
 * (`Schedule.toStep`), its delay relative to now.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Pull from "effect/Pull"
import * as Schedule from "effect/Schedule"
import { retryAnnouncement, retryDelay } from "../../core/attempt.js"
import { mayRetry } from "../../core/status.js"
import type { ClientsError } from "../ClerkError.js"
import * as ClerkMetrics from "../ClerkMetrics.js"
import type { RetryPolicy } from "../RetryPolicy.js"

export const retryAfterMillis = (error: ClientsError): number =>
  error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)

/** Every retry is visible: a debug log line and an event on the operation's span. */
const announceRetry = (error: ClientsError, retry: number, delayMillis: number): Effect.Effect<void> => {
  const { attributes, message } = retryAnnouncement(error, retry, delayMillis)
  return Effect.andThen(
    Effect.logDebug(message).pipe(Effect.annotateLogs(attributes)),
    Effect.currentSpan.pipe(
      Effect.flatMap((span) =>
        Effect.map(
          Effect.clockWith((clock) => clock.currentTimeNanos),
          (nanos) => span.event("retry", nanos, attributes)
        )
      ),
      Effect.ignore
    )
  )
}

/**
 * `attempt`, retried under `policy` until it succeeds or the policy stops. Never-retried errors stop at once; each
 * retry the policy plans keeps the core's rules (core/attempt.ts `retryDelay`: `Retry-After` as a floor, no retry at
 * or past `deadlineAt`). The success path pays for no retry machinery: the schedule is instantiated only once an
 * attempt has failed.
 */
export const retrying = <A>(
  attempt: Effect.Effect<A, ClientsError>,
  policy: RetryPolicy,
  deadlineAt: number | undefined,
  operation: string
): Effect.Effect<A, ClientsError> =>
  Effect.catch(attempt, (firstError) =>
    Effect.flatMap(Schedule.toStep(policy), (step) => {
      const retries = Metric.withAttributes(ClerkMetrics.retries, { operation })
      let count = 0
      const loop = (error: ClientsError): Effect.Effect<A, ClientsError> => {
        if (!mayRetry(error)) return Effect.fail(error)
        return Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.flatMap(
            Pull.catchDone(step(now, error), () => Effect.succeed(undefined)),
            (next) => {
              // The policy is done: the last error stands.
              if (next === undefined) return Effect.fail(error)
              const delay = retryDelay(Duration.toMillis(next[1]), retryAfterMillis(error), now, deadlineAt)
              if (delay === undefined) return Effect.fail(error)
              count++
              return Effect.andThen(
                Effect.andThen(Metric.update(retries, 1), announceRetry(error, count, delay)),
                Effect.andThen(Effect.sleep(Duration.millis(delay)), Effect.catch(attempt, loop))
              )
            }
          ))
      }
      return loop(firstError)
    }))
