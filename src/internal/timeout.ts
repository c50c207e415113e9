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
import { attemptTimeouts } from "./nativeTimeout.js"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"

let liveClock: Clock.Clock | undefined

/**
 * `self`, failing with `onTimeout()` after `duration`. With `nativeFor`, on the live clock the transport enforces the
 * limit for that request itself (it fails with an `AttemptTimedOut` cause, see nativeTimeout.ts): no fiber is forked.
 */
export const timeoutFail = <A, E, E1>(
  self: Effect.Effect<A, E>,
  duration: Duration.Duration,
  onTimeout: () => E1,
  nativeFor?: HttpClientRequest.HttpClientRequest
): Effect.Effect<A, E | E1> =>
  Effect.clockWith((clock) => {
    liveClock ??= Effect.runSync(Effect.clock)
    if (clock !== liveClock) return Effect.timeoutFail(self, { duration, onTimeout })
    const millis = Duration.toMillis(duration)
    if (nativeFor !== undefined) {
      attemptTimeouts.set(nativeFor, millis)
      return self
    }
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
