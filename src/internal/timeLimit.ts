/**
 * A time limit on the Effect clock (so `TestClock` drives it), for any length: `Infinity` sets none, and a limit past
 * what a JavaScript timer holds (about 24.8 days, which the live clock would treat as "never") is slept in steps.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { maxTimerMillis, startTimer } from "../core/timer.js"

export const withTimeLimit = <A, E, E1>(
  self: Effect.Effect<A, E>,
  millis: number,
  onTimeout: () => E1
): Effect.Effect<A, E | E1> => {
  if (!(millis < Number.POSITIVE_INFINITY)) return self
  if (millis <= maxTimerMillis) return Effect.timeoutFail(self, { duration: Duration.millis(millis), onTimeout })
  return Effect.raceFirst(self, Effect.flatMap(sleepInSteps(millis), () => Effect.fail(onTimeout())))
}

const sleepInSteps = (millis: number): Effect.Effect<void> =>
  millis <= maxTimerMillis
    ? Effect.sleep(Duration.millis(millis))
    : Effect.zipRight(
      Effect.sleep(Duration.millis(maxTimerMillis)),
      Effect.suspend(() => sleepInSteps(millis - maxTimerMillis))
    )

/**
 * A time limit on a real timer, whatever the Effect clock: the limit of an attempt on a platform `HttpClient`, which
 * is network time. `self` runs in one forked fiber; when the timer fires it is interrupted (so the platform aborts the
 * request and frees its socket) and the limit's error is returned. One fork and one `setTimeout`, where a limit on the
 * Effect clock races two fibers: that race cost about a third of a `get`'s CPU on these transports. `Infinity` sets
 * no timer, and a limit past what a timer holds is reached in steps (core/timer.ts).
 */
export const withRealTimeLimit = <A, E, E1>(
  self: Effect.Effect<A, E>,
  millis: number,
  onTimeout: () => E1
): Effect.Effect<A, E | E1> => {
  if (!(millis < Number.POSITIVE_INFINITY)) return self
  return Effect.uninterruptibleMask((restore) =>
    Effect.flatMap(Effect.fork(restore(self)), (attempt) =>
      restore(Effect.async<A, E | E1>((resume) => {
        const cancel = startTimer(millis, () =>
          resume(Effect.zipRight(Fiber.interrupt(attempt), Effect.fail(onTimeout()))))
        attempt.addObserver((exit) => {
          cancel()
          resume(exit)
        })
        return Effect.zipRight(Effect.sync(cancel), Fiber.interrupt(attempt))
      })))
  )
}
