/**
 * A time limit on the Effect clock (so `TestClock` drives it), for any length: `Infinity` sets none, and a limit past
 * what a JavaScript timer holds (about 24.8 days, which the live clock would treat as "never") is slept in steps.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { maxTimerMillis } from "../core/timer.js"

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
