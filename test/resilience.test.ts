/**
 * Fault-injection suite: a real loopback server misbehaves on purpose; each scenario asserts the exact typed outcome
 * and how many requests the server received. Timing runs on TestClock.
 */
import { HttpClient, type HttpClientError } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Fiber, Layer, Logger, LogLevel, Redacted, TestClock } from "effect"
import type { ClerkError } from "../src/index.js"
import { Clients, RetryPolicy } from "../src/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

const { json, text, setup, stall, reset, driveClockUntilDone } = TestServer

/** Runs `get` in a fiber, drives the TestClock until it ends, and reports outcome, requests and virtual time. */
const run = <A>(
  server: TestServer.TestServer,
  call: Effect.Effect<A, ClerkError.ClientsError>
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Effect.either(call))
    const virtualMillis = yield* driveClockUntilDone(fiber)
    const outcome = yield* Fiber.join(fiber)
    return { outcome, requests: server.received.length, virtualMillis }
  })

const failure = <A>(
  outcome: { readonly _tag: "Left"; readonly left: ClerkError.ClientsError } | {
    readonly _tag: "Right"
    readonly right: A
  }
) => {
  assert(outcome._tag === "Left", "expected the call to fail")
  return outcome.left
}

const reasonOf = (error: ClerkError.ClientsError) => (error._tag === "SDKError" ? error.reason : "ClerkErrors")

const ok = json(200, Fixtures.client("client_ok"))

describe("rate limiting and Retry-After", () => {
  it.scoped("1. 429 with Retry-After in seconds: waits exactly that long, then succeeds", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "4" }), ok)
      const fiber = yield* Effect.fork(clients.get("client_ok"))
      const sleeps = yield* TestServer.awaitSleeps(2)
      expect(sleeps).toContain(4000)
      yield* TestClock.adjust("3999 millis")
      expect(server.received).toHaveLength(1)
      yield* TestClock.adjust("1 milli")
      expect((yield* Fiber.join(fiber)).id).toBe("client_ok")
      expect(server.received).toHaveLength(2)
    }))

  it.scoped("2. 429 with an HTTP-date Retry-After: waits until that date", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      yield* TestClock.setTime(Date.parse("2026-11-26T12:00:00Z"))
      server.reply(
        json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "Thu, 26 Nov 2026 12:00:06 GMT" }),
        ok
      )
      const fiber = yield* Effect.fork(clients.get("client_ok"))
      const sleeps = yield* TestServer.awaitSleeps(2)
      expect(sleeps).toContain(Date.parse("2026-11-26T12:00:06Z"))
      yield* TestClock.adjust("6 seconds")
      expect((yield* Fiber.join(fiber)).id).toBe("client_ok")
      expect(server.received).toHaveLength(2)
    }))

  it.scoped("3. 429 without Retry-After: plain backoff, then success", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(429, Fixtures.clerkErrors(429, "too_many_requests")), ok)
      const { outcome, requests, virtualMillis } = yield* run(server, clients.get("client_ok"))
      expect(outcome._tag).toBe("Right")
      expect(requests).toBe(2)
      expect(virtualMillis).toBeLessThan(1000)
    }))

  it.scoped("4. Retry-After beyond the policy's budget fails at once with the 429 and its retryAfter", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "3600" }), ok)
      const { outcome, requests, virtualMillis } = yield* run(server, clients.get("client_ok"))
      const error = failure(outcome)
      assert(error._tag === "ClerkErrors")
      expect(error.status).toBe(429)
      expect(error.retryAfter && Duration.toSeconds(error.retryAfter)).toBe(3600)
      expect(requests).toBe(1)
      expect(virtualMillis).toBeLessThan(100)
    }))

  it.scoped("5. Retry-After beyond the call's deadline fails at once instead of timing out later", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ retry: RetryPolicy.backoff({ maxElapsedTime: "1 hour" }) })
      server.reply(json(503, Fixtures.clerkErrors(503, "unavailable"), { "retry-after": "20" }), ok)
      const { outcome, requests, virtualMillis } = yield* run(
        server,
        clients.get("client_ok", { deadline: "10 seconds" })
      )
      const error = failure(outcome)
      expect([error._tag, error.status]).toEqual(["ClerkErrors", 503])
      expect(requests).toBe(1)
      expect(virtualMillis).toBeLessThan(100)
    }))

  it.scoped("6. the client-side rate limiter keeps 300 concurrent calls under the limit per window", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ rateLimit: { limit: 100, interval: "10 seconds" } })
      server.reply(ok)
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 300 }, (_, i) => i), () => clients.get("client_ok"), {
          concurrency: "unbounded"
        })
      )
      yield* TestServer.eventually(() => server.received.length === 100, "first window")
      yield* TestServices_sleepLive(50)
      expect(server.received).toHaveLength(100)
      yield* TestClock.adjust("10 seconds")
      yield* TestServer.eventually(() => server.received.length === 200, "second window")
      yield* TestServices_sleepLive(50)
      expect(server.received).toHaveLength(200)
      yield* TestClock.adjust("10 seconds")
      const results = yield* Fiber.join(fiber)
      expect(results).toHaveLength(300)
      expect(server.received).toHaveLength(300)
    }))
})

describe("server errors", () => {
  it.scoped("7. a burst of 503s then success", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      const unavailable = json(503, Fixtures.clerkErrors(503, "unavailable"))
      server.reply(unavailable, unavailable, unavailable, ok)
      const { outcome, requests, virtualMillis } = yield* run(server, clients.get("client_ok"))
      expect(outcome._tag).toBe("Right")
      expect(requests).toBe(4)
      // 500 + 1000 + 2000 ms of backoff, ±20 %
      expect(virtualMillis).toBeGreaterThanOrEqual(2800)
      expect(virtualMillis).toBeLessThan(4300)
    }))

  it.scoped("8. 500 forever stops after the standard 5 attempts", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(500, Fixtures.clerkErrors(500, "internal_clerk_error")))
      const { outcome, requests } = yield* run(server, clients.get("client_ok"))
      const error = failure(outcome)
      expect([error._tag, error.status, error.attempts]).toEqual(["ClerkErrors", 500, 5])
      expect(requests).toBe(5)
    }))

  it.scoped("9. 500 forever under the speakeasy policy stops at its one-hour budget", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ retry: RetryPolicy.speakeasy })
      server.reply(json(500, Fixtures.clerkErrors(500, "internal_clerk_error")))
      const fiber = yield* Effect.fork(Effect.either(clients.get("client_ok")))
      // Jump in big steps: 0.5 s ×1.5 capped at 60 s (+0–1 s) reaches the hour after ~70 attempts.
      for (let i = 0; i < 400; i++) {
        yield* TestServices_sleepLive(1)
        if ((yield* Fiber.poll(fiber))._tag === "Some") break
        yield* TestClock.adjust("15 seconds")
      }
      const error = failure(yield* Fiber.join(fiber))
      expect(error.status).toBe(500)
      expect(server.received.length).toBeGreaterThan(60)
      expect(server.received.length).toBeLessThan(90)
    }))

  it.scoped("10. 501 is not retried", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(501, Fixtures.clerkErrors(501, "not_implemented")), ok)
      const { outcome, requests } = yield* run(server, clients.get("client_ok"))
      expect([failure(outcome)._tag, failure(outcome).status]).toEqual(["ClerkErrors", 501])
      expect(requests).toBe(1)
    }))

  it.scoped("11. an HTML 502 from a proxy is a retried StatusCode error", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(text(502, "<html><body>502 Bad Gateway</body></html>", "text/html"), ok)
      const { outcome, requests } = yield* run(server, clients.get("client_ok"))
      expect(outcome._tag).toBe("Right")
      expect(requests).toBe(2)
      // Without retries the same page is an SDKError StatusCode that says it is worth retrying.
      server.reply(text(502, "<html><body>502 Bad Gateway</body></html>", "text/html"), ok)
      const single = failure((yield* run(server, clients.get("client_ok", { retry: false }))).outcome)
      expect(single._tag === "SDKError" && [single.reason, single.status, single.isRetryable, single.contentType])
        .toEqual(["StatusCode", 502, true, "text/html"])
    }))

  for (const status of [401, 404, 410, 422]) {
    it.scoped(`${12 + [401, 404, 410, 422].indexOf(status)}. ${status} with a Clerk body is not retried`, () =>
      Effect.gen(function*() {
        const { server, clients } = yield* setup()
        server.reply(json(status, Fixtures.clerkErrors(status, `code_${status}`)), ok)
        const call: Effect.Effect<unknown, ClerkError.ClientsError> = status === 410 || status === 422
          ? clients.list()
          : clients.get("client_ok")
        const { outcome, requests } = yield* run(server, call)
        const error = failure(outcome)
        expect(error._tag).toBe("ClerkErrors")
        expect(error.status).toBe(status)
        expect(requests).toBe(1)
      }))
  }

  it.scoped("16. a 3xx redirect is not followed (the key never goes elsewhere) and not retried", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(text(302, "", "text/plain", { location: "http://127.0.0.2:9/steal" }))
      const { outcome, requests } = yield* run(server, clients.get("client_ok"))
      const error = failure(outcome)
      expect([reasonOf(error), error.status]).toEqual(["StatusCode", 302])
      expect(requests).toBe(1)
    }))
})

describe("transport failures and timeouts", () => {
  it.scoped("17. connection refused: Transport, retried, final error says 5 attempts", () =>
    Effect.gen(function*() {
      const apiUrl = yield* TestServer.refusedApiUrl
      const context = yield* Layer.build(
        Clients.layer({ secretKey: Redacted.make(TestServer.secret), apiUrl }).pipe(
          Layer.provide(NodeHttpClient.layerUndici),
          Layer.orDie
        )
      )
      const clients = Context.get(context, Clients.Clients)
      const fiber = yield* Effect.fork(Effect.flip(clients.get("client_ok")))
      yield* driveClockUntilDone(fiber)
      const error = yield* Fiber.join(fiber)
      expect(reasonOf(error)).toBe("Transport")
      expect(error.attempts).toBe(5)
      expect(error.message).toContain("ECONNREFUSED")
    }))

  it.scoped("18. connection reset before headers, then success", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(reset, ok)
      const { outcome, requests } = yield* run(server, clients.get("client_ok"))
      expect(outcome._tag).toBe("Right")
      expect(requests).toBe(2)
    }))

  it.scoped("19. connection reset mid-body is Transport, then success", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      const body = JSON.stringify(Fixtures.client("client_ok"))
      const resetMidBody: TestServer.Reply = (res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) })
        res.write(body.slice(0, 100), () => res.socket?.destroy())
      }
      server.reply(resetMidBody, resetMidBody, ok)
      const first = yield* Effect.either(clients.get("client_ok", { retry: false }))
      expect(reasonOf(failure(first))).toBe("Transport")
      const { outcome, requests } = yield* run(server, clients.get("client_ok"))
      expect(outcome._tag).toBe("Right")
      expect(requests).toBe(3)
    }))

  it.scoped("20. a stall past the attempt timeout is a Timeout, retried, then success", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ timeout: "3 seconds" })
      server.reply(stall, ok)
      const { outcome, requests, virtualMillis } = yield* run(server, clients.get("client_ok"))
      expect(outcome._tag).toBe("Right")
      expect(requests).toBe(2)
      expect(virtualMillis).toBeGreaterThanOrEqual(3000)
      yield* TestServer.eventually(() => server.aborted.length === 1, "the stalled request's socket to close")
    }))

  it.scoped("21. a stall longer than the overall deadline ends with Timeout at the deadline", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ timeout: "4 seconds" })
      server.reply(stall)
      const { outcome, virtualMillis, requests } = yield* run(
        server,
        clients.get("client_ok", { deadline: "6 seconds" })
      )
      const error = failure(outcome)
      assert(error._tag === "SDKError")
      expect(error.reason).toBe("Timeout")
      expect(error.description).toBe("call deadline of 6s passed")
      expect(virtualMillis).toBeGreaterThanOrEqual(6000)
      expect(virtualMillis).toBeLessThan(6200)
      expect(requests).toBe(2) // attempt 1 times out at 4 s; attempt 2 starts at ~4.5 s and the deadline cuts it at 6 s
      yield* TestServer.eventually(() => server.aborted.length === 2, "both stalled sockets to close")
    }))

  it.scoped("21b. when the next retry would start after the deadline, the last real error is returned at once", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ timeout: "4 seconds" })
      server.reply(stall)
      const { outcome, virtualMillis, requests } = yield* run(
        server,
        clients.get("client_ok", { deadline: "9 seconds" })
      )
      const error = failure(outcome)
      assert(error._tag === "SDKError")
      expect(error.description).toBe("attempt exceeded 4s")
      expect(virtualMillis).toBeLessThan(9000) // ~8.5 s: attempt 2 timed out, and a third could not finish in time
      expect(requests).toBe(2)
    }))

  it.scoped("22. interrupting the caller aborts the request in flight (the server sees the socket close)", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(stall)
      const fiber = yield* Effect.fork(clients.get("client_ok"))
      yield* server.awaitRequests(1)
      yield* Fiber.interrupt(fiber)
      yield* TestServer.eventually(() => server.aborted.length === 1, "the server to see the connection close")
      expect(server.received).toHaveLength(1)
    }))
})

describe("on the live clock, through a platform HttpClient (timed on the Effect clock)", () => {
  it.scopedLive("20L. a stalled attempt times out in real time, the socket is closed, and a retry succeeds", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({
        timeout: "150 millis",
        retry: RetryPolicy.backoff({ initialInterval: "10 millis", jitter: 0 })
      })
      server.reply(stall, ok)
      const started = Date.now()
      const client = yield* clients.get("client_ok")
      expect(client.id).toBe("client_ok")
      expect(Date.now() - started).toBeGreaterThanOrEqual(150)
      expect(server.received).toHaveLength(2)
      yield* TestServer.eventually(() => server.aborted.length === 1, "the timed-out request's socket to close")
      server.reply(stall)
      const error = yield* Effect.flip(clients.get("client_ok", { retry: false, timeout: "100 millis" }))
      expect(error._tag === "SDKError" && [error.reason, error.description]).toEqual([
        "Timeout",
        "attempt exceeded 100ms"
      ])
    }))

  it.scopedLive("21L. the call deadline fires in real time and aborts the attempt in flight", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ timeout: "30 seconds" })
      server.reply(stall)
      const error = yield* Effect.flip(clients.get("client_ok", { deadline: "150 millis" }))
      expect(error._tag === "SDKError" && [error.reason, error.description]).toEqual([
        "Timeout",
        "call deadline of 150ms passed"
      ])
      yield* TestServer.eventually(() => server.aborted.length === 1, "the request to be aborted")
      expect(server.received).toHaveLength(1)
    }))

  it.scopedLive("22L. interrupting the caller mid-attempt aborts the request and leaves no fiber behind", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ timeout: "30 seconds" })
      server.reply(stall)
      const fiber = yield* Effect.fork(clients.get("client_ok"))
      yield* server.awaitRequests(1)
      // The attempt runs in a child fiber: the adapter's timeout on the Effect clock races it against a sleep.
      const descendants = (
        f: Fiber.RuntimeFiber<unknown, unknown>
      ): Effect.Effect<Array<Fiber.RuntimeFiber<unknown, unknown>>> =>
        Effect.flatMap(
          f.children,
          (children) => Effect.map(Effect.forEach(children, descendants), (nested) => [...children, ...nested.flat()])
        )
      const spawned = yield* descendants(fiber)
      expect(spawned.length).toBeGreaterThan(0)
      yield* Fiber.interrupt(fiber)
      yield* TestServer.eventually(() => server.aborted.length === 1, "the server to see the connection close")
      expect(yield* Fiber.await(fiber)).toMatchObject({ _tag: "Failure" })
      const left = yield* Effect.filter(spawned, (f) => Effect.map(Fiber.poll(f), (exit) => exit._tag === "None"))
      expect(left).toEqual([])
    }))
})

describe("timeouts enforced by effect-clerk's own UndiciHttpClient exchange (one real timer, no fork)", () => {
  const undiciClients = (
    server: TestServer.TestServer,
    options: Partial<Clients.Options>,
    transport = UndiciHttpClient.layer
  ) =>
    Effect.map(
      Layer.build(
        Clients.layer({ secretKey: Redacted.make(TestServer.secret), apiUrl: server.apiUrl, ...options }).pipe(
          Layer.provide(transport),
          Layer.orDie
        )
      ),
      (context) => Context.get(context, Clients.Clients)
    )

  it.scopedLive("a stall before the headers, and one in the middle of the body, are Timeouts; the sockets close", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const clients = yield* undiciClients(server, { timeout: "150 millis", retry: false })
      const body = JSON.stringify(Fixtures.client("client_ok"))
      server.reply(stall, (res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) })
        res.write(body.slice(0, 40))
      }, ok)
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(clients.get("client_ok"))
        expect(error._tag === "SDKError" && [error.reason, error.description]).toEqual([
          "Timeout",
          "attempt exceeded 150ms"
        ])
      }
      yield* TestServer.eventually(() => server.aborted.length === 2, "both sockets to close")
      expect((yield* clients.get("client_ok")).id).toBe("client_ok")
    }))

  it.scopedLive("with retries: the timed-out attempt is retried and the call succeeds", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const clients = yield* undiciClients(server, {
        timeout: "100 millis",
        retry: RetryPolicy.backoff({ initialInterval: "5 millis", jitter: 0 })
      })
      server.reply(stall, stall, ok)
      expect((yield* clients.get("client_ok")).id).toBe("client_ok")
      expect(server.received).toHaveLength(3)
    }))

  it.scoped("its timer is real: under TestClock a stalled attempt still times out, in real time", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const clients = yield* undiciClients(server, { timeout: "150 millis", retry: false })
      server.reply(stall)
      const started = Date.now()
      const error = yield* Effect.flip(clients.get("client_ok"))
      expect(error._tag === "SDKError" && error.reason).toBe("Timeout")
      expect(Date.now() - started).toBeGreaterThanOrEqual(140)
      expect(Array.from(yield* TestClock.sleeps())).toEqual([])
    }))
})

describe("a transformClient that sends some requests through another transport", () => {
  // One route goes through NodeHttpClient.layerUndici, the rest through UndiciHttpClient's HttpClient: every request
  // goes through the adapter (a transformClient must see every request), so every route has its time limit, in any
  // order of first use.
  const routed = (other: HttpClient.HttpClient): Partial<Clients.Options> => ({
    timeout: "300 millis",
    retry: false,
    transformClient: (own) =>
      HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
        (request) => Effect.flatMap(request, (r) => (r.url.includes("client_elsewhere") ? other : own).execute(r)),
        Effect.succeed
      )
  })
  for (const order of [["client_ok", "client_elsewhere"], ["client_elsewhere", "client_ok"]] as const) {
    it.scopedLive(`a stall on either route times out, whichever route is used first (${order.join(", then ")})`, () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        const other = Context.get(yield* Layer.build(NodeHttpClient.layerUndici), HttpClient.HttpClient)
        const clients = Context.get(
          yield* Layer.build(
            Clients.layer({ secretKey: Redacted.make(TestServer.secret), apiUrl: server.apiUrl, ...routed(other) })
              .pipe(Layer.provide(UndiciHttpClient.layer), Layer.orDie)
          ),
          Clients.Clients
        )
        server.reply(ok)
        expect((yield* clients.get(order[0])).id).toBe("client_ok")
        server.reply(stall)
        const started = Date.now()
        const error = yield* Effect.flip(clients.get(order[1]))
        expect(error._tag === "SDKError" && [error.reason, error.description]).toEqual([
          "Timeout",
          "attempt exceeded 300ms"
        ])
        expect(Date.now() - started).toBeLessThan(2_000)
        yield* TestServer.eventually(() => server.aborted.length === 1, "the stalled request's socket to close")
      }))
  }
})

describe("bodies that are not what the spec promises (never retried)", () => {
  const cases: Array<[string, TestServer.Reply, string]> = [
    [
      "23. truncated JSON",
      text(200, JSON.stringify(Fixtures.client()).slice(0, 50), "application/json"),
      "invalid JSON"
    ],
    ["24. invalid JSON", text(200, "{object: client}", "application/json"), "invalid JSON"],
    ["25. text/plain 200", text(200, "OK", "text/plain"), "text/plain"],
    ["26. empty 200 body", text(200, "", "application/json"), "invalid JSON"],
    [
      "27. 200 with a body that breaks the schema",
      json(200, Fixtures.client("c", { created_at: "yesterday" })),
      "created_at"
    ],
    ["28. 200 with the wrong object type", json(200, { ...Fixtures.client(), object: "session" }), "object"]
  ]
  for (const [name, reply, mentions] of cases) {
    it.scoped(name, () =>
      Effect.gen(function*() {
        const { server, clients } = yield* setup()
        server.reply(reply, ok)
        const { outcome, requests } = yield* run(server, clients.get("client_ok"))
        const error = failure(outcome)
        assert(error._tag === "SDKError")
        expect(error.reason).toBe("Decode")
        expect(error.description).toContain(mentions)
        expect(requests).toBe(1)
      }))
  }

  it.scoped("29. a huge body is cut at maxResponseBytes, with or without Content-Length", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ maxResponseBytes: 64 * 1024 })
      const huge = JSON.stringify(Fixtures.client("c", { sign_in_id: "x".repeat(1024 * 1024) }))
      server.reply(
        (res) => {
          res.writeHead(200, { "content-type": "application/json", "content-length": String(huge.length) })
          res.end(huge)
        },
        (res) => {
          res.writeHead(200, { "content-type": "application/json" }) // chunked, no length
          for (let i = 0; i < huge.length; i += 16 * 1024) res.write(huge.slice(i, i + 16 * 1024))
          res.end()
        }
      )
      for (let i = 0; i < 2; i++) {
        const error = failure(yield* Effect.either(clients.get("c")))
        assert(error._tag === "SDKError")
        expect(error.reason).toBe("Decode")
        expect(error.description).toContain("65536-byte limit")
        expect(error.body!.length).toBeLessThan(2200)
      }
      expect(server.received).toHaveLength(2)
    }))
})

describe("observability", () => {
  it.scoped("30. each retry is logged at debug level with attempt, delay and reason", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      const lines: Array<string> = []
      const capture = Logger.make(({ logLevel, message, annotations }) => {
        lines.push(`${logLevel.label} ${String(message)} ${JSON.stringify(Object.fromEntries(annotations))}`)
      })
      server.reply(json(503, Fixtures.clerkErrors(503, "unavailable")), text(502, "bad", "text/html"), ok)
      const { outcome } = yield* run(
        server,
        clients.get("client_ok").pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
          Logger.withMinimumLogLevel(LogLevel.Debug)
        )
      )
      expect(outcome._tag).toBe("Right")
      const retries = lines.filter((line) => line.includes("retry"))
      expect(retries).toHaveLength(2)
      expect(retries[0]).toMatch(/^DEBUG Clients.get: retry 1 in \d+ ms/)
      expect(retries[0]).toContain("\"effect_clerk.reason\":\"ClerkErrors\"")
      expect(retries[1]).toContain("\"effect_clerk.reason\":\"StatusCode\"")
      expect(retries[1]).toContain("\"http.response.status_code\":502")
    }))
})

describe("mixed load", () => {
  it.scopedLive(
    "31. 2,000 calls at concurrency 100 with 30% injected transient faults all succeed, none lost or doubled",
    () =>
      Effect.gen(function*() {
        const { server, clients } = yield* setup({
          // Real time here, so tiny delays; the timing rules themselves are covered on TestClock above.
          retry: RetryPolicy.backoff({
            initialInterval: "1 millis",
            maxInterval: "5 millis",
            maxRetries: 20,
            jitter: 0
          }),
          // A steady 6 % of 429s would (rightly) slow the adaptive pacer down; this test is about retries.
          rateLimit: false
        })
        let n = 0
        const faults: Array<TestServer.Reply> = [
          json(503, Fixtures.clerkErrors(503, "unavailable")),
          json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "0" }),
          text(502, "<html>bad gateway</html>", "text/html"),
          reset,
          json(500, Fixtures.clerkErrors(500, "boom"))
        ]
        server.reply((res, req) => {
          n++
          // A fixed pseudo-random 30 %: deterministic, so a failure reproduces.
          if ((n * 2654435761) % 1000 < 300) return faults[n % faults.length]!(res, req)
          const id = decodeURIComponent(req.url.slice("/v1/clients/".length))
          json(200, Fixtures.client(id))(res, req)
        })
        const ids = Array.from({ length: 2000 }, (_, i) => `client_${i}`)
        const results = yield* Effect.forEach(ids, (id) => clients.get(id), { concurrency: 100 })
        expect(results.map((c) => c.id)).toEqual(ids)
        const faulted = server.received.length - 2000
        expect(faulted).toBeGreaterThan(500)
        const served = new Set(server.received.map((r) => r.url))
        expect(served.size).toBe(2000)
      }),
    60_000
  )
})

const TestServices_sleepLive = (millis: number) =>
  Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))
