/**
 * The Effect 4 face's shared budget on `TestClock`, as the root face's: layers that share a store share the gate and
 * the circuit; a failing store costs nothing but one warning. Then the same through Redis (`RedisBudget.store`, a
 * private redis-server on loopback), shared with a root-face layer on the same key.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Logger, Metric } from "effect"
import { ClerkMetrics, Clients, SharedBudget } from "effect-clerk/v4"
import * as RedisBudget from "effect-clerk/v4/RedisBudget"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { type RedisServer, startRedis } from "../test/fleet/redis.js"
import { clerkErrors, client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

const build = (server: Server.TestServer, options: Partial<Clients.Options>) =>
  Effect.map(
    Layer.build(
      Clients.layer({ secretKey: Server.secretRedacted, apiUrl: server.apiUrl, retry: false, ...options }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
    ),
    (context) => Context.get(context, Clients.Clients)
  )

describe("v4 shared budget (SharedBudget.memory, TestClock)", () => {
  it.effect("a 429 with Retry-After seen by one layer holds another layer that shares the store, not one that does not", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const store = SharedBudget.memory()
      const gateBefore = (yield* Metric.value(ClerkMetrics.sharedGate)).count
      const a = yield* build(server, { sharedBudget: store })
      const b = yield* build(server, { sharedBudget: store })
      const c = yield* build(server, {})
      server.reply(
        Server.json(429, clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
        Server.json(200, client("client_ok"))
      )
      const first = yield* Effect.flip(a.get("client_ok"))
      assert.strictEqual(first._tag === "ClerkErrors" ? first.status : undefined, 429)
      yield* Server.realSleep(20)
      // c shares nothing: it goes at once.
      assert.strictEqual((yield* c.get("client_ok")).id, "client_ok")
      const waiting = yield* Effect.forkChild(b.get("client_ok"))
      yield* Server.realSleep(20)
      yield* TestClock.adjust("1999 millis")
      yield* Server.realSleep(20)
      assert.lengthOf(server.received, 2)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(waiting)).id, "client_ok")
      assert.lengthOf(server.received, 3)
      assert.strictEqual((yield* Metric.value(ClerkMetrics.sharedGate)).count - gateBefore, 1)
    }))

  it.effect("an open circuit is shared: once one layer finds Clerk down, a layer sharing the store sheds too", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const store = SharedBudget.memory()
      const a = yield* build(server, { sharedBudget: store })
      const b = yield* build(server, { sharedBudget: store })
      server.reply(Server.json(503, clerkErrors(503, "service_unavailable")))
      for (let i = 0; i < 20; i++) yield* Effect.flip(a.get("client_ok"))
      const shedByA = yield* Effect.flip(a.get("client_ok"))
      assert.strictEqual(shedByA._tag === "SDKError" ? shedByA.reason : undefined, "Shed")
      // The circuit reaches the store in the background, on a later turn (real time).
      yield* Server.realSleep(20)
      assert.lengthOf(server.received, 20)
      // b's first attempt reads the shared circuit (it is already on its way, and fails); from then on b sheds.
      const firstOfB = yield* Effect.flip(b.get("client_ok"))
      assert.strictEqual(firstOfB._tag === "ClerkErrors" ? firstOfB.status : undefined, 503)
      const shedByB = yield* Effect.flip(b.get("client_ok"))
      assert.strictEqual(shedByB._tag === "SDKError" ? shedByB.reason : undefined, "Shed")
      assert.lengthOf(server.received, 21)
    }))

  it.effect("a store that fails: every call goes on under the local budget, and the warning is logged once", () => {
    const warnings: Array<string> = []
    const capture = Logger.layer([Logger.make((options) => {
      if (options.logLevel === "Warn") warnings.push(String(options.message))
    })])
    return Effect.gen(function*() {
      const server = yield* Server.make
      const broken: SharedBudget.Store = {
        name: "broken",
        connect: () => Effect.fail(new SharedBudget.StoreError({ message: "connection refused" }))
      }
      const fallbacksBefore = (yield* Metric.value(ClerkMetrics.sharedFallbacks)).count
      const clients = yield* build(server, { sharedBudget: broken })
      server.reply(Server.json(200, client("client_ok")))
      // Three rounds, each after the store was due to be tried again: it fails each time, and is reported once.
      for (let round = 0; round < 3; round++) {
        const results = yield* Effect.forEach(
          Array.from({ length: 10 }, () => "client_ok"),
          (id) => clients.get(id),
          { concurrency: 5 }
        )
        assert.lengthOf(results, 10)
        yield* TestClock.adjust("6 seconds")
      }
      assert.lengthOf(server.received, 30)
      assert.lengthOf(warnings, 1)
      assert.include(warnings[0], "the shared budget store (broken) is unavailable (connection refused)")
      assert.strictEqual((yield* Metric.value(ClerkMetrics.sharedFallbacks)).count - fallbacksBefore, 1)
    }).pipe(Effect.provide(capture))
  })
})

describe("v4 shared budget through Redis (RedisBudget.store, a private redis-server, TestClock)", () => {
  let redis: RedisServer | undefined
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(() => redis?.stop())
  const store = (prefix: string) => RedisBudget.store({ url: redis!.url, prefix })

  it.effect("a 429 with Retry-After seen by one layer holds another layer on the same Redis and key", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const a = yield* build(server, { sharedBudget: store("gate-test:") })
      const b = yield* build(server, { sharedBudget: store("gate-test:") })
      server.reply(
        Server.json(429, clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
        Server.json(200, client("client_ok"))
      )
      yield* Effect.flip(a.get("client_ok"))
      // The gate reaches Redis in the background (real time).
      yield* Server.realSleep(100)
      const waiting = yield* Effect.forkChild(b.get("client_ok"))
      yield* Server.realSleep(100)
      yield* TestClock.adjust("1999 millis")
      yield* Server.realSleep(100)
      assert.lengthOf(server.received, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(waiting)).id, "client_ok")
      assert.lengthOf(server.received, 2)
    }))

  it.effect("a fixed rate limit is one window budget for both layers: the third call of the window waits", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const rateLimit = { limit: 2, interval: "10 seconds" } as const
      const a = yield* build(server, { sharedBudget: store("window-test:"), rateLimit })
      const b = yield* build(server, { sharedBudget: store("window-test:"), rateLimit })
      server.reply(Server.json(200, client("client_ok")))
      yield* a.get("client_ok")
      yield* b.get("client_ok")
      const third = yield* Effect.forkChild(a.get("client_ok"))
      yield* Server.realSleep(100)
      assert.lengthOf(server.received, 2)
      yield* TestClock.adjust("10 seconds")
      yield* Server.realSleep(100)
      yield* Fiber.join(third)
      assert.lengthOf(server.received, 3)
    }))
})
