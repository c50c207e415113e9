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
 * transport times out in real time. Tests of timeouts on virtual time use a platform `HttpClient`, which `Clients`
 * adapts with a timeout on the Effect clock.
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
import { type BodyText, collectNode, isUndecodable } from "./core/body.js"
import { acceptEncoding, type Encoding, encodingOf, inflate } from "./core/inflate.js"
import type { Reply } from "./core/reply.js"
import { describeCause } from "./core/reply.js"
import { startTimer } from "./core/timer.js"
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
            const controller = new AbortController()
            const sent = dispatch(dispatcher, request, controller.signal, (error, data) => {
              resume(
                data === undefined
                  ? Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: error }))
                  : Effect.succeed(new UndiciResponse(request, data))
              )
            })
            if (!sent) {
              resume(
                Effect.fail(
                  new HttpClientError.RequestError({
                    request,
                    reason: "Encode",
                    description: "unsupported request body"
                  })
                )
              )
            }
            return Effect.sync(() => controller.abort())
          })
      ),
    Effect.succeed
  )

/**
 * `Clients`' exchange over a dispatcher: one attempt, its time limit a timer that aborts the request (headers and
 * body alike), its body read up to the byte limit and decompressed in one bounded call.
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
    Effect.async<Reply, Exchange.ExchangeError>((resume) => {
      const controller = new AbortController()
      let settled = false
      let responseBody: Readable | undefined
      const settle = (outcome: Effect.Effect<Reply, Exchange.ExchangeError>) => {
        if (settled) return
        settled = true
        cancelTimer()
        resume(outcome)
      }
      const abort = () => {
        controller.abort()
        responseBody?.destroy()
      }
      const cancelTimer = startTimer(limits.timeoutMillis, () => {
        settle(
          Effect.fail(new Exchange.ExchangeError({ reason: "Timeout", description: "the attempt's time limit passed" }))
        )
        abort()
      })
      const sent = dispatch(dispatcher, request, controller.signal, (error, data) => {
        if (data === undefined) {
          const cause = error === null ? {} : { cause: error }
          return settle(
            Effect.fail(
              new Exchange.ExchangeError({
                reason: "Transport",
                description: describeCause(error) ?? "no response",
                ...cause
              })
            )
          )
        }
        responseBody = data.body
        const headers = flatHeaders(data.headers)
        const status = data.statusCode
        readBody(data.body, headers["content-encoding"], Exchange.limitFor(status, limits), (cause, body) => {
          settle(
            body === undefined
              ? Effect.fail(
                new Exchange.ExchangeError({
                  reason: isUndecodable(cause) ? "Undecodable" : "Transport",
                  status,
                  description: `response body could not be read: ${describeCause(cause) ?? String(cause)}`,
                  cause
                })
              )
              : Effect.succeed({ status, headers, body })
          )
        })
      })
      if (!sent) {
        settle(
          Effect.fail(new Exchange.ExchangeError({ reason: "InvalidRequest", description: "unsupported request body" }))
        )
      }
      return Effect.sync(() => {
        settled = true
        cancelTimer()
        abort()
      })
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

/**
 * Sends `request` through undici's callback API; `false` when its body is not one a Clerk client sends. Undici's own
 * header and body timeouts are off: the caller's limit is the only one (`Infinity` means none).
 */
const dispatch = (
  dispatcher: Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
  signal: AbortSignal,
  callback: (error: Error | null, data: Dispatcher.ResponseData | undefined) => void
): boolean => {
  const body = requestBody(request)
  if (body === undefined) return false
  const query = UrlParams.toString(request.urlParams)
  const headers = request.headers["accept-encoding"] === undefined
    ? { ...request.headers, "accept-encoding": acceptEncoding }
    : request.headers
  dispatcher.request({
    origin: originOf(request.url),
    path: pathOf(request.url) + (query === "" ? "" : `?${query}`),
    method: request.method,
    headers,
    body: body.content,
    signal,
    headersTimeout: 0,
    bodyTimeout: 0
  }, (error, data) => callback(error, error === null ? data : undefined))
  return true
}

// Splitting the URL by hand avoids a WHATWG URL parse per request; the platform guarantees an absolute URL here.
const originOf = (url: string): string => {
  const slash = url.indexOf("/", url.indexOf("//") + 2)
  return slash === -1 ? url : url.slice(0, slash)
}

const pathOf = (url: string): string => {
  const slash = url.indexOf("/", url.indexOf("//") + 2)
  return slash === -1 ? "/" : url.slice(slash)
}

/** The bodies a Clerk client sends (none, or JSON bytes); anything else is refused rather than half-supported. */
const requestBody = (
  request: HttpClientRequest.HttpClientRequest
): { readonly content: string | Uint8Array | null } | undefined => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return { content: null }
    case "Uint8Array":
      return { content: body.body }
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array ? { content: body.body } : undefined
    default:
      return undefined
  }
}

const flatHeaders = (headers: Dispatcher.ResponseData["headers"]): Record<string, string> => {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return flat
}

/**
 * Reads `source` into a string of at most `limit` bytes, decompressed: a longer body is cut there and `truncated`,
 * and nothing past the limit is buffered (the compressed bytes are read up to the limit, then inflated in one call
 * that stops at `limit` bytes of output).
 */
const readBody = (
  source: Readable,
  header: string | undefined,
  limit: number,
  done: (error: unknown, body: BodyText | undefined) => void
): void => {
  let encoding: Encoding | undefined
  try {
    encoding = encodingOf(header)
  } catch (error) {
    source.on("error", () => {})
    source.destroy()
    return done(error, undefined)
  }
  collectNode(source, limit, undefined, (error, collected) => {
    if (collected === undefined) return done(error, undefined)
    let body: BodyText
    try {
      body = inflate(collected, encoding, limit)
    } catch (inflateError) {
      return done(inflateError, undefined)
    }
    done(undefined, body)
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
    this.headers = Headers.unsafeFromRecord(flatHeaders(source.headers))
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
        readBody(this.source.body, this.headers["content-encoding"], Number.MAX_SAFE_INTEGER, (error, body) => {
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
    }).pipe(Stream.ensuring(Effect.sync(() => body.destroy())))
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
      Effect.sync(() => new Agent({ keepAliveTimeout: 30_000 })),
      (agent) => Effect.promise(() => agent.destroy())
    )
  ))
)
