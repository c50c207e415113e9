/**
 * The Effect 4 face against a real loopback server, on each transport (`effect/http`'s fetch, effect-clerk's own
 * undici exchange, `@effect/platform-node`'s node:http client): what is sent, what comes back, and every way a call
 * fails. Retries and time limits on `TestClock` are in resilience.test.ts.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { afterAll, assert, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Metric, Redacted, Stream } from "effect"
import { ClerkError, ClerkMetrics, Clients } from "effect-clerk/v4"
import type * as Exchange from "effect-clerk/v4/Exchange"
import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
import { FetchHttpClient, HttpClient } from "effect/http"
import { gzipSync } from "node:zlib"
import { clerkErrors, client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

type Transport = Layer.Layer<HttpClient.HttpClient | Exchange.Exchange> | Layer.Layer<HttpClient.HttpClient>

const transports: ReadonlyArray<readonly [string, Transport]> = [
  ["effect/http FetchHttpClient", FetchHttpClient.layer],
  ["UndiciHttpClient (own exchange)", UndiciHttpClient.layer],
  ["NodeHttpClient.layerNodeHttp", NodeHttpClient.layerNodeHttp]
]

const layerFor = (server: Server.TestServer, options: Partial<Clients.Options>, transport: Transport) =>
  Clients.layer({ secretKey: Redacted.make(Server.secret), apiUrl: server.apiUrl, ...options }).pipe(
    Layer.provide(transport)
  )

/** The TestClock suites run on fetch: `Clients` adapts it with a timeout on the Effect clock. */
let transport: Transport = FetchHttpClient.layer

const withClients = <A, E>(
  server: Server.TestServer,
  f: (clients: Clients.Service) => Effect.Effect<A, E>,
  options: Partial<Clients.Options> = {}
) => Effect.provide(Clients.Clients.use(f), layerFor(server, options, transport))

for (const [name, each] of transports) {
  describe(`v4 Clients over ${name}`, () => {
    beforeAll(() => {
      transport = each
    })
    afterAll(() => {
      transport = FetchHttpClient.layer
    })

    it.live("get decodes the client and sends Clerk's headers, no trace ids", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(200, client("client_1")))
        const got = yield* withClients(server, (c) => c.get("client_1"))
        assert.strictEqual(got.id, "client_1")
        assert.strictEqual(got.sessions[0]?.latestActivity?.isMobile, true)
        assert.strictEqual(got.lastActiveSessionId, "sess_full")
        const [request] = server.received
        assert.strictEqual(request?.method, "GET")
        assert.strictEqual(request?.url, "/v1/clients/client_1")
        assert.strictEqual(request?.headers.authorization, `Bearer ${Server.secret}`)
        assert.strictEqual(request?.headers["clerk-api-version"], Clients.defaultApiVersion)
        assert.match(String(request?.headers["user-agent"]), /^effect-clerk\//)
        assert.isUndefined(request?.headers.traceparent)
        assert.isUndefined(request?.headers.b3)
      }))

    it.live("list asks for the paginated envelope and reads the total count", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(200, { data: [client("client_a"), client("client_b")], total_count: 7 }))
        const page = yield* withClients(server, (c) => c.list({ limit: 2, offset: 4 }), { deprecationWarning: false })
        assert.deepStrictEqual(page.data.map((x) => x.id), ["client_a", "client_b"])
        assert.strictEqual(page.totalCount, 7)
        assert.strictEqual(server.received[0]?.url, "/v1/clients?paginated=true&limit=2&offset=4")
      }))

    it.live("verify posts the token as JSON", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(200, client("client_v")))
        const got = yield* withClients(server, (c) => c.verify({ token: "jwt.value.here" }))
        assert.strictEqual(got.id, "client_v")
        assert.strictEqual(server.received[0]?.method, "POST")
        assert.strictEqual(server.received[0]?.url, "/v1/clients/verify")
        assert.deepStrictEqual(JSON.parse(server.received[0]?.body ?? ""), { token: "jwt.value.here" })
      }))

    it.live("a Clerk error body is ClerkErrors, with the root face's fields and message", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(404, clerkErrors(404, "resource_not_found")))
        const error = yield* Effect.flip(withClients(server, (c) => c.get("client_missing")))
        assert.strictEqual(error._tag, "ClerkErrors")
        if (error._tag !== "ClerkErrors") return
        assert.strictEqual(error.status, 404)
        assert.strictEqual(error.errors[0]?.code, "resource_not_found")
        assert.strictEqual(error.errors[0]?.longMessage, "resource_not_found long message (status 404)")
        assert.strictEqual(error.clerkTraceId, "trace_404")
        assert.strictEqual(error.attempts, 1)
        assert.isFalse(error.isRetryable)
        assert.isTrue(ClerkError.isClientsError(error))
        assert.strictEqual(
          error.message,
          "Clients.get GET /v1/clients/client_missing → 404 resource_not_found: resource_not_found long message (status 404)"
        )
      }))

    it.live("an HTML 502 is SDKError StatusCode, its excerpt scrubbed of the key and its headers redacted", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(
          Server.text(502, `<html>bad gateway ${Server.secret}</html>`, "text/html", { "set-cookie": "s=1" })
        )
        const error = yield* Effect.flip(withClients(server, (c) => c.get("client_1"), { retry: false }))
        assert.strictEqual(error._tag, "SDKError")
        if (error._tag !== "SDKError") return
        assert.strictEqual(error.reason, "StatusCode")
        assert.strictEqual(error.status, 502)
        assert.strictEqual(error.body, "<html>bad gateway <redacted></html>")
        assert.strictEqual(error.headers?.["set-cookie"], "<redacted>")
        assert.strictEqual(
          error.message,
          "Clients.get GET /v1/clients/client_1 → 502 StatusCode: unexpected status 502"
        )
        assert.notInclude(JSON.stringify(error), Server.secret)
      }))

    it.live("a body that does not match the schema is SDKError Decode naming the path", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(200, client("client_1", { session_ids: "nope" })))
        const error = yield* Effect.flip(withClients(server, (c) => c.get("client_1")))
        assert.strictEqual(error._tag, "SDKError")
        if (error._tag !== "SDKError") return
        assert.strictEqual(error.reason, "Decode")
        assert.match(error.description, /^response does not match the schema: session_ids: /)
      }))

    it.live("bad input fails with InvalidRequest and nothing is sent", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        const error = yield* Effect.flip(withClients(server, (c) => c.get("..")))
        assert.strictEqual(error._tag, "SDKError")
        if (error._tag !== "SDKError") return
        assert.strictEqual(error.reason, "InvalidRequest")
        assert.strictEqual(
          error.message,
          "Clients.get GET /v1/clients/{client_id} InvalidRequest: clientId must not be \"..\""
        )
        assert.lengthOf(server.received, 0)
      }))

    it.live("a refused connection is SDKError Transport", () =>
      Effect.gen(function*() {
        const server = yield* Effect.promise(Server.start)
        yield* Effect.promise(server.close)
        const error = yield* Effect.flip(withClients(server, (c) => c.get("client_1"), { retry: false }))
        assert.strictEqual(error._tag, "SDKError")
        if (error._tag !== "SDKError") return
        assert.strictEqual(error.reason, "Transport")
        assert.isTrue(error.isRetryable)
      }))

    it.live("a body over maxResponseBytes is SDKError Decode", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(200, client("client_1")))
        const error = yield* Effect.flip(withClients(server, (c) => c.get("client_1"), { maxResponseBytes: 100 }))
        assert.strictEqual(error._tag, "SDKError")
        if (error._tag !== "SDKError") return
        assert.strictEqual(error.description, "response too large: the body exceeds the 100-byte limit")
      }))

    it.live("a layer that would send the key over plain http to a remote host fails with a ConfigError", () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(
          Effect.provide(
            Clients.Clients.use((c) => c.get("client_1")),
            Clients.layer({ secretKey: Redacted.make(Server.secret), apiUrl: "http://api.example.com/v1" }).pipe(
              Layer.provide(FetchHttpClient.layer)
            )
          )
        )
        assert.isTrue(Exit.isFailure(exit))
        expect(String(exit)).toContain("the API URL must use https")
      }))

    it.live("every attempt is counted by operation and status", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(200, client("client_1")))
        const ok = Metric.withAttributes(ClerkMetrics.requests, { operation: "Clients.get", status: "200" })
        const before = (yield* Metric.value(ok)).count
        yield* withClients(server, (c) => Effect.andThen(c.get("client_1"), c.get("client_1")))
        assert.strictEqual((yield* Metric.value(ok)).count - before, 2)
      }))

    it.live("stream reads every page in order", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        const all = Array.from({ length: 5 }, (_, i) => client(`client_${i}`))
        server.reply((res, req) => {
          const url = new URL(req.url, "http://x")
          const offset = Number(url.searchParams.get("offset") ?? 0)
          const limit = Number(url.searchParams.get("limit") ?? 10)
          Server.json(200, { data: all.slice(offset, offset + limit), total_count: all.length })(res, req)
        })
        const ids = yield* withClients(
          server,
          (c) =>
            Effect.map(
              c.stream({ pageSize: 2 }).pipe((s) => Effect.scoped(s.pipe(Stream.runCollect))),
              (chunk) => Array.from(chunk, (x) => x.id)
            ),
          { deprecationWarning: false }
        )
        assert.deepStrictEqual(ids, ["client_0", "client_1", "client_2", "client_3", "client_4"])
        assert.lengthOf(server.received, 3)
      }))

    it.live("an attempt that outlives its timeout (real time) is SDKError Timeout, and the request is aborted", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.stall)
        const error = yield* Effect.flip(
          withClients(server, (c) => c.get("client_1"), { retry: false, timeout: "100 millis" })
        )
        assert.strictEqual(error._tag === "SDKError" ? error.description : undefined, "attempt exceeded 100ms")
        yield* Server.eventually(() => server.aborted.length === 1, "the aborted request")
      }))

    it.live("a server that echoes the key gets it into no error: body scrubbed, headers redacted, nothing in the cause", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply((res, req) => {
          res.writeHead(500, {
            "content-type": "text/plain",
            "x-api-key": String(req.headers.authorization),
            "x-echo": String(req.headers.authorization)
          })
          res.end(`you sent ${req.headers.authorization}`)
        })
        const error = yield* Effect.flip(withClients(server, (c) => c.get("client_1"), { retry: false }))
        assert.strictEqual(error._tag === "SDKError" ? error.headers?.["x-api-key"] : undefined, "<redacted>")
        assert.strictEqual(error._tag, "SDKError")
        for (const text of [error.message, JSON.stringify(error), String(error)]) {
          assert.notInclude(text.replace(/<redacted>/g, ""), Server.secret.slice(8))
        }
      }))

    it.live("transformClient sees every request", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        server.reply(Server.json(200, client("client_1")))
        const seen: Array<string> = []
        yield* withClients(server, (c) => Effect.andThen(c.get("client_1"), c.verify({ token: "t" })), {
          transformClient: HttpClient.mapRequest((request) => {
            seen.push(`${request.method} ${request.url}`)
            return request
          })
        })
        assert.deepStrictEqual(seen, [
          `GET ${server.apiUrl}/clients/client_1`,
          `POST ${server.apiUrl}/clients/verify`
        ])
      }))

    it.live("a body gzipped (when the client asks for it) is inflated, and the limit counts inflated bytes", () =>
      Effect.gen(function*() {
        const server = yield* Server.make
        const plain = JSON.stringify(client("client_z"))
        const body = gzipSync(plain)
        server.reply((res, req) => {
          const gzip = String(req.headers["accept-encoding"] ?? "").includes("gzip")
          res.writeHead(200, { "content-type": "application/json", ...(gzip ? { "content-encoding": "gzip" } : {}) })
          res.end(gzip ? body : plain)
        })
        const got = yield* withClients(server, (c) => c.get("client_z"))
        assert.strictEqual(got.id, "client_z")
        const error = yield* Effect.flip(
          withClients(server, (c) => c.get("client_z"), { maxResponseBytes: body.length + 1 })
        )
        assert.strictEqual(
          error._tag === "SDKError" ? error.description : undefined,
          `response too large: the body exceeds the ${body.length + 1}-byte limit`
        )
      }))
  })
}
