/**
 * Framing × transport, as one suite that both faces run (test/framing.test.ts on Effect 3, test-v4/framing.test.ts on
 * Effect 4), each through every transport it names, against a real loopback server (test/shared/server.ts):
 *
 * - what is sent (path, query, body, Clerk's headers, no trace ids, Accept-Encoding) and what comes back (get, list,
 *   verify, stream), the same on every framing: Content-Length, chunked, gzip, br, deflate;
 * - every way a call fails is a typed error with the same fields and message: Clerk errors, unexpected statuses,
 *   schema mismatches, bad input, refused connections, bodies over the limit, hostile encodings (a gzip bomb, a
 *   corrupt stream, an unknown encoding), and no error carries the key;
 * - the attempt's time limit holds on every transport, however the client is wrapped, and frees the socket. It is
 *   network time, a real timer on every transport: under `TestClock` it fires in real time, the clock left alone.
 *
 * It imports no Effect and no vitest: each runner hands it its own `describe`, `it` and `expect`, and a face adapter
 * that builds a real `Clients` layer over one of its transports in a `TestClock` environment and runs calls on it.
 */
import * as Zlib from "node:zlib"
import { version } from "../../src/core/version.js"
import * as Fixtures from "../support/fixtures.js"
import type { Runner } from "./runner.js"
import * as Server from "./server.js"

/** One transport a face offers, with the properties its documentation promises. */
export interface Transport {
  readonly name: string
  /** The Accept-Encoding it sends when the request sets none. */
  readonly acceptEncoding: string | undefined
  /** Whether it inflates a gzip body (else the compressed bytes reach the decoder as they are). */
  readonly inflates: boolean
}

/** A transport wrapped by a `transformClient`: only the time-limit cases run on it. */
export type Wrapped = Pick<Transport, "name">

/** The layer's options, as plain data: the adapter turns them into its face's `Clients.layer` options. */
export interface Options {
  readonly apiUrl: string
  /** The attempt's time limit; absent: the default. */
  readonly timeoutMillis?: number
  /** Backoff with no jitter from this first delay; absent: `retry: false`. */
  readonly retryInitialIntervalMillis?: number
  readonly maxResponseBytes?: number
  /** A `transformClient` that sets this Accept-Encoding on every request. */
  readonly acceptEncoding?: string
  /** A `transformClient` that reports every request it sees. */
  readonly onRequest?: (method: string, url: string) => void
}

export type Call =
  | { readonly op: "get"; readonly id: string }
  | { readonly op: "list"; readonly limit?: number; readonly offset?: number }
  | { readonly op: "verify"; readonly token: string }
  | { readonly op: "stream"; readonly pageSize: number }

/** How a call ended: its value (a stream's: every item) or its typed error, as the face returned them. */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }

/** A call started on the session's runtime (so on its `TestClock`); `outcome` rejects if the call is interrupted. */
export interface Running {
  readonly outcome: Promise<Outcome>
  readonly interrupt: () => Promise<void>
}

export interface Session {
  /** Starts `call` (inside a caller's span) without waiting for it. */
  readonly start: (call: Call) => Running
  /** `TestClock.adjust` by `millis`. */
  readonly adjust: (millis: number) => Promise<void>
  /** The `ClerkMetrics.requests` count for this operation and status. */
  readonly requests: (operation: string, status: string) => Promise<number>
}

export interface Face {
  readonly name: string
  /** Every case runs on each of these. */
  readonly transports: ReadonlyArray<Transport>
  /** Transports wrapped by a `transformClient` of their own: the time-limit cases run on these too. */
  readonly wrapped: ReadonlyArray<Wrapped>
  /** The face's `ClerkError.isClientsError`. */
  readonly isClientsError: (u: unknown) => boolean
  /**
   * Builds the face's `Clients` layer with `options` (the test key, `deprecationWarning: false`) over the named
   * transport, in a `TestClock` environment, runs `script` with it, then releases the layer.
   */
  readonly withClients: <A>(transport: string, options: Options, script: (session: Session) => Promise<A>) => Promise<A>
}

/** A typed error's fields, read off whichever face's error class made it. */
interface Failure {
  readonly _tag: unknown
  readonly reason: unknown
  readonly status: unknown
  readonly description: unknown
  readonly message: string
  readonly attempts: unknown
  readonly isRetryable: unknown
  readonly body: unknown
  readonly headers: unknown
  readonly errors: unknown
  readonly clerkTraceId: unknown
  readonly rendered: ReadonlyArray<string>
}

const field = (
  u: unknown,
  key: string
): unknown => (typeof u === "object" && u !== null ? Reflect.get(u, key) : undefined)

const realSleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis))

const eventually = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await realSleep(2)
  }
}

type Framing = "content-length" | "chunked" | "gzip" | "br" | "deflate"
const framings: ReadonlyArray<Framing> = ["content-length", "chunked", "gzip", "br", "deflate"]

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
 * client asked for that encoding (as servers do), and then always chunked. Returns the encoding it used.
 */
const send = (res: Parameters<Server.Reply>[0], status: number, body: unknown, framing: Framing, accept: string) => {
  const plain = Buffer.from(JSON.stringify(body))
  const encoding = framing !== "content-length" && framing !== "chunked" && accept.includes(framing)
    ? framing
    : undefined
  const wire = encoding === undefined ? plain : compress(encoding, plain)
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (encoding !== undefined) headers["content-encoding"] = encoding
  if (framing === "content-length") headers["content-length"] = String(wire.length)
  res.writeHead(status, headers)
  if (framing === "content-length") return res.end(wire)
  for (let i = 0; i < wire.length; i += 700) res.write(wire.subarray(i, i + 700))
  res.end()
}

const page = (n: number) => ({
  data: Array.from({ length: n }, (_, i) => Fixtures.client(`client_${i}`)),
  total_count: n
})

/** Answers list, verify, get and a 404 for `client_missing`, on `framing`; records each reply's encoding. */
const framed = (server: Server.TestServer, framing: Framing, encodings: Array<string | undefined> = []) =>
  server.reply((res, req) => {
    const accept = String(req.headers["accept-encoding"] ?? "")
    const reply = (status: number, body: unknown) => {
      encodings.push(
        framing !== "content-length" && framing !== "chunked" && accept.includes(framing) ? framing : undefined
      )
      send(res, status, body, framing, accept)
    }
    if (req.url.startsWith("/v1/clients?")) return reply(200, page(40))
    if (req.url === "/v1/clients/verify") return reply(200, Fixtures.client(`client_${JSON.parse(req.body).token}`))
    if (req.url === "/v1/clients/client_missing") return reply(404, Fixtures.clerkErrors(404, "resource_not_found"))
    reply(200, Fixtures.client(decodeURIComponent(req.url.slice("/v1/clients/".length))))
  })

/** A gzip stream of `members` copies of 64 MiB of zeros (multi-member gzip is valid): ~64 KiB each on the wire. */
const gzipBomb = (members: number): Buffer => {
  const member = Zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })
  return Buffer.concat(Array.from({ length: members }, () => member))
}

const stalledMidBody: Server.Reply = (res) => {
  res.writeHead(200, { "content-type": "application/json" })
  res.write(JSON.stringify(Fixtures.client("client_ok")).slice(0, 40))
}

export const framing = ({ describe, expect, it }: Runner, face: Face) => {
  const failure = (error: unknown): Failure => ({
    _tag: field(error, "_tag"),
    reason: field(error, "reason"),
    status: field(error, "status"),
    description: field(error, "description"),
    message: String(field(error, "message")),
    attempts: field(error, "attempts"),
    isRetryable: field(error, "isRetryable"),
    body: field(error, "body"),
    headers: field(error, "headers"),
    errors: field(error, "errors"),
    clerkTraceId: field(error, "clerkTraceId"),
    rendered: [String(field(error, "message")), String(error), JSON.stringify(error)]
  })

  /** The value of a call that must succeed. */
  const value = async (session: Session, call: Call): Promise<unknown> => {
    const outcome = await session.start(call).outcome
    if (!outcome.ok) throw new Error(`expected a value, got ${String(outcome.error)}`)
    return outcome.value
  }

  /** The typed error of a call that must fail: one of the face's errors, never a defect. */
  const typedError = async (session: Session, call: Call | Running): Promise<Failure> => {
    const outcome = await ("op" in call ? session.start(call) : call).outcome
    if (outcome.ok) throw new Error(`expected an error, got ${JSON.stringify(outcome.value)?.slice(0, 200)}`)
    expect(face.isClientsError(outcome.error), String(outcome.error)).toBe(true)
    return failure(outcome.error)
  }

  /** A fresh server for one test, closed after it. */
  const withServer = async (f: (server: Server.TestServer) => Promise<void>) => {
    const server = await Server.start()
    try {
      await f(server)
    } finally {
      await server.close()
    }
  }

  const isSettled = (running: Running) => {
    const state = { settled: false }
    void running.outcome.then(() => (state.settled = true), () => (state.settled = true))
    return () => state.settled
  }

  /** Moves the TestClock on in small steps, in real time, until `running` settles (backoff sleeps are on it). */
  const drive = async (session: Session, running: Running, stepMillis: number) => {
    const settled = isSettled(running)
    const deadline = Date.now() + 15_000
    while (!settled()) {
      if (Date.now() > deadline) throw new Error("the call did not finish")
      await realSleep(1)
      await session.adjust(stepMillis)
    }
    return running.outcome
  }

  describe(`${face.name}: every operation, on every framing, through every transport`, () => {
    it("list, get, verify and a typed 404 give identical results", async () => {
      const results = new Map<string, unknown>()
      for (const framingName of framings) {
        await withServer(async (server) => {
          framed(server, framingName)
          for (const transport of face.transports) {
            const result = await face.withClients(transport.name, { apiUrl: server.apiUrl }, async (session) => {
              const missing = await typedError(session, { op: "get", id: "client_missing" })
              return {
                list: await value(session, { op: "list", limit: 40 }),
                one: await value(session, { op: "get", id: "client_7" }),
                verified: await value(session, { op: "verify", token: "tok" }),
                missing: { tag: missing._tag, status: missing.status }
              }
            })
            results.set(`${framingName} / ${transport.name}`, result)
          }
        })
      }
      const [first, ...rest] = [...results.entries()]
      expect(first?.[1]).toMatchObject({
        one: { id: "client_7" },
        verified: { id: "client_tok" },
        missing: { tag: "ClerkErrors", status: 404 }
      })
      expect(field(field(first?.[1], "list"), "data")).toMatchObject({ length: 40 })
      for (const [name, result] of rest) expect([name, result]).toEqual([name, first?.[1]])
      expect(results.size).toBe(framings.length * face.transports.length)
    }, 60_000)
  })

  for (const transport of face.transports) {
    const run = <A>(server: Server.TestServer, options: Omit<Options, "apiUrl">, script: (s: Session) => Promise<A>) =>
      face.withClients(transport.name, { apiUrl: server.apiUrl, ...options }, script)

    describe(`${face.name} over ${transport.name}: what is sent and what comes back`, () => {
      it("get decodes the client and sends Clerk's headers, and no trace ids even inside a caller's span", () =>
        withServer(async (server) => {
          server.reply(Server.json(200, Fixtures.client("client_1")))
          const got = await run(server, {}, (s) => value(s, { op: "get", id: "client_1" }))
          expect(got).toMatchObject({
            id: "client_1",
            lastActiveSessionId: "sess_full",
            sessions: [{ latestActivity: { isMobile: true } }, { latestActivity: null }, {}]
          })
          const [request] = server.received
          expect([request?.method, request?.url]).toEqual(["GET", "/v1/clients/client_1"])
          expect(request?.headers).toMatchObject({
            authorization: `Bearer ${Server.secret}`,
            "clerk-api-version": "2026-05-12",
            "user-agent": `effect-clerk/${version}`,
            accept: "application/json"
          })
          expect(request?.headers.traceparent).toBeUndefined()
          expect(request?.headers.b3).toBeUndefined()
        }))

      it("list asks for the paginated envelope and reads the total count", () =>
        withServer(async (server) => {
          server.reply(
            Server.json(200, { data: [Fixtures.client("client_a"), Fixtures.client("client_b")], total_count: 7 })
          )
          const got = await run(server, {}, (s) => value(s, { op: "list", limit: 2, offset: 4 }))
          expect(got).toMatchObject({ data: [{ id: "client_a" }, { id: "client_b" }], totalCount: 7 })
          expect(server.received[0]?.url).toBe("/v1/clients?paginated=true&limit=2&offset=4")
        }))

      it("verify posts the token as JSON", () =>
        withServer(async (server) => {
          server.reply(Server.json(200, Fixtures.client("client_v")))
          const got = await run(server, {}, (s) => value(s, { op: "verify", token: "jwt.value.here" }))
          expect(got).toMatchObject({ id: "client_v" })
          const [request] = server.received
          expect([request?.method, request?.url]).toEqual(["POST", "/v1/clients/verify"])
          expect(request?.headers["content-type"]).toBe("application/json")
          expect(JSON.parse(request?.body ?? "")).toEqual({ token: "jwt.value.here" })
        }))

      it("stream reads every page in order", () =>
        withServer(async (server) => {
          const all = Array.from({ length: 5 }, (_, i) => Fixtures.client(`client_${i}`))
          server.reply((res, req) => {
            const url = new URL(req.url, server.origin)
            const offset = Number(url.searchParams.get("offset") ?? 0)
            const limit = Number(url.searchParams.get("limit") ?? 10)
            Server.json(200, { data: all.slice(offset, offset + limit), total_count: all.length })(res, req)
          })
          const items = await run(server, {}, (s) => value(s, { op: "stream", pageSize: 2 }))
          expect(items).toMatchObject(all.map(({ id }) => ({ id })))
          expect(server.received.map((r) => r.url)).toEqual([
            "/v1/clients?paginated=true&limit=2&offset=0",
            "/v1/clients?paginated=true&limit=2&offset=2",
            "/v1/clients?paginated=true&limit=2&offset=4"
          ])
        }))

      it("transformClient sees every request", () =>
        withServer(async (server) => {
          server.reply(Server.json(200, Fixtures.client("client_1")))
          const seen: Array<string> = []
          await run(server, { onRequest: (method, url) => seen.push(`${method} ${url}`) }, async (s) => {
            await value(s, { op: "get", id: "client_1" })
            await value(s, { op: "verify", token: "t" })
          })
          expect(seen).toEqual([`GET ${server.apiUrl}/clients/client_1`, `POST ${server.apiUrl}/clients/verify`])
          expect(server.received).toMatchObject([{ method: "GET" }, { method: "POST" }])
        }))

      it("every attempt is counted by operation and status", () =>
        withServer(async (server) => {
          server.reply(Server.json(200, Fixtures.client("client_1")), Server.json(404, Fixtures.clerkErrors(404, "x")))
          const counts = await run(server, {}, async (s) => {
            const before = [await s.requests("Clients.get", "200"), await s.requests("Clients.get", "404")]
            await value(s, { op: "get", id: "client_1" })
            await typedError(s, { op: "get", id: "client_1" })
            await typedError(s, { op: "get", id: "client_1" })
            return [
              (await s.requests("Clients.get", "200")) - before[0]!,
              (await s.requests("Clients.get", "404")) - before[1]!
            ]
          })
          expect(counts).toEqual([1, 2])
        }))
    })

    describe(`${face.name} over ${transport.name}: every way a call fails is a typed error`, () => {
      it("a Clerk error body is ClerkErrors, with every field and the message", () =>
        withServer(async (server) => {
          server.reply(Server.json(404, Fixtures.clerkErrors(404, "resource_not_found")))
          const error = await run(server, {}, (s) => typedError(s, { op: "get", id: "client_missing" }))
          expect(error).toMatchObject({
            _tag: "ClerkErrors",
            status: 404,
            clerkTraceId: "trace_404",
            attempts: 1,
            isRetryable: false,
            message:
              "Clients.get GET /v1/clients/client_missing → 404 resource_not_found: resource_not_found long message (status 404)"
          })
          expect(error.errors).toEqual([{
            code: "resource_not_found",
            message: "resource_not_found message",
            longMessage: "resource_not_found long message (status 404)",
            meta: { param_name: "limit" }
          }])
        }))

      it("an HTML 502 is SDKError StatusCode, its excerpt scrubbed of the key and its headers redacted", () =>
        withServer(async (server) => {
          server.reply(
            Server.text(502, `<html>bad gateway ${Server.secret}</html>`, "text/html", { "set-cookie": "s=1" })
          )
          const error = await run(server, {}, (s) => typedError(s, { op: "get", id: "client_1" }))
          expect(error).toMatchObject({
            _tag: "SDKError",
            reason: "StatusCode",
            status: 502,
            body: "<html>bad gateway <redacted></html>",
            headers: { "set-cookie": "<redacted>" },
            message: "Clients.get GET /v1/clients/client_1 → 502 StatusCode: unexpected status 502"
          })
          for (const text of error.rendered) expect(text).not.toContain(Server.secret)
        }))

      it("a body that does not match the schema is SDKError Decode naming the path", () =>
        withServer(async (server) => {
          server.reply(Server.json(200, Fixtures.client("client_1", { session_ids: "nope" })))
          const error = await run(server, {}, (s) => typedError(s, { op: "get", id: "client_1" }))
          expect([error._tag, error.reason]).toEqual(["SDKError", "Decode"])
          expect(String(error.description)).toMatch(/^response does not match the schema: session_ids: /)
        }))

      it("bad input fails with InvalidRequest and nothing is sent", () =>
        withServer(async (server) => {
          const error = await run(server, {}, (s) => typedError(s, { op: "get", id: ".." }))
          expect(error).toMatchObject({
            _tag: "SDKError",
            reason: "InvalidRequest",
            message: "Clients.get GET /v1/clients/{client_id} InvalidRequest: clientId must not be \"..\""
          })
          expect(server.received.length).toBe(0)
        }))

      it("a refused connection is SDKError Transport, retryable", async () => {
        const apiUrl = await Server.refusedApiUrl()
        const error = await face.withClients(transport.name, { apiUrl }, (s) => typedError(s, { op: "get", id: "c" }))
        expect(error).toMatchObject({ _tag: "SDKError", reason: "Transport", isRetryable: true })
      })

      it("a server that echoes the key gets it into no error: body scrubbed, headers redacted", () =>
        withServer(async (server) => {
          server.reply((res, req) => {
            res.writeHead(500, {
              "content-type": "text/plain",
              "x-api-key": String(req.headers.authorization),
              "x-echo": String(req.headers.authorization)
            })
            res.end(`you sent ${req.headers.authorization}`)
          })
          const error = await run(server, {}, (s) => typedError(s, { op: "get", id: "client_1" }))
          expect(error).toMatchObject({
            _tag: "SDKError",
            reason: "StatusCode",
            body: "you sent Bearer <redacted>",
            headers: { "x-api-key": "<redacted>", "x-echo": "Bearer <redacted>" }
          })
          for (const text of error.rendered) {
            expect(text.replace(/<redacted>/g, "")).not.toContain(Server.secret.slice(8))
          }
        }))

      it("a body over maxResponseBytes is SDKError Decode", () =>
        withServer(async (server) => {
          server.reply(Server.json(200, Fixtures.client("client_1")))
          const error = await run(server, { maxResponseBytes: 100 }, (s) => typedError(s, { op: "get", id: "c" }))
          expect(error).toMatchObject({
            _tag: "SDKError",
            reason: "Decode",
            description: "response too large: the body exceeds the 100-byte limit"
          })
        }))
    })

    describe(`${face.name} over ${transport.name}: compression`, () => {
      it(`asks for ${transport.acceptEncoding ?? "no encoding"}; a body compressed as asked is inflated`, () =>
        withServer(async (server) => {
          const encodings: Array<string | undefined> = []
          framed(server, "gzip", encodings)
          const got = await run(server, {}, (s) => value(s, { op: "list", limit: 40 }))
          expect(field(got, "data")).toMatchObject({ length: 40 })
          expect(server.received[0]?.headers["accept-encoding"]).toBe(transport.acceptEncoding)
          expect(encodings).toEqual([transport.acceptEncoding?.includes("gzip") ? "gzip" : undefined])
        }))

      it("the limit counts inflated bytes", () =>
        withServer(async (server) => {
          const plain = JSON.stringify(Fixtures.client("client_z"))
          const gzipped = Zlib.gzipSync(plain)
          server.reply((res, req) => {
            const gzip = String(req.headers["accept-encoding"] ?? "").includes("gzip")
            res.writeHead(200, { "content-type": "application/json", ...(gzip ? { "content-encoding": "gzip" } : {}) })
            res.end(gzip ? gzipped : plain)
          })
          const limit = gzipped.length + 1
          const error = await run(server, { maxResponseBytes: limit }, (s) => typedError(s, { op: "get", id: "c" }))
          expect(error.description).toBe(`response too large: the body exceeds the ${limit}-byte limit`)
          expect(await run(server, {}, (s) => value(s, { op: "get", id: "client_z" }))).toMatchObject({
            id: "client_z"
          })
        }))

      it("a request that sets its own Accept-Encoding keeps it", () =>
        withServer(async (server) => {
          framed(server, "content-length")
          await run(server, { acceptEncoding: "identity" }, (s) => value(s, { op: "get", id: "client_1" }))
          expect(server.received[0]?.headers["accept-encoding"]).toBe("identity")
        }))
    })

    describe(`${face.name} over ${transport.name}: hostile encodings give typed errors, never defects`, () => {
      // 16 members: 1 GiB once decompressed, about 1 MiB on the wire.
      const title = transport.inflates
        ? "a gzip bomb is cut at maxResponseBytes, quickly, and memory stays bounded"
        : "a gzip bomb it does not inflate is a Decode error, quickly"
      it(title, () =>
        withServer(async (server) => {
          const bomb = gzipBomb(16)
          server.reply((res) => {
            res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
            res.end(bomb)
          })
          const before = process.memoryUsage.rss()
          const started = Date.now()
          const error = await run(server, {}, (s) => typedError(s, { op: "get", id: "client_bomb" }))
          expect([error._tag, error.reason]).toEqual(["SDKError", "Decode"])
          if (transport.inflates) expect(error.message).toContain("too large")
          expect(Date.now() - started).toBeLessThan(5_000)
          // The default limit is 32 MiB; far less than the gigabyte the body expands to is ever held.
          expect(process.memoryUsage.rss() - before).toBeLessThan(256 * 1024 * 1024)
        }), 30_000)

      it("a corrupt gzip stream is a Decode error", () =>
        withServer(async (server) => {
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
          const error = await run(server, {}, (s) => typedError(s, { op: "get", id: "client_c" }))
          expect([error._tag, error.reason]).toEqual(["SDKError", "Decode"])
        }))

      it("an unknown Content-Encoding is a Decode error", () =>
        withServer(async (server) => {
          server.reply((res) => {
            res.writeHead(200, { "content-type": "application/json", "content-encoding": "x-squash" })
            res.end("\u0001\u0002 squashed bytes")
          })
          const error = await run(server, {}, (s) => typedError(s, { op: "get", id: "client_u" }))
          expect([error._tag, error.reason]).toEqual(["SDKError", "Decode"])
        }))
    })
  }

  const timed: ReadonlyArray<Wrapped> = [...face.transports, ...face.wrapped]
  for (const transport of timed) {
    const run = <A>(server: Server.TestServer, options: Omit<Options, "apiUrl">, script: (s: Session) => Promise<A>) =>
      face.withClients(transport.name, { apiUrl: server.apiUrl, ...options }, script)

    describe(`${face.name} over ${transport.name}: the attempt's time limit (a real timer)`, () => {
      it(
        "three stalled attempts in a row each time out in real time, the TestClock left alone",
        () =>
          withServer(async (server) => {
            const stalls = Array.from({ length: 3 }, () => Server.stall)
            server.reply(...stalls, Server.json(200, Fixtures.client("client_ok")))
            await run(server, { timeoutMillis: 120 }, async (s) => {
              for (let i = 1; i <= 3; i++) {
                const started = Date.now()
                const running = s.start({ op: "get", id: "client_ok" })
                await server.awaitRequests(i)
                const error = await typedError(s, running)
                expect([error.reason, error.description]).toEqual(["Timeout", "attempt exceeded 120ms"])
                expect(error.message).toBe("Clients.get GET /v1/clients/client_ok Timeout: attempt exceeded 120ms")
                // Loose bounds on real time: the limit, give or take a timer's granularity and a busy machine.
                expect(Date.now() - started).toBeGreaterThanOrEqual(115)
                expect(Date.now() - started).toBeLessThan(1_000)
                await eventually(() => server.aborted.length === i, `attempt ${i} to be aborted`)
              }
              expect(await value(s, { op: "get", id: "client_ok" })).toMatchObject({ id: "client_ok" })
            })
          })
      )

      it("with retries the timed-out attempts are retried until one answers", () =>
        withServer(async (server) => {
          server.reply(Server.stall, Server.stall, Server.json(200, Fixtures.client("client_ok")))
          const outcome = await run(
            server,
            { timeoutMillis: 100, retryInitialIntervalMillis: 5 },
            (s) => drive(s, s.start({ op: "get", id: "client_ok" }), 5)
          )
          expect(outcome).toMatchObject({ ok: true, value: { id: "client_ok" } })
          expect(server.received.length).toBe(3)
        }))

      it("a timeout in the middle of a stalled chunked body frees the socket at once", () =>
        withServer(async (server) => {
          server.reply(stalledMidBody)
          const error = await run(server, { timeoutMillis: 150 }, async (s) => {
            const running = s.start({ op: "get", id: "client_ok" })
            await server.awaitRequests(1)
            await realSleep(20)
            const error = await typedError(s, running)
            // Still inside the layer's lifetime: its release would close the socket too.
            await eventually(() => server.aborted.length === 1, "the socket to close")
            return error
          })
          expect(error.reason).toBe("Timeout")
        }))

      it("interrupting the caller in the middle of the body frees the socket", () =>
        withServer(async (server) => {
          server.reply(stalledMidBody)
          await run(server, { timeoutMillis: 30_000 }, async (s) => {
            const running = s.start({ op: "get", id: "client_ok" })
            await server.awaitRequests(1)
            await realSleep(50)
            expect(server.aborted.length).toBe(0)
            await running.interrupt()
            const ended = await running.outcome.then((o) => (o.ok ? "with a value" : "with an error"), () =>
              "interrupted")
            expect(ended).toBe("interrupted")
            await eventually(() =>
              server.aborted.length === 1, "the socket to close")
          })
        }))
    })
  }
}
