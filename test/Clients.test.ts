import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Exit, Fiber, Layer, Logger, Redacted, TestClock } from "effect"
import { readFileSync } from "node:fs"
import { version } from "../src/core/version.js"
import { ClerkError, Clients, RetryPolicy } from "../src/index.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

const { json, text, setup } = TestServer

describe("get", () => {
  it.scoped("decodes a client with nested sessions: optional fields present, null and absent", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(200, Fixtures.client("client_full")))
      const client = yield* clients.get("client_full")

      expect(client.id).toBe("client_full")
      expect(client.sessionIds).toEqual(["sess_full", "sess_null", "sess_bare"])
      expect(client.signInId).toBe("sia_1")
      expect(client.signUpId).toBeNull()
      expect(client.lastAuthenticationStrategy).toBe("oauth_google")
      const [full, nulls, bare] = client.sessions
      expect(full).toMatchObject({
        userId: "user_1",
        actor: { sub: "user_admin" },
        lastActiveOrganizationId: "org_1",
        latestActivity: { isMobile: true, deviceType: "iPhone", ipAddress: "203.0.113.9", country: "PT" },
        tasks: [{ key: "choose-organization" }],
        lastActiveAt: 1_764_000_000_000
      })
      expect(nulls).toMatchObject({ status: "pending", actor: null, latestActivity: null, tasks: null })
      expect(nulls?.lastActiveOrganizationId).toBeNull()
      expect(bare?.status).toBe("revoked")
      expect(bare && "actor" in bare).toBe(false)
      expect(bare && "latestActivity" in bare).toBe(false)
    }))

  it.scoped("sends the documented headers and no trace propagation headers", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(200, Fixtures.client()))
      yield* clients.get("client_full").pipe(Effect.withSpan("user span"))
      const [request] = server.received
      expect(request?.method).toBe("GET")
      expect(request?.url).toBe("/v1/clients/client_full")
      expect(request?.headers.authorization).toBe(`Bearer ${TestServer.secret}`)
      expect(request?.headers["clerk-api-version"]).toBe("2026-05-12")
      expect(request?.headers["user-agent"]).toBe(`effect-clerk/${version}`)
      expect(request?.headers.accept).toBe("application/json")
      expect(request?.headers.traceparent).toBeUndefined()
      expect(request?.headers.b3).toBeUndefined()
    }))

  it.scoped("accepts application/json with a charset parameter", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(text(200, JSON.stringify(Fixtures.client("client_cs")), "application/json; charset=utf-8"))
      const client = yield* clients.get("client_cs")
      expect(client.id).toBe("client_cs")
    }))

  it.scoped("percent-encodes hostile ids as one path segment", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(200, Fixtures.client()))
      const ids = ["a/b", "?x=1", "#frag", "%2F..", "../users", "client 1", "ünï/cödé🙂", "a%20b"]
      for (const id of ids) yield* clients.get(id)
      const paths = server.received.map((r) => r.url)
      expect(paths.every((p) => p.startsWith("/v1/clients/"))).toBe(true)
      expect(paths.map((p) => decodeURIComponent(p.slice("/v1/clients/".length)))).toEqual(ids)
      expect(paths.every((p) => !p.slice("/v1/clients/".length).includes("/"))).toBe(true)
    }))

  it.scoped("rejects bad ids before sending anything", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      const bad = ["", "   ", ".", "..", "a\r\nX-Injected: 1", "nul\u0000", "\ud800", "x".repeat(1025)]
      for (const id of bad) {
        const error = yield* Effect.flip(clients.get(id))
        expect(error).toBeInstanceOf(ClerkError.SDKError)
        expect(error._tag === "SDKError" && error.reason).toBe("InvalidRequest")
      }
      expect(server.received).toHaveLength(0)
    }))

  for (const status of [400, 401, 404]) {
    it.scoped(`maps a declared ${status} with a Clerk body to ClerkErrors with every field`, () =>
      Effect.gen(function*() {
        const { server, clients } = yield* setup()
        server.reply(json(status, Fixtures.clerkErrors(status, `code_${status}`)))
        const error = yield* Effect.flip(clients.get("client_x"))
        assert(error._tag === "ClerkErrors")
        expect(error.status).toBe(status)
        expect(error.errors).toEqual([{
          code: `code_${status}`,
          message: `code_${status} message`,
          longMessage: `code_${status} long message (status ${status})`,
          meta: { param_name: "limit" }
        }])
        expect(error.meta).toEqual({ request: "r1" })
        expect(error.clerkTraceId).toBe(`trace_${status}`)
        expect(error.operation).toBe("Clients.get")
        expect(error.message).toContain("Clients.get GET /v1/clients/client_x")
        expect(error.message).toContain(`${status} code_${status}`)
        expect(server.received).toHaveLength(1)
      }))
  }

  it.scoped("takes clerkTraceId from the Clerk-Trace-Id header when the body has none", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(
        json(404, { errors: [{ code: "resource_not_found", message: "not found" }] }, { "clerk-trace-id": "hdr_trace" })
      )
      const error = yield* Effect.flip(clients.get("client_x"))
      assert(error._tag === "ClerkErrors")
      expect(error.clerkTraceId).toBe("hdr_trace")
      expect(error.errors[0]?.longMessage).toBeUndefined()
    }))

  it.scoped("an undeclared status with a Clerk body is an SDKError StatusCode; 403 is ClerkErrors", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(409, Fixtures.clerkErrors(409, "conflict")), json(403, Fixtures.clerkErrors(403, "forbidden")))
      const conflict = yield* Effect.flip(clients.get("client_x"))
      assert(conflict._tag === "SDKError")
      expect(conflict.reason).toBe("StatusCode")
      expect(conflict.status).toBe(409)
      expect(conflict.body).toContain("conflict")
      const forbidden = yield* Effect.flip(clients.get("client_x"))
      assert(forbidden._tag === "ClerkErrors")
      expect(forbidden.status).toBe(403)
    }))

  it.scoped("a declared status with a non-JSON body is an SDKError StatusCode with an excerpt", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(text(404, "<html>" + "x".repeat(10_000) + "</html>", "text/html"))
      const error = yield* Effect.flip(clients.get("client_x"))
      assert(error._tag === "SDKError")
      expect(error.reason).toBe("StatusCode")
      expect(error.status).toBe(404)
      expect(error.contentType).toBe("text/html")
      expect(error.body?.startsWith("<html>xxx")).toBe(true)
      expect(error.body!.length).toBeLessThan(2200)
      expect(error.headers?.["content-type"]).toBe("text/html")
    }))

  it.scoped("a 200 that is not JSON is an SDKError Decode", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(text(200, "hello", "text/plain"), text(200, "{\"object\":\"cli", "application/json"))
      const plain = yield* Effect.flip(clients.get("client_x"))
      assert(plain._tag === "SDKError")
      expect(plain.reason).toBe("Decode")
      expect(plain.description).toContain("text/plain")
      const truncated = yield* Effect.flip(clients.get("client_x"))
      assert(truncated._tag === "SDKError")
      expect(truncated.reason).toBe("Decode")
      expect(truncated.description).toContain("invalid JSON")
    }))

  it.scoped("a 200 whose body breaks the schema is an SDKError Decode naming the bad path", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      const bad = Fixtures.client("client_bad", {
        sessions: [Fixtures.fullSession, { ...Fixtures.fullSession, user_id: 42 }]
      })
      server.reply(json(200, bad))
      const error = yield* Effect.flip(clients.get("client_bad"))
      assert(error._tag === "SDKError")
      expect(error.reason).toBe("Decode")
      expect(error.description).toContain("sessions[1].user_id")
      expect(error.description).toContain("Expected string, actual 42")
      expect(server.received).toHaveLength(1)
    }))

  it.scoped("an unknown session status still decodes; unknown fields are dropped", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(
        json(
          200,
          Fixtures.client("c", {
            sessions: [{ ...Fixtures.fullSession, status: "hibernating", shiny: 1 }],
            brand_new: true
          })
        )
      )
      const client = yield* clients.get("c")
      expect(client.sessions[0]?.status).toBe("hibernating")
      expect("shiny" in client.sessions[0]!).toBe(false)
      expect("brand_new" in client).toBe(false)
    }))
})

describe("list", () => {
  it.scoped("sends paginated=true with limit and offset, and decodes the envelope", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(200, { data: [Fixtures.client("c2"), Fixtures.client("c1")], total_count: 42 }))
      const page = yield* clients.list({ limit: 20, offset: 10 })
      expect(page.totalCount).toBe(42)
      expect(page.data.map((c) => c.id)).toEqual(["c2", "c1"])
      const url = new URL(server.received[0]!.url, server.origin)
      expect(url.pathname).toBe("/v1/clients")
      expect(Object.fromEntries(url.searchParams)).toEqual({ paginated: "true", limit: "20", offset: "10" })
    }))

  it.scoped("decodes a bare array (no total count)", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(200, [Fixtures.client("c1")]))
      const page = yield* clients.list()
      expect(page.data.map((c) => c.id)).toEqual(["c1"])
      expect(page.totalCount).toBeUndefined()
      expect(new URL(server.received[0]!.url, server.origin).search).toBe("?paginated=true")
    }))

  it.scoped("rejects limit and offset out of range before sending", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      const bad = [{ limit: 0 }, { limit: 501 }, { limit: 1.5 }, { limit: Number.NaN }, { offset: -1 }, {
        offset: Number.POSITIVE_INFINITY
      }, { offset: 0.5 }]
      for (const params of bad) {
        const error = yield* Effect.flip(clients.list(params))
        assert(error._tag === "SDKError")
        expect(error.reason).toBe("InvalidRequest")
      }
      expect(server.received).toHaveLength(0)
    }))

  for (const status of [400, 401, 410, 422]) {
    it.scoped(`maps a declared ${status} to ClerkErrors`, () =>
      Effect.gen(function*() {
        const { server, clients } = yield* setup()
        server.reply(json(status, Fixtures.clerkErrors(status, `list_${status}`)))
        const error = yield* Effect.flip(clients.list({ limit: 10 }))
        assert(error._tag === "ClerkErrors")
        expect(error.status).toBe(status)
        expect(error.errors[0]?.code).toBe(`list_${status}`)
      }))
  }

  it.scoped("a 404 (not declared for list) is an SDKError StatusCode", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(404, Fixtures.clerkErrors(404, "resource_not_found")))
      const error = yield* Effect.flip(clients.list())
      assert(error._tag === "SDKError")
      expect(error.reason).toBe("StatusCode")
      expect(error.status).toBe(404)
    }))
})

describe("deprecation", () => {
  it.scoped("list logs Clerk's deprecation once per layer, not once per call", () =>
    Effect.gen(function*() {
      const warnings: Array<string> = []
      const capture = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      const { server, clients } = yield* setup()
      server.reply(json(200, { data: [], total_count: 0 }))
      yield* Effect.all([clients.list(), clients.list(), clients.list({ limit: 3 })]).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture))
      )
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("deprecated")
    }))

  it.scoped("deprecationWarning: false silences it", () =>
    Effect.gen(function*() {
      const warnings: Array<string> = []
      const capture = Logger.make(({ message }) => void warnings.push(String(message)))
      const { server, clients } = yield* setup({ deprecationWarning: false })
      server.reply(json(200, { data: [], total_count: 0 }))
      yield* clients.list().pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
      expect(warnings).toEqual([])
    }))
})

describe("verify", () => {
  it.scoped("posts { token } as JSON and decodes the client", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(200, Fixtures.client("client_v")))
      const client = yield* clients.verify({ token: "eyJ.token.sig" })
      expect(client.id).toBe("client_v")
      const [request] = server.received
      expect(request?.method).toBe("POST")
      expect(request?.url).toBe("/v1/clients/verify")
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(request!.body)).toEqual({ token: "eyJ.token.sig" })
    }))

  for (const status of [400, 401, 404]) {
    it.scoped(`maps a declared ${status} to ClerkErrors`, () =>
      Effect.gen(function*() {
        const { server, clients } = yield* setup()
        server.reply(json(status, Fixtures.clerkErrors(status, `verify_${status}`)))
        const error = yield* Effect.flip(clients.verify({ token: "t" }))
        assert(error._tag === "ClerkErrors")
        expect(error.status).toBe(status)
        expect(error.message).toContain("Clients.verify POST /v1/clients/verify")
      }))
  }

  it.scoped("rejects an empty or missing token before sending", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      for (const token of ["", "  \n"]) {
        const error = yield* Effect.flip(clients.verify({ token }))
        assert(error._tag === "SDKError")
        expect(error.reason).toBe("InvalidRequest")
      }
      const missing = yield* Effect.flip(clients.verify(JSON.parse("{}")))
      assert(missing._tag === "SDKError")
      expect(missing.reason).toBe("InvalidRequest")
      expect(server.received).toHaveLength(0)
    }))

  it.scoped("a 410 (not declared for verify) with a Clerk body is an SDKError StatusCode", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(410, Fixtures.clerkErrors(410, "gone")))
      const error = yield* Effect.flip(clients.verify({ token: "t" }))
      assert(error._tag === "SDKError")
      expect(error.status).toBe(410)
    }))
})

describe("retries and timeouts (TestClock)", () => {
  it.scoped("retries a 503 and then succeeds, after the first backoff delay", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(503, Fixtures.clerkErrors(503, "unavailable")), json(200, Fixtures.client("client_r")))
      const fiber = yield* Effect.fork(clients.get("client_r"))
      // The backoff before attempt 2 (the attempt's own time limit is a real timer, not a sleep on the clock).
      const sleeps = yield* TestServer.awaitSleeps(1)
      expect(server.received).toHaveLength(1)
      const backoff = Math.min(...sleeps)
      expect(backoff).toBeGreaterThanOrEqual(400) // 500 ms ± 20 % jitter
      expect(backoff).toBeLessThanOrEqual(600)
      yield* TestClock.adjust(backoff - 1)
      expect(server.received).toHaveLength(1)
      yield* TestClock.adjust(1)
      const client = yield* Fiber.join(fiber)
      expect(client.id).toBe("client_r")
      expect(server.received).toHaveLength(2)
    }))

  // 429 with Retry-After (seconds and HTTP-date) on TestClock: test/resilience.test.ts, scenarios 1 and 2.

  it.scoped("gives up after the policy's retries and says how many attempts were made", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(json(500, Fixtures.clerkErrors(500, "boom")))
      const fiber = yield* Effect.fork(clients.get("client_x"))
      const virtualMillis = yield* TestServer.driveClockUntilDone(fiber)
      // 500 + 1000 + 2000 + 4000 ms of backoff, each ±20 %.
      expect(virtualMillis).toBeGreaterThanOrEqual(6000)
      expect(virtualMillis).toBeLessThan(10_000)
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert(error._tag === "ClerkErrors")
      expect(error.status).toBe(500)
      expect(error.attempts).toBe(5)
      expect(error.message).toContain("after 5 attempts")
      expect(server.received).toHaveLength(5)
    }))

  it.scoped("does not retry a 404 or a decode error", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ retry: RetryPolicy.backoff({ statusCodes: ["5XX", 404] }) })
      server.reply(json(404, Fixtures.clerkErrors(404, "nope")), json(200, { object: "client" }))
      const notFound = yield* Effect.flip(clients.get("client_x"))
      expect(notFound._tag).toBe("ClerkErrors")
      const decode = yield* Effect.flip(clients.get("client_x"))
      expect(decode._tag === "SDKError" && decode.reason).toBe("Decode")
      expect(server.received).toHaveLength(2)
    }))

  it.scoped("a stalled attempt times out with reason Timeout, in real time even on TestClock; retry: false makes it final", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup()
      server.reply(TestServer.stall)
      // The attempt is network time: its limit is a real timer, which fires while TestClock stands still.
      const error = yield* Effect.flip(clients.get("client_x", { retry: false, timeout: "200 millis" }))
      assert(error._tag === "SDKError")
      expect(error.reason).toBe("Timeout")
      expect(error.description).toBe("attempt exceeded 200ms")
      expect(server.received).toHaveLength(1)
      yield* TestServer.eventually(() => server.aborted.length === 1, "the stalled request aborted")
    }))

  it.scoped("a per-call retry override replaces the layer's policy", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ retry: false })
      server.reply(json(502, "bad gateway"), json(200, Fixtures.client("c")))
      const first = yield* Effect.flip(clients.get("c"))
      expect(first._tag === "SDKError" && first.status).toBe(502)
      server.reply(json(502, "bad gateway"), json(200, Fixtures.client("c")))
      const fiber = yield* Effect.fork(clients.get("c", { retry: RetryPolicy.standard }))
      // The backoff before the retry: the only sleep on the clock (attempts' limits are real timers).
      yield* TestServer.awaitSleeps(1)
      yield* TestClock.adjust("1 second")
      const client = yield* Fiber.join(fiber)
      expect(client.id).toBe("c")
      expect(server.received).toHaveLength(3)
    }))
})

describe("secret hygiene", () => {
  it.scoped("the key appears in no error string, message or JSON", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* setup({ retry: false })
      server.reply(
        json(401, Fixtures.clerkErrors(401, "auth")),
        (res, req) => text(500, `echo: ${req.headers.authorization}`, "text/plain")(res, req),
        TestServer.reset
      )
      const errors = [
        yield* Effect.flip(clients.get("c")),
        yield* Effect.flip(clients.get("c")),
        yield* Effect.flip(clients.get("c"))
      ]
      expect(errors.map((e) => e._tag === "SDKError" ? e.reason : e._tag)).toEqual([
        "ClerkErrors",
        "StatusCode",
        "Transport"
      ])
      for (const error of errors) {
        for (const rendered of [String(error), error.message, JSON.stringify(error)]) {
          expect(rendered).not.toContain(TestServer.secret)
        }
      }
    }))
})

describe("errors", () => {
  it("isClientsError recognises effect-clerk's errors by their TypeId, also from another installed copy", () => {
    const error = new ClerkError.SDKError({
      operation: "Clients.get",
      method: "GET",
      path: "/v1/clients/x",
      reason: "Transport",
      description: "down"
    })
    expect(ClerkError.isClientsError(error)).toBe(true)
    // What a second copy of the package makes: another class, the same registered symbol.
    const typeId = Symbol.for("effect-clerk/ClerkError")
    const foreign = Object.assign(new Error("down"), { [typeId]: typeId, _tag: "SDKError" })
    expect(foreign instanceof ClerkError.SDKError).toBe(false)
    expect(ClerkError.isClientsError(foreign)).toBe(true)
    expect(ClerkError.isClientsError(new Error("down"))).toBe(false)
    expect(ClerkError.isClientsError({ _tag: "SDKError" })).toBe(false)
  })

  it("answers \"is 501 retryable?\" once: no by default, yes for a policy that names it, never for 404", () =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const server = yield* TestServer.make
      const attemptsFor = (status: number, retry: RetryPolicy.RetryPolicy) =>
        Effect.gen(function*() {
          server.reply(json(status, Fixtures.clerkErrors(status, "x")))
          const before = server.received.length
          const clients = Context.get(
            yield* Layer.build(TestServer.clientsLayer(server, { retry, rateLimit: false })),
            Clients.Clients
          )
          const error = yield* Effect.flip(clients.get("client_x"))
          return [error._tag, error.isRetryable, server.received.length - before]
        })
      const fast = { initialInterval: "1 millis", jitter: 0, maxRetries: 2 } as const
      expect(yield* attemptsFor(501, RetryPolicy.backoff(fast))).toEqual(["ClerkErrors", false, 1])
      expect(yield* attemptsFor(501, RetryPolicy.backoff({ ...fast, statusCodes: ["5XX"] }))).toEqual([
        "ClerkErrors",
        false,
        3
      ])
      expect(yield* attemptsFor(503, RetryPolicy.backoff(fast))).toEqual(["ClerkErrors", true, 3])
      expect(yield* attemptsFor(404, RetryPolicy.backoff({ ...fast, statusCodes: [404, "5XX"] }))).toEqual([
        "ClerkErrors",
        false,
        1
      ])
    }))))
})

describe("layers", () => {
  it.scoped("layerConfig reads CLERK_SECRET_KEY and CLERK_API_URL", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(json(200, Fixtures.client("from_config")))
      const provider = ConfigProvider.fromMap(
        new Map([["CLERK_SECRET_KEY", "sk_test_cfg"], ["CLERK_API_URL", server.apiUrl]])
      )
      const client = yield* Effect.flatMap(Clients.Clients, (c) => c.get("from_config")).pipe(
        Effect.provide(Clients.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
        Effect.withConfigProvider(provider)
      )
      expect(client.id).toBe("from_config")
      expect(server.received[0]?.headers.authorization).toBe("Bearer sk_test_cfg")
    }))

  it.scoped("takes the API URL with or without /v1, and CLERK_API_VERSION=v1 as the URL's version, not a header", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(json(200, Fixtures.client("c1")))
      const provider = ConfigProvider.fromMap(
        new Map([["CLERK_SECRET_KEY", "sk_test_cfg"], ["CLERK_API_URL", server.origin], ["CLERK_API_VERSION", "v1"]])
      )
      yield* Effect.flatMap(Clients.Clients, (c) => c.get("c1")).pipe(
        Effect.provide(Clients.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
        Effect.withConfigProvider(provider)
      )
      const over = (options: Partial<Clients.Options>) =>
        Effect.map(
          Layer.build(TestServer.clientsLayer(server, options)),
          (context) => Context.get(context, Clients.Clients)
        )
      yield* Effect.flatMap(over({ apiUrl: `${server.origin}/` }), (clients) => clients.get("c2"))
      yield* Effect.flatMap(over({ apiVersion: "2025-11-10" }), (clients) => clients.get("c3"))
      expect(server.received.map((r) => [r.url, r.headers["clerk-api-version"]])).toEqual([
        ["/v1/clients/c1", "2026-05-12"],
        ["/v1/clients/c2", "2026-05-12"],
        ["/v1/clients/c3", "2025-11-10"]
      ])
      const bad = yield* Effect.exit(
        Effect.provide(
          Clients.Clients,
          Clients.layer({ secretKey: Redacted.make("sk_test_x"), apiVersion: "v2" }).pipe(
            Layer.provide(NodeHttpClient.layerUndici)
          )
        )
      )
      expect(String(bad)).toContain("expected a Clerk-API-Version date")
    }))

  it.effect("layerConfig fails with a ConfigError when the key is missing", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.provide(Clients.Clients, Clients.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
        )
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(exit)).toContain("CLERK_SECRET_KEY")
    }))

  it.effect("refuses plain http to a remote host, and an empty key", () =>
    Effect.gen(function*() {
      const build = (options: Clients.Options) =>
        Effect.exit(
          Effect.provide(Clients.Clients, Clients.layer(options).pipe(Layer.provide(NodeHttpClient.layerUndici)))
        )
      const remote = yield* build({ secretKey: Redacted.make("sk_test_x"), apiUrl: "http://api.clerk.com/v1" })
      expect(String(remote)).toContain("must use https")
      const empty = yield* build({ secretKey: Redacted.make("") })
      expect(String(empty)).toContain("secret key is empty")
      const ok = yield* build({ secretKey: Redacted.make("sk_test_x"), apiUrl: "http://localhost:1/v1" })
      expect(Exit.isSuccess(ok)).toBe(true)
    }))

  it("User-Agent version matches package.json", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    expect(version).toBe(pkg.version)
  })
})
