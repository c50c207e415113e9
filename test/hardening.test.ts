/**
 * Hostile input, hostile responses, secret hygiene and redirects.
 */
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, FastCheck, Layer, Logger, LogLevel, Redacted, Tracer } from "effect"
import { inspect } from "node:util"
import type { ClerkError } from "../src/index.js"
import { Clients, RetryPolicy } from "../src/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

const { json, text } = TestServer

/** Values that have no business in a number slot, smuggled past the type checker the way untyped callers do. */
const untyped = (value: unknown): number => JSON.parse(JSON.stringify({ value })).value ?? Number.NaN

const hostileStrings = FastCheck.oneof(
  FastCheck.constantFrom(
    "",
    " ",
    "\t\n",
    "/",
    "//",
    ".",
    "..",
    "../..",
    "%2F",
    "%2e%2e",
    "a/../b",
    "?",
    "?x=1",
    "#",
    "#frag",
    "a b",
    "client_1\r\nX-Injected: yes",
    "nul\u0000byte",
    "\u007f",
    "\ud800",
    "\udc00x",
    "🙂",
    "\u{10FFFF}",
    "ünïcödé",
    "x".repeat(1024),
    "x".repeat(1025),
    "x".repeat(100_000),
    "%",
    "%zz",
    "+",
    "&limit=1",
    ";",
    "\\",
    "'\"<>"
  ),
  FastCheck.string({ unit: "binary", maxLength: 40 }),
  FastCheck.string({ unit: "grapheme", maxLength: 40 }),
  FastCheck.string({ unit: FastCheck.constantFrom("/", ".", "%", "?", "#", "\r", "\n", "a", "\u0000"), maxLength: 12 })
)

const hostileNumbers = FastCheck.oneof(
  FastCheck.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    -0,
    0,
    1,
    500,
    501,
    0.5,
    1.5,
    2 ** 53,
    2 ** 53 + 2,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    -(2 ** 31)
  ),
  FastCheck.double(),
  FastCheck.integer({ min: -1000, max: 1000 }),
  FastCheck.constantFrom("5", "abc", "", null, true, [], {}).map(untyped)
)

describe("hostile input", () => {
  it.scoped("client ids: rejected with nothing sent, or sent as exactly one request whose path decodes back to the id", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup({ retry: false })
      server.reply(json(200, Fixtures.client()))
      let sent = 0
      let refused = 0
      yield* Effect.promise(() =>
        FastCheck.assert(
          FastCheck.asyncProperty(hostileStrings, async (id) => {
            const before = server.received.length
            const exit = await Effect.runPromiseExit(clients.get(id))
            if (Exit.isFailure(exit)) {
              const error = Cause.failureOption(exit.cause)
              expect(error._tag === "Some" && error.value._tag === "SDKError" && error.value.reason).toBe(
                "InvalidRequest"
              )
              expect(server.received.length).toBe(before)
              refused++
              return
            }
            expect(server.received.length).toBe(before + 1)
            const path = server.received[before]!.url
            expect(path.startsWith("/v1/clients/")).toBe(true)
            const segment = path.slice("/v1/clients/".length)
            expect(segment.includes("/") || segment.includes("?") || segment.includes("#")).toBe(false)
            expect(decodeURIComponent(segment)).toBe(id)
            sent++
          }),
          { numRuns: 300 }
        )
      )
      expect(sent).toBeGreaterThan(50)
      expect(refused).toBeGreaterThan(20)
    }))

  it.scoped("tokens: rejected with nothing sent, or sent once with the body decoding back to the token", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup({ retry: false })
      server.reply(json(200, Fixtures.client()))
      yield* Effect.promise(() =>
        FastCheck.assert(
          FastCheck.asyncProperty(hostileStrings, async (token) => {
            const before = server.received.length
            const exit = await Effect.runPromiseExit(clients.verify({ token }))
            if (Exit.isFailure(exit)) {
              expect(token.trim()).toBe("")
              expect(server.received.length).toBe(before)
              return
            }
            expect(server.received.length).toBe(before + 1)
            const request = server.received[before]!
            expect(request.url).toBe("/v1/clients/verify")
            expect(JSON.parse(request.body)).toEqual({ token })
          }),
          { numRuns: 200 }
        )
      )
    }))

  it.scoped("limits and offsets: rejected with nothing sent, or sent once with the query decoding back to them", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup({ retry: false })
      server.reply(json(200, { data: [], total_count: 0 }))
      yield* Effect.promise(() =>
        FastCheck.assert(
          FastCheck.asyncProperty(hostileNumbers, hostileNumbers, async (limit, offset) => {
            const before = server.received.length
            const exit = await Effect.runPromiseExit(clients.list({ limit, offset }))
            const valid = Number.isInteger(limit) && limit >= 1 && limit <= 500 && Number.isInteger(offset) &&
              offset >= 0 && offset <= Number.MAX_SAFE_INTEGER
            if (!valid) {
              expect(Exit.isFailure(exit)).toBe(true)
              expect(server.received.length).toBe(before)
              return
            }
            expect(Exit.isSuccess(exit)).toBe(true)
            expect(server.received.length).toBe(before + 1)
            const query = new URL(server.received[before]!.url, server.origin).searchParams
            expect([...query.keys()].sort()).toEqual(["limit", "offset", "paginated"])
            // === rather than Object.is: -0 is sent as "0", the same number.
            expect(Number(query.get("limit")) === limit).toBe(true)
            expect(Number(query.get("offset")) === offset).toBe(true)
          }),
          { numRuns: 300 }
        )
      )
    }))
})

describe("hostile responses: always a typed error, never a defect", () => {
  const typedOnly = <A>(exit: Exit.Exit<A, ClerkError.ClientsError>) => {
    if (Exit.isSuccess(exit)) return "success"
    const failure = Cause.failureOption(exit.cause)
    expect(failure._tag, `not a typed failure: ${Cause.pretty(exit.cause)}`).toBe("Some")
    return failure._tag === "Some" ? failure.value._tag : "defect"
  }

  it.scoped("random JSON under random statuses", () =>
    Effect.gen(function*() {
      // Random 429s would (rightly) slow the adaptive pacer down; this test is about decoding, not pacing.
      const { server, clients } = yield* TestServer.setup({ retry: false, rateLimit: false })
      yield* Effect.promise(() =>
        FastCheck.assert(
          FastCheck.asyncProperty(
            FastCheck.jsonValue({ maxDepth: 6 }),
            FastCheck.constantFrom(200, 400, 401, 404, 410, 422, 429, 500, 502, 503),
            async (body, status) => {
              server.reply(text(status, JSON.stringify(body) ?? "null", "application/json"))
              const calls: Array<Effect.Effect<unknown, ClerkError.ClientsError>> = [
                clients.get("client_x"),
                clients.list(),
                clients.verify({ token: "t" })
              ]
              for (const call of calls) {
                const exit = await Effect.runPromiseExit(call)
                expect(["success", "ClerkErrors", "SDKError"]).toContain(typedOnly(exit))
              }
            }
          ),
          { numRuns: 150 }
        )
      )
    }))

  it.scoped("deep nesting, huge strings, duplicate keys, numbers past 2^53, wrong types at every field", () =>
    Effect.gen(function*() {
      // Several hundred requests: a development key's documented 100 per 10 s would pace them on a clock that never
      // moves here; this test is about decoding, not pacing.
      const { server, clients } = yield* TestServer.setup({ retry: false, rateLimit: false })
      const deep = "[".repeat(100_000) + "]".repeat(100_000)
      const nested = `{"object":"client","id":"c","session_ids":${deep}}`
      const wide = JSON.stringify(Fixtures.client("c", { sign_in_id: "s".repeat(5_000_000) }))
      const duplicate = JSON.stringify(Fixtures.client("first")).replace(
        "\"id\":\"first\"",
        "\"id\":\"first\",\"id\":\"second\""
      )
      const bigNumber = JSON.stringify(Fixtures.client("c")).replace("1764000001000", "9007199254740993")
      const bodies = [deep, nested, wide, duplicate, bigNumber, "{", "\"\"", "[]", "null", "0"]
      for (const field of Object.keys(Fixtures.client())) {
        for (const wrong of [null, 0, "x", [], {}, true]) {
          bodies.push(JSON.stringify(Fixtures.client("c", { [field]: wrong })))
        }
      }
      for (const field of Object.keys(Fixtures.fullSession)) {
        for (const wrong of [null, 0, "x", [], {}, true]) {
          bodies.push(JSON.stringify(Fixtures.client("c", { sessions: [{ ...Fixtures.fullSession, [field]: wrong }] })))
        }
      }
      const outcomes = new Map<string, number>()
      for (const body of bodies) {
        for (const status of [200, 404]) {
          server.reply(text(status, body, "application/json"))
          const exit = yield* Effect.exit(clients.get("c"))
          const kind = typedOnly(exit)
          outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1)
          if (Exit.isFailure(exit)) {
            const error = Cause.failureOption(exit.cause)
            if (error._tag === "Some") expect(error.value.message.length).toBeLessThan(4_000)
          }
        }
      }
      expect(outcomes.get("defect")).toBeUndefined()
      expect(outcomes.get("SDKError")).toBeGreaterThan(100)
      // A duplicate key takes the last value, as JSON.parse does; the wide client is valid.
      server.reply(text(200, duplicate, "application/json"))
      expect((yield* clients.get("c")).id).toBe("second")
    }))

  it.scoped("a huge error body is read only up to the cap", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup({ retry: false })
      const huge = JSON.stringify({ errors: [{ code: "x", message: "y".repeat(20_000_000) }] })
      server.reply((res) => {
        res.writeHead(500, { "content-type": "application/json" })
        res.end(huge)
      })
      const error = yield* Effect.flip(clients.get("c"))
      // Cut at 64 KiB, the body is not valid JSON any more, so not a Clerk body: a StatusCode error with an excerpt.
      expect(error._tag === "SDKError" && error.reason).toBe("StatusCode")
      expect(error._tag === "SDKError" && error.body!.length).toBeLessThan(2_200)
    }))
})

/** Spans recorded by wrapping the default tracer. */
const recordingTracer = Effect.map(Effect.tracer, (base) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      spans.push(span)
      return span
    },
    context: base.context
  })
  return { tracer, spans }
})

const everything = (value: unknown): string => {
  const seen = new WeakSet<object>()
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString()
    if (v instanceof Map) return Object.fromEntries(v)
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return "[circular]"
      seen.add(v)
    }
    return v
  }) ?? ""
}

describe("secret hygiene", () => {
  const transports: Record<string, Layer.Layer<HttpClient.HttpClient>> = {
    UndiciHttpClient: UndiciHttpClient.layer,
    "NodeHttpClient.layerUndici": NodeHttpClient.layerUndici,
    "FetchHttpClient.layer": FetchHttpClient.layer
  }
  for (const [transportName, transport] of Object.entries(transports)) {
    it.scopedLive(`the key is in no error, log line, span or inspected value (${transportName})`, () =>
      Effect.gen(function*() {
        const key = TestServer.secret
        const server = yield* TestServer.make
        const options: Clients.Options = {
          secretKey: Redacted.make(key),
          apiUrl: server.apiUrl,
          timeout: "200 millis",
          retry: RetryPolicy.backoff({ maxRetries: 1, initialInterval: "1 millis", jitter: 0 })
        }
        const context = yield* Layer.build(Clients.layer(options).pipe(Layer.provide(transport), Layer.orDie))
        const clients = Context.get(context, Clients.Clients)
        const { tracer, spans } = yield* recordingTracer
        const logs: Array<string> = []
        const logger = Logger.make((entry) =>
          logs.push(everything({ ...entry, message: entry.message, cause: Cause.pretty(entry.cause) }))
        )

        const echo: TestServer.Reply = (res, req) =>
          text(502, `you sent ${req.headers.authorization}`, "text/plain", { "set-cookie": `session=${key}` })(res, req)
        server.reply(
          json(401, Fixtures.clerkErrors(401, "authentication_invalid")), // ClerkErrors
          echo,
          echo, // StatusCode (retried once), echoing the key in the body and a cookie
          TestServer.reset,
          TestServer.reset, // Transport
          TestServer.stall,
          TestServer.stall, // Timeout
          text(200, `{"object":"client","id":"${key}"}`, "application/json"), // Decode, echoing the key
          json(401, Fixtures.clerkErrors(401, "authentication_invalid")), // verify → ClerkErrors
          json(401, Fixtures.clerkErrors(401, "authentication_invalid")) // list → ClerkErrors
        )
        const calls: Array<Effect.Effect<unknown, ClerkError.ClientsError>> = [
          clients.get("client_1"),
          clients.get("client_1"),
          clients.get("client_1"),
          clients.get("client_1"),
          clients.get("client_1"),
          clients.verify({ token: "t" }),
          clients.list({ limit: 5 }),
          clients.get(""), // InvalidRequest
          clients.list({ limit: 0 })
        ]
        const errors: Array<ClerkError.ClientsError> = []
        for (const call of calls) {
          errors.push(
            yield* Effect.flip(call).pipe(
              Effect.withTracer(tracer),
              Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
              Logger.withMinimumLogLevel(LogLevel.All)
            )
          )
        }
        expect(errors.map((e) => (e._tag === "SDKError" ? e.reason : e._tag))).toEqual([
          "ClerkErrors",
          "StatusCode",
          "Transport",
          "Timeout",
          "Decode",
          "ClerkErrors",
          "ClerkErrors",
          "InvalidRequest",
          "InvalidRequest"
        ])
        expect(logs.length).toBeGreaterThan(3) // retries were logged
        expect(spans.filter((span) => span.name.startsWith("Clients.")).map((span) => span.name)).toEqual([
          "Clients.get",
          "Clients.get",
          "Clients.get",
          "Clients.get",
          "Clients.get",
          "Clients.verify",
          "Clients.list",
          "Clients.get",
          "Clients.list"
        ])
        const rendered = [
          ...errors.flatMap((e) => [String(e), e.message, JSON.stringify(e), inspect(e, { depth: 10 }), everything(e)]),
          ...logs,
          ...spans.map((span) =>
            everything({ name: span.name, attributes: span.attributes, events: "events" in span ? span.events : [] })
          ),
          inspect(options, { depth: 10 }),
          JSON.stringify(options),
          inspect(clients, { depth: 4 })
        ]
        for (const text of rendered) expect(text).not.toContain(key)
        // The key did go where it belongs, and no trace context went to Clerk (every call ran in a span).
        expect(server.received[0]!.headers.authorization).toBe(`Bearer ${key}`)
        expect(server.received.filter((r) => r.headers.traceparent !== undefined || r.headers.b3 !== undefined))
          .toEqual([])
      }))
  }
})

describe("redirects", () => {
  for (
    const [transportName, transport] of Object.entries({
      UndiciHttpClient: UndiciHttpClient.layer,
      "NodeHttpClient.layerUndici": NodeHttpClient.layerUndici,
      "FetchHttpClient.layer": FetchHttpClient.layer
    })
  ) {
    it.scoped(`a redirect to another origin is an error, and the other origin receives nothing (${transportName})`, () =>
      Effect.gen(function*() {
        const origin = yield* TestServer.make
        const elsewhere = yield* TestServer.make
        elsewhere.reply(json(200, Fixtures.client("stolen")))
        for (const status of [301, 302, 303, 307, 308]) {
          origin.reply(text(status, "", "text/plain", { location: `${elsewhere.origin}/v1/clients/client_1` }))
          const context = yield* Layer.build(
            Clients.layer({ secretKey: Redacted.make(TestServer.secret), apiUrl: origin.apiUrl, retry: false }).pipe(
              Layer.provide(transport),
              Layer.orDie
            )
          )
          const error = yield* Effect.flip(Context.get(context, Clients.Clients).get("client_1"))
          expect(error._tag === "SDKError" && [error.reason, error.status]).toEqual(["StatusCode", status])
        }
        expect(elsewhere.received).toHaveLength(0)
      }))
  }
})
