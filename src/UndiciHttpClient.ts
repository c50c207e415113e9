/**
 * A lean `HttpClient` on undici, for Node: the fastest transport for `Clients`. It implements `@effect/platform`'s
 * `HttpClient` interface (built with `HttpClient.makeWith`), so every `HttpClient` combinator works on it and you can
 * still swap it for `NodeHttpClient.layerUndici` or `FetchHttpClient.layer`. It skips what the stock clients do per
 * request that a Clerk client does not need (a client span per request with every header as an attribute, a `Scope`
 * per request, a web `Response`), and it:
 *
 * - asks for compressed bodies (`Accept-Encoding: gzip, br, deflate`, unless the request sets its own) and
 *   decompresses them with `node:zlib`;
 * - implements `Clients`' {@link Exchange.Exchange} contract itself ({@link exchange}; {@link layer} provides it):
 *   the attempt's time limit is one timer that aborts the request, headers and body alike, and the body is read up
 *   to the byte limit on every framing and encoding, counted after decompression (a gzip bomb stops at the limit, and
 *   so does the memory it takes), so the pipeline forks no fiber per attempt and runs no `Stream` per body;
 * - never follows redirects and sends no trace-propagation headers.
 *
 * Its timer is a real one (the exchange runs outside any Effect clock): under `TestClock`, an attempt on this
 * transport times out in real time, as it does on the platform's clients. `ClientsTest` keeps attempts' limits on
 * the Effect clock, for tests of timeouts on virtual time.
 *
 * Import it from `effect-clerk/UndiciHttpClient`. It uses the `undici` package, a dependency of effect-clerk. Under
 * Bun, `undici` is a stub without `Agent.request`: {@link isSupported} is false there and the layers fail with a
 * message saying so (use `FetchHttpClient.layer`).
 *
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { Clients } from "effect-clerk"
 * import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
 *
 * const live = Clients.layer({ secretKey: Redacted.make("sk_live_…") }).pipe(Layer.provide(UndiciHttpClient.layer))
 * ```
 *
 * @since 0.1.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { pipeline, type Readable } from "node:stream"
import { Agent, type Dispatcher } from "undici"
import * as Failures from "./core/exchangeFailure.js"
import { type Encoding, encodingOf } from "./core/inflate.js"
import * as Core from "./core/undici.js"
import * as Exchange from "./Exchange.js"

/**
 * The undici dispatcher requests go through (connection pool, keep-alive, TLS settings).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Agent } from "undici"
 * import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
 * const custom = UndiciHttpClient.layerWithoutDispatcher.pipe(
 *   Layer.provide(Layer.succeed(UndiciHttpClient.UndiciDispatcher, new Agent({ connections: 64 })))
 * )
 * ```
 * @since 0.1.0
 * @category Tags
 */
export class UndiciDispatcher extends Context.Tag("effect-clerk/UndiciHttpClient/UndiciDispatcher")<
  UndiciDispatcher,
  Dispatcher
>() {}

/**
 * Builds the client over a dispatcher: a plain `HttpClient`, for `transformClient` hooks and any other use. `Clients`
 * gets more from {@link exchange} over the same dispatcher.
 *
 * @example
 * ```ts
 * import { Agent } from "undici"
 * import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
 * const client = UndiciHttpClient.make(new Agent())
 * ```
 * @since 0.1.0
 * @category Constructors
 */
export const make = (dispatcher: Dispatcher): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (requestEffect) =>
      Effect.flatMap(
        requestEffect,
        (request) =>
          Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
            const sendable = plain(request)
            if (sendable === undefined) {
              resume(
                Effect.fail(
                  new HttpClientError.RequestError({
                    request,
                    reason: "Encode",
                    description: Failures.unsupportedBody.description
                  })
                )
              )
              return
            }
            const controller = new AbortController()
            Core.dispatch(dispatcher, sendable, controller.signal, (error, data) => {
              resume(
                data === undefined
                  ? Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: error }))
                  : Effect.succeed(new UndiciResponse(request, data))
              )
            })
            return Effect.sync(() => controller.abort())
          })
      ),
    Effect.succeed
  )

/**
 * `Clients`' exchange over a dispatcher (the core's, shared with the Effect 4 face): one attempt, its time limit a
 * timer that aborts the request (headers and body alike), its body read up to the byte limit and decompressed in one
 * bounded call.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Agent } from "undici"
 * import { Exchange } from "effect-clerk"
 * import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
 * const own = Layer.succeed(Exchange.Exchange, UndiciHttpClient.exchange(new Agent()))
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const exchange = (dispatcher: Dispatcher): Exchange.Service => ({
  exchange: (request, limits) =>
    Effect.async<Exchange.Reply, Exchange.ExchangeError>((resume) => {
      const sendable = plain(request)
      if (sendable === undefined) {
        resume(
          Effect.fail(new Exchange.ExchangeError(Failures.unsupportedBody))
        )
        return
      }
      const cancel = Core.exchange(dispatcher, sendable, limits, (outcome) =>
        resume(outcome.ok ? Effect.succeed(outcome.reply) : Effect.fail(new Exchange.ExchangeError(outcome.failure))))
      return Effect.sync(cancel)
    })
})

/** Under Bun, `import "undici"` is Bun's stub, whose `Agent` cannot send requests. */
const usable = typeof Agent === "function" && typeof Agent.prototype.request === "function"

/**
 * Whether this runtime's `undici` can send requests (false under Bun, whose `undici` is a stub).
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "@effect/platform"
 * import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
 * const transport = UndiciHttpClient.isSupported ? UndiciHttpClient.layer : FetchHttpClient.layer
 * ```
 * @since 0.2.0
 * @category Guards
 */
export const isSupported: boolean = usable

/** The request as the core sends it, or `undefined` for a body a Clerk client never sends (a stream, form data). */
const plain = (request: HttpClientRequest.HttpClientRequest): Core.PlainRequest | undefined => {
  const body = request.body
  let content: string | Uint8Array | null
  switch (body._tag) {
    case "Empty":
      content = null
      break
    case "Uint8Array":
      content = body.body
      break
    case "Raw":
      if (!(typeof body.body === "string" || body.body instanceof Uint8Array)) return undefined
      content = body.body
      break
    default:
      return undefined
  }
  return Core.plainRequest({
    method: request.method,
    url: request.url,
    query: UrlParams.toString(request.urlParams),
    headers: request.headers,
    bodyContentType: "contentType" in body ? body.contentType : undefined,
    body: content
  })
}

/** The platform's response interface over undici's response data; the body is read (and decompressed) once. */
class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly status: number
  readonly headers: Headers.Headers
  private read: Effect.Effect<string, HttpClientError.ResponseError> | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: Dispatcher.ResponseData
  ) {
    super()
    this.status = source.statusCode
    this.headers = Headers.unsafeFromRecord(Core.flatHeaders(source.headers))
  }

  get cookies(): Cookies.Cookies {
    const setCookie = this.source.headers["set-cookie"]
    return Cookies.fromSetCookie(setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie])
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private fail(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  /** The whole body, decompressed, read once (later reads get the same text); interrupting the read frees the socket. */
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.suspend(() => {
      if (this.read !== undefined) return this.read
      return Effect.async<string, HttpClientError.ResponseError>((resume) => {
        Core.readBody(this.source.body, this.headers["content-encoding"], Number.MAX_SAFE_INTEGER, (error, body) => {
          this.read = body === undefined ? Effect.fail(this.fail(error)) : Effect.succeed(body.text)
          resume(this.read)
        })
        return Effect.sync(() => this.source.body.destroy())
      })
    })
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(
      this.text,
      (text) =>
        Effect.try({ try: (): unknown => (text === "" ? null : JSON.parse(text)), catch: (cause) => this.fail(cause) })
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => {
      const bytes = new TextEncoder().encode(text)
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    })
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(this.fail(new Error("form data responses are not supported by this client")))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    const body = this.source.body
    return Stream.suspend(() => {
      let encoding: Encoding | undefined
      try {
        encoding = encodingOf(this.headers["content-encoding"])
      } catch (cause) {
        return Stream.fail(this.fail(cause))
      }
      const decoded: Readable = encoding === undefined ? body : pipeline(body, encoding.stream(), () => {})
      return Stream.fromAsyncIterable<Uint8Array, HttpClientError.ResponseError>(decoded, (cause) => this.fail(cause))
    }).pipe(Stream.ensuring(Effect.sync(() => {
      // Destroying a body nobody read emits undici's "Request aborted": listened to here, so it is not unhandled.
      body.on("error", ignoreError)
      body.destroy()
    })))
  }

  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status }
  }
}

/**
 * The client over a dispatcher you provide with {@link UndiciDispatcher}.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Agent } from "undici"
 * import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
 * const client = UndiciHttpClient.layerWithoutDispatcher.pipe(
 *   Layer.provide(Layer.succeed(UndiciHttpClient.UndiciDispatcher, new Agent({ pipelining: 1 })))
 * )
 * ```
 * @since 0.1.0
 * @category Layers
 */
export const layerWithoutDispatcher: Layer.Layer<
  HttpClient.HttpClient | Exchange.Exchange,
  never,
  UndiciDispatcher
> = Layer.effectContext(
  Effect.map(UndiciDispatcher, (dispatcher) => {
    if (!usable) {
      throw new Error(
        "effect-clerk/UndiciHttpClient: this runtime's undici cannot send requests (Bun's is a stub); use FetchHttpClient.layer"
      )
    }
    return Context.make(HttpClient.HttpClient, make(dispatcher)).pipe(
      Context.add(Exchange.Exchange, exchange(dispatcher))
    )
  })
)

/**
 * The client and its {@link exchange} over their own keep-alive `Agent`, closed when the layer is released.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients } from "effect-clerk"
 * import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
 * const program = Effect.flatMap(Clients.Clients, (clients) => clients.get("client_123"))
 * const withTransport = program.pipe(Effect.provide(UndiciHttpClient.layer))
 * ```
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient | Exchange.Exchange> = layerWithoutDispatcher.pipe(
  Layer.provide(Layer.scoped(
    UndiciDispatcher,
    Effect.acquireRelease(
      Effect.sync(() => new Agent(Core.agentOptions)),
      (agent) => Effect.promise(() => agent.destroy())
    )
  ))
)

const ignoreError = (): void => {}
