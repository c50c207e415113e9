/**
 * Per-attempt timeouts, cheaply. `Effect.timeoutFail` races the effect against a sleep in two forked fibers, which
 * costs more than a whole request on the lean transport. On the live clock one fork suffices: the attempt runs in a
 * child fiber and the caller waits for whichever comes first, the child's exit or a plain timer. Under any other
 * clock (`TestClock`, a user's own) the generic `Effect.timeoutFail` is used, so virtual time behaves as usual.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"

let liveClock: Clock.Clock | undefined

export const timeoutFail = <A, E, E1>(
  self: Effect.Effect<A, E>,
  duration: Duration.Duration,
  onTimeout: () => E1
): Effect.Effect<A, E | E1> =>
  Effect.clockWith((clock) => {
    liveClock ??= Effect.runSync(Effect.clock)
    if (clock !== liveClock) return Effect.timeoutFail(self, { duration, onTimeout })
    const millis = Duration.toMillis(duration)
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.fork(restore(self)), (child) =>
        restore(Effect.async<A, E | E1>((resume) => {
          const timer = setTimeout(() => resume(Effect.zipRight(Fiber.interrupt(child), Effect.fail(onTimeout()))), millis)
          child.addObserver((exit) => {
            clearTimeout(timer)
            resume(exit)
          })
          return Effect.zipRight(Effect.sync(() => clearTimeout(timer)), Fiber.interrupt(child))
        })))
    )
  })
