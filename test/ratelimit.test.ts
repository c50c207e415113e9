/** Concurrency, the gate alone, the shared gate and metrics under Clerk's limit (see support/rateLimited.ts). */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Metric, TestClock } from "effect"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { ClerkMetrics, Clients, ClientsTest, RetryPolicy } from "../src/index.js"
import * as Fixtures from "./support/fixtures.js"
import { drive, ids, settle, workload } from "./support/rateLimited.js"
import * as TestServer from "./support/TestServer.js"

setFlagsFromString("--expose-gc")
const collectGarbage: unknown = runInNewContext("gc")

/** Heap in use after a full collection. */
const retainedHeap = (): number => {
  if (typeof collectGarbage === "function") collectGarbage()
  return process.memoryUsage().heapUsed
}

describe("pipelines under Clerk's rate limit, continued (emulator at 50 requests/s, TestClock)", () => {
  it.effect("at concurrency 500 no call is lost, and memory stays flat", () =>
    Effect.gen(function*() {
      expect(typeof collectGarbage).toBe("function")
      const before = retainedHeap()
      const { calls, results, stats } = yield* workload(500)
      expect(results.map((client) => client.id)).toEqual(calls)
      expect(stats.total - stats.rateLimited).toBe(1000)
      // What stays reachable once garbage is collected: the 1,000 results, not 500 fibers' worth of queued state.
      expect(retainedHeap() - before).toBeLessThan(32 * 1024 * 1024)
    }), 120_000)

  it.effect(
    "without pacing (rateLimit: false) the shared gate alone still loses no call",
    () =>
      Effect.gen(function*() {
        const { results, stats } = yield* workload(50, { clientRateLimit: false })
        expect(results).toHaveLength(1000)
        expect(stats.total - stats.rateLimited).toBe(1000)
      }),
    120_000
  )
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
      server.reply(
        TestServer.json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
        TestServer.json(200, Fixtures.client("client_ok"))
      )
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
        throttled: Metric.value(
          ClerkMetrics.requests.pipe(Metric.tagged("operation", op), Metric.tagged("status", "429"))
        ),
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
