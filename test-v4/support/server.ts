/**
 * The loopback test server (test/shared/server.ts) for the Effect 4 face's tests: scoped, with Effect 4 helpers that
 * wait for it in real time.
 */
import { Effect, Redacted, type Scope } from "effect"
import * as Shared from "../../test/shared/server.js"

export type { Received, Reply, TestServer } from "../../test/shared/server.js"
export { json, reset, stall, start, text } from "../../test/shared/server.js"

/** The server for one test, closed with its scope. */
export const make: Effect.Effect<Shared.TestServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.promise(Shared.start),
  (server) => Effect.promise(server.close)
)

export const secret = Shared.secret

/** Real time, whatever the test's clock: how a test waits for the server while `TestClock` holds Effect's time. */
export const realSleep = (millis: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, millis)))

/** Waits (in real time) until `check` holds. */
export const eventually = (check: () => boolean, what: string): Effect.Effect<void> =>
  Effect.suspend(function loop(tries = 0): Effect.Effect<void> {
    if (check()) return Effect.void
    if (tries > 2000) return Effect.die(new Error(`timed out waiting for ${what}`))
    return Effect.flatMap(realSleep(2), () => loop(tries + 1))
  })

/** {@link secret}, as the layers take it. */
export const secretRedacted = Redacted.make(secret)

/** Waits (in real time) until `check` succeeds with true. */
export const eventuallyEffect = (check: Effect.Effect<boolean>, what: string): Effect.Effect<void> =>
  Effect.suspend(function loop(tries = 0): Effect.Effect<void> {
    return Effect.flatMap(check, (done) => {
      if (done) return Effect.void
      if (tries > 2000) return Effect.die(new Error(`timed out waiting for ${what}`))
      return Effect.flatMap(realSleep(2), () => loop(tries + 1))
    })
  })
