/**
 * The Effect 4 face's retries and time limits on `TestClock`, against a real loopback server, over `effect/http`'s
 * fetch (which `Clients` adapts with a timeout on the Effect clock).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted } from "effect"
import { Clients, RetryPolicy } from "effect-clerk/v4"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { clerkErrors, client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

const withClients = <A, E>(
  server: Server.TestServer,
  f: (clients: Clients.Service) => Effect.Effect<A, E>,
  options: Partial<Clients.Options> = {}
) =>
  Effect.provide(
    Clients.Clients.use(f),
    Clients.layer({ secretKey: Redacted.make(Server.secret), apiUrl: server.apiUrl, ...options }).pipe(
      Layer.provide(FetchHttpClient.layer)
    )
  )

describe("v4 retries and time limits on TestClock", () => {
  it.effect("a 503 is retried after the policy's delay, and only then", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(Server.json(503, clerkErrors(503, "unavailable")), Server.json(200, client("client_1")))
      const fiber = yield* withClients(
        server,
        (c) => c.get("client_1"),
        { retry: RetryPolicy.backoff({ jitter: 0 }), rateLimit: false }
      ).pipe(Effect.forkChild)
      yield* Server.eventually(() => server.received.length === 1, "the first attempt")
      yield* TestClock.adjust("499 millis")
      yield* Server.realSleep(20)
      assert.lengthOf(server.received, 1)
      yield* TestClock.adjust("1 millis")
      yield* Server.eventually(() => server.received.length === 2, "the retry")
      const got = yield* Fiber.join(fiber)
      assert.strictEqual(got.id, "client_1")
    }))

  it.effect("Retry-After is a floor on the delay", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(
        Server.json(429, clerkErrors(429, "too_many_requests"), { "retry-after": "3" }),
        Server.json(200, client("client_1"))
      )
      const fiber = yield* withClients(
        server,
        (c) => c.get("client_1"),
        { retry: RetryPolicy.backoff({ jitter: 0 }), rateLimit: false }
      ).pipe(Effect.forkChild)
      yield* Server.eventually(() => server.received.length === 1, "the first attempt")
      yield* TestClock.adjust("2999 millis")
      yield* Server.realSleep(20)
      assert.lengthOf(server.received, 1)
      yield* TestClock.adjust("1 millis")
      yield* Server.eventually(() => server.received.length === 2, "the retry")
      assert.strictEqual((yield* Fiber.join(fiber)).id, "client_1")
    }))

  it.effect("an attempt that outlives its timeout fails with SDKError Timeout and aborts the request", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(Server.stall)
      const fiber = yield* withClients(server, (c) => c.get("client_1"), { retry: false, timeout: "2 seconds" }).pipe(
        Effect.flip,
        Effect.forkChild
      )
      yield* Server.eventually(() => server.received.length === 1, "the attempt")
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "SDKError")
      if (error._tag !== "SDKError") return
      assert.strictEqual(error.reason, "Timeout")
      assert.strictEqual(error.message, "Clients.get GET /v1/clients/client_1 Timeout: attempt exceeded 2s")
      yield* Server.eventually(() => server.aborted.length === 1, "the aborted request")
    }))

  it.effect("a 400 is never retried, whatever the policy", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      server.reply(Server.json(400, clerkErrors(400, "bad_request")))
      const error = yield* Effect.flip(
        withClients(server, (c) => c.get("client_1"), { retry: RetryPolicy.backoff({ statusCodes: [400, "5XX"] }) })
      )
      assert.strictEqual(error._tag, "ClerkErrors")
      if (error._tag !== "ClerkErrors") return
      assert.strictEqual(error.attempts, 1)
      assert.lengthOf(server.received, 1)
    }))
})
