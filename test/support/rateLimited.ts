/**
 * Pipelines under Clerk's rate limit, rehearsed on TestClock: the emulator enforces the limit on the test's clock,
 * requests are answered in memory (ClientsTest), and the driver below moves virtual time from one sleep to the next
 * once the in-memory requests of the current instant have settled.
 */
import { Effect, Fiber } from "effect"
import { Clients, ClientsTest, RetryPolicy } from "../../src/index.js"
import { driveClockUntilDone } from "./TestServer.js"

export { settle } from "./TestServer.js"

/** Runs `fiber` to completion on TestClock, in steps from one sleep to the next (1 ms when none is registered). */
export const drive = <A, E>(fiber: Fiber.Fiber<A, E>, observe?: (elapsed: number) => Effect.Effect<void>) =>
  driveClockUntilDone(fiber, { idleStepMillis: 1, ...(observe === undefined ? {} : { observe }) })

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
