import { assert, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Stream, TestClock } from "effect"
import { Clients, ClientsTest } from "../src/index.js"

const TestLayer = ClientsTest.layer({ seedClients: 12, seed: 9 })

describe("ClientsTest.layer (in memory)", () => {
  it.effect("serves list, get, verify and stream from the seeded store", () =>
    Effect.gen(function*() {
      const clients = yield* Clients.Clients
      const backend = yield* ClientsTest.ClientsTest
      const page = yield* clients.list({ limit: 5 })
      expect(page.totalCount).toBe(12)
      expect(page.data.map((c) => c.id)).toEqual(backend.clients.slice(0, 5).map((c) => c.id))
      const target = backend.clients[7]!
      expect(yield* clients.get(target.id)).toEqual(target)
      expect((yield* clients.verify({ token: yield* backend.mintToken(target.id) })).id).toBe(target.id)
      const all = yield* Stream.runCollect(clients.stream({ pageSize: 5 }))
      expect(Chunk.toReadonlyArray(all).map((c) => c.id)).toEqual(backend.clients.map((c) => c.id))
      expect((yield* backend.stats).list).toBe(4) // 1 list + 3 stream pages (5, 5, 2)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("has the same validation and typed errors as the HTTP client", () =>
    Effect.gen(function*() {
      const clients = yield* Clients.Clients
      const backend = yield* ClientsTest.ClientsTest
      const invalid = yield* Effect.flip(clients.list({ limit: 0 }))
      expect(invalid._tag === "SDKError" && invalid.reason).toBe("InvalidRequest")
      const missing = yield* Effect.flip(clients.get("client_missing"))
      assert(missing._tag === "ClerkErrors")
      expect([missing.status, missing.errors[0]?.code]).toEqual([404, "resource_not_found"])
      yield* backend.injectFaults({ status: 503, operation: "get" })
      const unavailable = yield* Effect.flip(clients.get(backend.clients[0]!.id))
      expect(unavailable._tag === "ClerkErrors" && unavailable.status).toBe(503)
      expect((yield* backend.stats).total).toBe(2) // the invalid list never reached the backend
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a slow answer times out when the TestClock passes the attempt's limit, not before (its backend's time is virtual)", () =>
    Effect.gen(function*() {
      const clients = yield* Clients.Clients
      const backend = yield* ClientsTest.ClientsTest
      yield* backend.injectFaults({ latencyMs: 5_000, operation: "get" })
      const started = Date.now()
      const fiber = yield* Effect.fork(Effect.flip(clients.get(backend.clients[0]!.id, { timeout: "2 seconds" })))
      yield* TestClock.adjust("1999 millis")
      expect(yield* Fiber.poll(fiber)).toMatchObject({ _tag: "None" })
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      // Virtual time only: a real 2 s timer would still be pending.
      expect(Date.now() - started).toBeLessThan(1_500)
      expect(error._tag === "SDKError" && [error.reason, error.description]).toEqual(["Timeout", "attempt exceeded 2s"])
    }).pipe(Effect.provide(TestLayer)))
})
