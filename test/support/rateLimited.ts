/**
 * Pipelines under Clerk's rate limit, rehearsed on TestClock: the emulator enforces the limit on the test's clock,
 * requests are answered in memory (ClientsTest), and the driver below moves virtual time from one sleep to the next
 * once the in-memory requests of the current instant have settled.
 */
import { Clock, Effect, Fiber, Option, TestClock, TestServices } from "effect"
import { Clients, ClientsTest, RetryPolicy } from "../../src/index.js"

/** Lets the event loop run the in-memory requests that are in flight (real time, a few turns). */
export const settle = TestServices.provideLive(
  Effect.promise(() => new Promise<void>((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve)))))
)

/**
 * Runs `fiber` to completion on TestClock: settles the in-flight requests, then jumps to the next sleep. Calls
 * `observe(now)` at every step. Returns the virtual time that passed.
 */
export const drive = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  observe: (now: number) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    for (let step = 0; step < 200_000; step++) {
      yield* settle
      if (Option.isSome(yield* Fiber.poll(fiber))) return (yield* Clock.currentTimeMillis) - start
      const now = yield* Clock.currentTimeMillis
      yield* observe(now - start)
      const next = Array.from(yield* TestClock.sleeps()).filter((at) => at > now).sort((a, b) => a - b)[0]
      yield* TestClock.adjust(next === undefined ? 1 : Math.min(next - now, 50))
    }
    return yield* Effect.dieMessage("the workload did not finish")
  })

export const ids = (backend: ClientsTest.Controls, n: number) =>
  Array.from({ length: n }, (_, i) => backend.clients[i % backend.clients.length]!.id)

/** 1,000 gets at `concurrency` against 50 requests per second, on the Clients defaults (standard retries, adaptive). */
export const workload = (concurrency: number, options: ClientsTest.Options = {}) =>
  Effect.gen(function*() {
    const backend = yield* ClientsTest.ClientsTest
    const clients = yield* Clients.Clients
    const calls = ids(backend, 1000)
    let rejectedInFirstWindow: number | undefined
    const fiber = yield* Effect.fork(Effect.forEach(calls, (id) => clients.get(id), { concurrency }))
    const elapsed = yield* drive(fiber, (now) =>
      now >= 1000 && rejectedInFirstWindow === undefined
        ? Effect.map(backend.stats, (stats) => void (rejectedInFirstWindow = stats.rateLimited))
        : Effect.void)
    const results = yield* Fiber.join(fiber)
    const stats = yield* backend.stats
    return { calls, results, elapsed, stats, rejectedInFirstWindow: rejectedInFirstWindow ?? stats.rateLimited }
  }).pipe(
    Effect.provide(ClientsTest.layer({
      seedClients: 200,
      rateLimit: { limit: 50, window: "1 second" },
      retry: RetryPolicy.standard,
      ...options
    }))
  )

/** 1,000 requests at 50 per second: the last window that is needed opens 19 s after the first. */
export const theoreticalMinimum = 19_000
