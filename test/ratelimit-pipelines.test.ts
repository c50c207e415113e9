/** Default options, the adaptive rate and the key's documented limit against Clerk's limit, on TestClock. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { Clients, ClientsTest, RetryPolicy } from "../src/index.js"
import { drive, ids, theoreticalMinimum, workload } from "./support/rateLimited.js"

describe("pipelines under Clerk's rate limit (emulator at 50 requests/s, TestClock)", () => {
  it.effect(
    "with default options, 1,000 gets at concurrency 50 all succeed, within 1.25× the minimum time, with ≤ 5 % rejected",
    () =>
      Effect.gen(function*() {
        const { calls, results, elapsed, stats } = yield* workload(50)
        expect(results.map((client) => client.id)).toEqual(calls)
        expect(elapsed).toBeLessThanOrEqual(theoreticalMinimum * 1.25)
        expect(stats.rateLimited / stats.total).toBeLessThanOrEqual(0.05)
        expect(stats.total - stats.rateLimited).toBe(1000)
      }),
    120_000
  )

  it.effect(
    "starting 0.7 s before the documented window ends (the first 429 agrees with it by chance): all succeed within " +
      "1.25× the minimum, ≤ 6 % rejected (the next window's burst is the one that tells)",
    () =>
      Effect.gen(function*() {
        yield* TestClock.adjust("9300 millis")
        const { calls, results, elapsed, stats } = yield* workload(50)
        expect(results.map((client) => client.id)).toEqual(calls)
        expect(elapsed).toBeLessThanOrEqual(theoreticalMinimum * 1.25)
        expect(stats.rateLimited / stats.total).toBeLessThanOrEqual(0.06)
      }),
    120_000
  )

  it.effect(
    "rateLimit: \"adaptive\", never told the limit: ≤ 2 % of requests rejected after the first window",
    () =>
      Effect.gen(function*() {
        const { results, stats, rejectedInFirstWindow } = yield* workload(50, { clientRateLimit: "adaptive" })
        expect(results).toHaveLength(1000)
        const later = stats.rateLimited - rejectedInFirstWindow
        expect(later / (stats.total - rejectedInFirstWindow)).toBeLessThanOrEqual(0.02)
      }),
    120_000
  )
})

/** `count` gets at `concurrency` against Clerk's development limit (100 per 10 s), on TestClock. */
const developmentWorkload = (count: number, concurrency: number, options: ClientsTest.Options = {}) =>
  Effect.gen(function*() {
    const backend = yield* ClientsTest.ClientsTest
    const clients = yield* Clients.Clients
    const calls = ids(backend, count)
    const fiber = yield* Effect.fork(Effect.forEach(calls, (id) => clients.get(id), { concurrency }))
    const elapsed = yield* drive(fiber)
    const results = yield* Fiber.join(fiber)
    return { calls, results, elapsed, stats: yield* backend.stats }
  }).pipe(
    Effect.provide(
      ClientsTest.layer({ seedClients: 200, rateLimit: "development", retry: RetryPolicy.standard, ...options })
    )
  )

describe("the first burst, from the key's documented limit (emulator at Clerk's development limit, TestClock)", () => {
  it.effect(
    "with default options and a development key, 1,000 gets at concurrency 50: ≤ 1 % rejected, first window included",
    () =>
      Effect.gen(function*() {
        const { calls, elapsed, results, stats } = yield* developmentWorkload(1000, 50)
        expect(results.map((client) => client.id)).toEqual(calls)
        expect(stats.rateLimited / stats.total).toBeLessThanOrEqual(0.01)
        // Ten windows of 100: the last one opens 90 s after the first.
        expect(elapsed).toBeLessThanOrEqual(90_000 * 1.05)
      }),
    120_000
  )

  it.effect(
    "a burst that fits the window is not slowed: 100 gets at concurrency 50 take no time at all",
    () =>
      Effect.gen(function*() {
        const { elapsed, stats } = yield* developmentWorkload(100, 50)
        expect(elapsed).toBe(0)
        expect(stats.rateLimited).toBe(0)
      }),
    60_000
  )

  it.effect(
    "rateLimit set explicitly wins over the key type: with rateLimit false, 150 gets overrun the window",
    () =>
      Effect.gen(function*() {
        const paced = yield* developmentWorkload(150, 50)
        expect(paced.stats.rateLimited).toBe(0)
        const unpaced = yield* developmentWorkload(150, 50, { clientRateLimit: false })
        expect(unpaced.stats.rateLimited).toBeGreaterThan(0)
        expect(unpaced.results).toHaveLength(150)
      }),
    60_000
  )
})
