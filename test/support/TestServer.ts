/**
 * The loopback test server (test/shared/server.ts) for the Effect 3 face's tests: scoped, with Effect 3 helpers that
 * drive `Clients` on it under TestClock.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Clock, Context, Effect, Fiber, Layer, Option, Redacted, type Scope, TestClock, TestServices } from "effect"
import { Clients } from "../../src/index.js"
import * as Shared from "../shared/server.js"

export type { Received, Reply } from "../shared/server.js"
export { json, reset, stall, text } from "../shared/server.js"

export interface TestServer extends Omit<Shared.TestServer, "awaitRequests" | "close"> {
  /** Resolves once the server has received `count` requests (waits in real time, whatever the test's clock). */
  readonly awaitRequests: (count: number) => Effect.Effect<void>
}

/** The server for one test, closed with its scope. */
export const make: Effect.Effect<TestServer, never, Scope.Scope> = Effect.map(
  Effect.acquireRelease(Effect.promise(Shared.start), (server) => Effect.promise(server.close)),
  (server) => ({
    ...server,
    awaitRequests: (count) => TestServices.provideLive(Effect.promise(() => server.awaitRequests(count)))
  })
)

export const secret = Shared.secret

/** `Clients` over undici against the test server, with the given options. */
export const clientsLayer = (server: TestServer, options: Partial<Clients.Options> = {}) =>
  Clients.layer({ secretKey: Redacted.make(secret), apiUrl: server.apiUrl, ...options }).pipe(
    Layer.provide(NodeHttpClient.layerUndici),
    Layer.orDie
  )

/** One turn of the event loop, in real time: lets pending I/O callbacks run. */
const turn = TestServices.provideLive(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))))

/** A few turns: enough for an in-memory request (ClientsTest) to go through its promises. */
export const settle = Effect.zipRight(turn, Effect.zipRight(turn, turn))

/**
 * Checks `ready` on every turn of the event loop (not on a fixed real-time step, which a loaded machine can outrun),
 * up to a generous real-time ceiling that only a hung test reaches.
 */
const waitUntil = <A>(ready: Effect.Effect<A | undefined>, what: string, ceilingMillis = 15_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + ceilingMillis
    while (Date.now() < deadline) {
      const value = yield* ready
      if (value !== undefined) return value
      yield* turn
    }
    return yield* Effect.dieMessage(`timed out waiting for: ${what}`)
  })

/**
 * Waits until at least `count` sleeps have been registered on the TestClock, and returns their wake-up times (ms).
 * TestClock keeps interrupted sleeps in the list, so each attempt's timeout counts as one.
 */
export const awaitSleeps = (count: number) =>
  waitUntil(
    Effect.map(TestClock.sleeps(), (sleeps) => (sleeps.length >= count
      ? Array.from(sleeps).sort((a, b) => a - b)
      : undefined)),
    `${count} sleeps on the TestClock`
  )

/**
 * Runs `fiber` to completion on the TestClock: lets the I/O of the current instant happen, then moves the clock to the
 * next registered sleep, at most 50 ms on (`idleStepMillis` on, if no sleep is registered yet). Calls `observe` with
 * the virtual time passed at every step. Returns the virtual time that passed.
 */
export const driveClockUntilDone = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  options: { readonly observe?: (elapsed: number) => Effect.Effect<void>; readonly idleStepMillis?: number } = {}
) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    for (let i = 0; i < 200_000; i++) {
      yield* settle
      if (Option.isSome(yield* Fiber.poll(fiber))) return (yield* Clock.currentTimeMillis) - start
      const now = yield* Clock.currentTimeMillis
      if (options.observe !== undefined) yield* options.observe(now - start)
      const next = Array.from(yield* TestClock.sleeps()).filter((at) => at > now).sort((a, b) => a - b)[0]
      yield* TestClock.adjust(next === undefined ? options.idleStepMillis ?? 50 : Math.min(next - now, 50))
    }
    return yield* Effect.dieMessage("the fiber did not finish")
  })

/** Builds the `Clients` service in the test's scope (so its HTTP dispatcher lives as long as the test). */
export const setup = (options: Partial<Clients.Options> = {}) =>
  Effect.gen(function*() {
    const server = yield* make
    const context = yield* Layer.build(clientsLayer(server, options))
    return { server, clients: Context.get(context, Clients.Clients) }
  })

/** An API URL on a loopback port where nothing listens: connections are refused. */
export const refusedApiUrl = Effect.promise(Shared.refusedApiUrl)

/** Waits (in real time) until `check` holds. */
export const eventually = (check: () => boolean, what: string) =>
  Effect.asVoid(waitUntil(Effect.sync(() => (check() ? true : undefined)), what))
