/**
 * Framing × transport on the Effect 4 face: the suite both faces run (test/shared/framing.ts), through every transport
 * this face offers: `effect/http`'s fetch, effect-clerk's own undici exchange, and `@effect/platform-node`'s node:http
 * client; and undici wrapped by a `transformClient`.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Fiber, Layer, Metric, Redacted, Stream } from "effect"
import { ClerkError, ClerkMetrics, Clients, RetryPolicy } from "effect-clerk/v4"
import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { TestClock } from "effect/testing"
import { type Call, framing, type Options, type Transport, type Wrapped } from "../test/shared/framing.js"
import * as Server from "../test/shared/server.js"

type Transform = (client: HttpClient.HttpClient) => HttpClient.HttpClient

/**
 * Each transport this face offers, its layer, and what its documentation promises. Not `NodeHttpClient.layerUndici`:
 * @effect/platform-node 4 brings undici 8, which needs Node ≥ 22.19 and fails to load on the Node 20 these suites run on.
 */
const transports: ReadonlyArray<readonly [Transport, Layer.Layer<HttpClient.HttpClient>, Transform?]> = [
  [
    {
      name: "UndiciHttpClient (own exchange)",
      acceptEncoding: "gzip, br, deflate",
      inflates: true
    },
    UndiciHttpClient.layer
  ],
  [
    { name: "NodeHttpClient.layerNodeHttp", acceptEncoding: undefined, inflates: false },
    NodeHttpClient.layerNodeHttp
  ],
  [
    {
      name: "effect/http FetchHttpClient",
      acceptEncoding: "gzip, deflate",
      inflates: true
    },
    FetchHttpClient.layer
  ],
  // `Clients` adapts the client through its public API; `make`'s body is a stream it reads within the limit.
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
  const own: Transform | undefined = acceptEncoding === undefined && onRequest === undefined
    ? undefined
    : HttpClient.mapRequest((request) => {
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
    : Stream.runCollect(clients.stream({ pageSize: call.pageSize }))

framing({ describe, it, expect }, {
  name: "Effect 4 face",
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
      const context = yield* Effect.context<never>()
      return yield* Effect.promise(() =>
        script({
          start: (call) => {
            const fiber = Effect.runForkWith(context)(Effect.withSpan(Effect.result(run(clients, call)), "caller span"))
            return {
              outcome: Effect.runPromise(
                Effect.map(
                  Fiber.join(fiber),
                  (result) =>
                    result._tag === "Success"
                      ? { ok: true, value: result.success }
                      : { ok: false, error: result.failure }
                )
              ),
              interrupt: () => Effect.runPromise(Fiber.interrupt(fiber))
            }
          },
          adjust: (millis) => Effect.runPromiseWith(context)(TestClock.adjust(Duration.millis(millis))),
          requests: (operation, status) =>
            Effect.runPromiseWith(context)(
              Effect.map(
                Metric.value(Metric.withAttributes(ClerkMetrics.requests, { operation, status })),
                (state) => state.count
              )
            )
        })
      )
    }).pipe(Effect.scoped, Effect.provide(TestClock.layer()), Effect.runPromise)
  }
})
