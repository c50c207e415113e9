/**
 * The Effect 4 face's pacing on `TestClock`, over a real loopback server: the gate a 429 with `Retry-After` closes
 * for every call of the layer, and the circuit that sheds calls (nothing sent) while Clerk is plainly down, with one
 * probe a second.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Metric } from "effect"
import { ClerkMetrics, Clients } from "effect-clerk/v4"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { clerkErrors, client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

const layer = (server: Server.TestServer, options: Partial<Clients.Options> = {}) =>
  Clients.layer({ secretKey: Server.secretRedacted, apiUrl: server.apiUrl, retry: false, ...options }).pipe(
    Layer.provide(FetchHttpClient.layer)
  )

describe("v4 rate gate and circuit on TestClock", () => {
  it.effect("a 429 with Retry-After holds the layer's next call until then, without a retry", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(
        Server.json(429, clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
        Server.json(200, client("client_1"))
      )
      yield* Effect.gen(function*() {
        const clients = yield* Clients.Clients
        const first = yield* Effect.flip(clients.get("client_1"))
        assert.strictEqual(first._tag === "ClerkErrors" ? first.status : undefined, 429)
        const second = yield* clients.get("client_1").pipe(Effect.forkChild)
        yield* TestClock.adjust("1999 millis")
        yield* Server.realSleep(20)
        assert.lengthOf(server.received, 1)
        yield* TestClock.adjust("1 millis")
        assert.strictEqual((yield* Fiber.join(second)).id, "client_1")
        assert.lengthOf(server.received, 2)
        const waited = yield* Metric.value(
          Metric.withAttributes(ClerkMetrics.pacingWait, { operation: "Clients.get" })
        )
        assert.isAtLeast(waited.count, 2000)
      }).pipe(Effect.provide(layer(server)))
    }))

  it.effect("after 18 of 20 attempts fail, calls are shed with nothing sent; a probe a second; an answer closes it", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(Server.json(503, clerkErrors(503, "unavailable")))
      yield* Effect.gen(function*() {
        const clients = yield* Clients.Clients
        for (let i = 0; i < 20; i++) yield* Effect.flip(clients.get("client_1"))
        assert.lengthOf(server.received, 20)
        const shed = yield* Effect.flip(clients.get("client_1"))
        assert.strictEqual(shed._tag === "SDKError" ? shed.reason : undefined, "Shed")
        assert.isFalse(shed.isRetryable)
        assert.lengthOf(server.received, 20)
        assert.strictEqual(
          (yield* Metric.value(Metric.withAttributes(ClerkMetrics.shed, { operation: "Clients.get" }))).count,
          1
        )
        server.reply(Server.json(200, client("client_1")))
        yield* TestClock.adjust("1 second")
        assert.strictEqual((yield* clients.get("client_1")).id, "client_1")
        assert.strictEqual((yield* clients.get("client_1")).id, "client_1")
        assert.lengthOf(server.received, 22)
      }).pipe(Effect.provide(layer(server)))
    }))

  it.effect("loadShedding: false never sheds", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(Server.json(503, clerkErrors(503, "unavailable")))
      yield* Effect.gen(function*() {
        const clients = yield* Clients.Clients
        for (let i = 0; i < 25; i++) {
          const error = yield* Effect.flip(clients.get("client_1"))
          assert.strictEqual(error._tag, "ClerkErrors")
        }
        assert.lengthOf(server.received, 25)
      }).pipe(Effect.provide(layer(server, { loadShedding: false })))
    }))

  for (const [algorithm, third] of [["fixed-window", 1000], ["token-bucket", 500]] as const) {
    it.effect(`a fixed ${algorithm} limit of 2 per second sends the third call ${third} ms later`, () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(200, client("client_1")))
        yield* Effect.gen(function*() {
          const clients = yield* Clients.Clients
          const calls = yield* Effect.all([1, 2, 3].map(() => clients.get("client_1")), { concurrency: 3 }).pipe(
            Effect.forkChild
          )
          yield* Server.eventually(() => server.received.length === 2, "the first two calls")
          yield* TestClock.adjust(third - 1)
          yield* Server.realSleep(20)
          assert.lengthOf(server.received, 2)
          yield* TestClock.adjust(1)
          yield* Fiber.join(calls)
          assert.lengthOf(server.received, 3)
        }).pipe(Effect.provide(layer(server, { rateLimit: { limit: 2, interval: "1 second", algorithm } })))
      }))
  }

  it.effect("a rate limit that is not a positive integer fails the layer with a ConfigError", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const error = yield* Effect.flip(
        Clients.Clients.use((c) => c.get("client_1")).pipe(
          Effect.provide(layer(server, { rateLimit: { limit: 0, interval: "1 second" } }))
        )
      )
      assert.strictEqual(error._tag, "ConfigError")
      assert.include(String(error.message), "the rate limit must be a positive integer")
    }))
})
