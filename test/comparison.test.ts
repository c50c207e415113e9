/**
 * The README's comparison with Clerk's official `@clerk/backend` (3.25.0), shown by tests: the same scripted server
 * answers both clients. Every row of that table is one of these tests.
 */
import { createClerkClient } from "@clerk/backend"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, TestClock } from "effect"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

const official = (server: TestServer.TestServer) =>
  createClerkClient({ secretKey: TestServer.secret, apiUrl: server.origin })

/** Settles a promise into a value or the thrown error, without throwing. */
const settle = <A>(promise: Promise<A>) =>
  Effect.promise(() =>
    promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }))
  )

describe("effect-clerk vs @clerk/backend, same server", () => {
  it.scoped("a 503 then 200: @clerk/backend fails after 1 request; effect-clerk retries and succeeds", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      const unavailable = TestServer.json(503, Fixtures.clerkErrors(503, "unavailable"))
      const ok = TestServer.json(200, Fixtures.client("c1"))
      server.reply(unavailable, ok)
      const theirs = yield* settle(official(server).clients.getClient("c1"))
      expect(theirs.ok).toBe(false)
      expect(server.received).toHaveLength(1)
      server.reply(unavailable, ok)
      const fiber = yield* Effect.fork(clients.get("c1"))
      yield* TestServer.driveClockUntilDone(fiber)
      expect((yield* Fiber.join(fiber)).id).toBe("c1")
      expect(server.received).toHaveLength(3)
    }))

  it.scoped("a 429 with Retry-After: @clerk/backend reports it and stops; effect-clerk waits it out", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      const limited = TestServer.json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "2" })
      server.reply(limited, TestServer.json(200, Fixtures.client("c1")))
      const theirs = yield* settle(official(server).clients.getClient("c1"))
      expect(theirs.ok === false && theirs.error).toMatchObject({ status: 429, retryAfter: 2 })
      expect(server.received).toHaveLength(1)
      server.reply(limited, TestServer.json(200, Fixtures.client("c1")))
      const fiber = yield* Effect.fork(clients.get("c1"))
      yield* TestServer.awaitSleeps(1) // the wait for Retry-After (the attempt's own limit is a real timer)
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(fiber)).id).toBe("c1")
    }))

  it.scoped("Retry-After as an HTTP-date: @clerk/backend loses it; effect-clerk reads it", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup({ retry: false })
      const now = Date.now()
      const date = new Date(now + 30_000).toUTCString()
      server.reply(TestServer.json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": date }))
      const theirs = yield* settle(official(server).clients.getClient("c1"))
      expect(theirs.ok === false && theirs.error).toMatchObject({ status: 429, retryAfter: undefined })
      yield* TestClock.setTime(now)
      const ours = yield* Effect.flip(clients.get("c1"))
      // An HTTP-date has whole seconds: the wait is what is left of the 30 s once the milliseconds are dropped.
      const waitMillis = ours.retryAfter === undefined ? undefined : Duration.toMillis(ours.retryAfter)
      expect(waitMillis).toBeGreaterThan(29_000)
      expect(waitMillis).toBeLessThanOrEqual(30_000)
    }))

  it.scoped("a 200 with `application/json; charset=utf-8`: @clerk/backend returns a string; effect-clerk a Client", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      server.reply(TestServer.text(200, JSON.stringify(Fixtures.client("c1")), "application/json; charset=utf-8"))
      const theirs = yield* settle(official(server).clients.getClient("c1"))
      expect(theirs.ok && typeof theirs.value).toBe("string")
      expect((yield* clients.get("c1")).id).toBe("c1")
    }))

  it.scoped("a 200 missing required fields: @clerk/backend returns undefined fields, or crashes as an 'API error'; effect-clerk fails with Decode", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      const { created_at: _c, last_active_session_id: _l, ...withoutTimestamps } = Fixtures.client("c1", {
        sessions: []
      })
      server.reply(TestServer.json(200, withoutTimestamps))
      const lenient = yield* settle(official(server).clients.getClient("c1"))
      expect(lenient.ok && [lenient.value.id, lenient.value.createdAt, lenient.value.lastActiveSessionId]).toEqual([
        "c1",
        undefined,
        undefined
      ])
      const ours = yield* Effect.flip(clients.get("c1"))
      expect(ours._tag === "SDKError" && [ours.reason, ours.description]).toEqual([
        "Decode",
        expect.stringContaining("is missing")
      ])

      server.reply(TestServer.json(200, { object: "client", id: "c1" }))
      const crashed = yield* settle(official(server).clients.getClient("c1"))
      expect(crashed.ok === false && crashed.error).toMatchObject({
        errors: [{ code: "unexpected_error", message: expect.stringContaining("Cannot read properties of undefined") }]
      })
      const ours2 = yield* Effect.flip(clients.get("c1"))
      expect(ours2._tag === "SDKError" && ours2.reason).toBe("Decode")
    }))

  it.scoped("an id with `/` or `?`: @clerk/backend puts it in the path raw; effect-clerk sends one encoded segment", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      server.reply(TestServer.json(200, Fixtures.client("c1")))
      yield* settle(official(server).clients.getClient("a/b?x=1"))
      yield* clients.get("a/b?x=1")
      expect(server.received.map((r) => r.url)).toEqual(["/v1/clients/a/b?x=1", "/v1/clients/a%2Fb%3Fx%3D1"])
    }))

  it.scoped("an empty id: @clerk/backend throws a plain Error; effect-clerk a typed InvalidRequest — neither sends", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      const theirs = yield* settle(official(server).clients.getClient(""))
      expect(theirs.ok === false && theirs.error).toBeInstanceOf(Error)
      const ours = yield* Effect.flip(clients.get(""))
      expect(ours._tag === "SDKError" && ours.reason).toBe("InvalidRequest")
      expect(server.received).toHaveLength(0)
    }))

  it.scoped("offset 0: @clerk/backend drops it from the query; effect-clerk sends what it was given", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      server.reply(TestServer.json(200, { data: [], total_count: 0 }))
      yield* settle(official(server).clients.getClientList({ limit: 5, offset: 0 }))
      yield* clients.list({ limit: 5, offset: 0 })
      const queries = server.received.map((r) => Object.fromEntries(new URL(r.url, server.origin).searchParams))
      expect(queries).toEqual([{ limit: "5", paginated: "true" }, { paginated: "true", limit: "5", offset: "0" }])
    }))

  it.scopedLive("a stalled server: @clerk/backend is still waiting when effect-clerk's timeout has fired", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup({ retry: false, timeout: "200 millis" })
      server.reply(TestServer.stall)
      let settled = false
      void official(server).clients.getClient("c1").then(() => (settled = true), () => (settled = true))
      const ours = yield* Effect.flip(clients.get("c1"))
      expect(ours._tag === "SDKError" && ours.reason).toBe("Timeout")
      expect(settled).toBe(false)
    }))
})
