/**
 * Framing × transport on the Effect 3 face: the suite both faces run (test/shared/framing.ts), through every transport
 * this face offers; then what only this face has: the HttpClient adapter's fast body reader on stock clients.
 */
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Context,
  Duration,
  Effect,
  Fiber,
  Layer,
  Metric,
  Redacted,
  Runtime,
  Stream,
  TestClock,
  TestContext
} from "effect"
import { ClerkError, ClerkMetrics, Clients, RetryPolicy } from "../src/index.js"
import { runtimeBody } from "../src/internal/runtimeBody.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import { type Call, framing, type Options, type Transport, type Wrapped } from "./shared/framing.js"
import * as Server from "./shared/server.js"

type Transform = (client: HttpClient.HttpClient) => HttpClient.HttpClient

/** Each transport this face offers, its layer (and `transformClient`), and what its documentation promises. */
const transports: ReadonlyArray<readonly [Transport, Layer.Layer<HttpClient.HttpClient>, Transform?]> = [
  [
    { name: "UndiciHttpClient", acceptEncoding: "gzip, br, deflate", inflates: true },
    UndiciHttpClient.layer
  ],
  [
    { name: "NodeHttpClient.layerUndici", acceptEncoding: undefined, inflates: false },
    NodeHttpClient.layerUndici
  ],
  [
    { name: "NodeHttpClient.layer", acceptEncoding: undefined, inflates: false },
    NodeHttpClient.layer
  ],
  [
    { name: "FetchHttpClient", acceptEncoding: "gzip, deflate", inflates: true },
    FetchHttpClient.layer
  ],
  // `Clients` adapts the client through its public API: its own stream inflates, within the limit.
  [
    {
      name: "UndiciHttpClient + a transformClient that maps requests",
      acceptEncoding: "gzip, br, deflate",
      inflates: true
    },
    UndiciHttpClient.layer,
    HttpClient.mapRequest(HttpClientRequest.setHeader("x-extra", "1"))
  ]
]

/** Undici under a `transformClient`: `Clients` then adapts the client through its public API. */
const wrapped: ReadonlyArray<readonly [Wrapped, Layer.Layer<HttpClient.HttpClient>, Transform]> = [
  [
    { name: "UndiciHttpClient + a transformClient that replaces the transport" },
    UndiciHttpClient.layer,
    () => Effect.runSync(Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer))
  ]
]

const layerOf = (name: string): readonly [Layer.Layer<HttpClient.HttpClient>, Transform | undefined] => {
  const plain = transports.find(([transport]) => transport.name === name)
  if (plain !== undefined) return [plain[1], plain[2]]
  const [, layer, transform] = wrapped.find(([transport]) => transport.name === name)!
  return [layer, transform]
}

const transformFor = (wrap: Transform | undefined, options: Options): Transform | undefined => {
  const { acceptEncoding, onRequest } = options
  const own: Transform | undefined = acceptEncoding === undefined && onRequest === undefined ?
    undefined :
    HttpClient.mapRequest((request) => {
      onRequest?.(request.method, request.url)
      return acceptEncoding === undefined
        ? request
        : HttpClientRequest.setHeader(request, "accept-encoding", acceptEncoding)
    })
  return wrap === undefined ? own : own === undefined ? wrap : (client) => own(wrap(client))
}

const run = (clients: Clients.Service, call: Call): Effect.Effect<unknown, ClerkError.ClientsError> =>
  call.op === "get"
    ? clients.get(call.id)
    : call.op === "list"
    ? clients.list({
      ...(call.limit === undefined ? {} : { limit: call.limit }),
      ...(call.offset === undefined ? {} : { offset: call.offset })
    })
    : call.op === "verify"
    ? clients.verify({ token: call.token })
    : Effect.map(Stream.runCollect(clients.stream({ pageSize: call.pageSize })), Chunk.toReadonlyArray)

framing({ describe, it, expect }, {
  name: "Effect 3 face",
  transports: transports.map(([transport]) => transport),
  wrapped: wrapped.map(([transport]) => transport),
  isClientsError: ClerkError.isClientsError,
  withClients: (name, options, script) => {
    const [layer, wrap] = layerOf(name)
    const transformClient = transformFor(wrap, options)
    const clientsLayer = Clients.layer({
      secretKey: Redacted.make(Server.secret),
      apiUrl: options.apiUrl,
      deprecationWarning: false,
      retry: options.retryInitialIntervalMillis === undefined
        ? false
        : RetryPolicy.backoff({ initialInterval: Duration.millis(options.retryInitialIntervalMillis), jitter: 0 }),
      ...(options.timeoutMillis === undefined ? {} : { timeout: Duration.millis(options.timeoutMillis) }),
      ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
      ...(transformClient === undefined ? {} : { transformClient })
    }).pipe(Layer.provide(layer))
    return Effect.gen(function*() {
      const clients = Context.get(yield* Layer.build(clientsLayer), Clients.Clients)
      const runtime = yield* Effect.runtime<never>()
      return yield* Effect.promise(() =>
        script({
          start: (call) => {
            const fiber = Runtime.runFork(runtime)(Effect.withSpan(Effect.either(run(clients, call)), "caller span"))
            return {
              outcome: Effect.runPromise(Effect.map(Fiber.join(fiber), (result) =>
                result._tag === "Right" ? { ok: true, value: result.right } : { ok: false, error: result.left })),
              interrupt: () =>
                Effect.runPromise(Effect.asVoid(Fiber.interrupt(fiber)))
            }
          },
          adjust: (millis) => Runtime.runPromise(runtime)(TestClock.adjust(Duration.millis(millis))),
          requests: (operation, status) =>
            Runtime.runPromise(runtime)(
              Effect.map(
                Metric.value(
                  ClerkMetrics.requests.pipe(Metric.tagged("operation", operation), Metric.tagged("status", status))
                ),
                (state) => state.count
              )
            )
        })
      )
    }).pipe(Effect.scoped, Effect.provide(TestContext.TestContext), Effect.runPromise)
  }
})

describe("the HttpClient adapter reads stock clients' bodies from the runtime's own stream", () => {
  // Effect 3 only: the reader that picks the Web or Node stream out of a platform response is an internal of this face.
  const stock: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>, "Web" | "Node"]> = [
    ["FetchHttpClient", FetchHttpClient.layer, "Web"],
    ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici, "Node"],
    ["NodeHttpClient.layer", NodeHttpClient.layer, "Node"]
  ]

  it.scopedLive("each stock client's response exposes the stream the fast reader takes", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(Effect.promise(Server.start), (s) => Effect.promise(s.close))
      server.reply(Server.json(200, { object: "client", id: "client_1" }))
      for (const [name, layer, kind] of stock) {
        const client = Context.get(yield* Layer.build(layer), HttpClient.HttpClient)
        const response = yield* client.execute(HttpClientRequest.get(`${server.apiUrl}/clients/client_1`))
        expect([name, runtimeBody(response)?._tag]).toEqual([name, kind])
        yield* response.text
      }
    }))
})
