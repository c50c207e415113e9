/**
 * Retries: the rules effect-clerk enforces around any retry policy (so a user-supplied `Schedule.recurs(5)` is as
 * safe as ours), and the loop that applies them to an attempt.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as MetricLabel from "effect/MetricLabel"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Interval from "effect/ScheduleInterval"
import * as Intervals from "effect/ScheduleIntervals"
import type { ClientsError } from "../ClerkError.js"
import * as ClerkMetrics from "../ClerkMetrics.js"
import { retryAnnouncement, retryDelay } from "../core/attempt.js"
import type { RetryPolicy } from "../RetryPolicy.js"
import { mayRetry, retryAfterMillis } from "./status.js"

interface State {
  readonly policy: unknown
  readonly retries: number
}

/**
 * Wraps `policy` so that never-retried errors stop at once, and each retry it plans keeps the core's rules
 * (core/attempt.ts `retryDelay`: `Retry-After` as a floor, no retry at or past `deadlineAt`).
 */
const enforce = (
  policy: RetryPolicy,
  deadlineAt: number | undefined,
  tags: ReadonlyArray<MetricLabel.MetricLabel>
): Schedule.Schedule<unknown, ClientsError> =>
  Schedule.makeWithState<State, ClientsError, unknown>(
    { policy: policy.initial, retries: 0 },
    (now, error, state) => {
      const stop = Effect.succeed([state, undefined, ScheduleDecision.done] as const)
      if (!mayRetry(error)) return stop
      return Effect.flatMap(policy.step(now, error, state.policy), ([policyState, out, decision]) => {
        if (ScheduleDecision.isDone(decision)) return stop
        const delayMillis = retryDelay(
          Intervals.start(decision.intervals) - now,
          retryAfterMillis(error),
          now,
          deadlineAt
        )
        if (delayMillis === undefined) return stop
        const at = now + delayMillis
        const retries = state.retries + 1
        ClerkMetrics.retries.unsafeUpdate(1, tags)
        return Effect.as(
          announceRetry(error, retries, delayMillis),
          [{ policy: policyState, retries }, out, ScheduleDecision.continueWith(Interval.after(at))] as const
        )
      })
    }
  )

/** Every retry is visible: a debug log line and an event on the operation's span. */
const announceRetry = (error: ClientsError, retry: number, delayMillis: number): Effect.Effect<void> => {
  const { attributes, message } = retryAnnouncement(error, retry, delayMillis)
  return Effect.zipRight(
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
 * `attempt`, retried under `policy` (with the rules above) until it succeeds or the policy stops. The success path
 * pays for no retry machinery: the schedule is consulted only once an attempt has failed.
 */
export const retrying = <A>(
  attempt: Effect.Effect<A, ClientsError>,
  policy: RetryPolicy,
  deadlineAt: number | undefined,
  tags: ReadonlyArray<MetricLabel.MetricLabel>
): Effect.Effect<A, ClientsError> =>
  Effect.catchAll(attempt, (firstError) => {
    const schedule = enforce(policy, deadlineAt, tags)
    const loop = (error: ClientsError, state: unknown): Effect.Effect<A, ClientsError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(schedule.step(now, error, state), ([next, , decision]) => {
          if (ScheduleDecision.isDone(decision)) {
            return Effect.fail(error)
          }
          const wait = Math.max(0, Intervals.start(decision.intervals) - now)
          return Effect.zipRight(
            Effect.sleep(Duration.millis(wait)),
            Effect.catchAll(attempt, (nextError) =>
              loop(nextError, next))
          )
        }))
    return loop(firstError, schedule.initial)
  })
