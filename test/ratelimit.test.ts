/**
 * Pipelines under Clerk's rate limit, rehearsed on TestClock: the emulator enforces the limit on the test's clock,
 * requests are answered in memory (ClientsTest), and the driver below moves virtual time from one sleep to the next
 * once the in-memory requests of the current instant have settled.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, Effect, Fiber, Layer, Metric, Option, TestClock, TestServices } from "effect"
import { ClerkMetrics, Clients, ClientsTest, RetryPolicy } from "../src/index.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

/** Lets the event loop run the in-memory requests that are in flight (real time, a few turns). */
const settle = TestServices.provideLive(
  Effect.promise(() => new Promise<void>((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve)))))
)

/**
 * Runs `fiber` to completion on TestClock: settles the in-flight requests, then jumps to the next sleep. Calls
 * `observe(now)` at every step. Returns the virtual time that passed.
 */
const drive = <A, E>(fiber: Fiber.Fiber<A, E>, observe: (now: number) => Effect.Effect<void> = () => Effect.void) =>
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

const ids = (backend: ClientsTest.Controls, n: number) =>
  Array.from({ length: n }, (_, i) => backend.clients[i % backend.clients.length]!.id)

/** 1,000 gets at `concurrency` against 50 requests per second, on the Clients defaults (standard retries, adaptive). */
const workload = (concurrency: number, options: ClientsTest.Options = {}) =>
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
const theoreticalMinimum = 19_000

describe("pipelines under Clerk's rate limit (emulator at 50 requests/s, TestClock)", () => {
  it.effect("with default options, 1,000 gets at concurrency 50 all succeed, within 1.25× the minimum time, with ≤ 5 % rejected", () =>
    Effect.gen(function*() {
      const { calls, results, elapsed, stats } = yield* workload(50)
      expect(results.map((client) => client.id)).toEqual(calls)
      expect(elapsed).toBeLessThanOrEqual(theoreticalMinimum * 1.25)
      expect(stats.rateLimited / stats.total).toBeLessThanOrEqual(0.05)
      expect(stats.total - stats.rateLimited).toBe(1000)
    }), 120_000)

  it.effect("rateLimit: \"adaptive\", never told the limit: ≤ 2 % of requests rejected after the first window", () =>
    Effect.gen(function*() {
      const { results, stats, rejectedInFirstWindow, elapsed } = yield* workload(50, { clientRateLimit: "adaptive" })
      expect(results).toHaveLength(1000)
      const later = stats.rateLimited - rejectedInFirstWindow
      expect(later / (stats.total - rejectedInFirstWindow)).toBeLessThanOrEqual(0.02)
    }), 120_000)

  it.effect("at concurrency 500 no call is lost, and memory stays flat", () =>
    Effect.gen(function*() {
      const before = process.memoryUsage().heapUsed
      const { calls, results, stats, elapsed } = yield* workload(500)
      expect(results.map((client) => client.id)).toEqual(calls)
      expect(stats.total - stats.rateLimited).toBe(1000)
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(128 * 1024 * 1024)
    }), 120_000)

  it.effect("without pacing (rateLimit: false) the shared gate alone still loses no call", () =>
    Effect.gen(function*() {
      const { results, stats } = yield* workload(50, { clientRateLimit: false })
      expect(results).toHaveLength(1000)
      expect(stats.total - stats.rateLimited).toBe(1000)
    }), 120_000)
})

describe("the shared gate", () => {
  it.effect("a 429 with Retry-After holds every call of the layer until then, without using their retries", () =>
    Effect.gen(function*() {
      const backend = yield* ClientsTest.ClientsTest
      const clients = yield* Clients.Clients
      const [first, second] = ids(backend, 2)
      yield* backend.injectFaults({ status: 429, retryAfter: "3", operation: "get" })
      // The first call meets the 429 and retries after 3 s; the second starts later and waits at the gate.
      const a = yield* Effect.fork(clients.get(first!))
      yield* settle
      const b = yield* Effect.fork(clients.get(second!, { retry: false }))
      yield* settle
      expect((yield* backend.stats).get).toBe(1)
      yield* TestClock.adjust("2999 millis")
      yield* settle
      expect((yield* backend.stats).get).toBe(1)
      yield* TestClock.adjust("1 millis")
      yield* settle
      expect((yield* Fiber.join(b)).id).toBe(second)
      expect((yield* Fiber.join(a)).id).toBe(first)
    }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 3, retry: RetryPolicy.standard }))))

  it.effect("waiting at the gate counts against the call's deadline", () =>
    Effect.gen(function*() {
      const backend = yield* ClientsTest.ClientsTest
      const clients = yield* Clients.Clients
      const [first, second] = ids(backend, 2)
      yield* backend.injectFaults({ status: 429, retryAfter: "10", operation: "get" })
      yield* Effect.flip(clients.get(first!))
      const waiting = yield* Effect.fork(Effect.flip(clients.get(second!, { deadline: "2 seconds" })))
      yield* settle
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(waiting)
      expect(error._tag === "SDKError" && error.reason).toBe("Timeout")
      expect((yield* backend.stats).get).toBe(1)
    }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 3 }))))

  it.effect("interrupting a call that waits at the gate is clean: nothing is sent", () =>
    Effect.gen(function*() {
      const backend = yield* ClientsTest.ClientsTest
      const clients = yield* Clients.Clients
      const [first, second] = ids(backend, 2)
      yield* backend.injectFaults({ status: 429, retryAfter: "5", operation: "get" })
      yield* Effect.flip(clients.get(first!))
      const waiting = yield* Effect.fork(clients.get(second!))
      yield* settle
      yield* Fiber.interrupt(waiting)
      yield* TestClock.adjust("10 seconds")
      yield* settle
      expect((yield* backend.stats).get).toBe(1)
    }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 3 }))))

  it.scoped("rateScope: \"process\" shares one gate between layers built with the same key; \"layer\" does not", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const build = (rateScope: "layer" | "process") =>
        Effect.map(
          Layer.build(TestServer.clientsLayer(server, { rateScope, retry: false })),
          (context) => Context.get(context, Clients.Clients)
        )
      const [a, b, c] = [yield* build("process"), yield* build("process"), yield* build("layer")]
      server.reply(TestServer.json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "2" }), TestServer.json(200, Fixtures.client("client_ok")))
      expect((yield* Effect.flip(a.get("client_ok"))).status).toBe(429)
      // c has its own gate: it goes at once.
      expect((yield* c.get("client_ok")).id).toBe("client_ok")
      const waiting = yield* Effect.fork(b.get("client_ok"))
      yield* TestServer.eventually(() => true, "a turn of the event loop")
      yield* TestClock.adjust("1999 millis")
      yield* TestServer.eventually(() => true, "a turn of the event loop")
      expect(server.received).toHaveLength(2)
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(waiting)).id).toBe("client_ok")
      expect(server.received).toHaveLength(3)
    }))
})

describe("metrics", () => {
  it.effect("requests by operation and status, retries, 429s, time waited and latency are recorded", () =>
    Effect.gen(function*() {
      const op = "Clients.verify"
      const read = Effect.all({
        ok: Metric.value(ClerkMetrics.requests.pipe(Metric.tagged("operation", op), Metric.tagged("status", "200"))),
        throttled: Metric.value(ClerkMetrics.requests.pipe(Metric.tagged("operation", op), Metric.tagged("status", "429"))),
        retries: Metric.value(ClerkMetrics.retries.pipe(Metric.tagged("operation", op))),
        rateLimited: Metric.value(ClerkMetrics.rateLimited.pipe(Metric.tagged("operation", op))),
        waited: Metric.value(ClerkMetrics.pacingWait.pipe(Metric.tagged("operation", op))),
        latency: Metric.value(ClerkMetrics.requestDuration.pipe(Metric.tagged("operation", op)))
      })
      const before = yield* read
      const backend = yield* ClientsTest.ClientsTest
      const clients = yield* Clients.Clients
      const token = yield* backend.mintToken(backend.clients[0]!.id)
      yield* backend.injectFaults({ status: 429, retryAfter: "2", operation: "verify", latencyMs: 30 })
      const call = yield* Effect.fork(clients.verify({ token }))
      const other = yield* Effect.fork(Effect.zipRight(TestClock.adjust("100 millis"), clients.verify({ token })))
      yield* drive(call)
      yield* Fiber.join(other)
      const after = yield* read
      expect(after.ok.count - before.ok.count).toBe(2)
      expect(after.throttled.count - before.throttled.count).toBe(1)
      expect(after.retries.count - before.retries.count).toBe(1)
      expect(after.rateLimited.count - before.rateLimited.count).toBe(1)
      expect(after.waited.count - before.waited.count).toBeGreaterThan(0)
      expect(after.latency.count - before.latency.count).toBe(3)
      expect(after.latency.sum - before.latency.sum).toBeGreaterThanOrEqual(30)
    }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 3, retry: RetryPolicy.standard }))))
})
