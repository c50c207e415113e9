/**
 * Every operation on every framing (Content-Length, chunked, gzip, br, deflate) through every transport gives the
 * same result; hostile encodings (a gzip bomb, a corrupt stream, an unknown encoding) give typed errors; and the
 * attempt's time limit holds on every transport, however the client is wrapped.
 */
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Redacted } from "effect"
import type { ServerResponse } from "node:http"
import * as Zlib from "node:zlib"
import { Clients, RetryPolicy } from "../src/index.js"
import { runtimeBody } from "../src/internal/runtimeBody.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

type Framing = "content-length" | "chunked" | "gzip" | "br" | "deflate"
const framings: ReadonlyArray<Framing> = ["content-length", "chunked", "gzip", "br", "deflate"]

const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["UndiciHttpClient", UndiciHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["FetchHttpClient", FetchHttpClient.layer]
]

const compress = (framing: Framing, body: Buffer): Buffer =>
  framing === "gzip"
    ? Zlib.gzipSync(body)
    : framing === "br"
    ? Zlib.brotliCompressSync(body)
    : framing === "deflate"
    ? Zlib.deflateSync(body)
    : body

/**
 * Writes `body` as a real server would: with a Content-Length, or chunked in small pieces; compressed only when the
 * client asked for that encoding (as servers do), and then always chunked.
 */
const send = (res: ServerResponse, status: number, body: Buffer, framing: Framing, acceptEncoding: string) => {
  const encoding = framing !== "content-length" && framing !== "chunked" && acceptEncoding.includes(framing)
    ? framing
    : undefined
  const wire = encoding === undefined ? body : compress(encoding, body)
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (encoding !== undefined) headers["content-encoding"] = encoding
  if (framing === "content-length") headers["content-length"] = String(wire.length)
  res.writeHead(status, headers)
  if (framing === "content-length") return void res.end(wire)
  for (let i = 0; i < wire.length; i += 700) res.write(wire.subarray(i, i + 700))
  res.end()
}

const page = (n: number) => ({
  data: Array.from({ length: n }, (_, i) => Fixtures.client(`client_${i}`)),
  total_count: n
})

const framedServer = (framing: Framing) =>
  Effect.tap(TestServer.make, (server) =>
    server.reply((res, req) => {
      const accept = String(req.headers["accept-encoding"] ?? "")
      if (req.url.startsWith("/v1/clients?")) {
        return send(res, 200, Buffer.from(JSON.stringify(page(40))), framing, accept)
      }
      if (req.url === "/v1/clients/verify") {
        const { token } = JSON.parse(req.body) as { token: string }
        return send(res, 200, Buffer.from(JSON.stringify(Fixtures.client(`client_${token}`))), framing, accept)
      }
      if (req.url === "/v1/clients/client_missing") {
        return send(
          res,
          404,
          Buffer.from(JSON.stringify(Fixtures.clerkErrors(404, "resource_not_found"))),
          framing,
          accept
        )
      }
      const id = decodeURIComponent(req.url.slice("/v1/clients/".length))
      send(res, 200, Buffer.from(JSON.stringify(Fixtures.client(id))), framing, accept)
    }))

const clientsOver = (
  server: TestServer.TestServer,
  transport: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<Clients.Options> = {}
) =>
  Effect.map(
    Layer.build(
      Clients.layer({
        secretKey: Redacted.make(TestServer.secret),
        apiUrl: server.apiUrl,
        retry: false,
        deprecationWarning: false,
        ...options
      }).pipe(Layer.provide(transport), Layer.orDie)
    ),
    (context) => Context.get(context, Clients.Clients)
  )

describe("every operation, on every framing, through every transport", () => {
  it.scopedLive("list, get, verify and a typed 404 give identical results", () =>
    Effect.gen(function*() {
      const results = new Map<string, unknown>()
      for (const framing of framings) {
        const server = yield* framedServer(framing)
        for (const [name, transport] of transports) {
          const clients = yield* clientsOver(server, transport)
          const list = yield* clients.list({ limit: 40 })
          const one = yield* clients.get("client_7")
          const verified = yield* clients.verify({ token: "tok" })
          const missing = yield* Effect.flip(clients.get("client_missing"))
          results.set(`${framing} / ${name}`, {
            list,
            one,
            verified,
            missing: { tag: missing._tag, status: missing.status }
          })
        }
      }
      const [first, ...rest] = [...results.values()]
      expect(first).toMatchObject({
        one: { id: "client_7" },
        verified: { id: "client_tok" },
        missing: { tag: "ClerkErrors", status: 404 }
      })
      expect(first).toHaveProperty("list.data.length", 40)
      for (const result of rest) expect(result).toEqual(first)
      expect(results.size).toBe(framings.length * transports.length)
    }), 60_000)

  it.scopedLive("UndiciHttpClient asks for compression and gets it: a gzip list page is a fraction of its JSON", () =>
    Effect.gen(function*() {
      const server = yield* framedServer("gzip")
      const clients = yield* clientsOver(server, UndiciHttpClient.layer)
      yield* clients.list({ limit: 40 })
      expect(server.received[0]?.headers["accept-encoding"]).toBe("gzip, br, deflate")
      const json = Buffer.from(JSON.stringify(page(40)))
      expect(Zlib.gzipSync(json).length / json.length).toBeLessThan(0.1)
    }))

  it.scopedLive("a request that sets its own Accept-Encoding keeps it", () =>
    Effect.gen(function*() {
      const server = yield* framedServer("content-length")
      const clients = yield* clientsOver(server, UndiciHttpClient.layer, {
        transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("accept-encoding", "identity"))
      })
      yield* clients.get("client_1")
      expect(server.received[0]?.headers["accept-encoding"]).toBe("identity")
    }))
})

/** A gzip stream of `members` copies of 64 MiB of zeros (multi-member gzip is valid): ~64 KiB each on the wire. */
const gzipBomb = (members: number): Buffer => {
  const member = Zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })
  return Buffer.concat(Array.from({ length: members }, () => member))
}

describe("hostile encodings give typed errors, never defects", () => {
  // 16 members: 1 GiB once decompressed, about 1 MiB on the wire.
  const bomb = gzipBomb(16)

  it.scopedLive(
    "a gzip bomb is cut at maxResponseBytes, quickly, and memory stays bounded (every transport that decompresses)",
    () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        server.reply((res) => {
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
          res.end(bomb)
        })
        for (const [name, transport] of [transports[0]!, transports[2]!]) {
          const clients = yield* clientsOver(server, transport)
          const before = process.memoryUsage.rss()
          const started = Date.now()
          const error = yield* Effect.flip(clients.get("client_bomb"))
          expect([name, error._tag === "SDKError" && error.reason]).toEqual([name, "Decode"])
          expect(error.message).toContain("too large")
          expect(Date.now() - started).toBeLessThan(5_000)
          // The default limit is 32 MiB; far less than the gigabyte the body expands to is ever held.
          expect(process.memoryUsage.rss() - before).toBeLessThan(256 * 1024 * 1024)
        }
      }),
    60_000
  )

  it.scopedLive("a corrupt gzip stream is a Decode error on every transport", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const good = Zlib.gzipSync(Buffer.from(JSON.stringify(Fixtures.client("client_c"))))
      const corrupt = Buffer.concat([
        good.subarray(0, 20),
        Buffer.from("this is not deflate data at all"),
        good.subarray(40)
      ])
      server.reply((res) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        res.end(corrupt)
      })
      for (const [name, transport] of transports) {
        const clients = yield* clientsOver(server, transport)
        const error = yield* Effect.flip(clients.get("client_c"))
        expect([name, error._tag === "SDKError" && error.reason]).toEqual([name, "Decode"])
      }
    }))

  it.scopedLive("an unknown Content-Encoding is a typed Decode error", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply((res) => {
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "x-squash" })
        res.end("\u0001\u0002 squashed bytes")
      })
      for (const [name, transport] of transports) {
        const clients = yield* clientsOver(server, transport)
        const error = yield* Effect.flip(clients.get("client_u"))
        expect([name, error._tag === "SDKError" && error.reason]).toEqual([name, "Decode"])
      }
    }))
})

describe("the attempt's time limit holds on every transport, however it is wrapped", () => {
  const stallThenOk = (server: TestServer.TestServer, stalls: number) => {
    const ok: TestServer.Reply = TestServer.json(200, Fixtures.client("client_ok"))
    server.reply(...Array.from({ length: stalls }, () => TestServer.stall), ok)
  }
  const wrapped: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>, Partial<Clients.Options>]> = [
    ...transports.map(([name, layer]) => [name, layer, {}] as const),
    [
      "UndiciHttpClient + a transformClient that maps requests",
      UndiciHttpClient.layer,
      { transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("x-extra", "1")) }
    ],
    [
      "UndiciHttpClient + a transformClient that replaces the transport",
      UndiciHttpClient.layer,
      { transformClient: () => Effect.runSync(Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer)) }
    ]
  ]

  for (const [name, transport, options] of wrapped) {
    it.scopedLive(`${name}: three stalled attempts in a row each time out`, () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        const clients = yield* clientsOver(server, transport, { timeout: "120 millis", ...options })
        stallThenOk(server, 3)
        for (let i = 0; i < 3; i++) {
          const error = yield* Effect.flip(clients.get("client_ok"))
          expect(error._tag === "SDKError" && [error.reason, error.description]).toEqual([
            "Timeout",
            "attempt exceeded 120ms"
          ])
        }
        expect((yield* clients.get("client_ok")).id).toBe("client_ok")
      }))
  }

  it.scopedLive("with retries the timed-out attempt is retried on every transport", () =>
    Effect.gen(function*() {
      for (const [name, transport] of transports) {
        const server = yield* TestServer.make
        const clients = yield* clientsOver(server, transport, {
          timeout: "100 millis",
          retry: RetryPolicy.backoff({ initialInterval: "5 millis", jitter: 0 })
        })
        stallThenOk(server, 2)
        expect([name, (yield* clients.get("client_ok")).id]).toEqual([name, "client_ok"])
        expect(server.received).toHaveLength(3)
      }
    }))
})

describe("the HttpClient adapter reads stock clients' bodies from the runtime's own stream, and keeps the abort", () => {
  const stock: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>, "Web" | "Node"]> = [
    ["FetchHttpClient", FetchHttpClient.layer, "Web"],
    ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici, "Node"],
    ["NodeHttpClient.layer", NodeHttpClient.layer, "Node"]
  ]

  it.scopedLive("each stock client's response exposes the stream the fast reader takes", () =>
    Effect.gen(function*() {
      const server = yield* framedServer("chunked")
      for (const [name, layer, kind] of stock) {
        const client = Context.get(yield* Layer.build(layer), HttpClient.HttpClient)
        const response = yield* client.execute(HttpClientRequest.get(`${server.apiUrl}/clients/client_1`))
        expect([name, runtimeBody(response)?._tag]).toEqual([name, kind])
        yield* response.text
      }
    }))

  const stalledMidBody: TestServer.Reply = (res) => {
    res.writeHead(200, { "content-type": "application/json" })
    res.write(JSON.stringify(Fixtures.client("client_ok")).slice(0, 40))
  }
  const everyTransport: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
    ...transports,
    ["NodeHttpClient.layer", NodeHttpClient.layer]
  ]

  for (const [name, transport] of everyTransport) {
    it.scopedLive(`${name}: a timeout in the middle of a stalled chunked body frees the socket at once`, () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        const clients = yield* clientsOver(server, transport, { timeout: "150 millis" })
        server.reply(stalledMidBody)
        const error = yield* Effect.flip(clients.get("client_ok"))
        expect(error._tag === "SDKError" && error.reason).toBe("Timeout")
        yield* TestServer.eventually(() => server.aborted.length === 1, "the socket to close")
      }))

    it.scopedLive(`${name}: interrupting the caller in the middle of the body frees the socket`, () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        const clients = yield* clientsOver(server, transport, { timeout: "30 seconds" })
        server.reply(stalledMidBody)
        const fiber = yield* Effect.fork(clients.get("client_ok"))
        yield* server.awaitRequests(1)
        yield* Effect.sleep("50 millis")
        yield* Fiber.interrupt(fiber)
        yield* TestServer.eventually(() => server.aborted.length === 1, "the socket to close")
      }))
  }
})
