/**
 * effect-clerk's own transport on Node (Effect 4 face), on undici: the fastest way for `Clients` to reach Clerk.
 * {@link layer} provides both an `effect/http` `HttpClient` and `Clients`' {@link Exchange.Exchange} contract; the
 * pipeline takes the exchange, where the attempt's time limit is one timer that aborts the request (headers and body
 * alike) and the body is read up to the byte limit, counted after decompression (it asks for `gzip, br, deflate`).
 * It never follows redirects and sends no trace-propagation headers. The exchange itself is the core's
 * (`core/undici.ts`), shared with the root face. Import it from `effect-clerk/v4/UndiciHttpClient` (not the index:
 * it needs Node's `undici` and `node:zlib`).
 *
 * Its timer is a real one: under `TestClock`, an attempt on this transport times out in real time, as it does on
 * `effect/http`'s clients. `ClientsTest` keeps attempts' limits on the Effect clock, for tests of timeouts on virtual
 * time.
 *
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
 *
 * const live = Clients.layer({ secretKey: Redacted.make("sk_live_…") }).pipe(Layer.provide(UndiciHttpClient.layer))
 * ```
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"
import * as Layer from "effect/Layer"
import { pipeline, type Readable } from "node:stream"
import { Agent, type Dispatcher } from "undici"
import * as Failures from "../core/exchangeFailure.js"
import * as Inflate from "../core/inflate.js"
import * as Core from "../core/undici.js"
import * as Exchange from "./Exchange.js"

/**
 * The undici dispatcher requests go through (connection pool, keep-alive, TLS settings).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Agent } from "undici"
 * import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
 * const custom = UndiciHttpClient.layerWithoutDispatcher.pipe(
 *   Layer.provide(Layer.succeed(UndiciHttpClient.UndiciDispatcher, new Agent({ connections: 64 })))
 * )
 * ```
 * @since 0.3.0
 * @category Services
 */
export class UndiciDispatcher
  extends Context.Service<UndiciDispatcher, Dispatcher>()("effect-clerk/UndiciHttpClient/UndiciDispatcher")
{}

/** The request as the core sends it, or `undefined` for a body it cannot send (a stream, form data). */
const plain = (request: HttpClientRequest.HttpClientRequest): Core.PlainRequest | undefined => {
  const body = request.body
  let content: string | Uint8Array | null
  switch (body._tag) {
    case "Empty":
      content = null
      break
    case "Uint8Array":
      content = body.text ?? body.body
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

/**
 * The exchange over `dispatcher` (what {@link layer} provides as `Exchange.Exchange`).
 *
 * @example
 * ```ts
 * import { Agent } from "undici"
 * import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
 * const ownExchange = UndiciHttpClient.exchange(new Agent())
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const exchange = (dispatcher: Dispatcher): Exchange.Service => ({
  exchange: (request, limits) =>
    Effect.callback<Exchange.Reply, Exchange.ExchangeError>((resume) => {
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

/**
 * A general-purpose `effect/http` `HttpClient` over `dispatcher`. The body is a stream, inflated as it is read (per
 * its `Content-Encoding`), so whoever reads it bounds it: behind a `transformClient`, `Clients` stops reading at its
 * `maxResponseBytes`, and a gzip bomb costs no more than that. `Clients` does not use it when the {@link exchange} is
 * provided beside it.
 *
 * @example
 * ```ts
 * import { Agent } from "undici"
 * import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
 * const client = UndiciHttpClient.make(new Agent())
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const make = (dispatcher: Dispatcher): HttpClient.HttpClient =>
  HttpClient.make((request, _url, signal) =>
    Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
      const sendable = plain(request)
      const fail = (reason: HttpClientError.HttpClientErrorReason) =>
        resume(Effect.fail(new HttpClientError.HttpClientError({ reason })))
      if (sendable === undefined) {
        return fail(new HttpClientError.EncodeError({ request, description: Failures.unsupportedBody.description }))
      }
      Core.dispatch(dispatcher, sendable, signal, (error, data) => {
        if (data === undefined) return fail(new HttpClientError.TransportError({ request, cause: error }))
        const headers = Core.flatHeaders(data.headers)
        const { "content-encoding": encodingHeader, "content-length": length, ...rest } = headers
        const nullBody = data.statusCode === 204 || data.statusCode === 304 || request.method === "HEAD"
        let encoding: Inflate.Encoding | undefined
        try {
          encoding = nullBody ? undefined : Inflate.encodingOf(encodingHeader)
        } catch (unsupported) {
          data.body.on("error", () => {})
          data.body.destroy()
          return fail(new HttpClientError.TransportError({ request, cause: unsupported }))
        }
        if (nullBody) data.body.resume()
        // An unencoded body keeps its Content-Length (a reader may take it whole); an inflated one has none.
        const kept = encoding === undefined && length !== undefined ? { ...rest, "content-length": length } : rest
        // pipeline destroys every stage on an error or when the reader cancels, and reports zlib's error (which the
        // reader sees as the body's fault) rather than leaving it unhandled.
        const body = encoding === undefined ? data.body : pipeline(data.body, encoding.stream(), () => {})
        resume(Effect.succeed(HttpClientResponse.fromWeb(
          request,
          new Response(nullBody ? null : webBody(body), { status: data.statusCode, headers: kept })
        )))
      })
    })
  )

/** A Node stream as a web one, read on demand: the reader's pace (and its cancel) reaches the socket. */
const webBody = (source: Readable): ReadableStream<Uint8Array> =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      source.pause()
      source.on("data", (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if ((controller.desiredSize ?? 0) <= 0) source.pause()
      })
      source.once("end", () => controller.close())
      // Every error, not only the first: a destroyed undici body may report "Request aborted" after another.
      source.on("error", (error) => controller.error(error))
    },
    pull() {
      source.resume()
    },
    cancel() {
      source.destroy()
    }
  })

const usable = typeof Agent === "function" && typeof Agent.prototype.request === "function"

/**
 * Whether this runtime's undici can send requests (Bun's `undici` is a stub without `Agent.request`).
 *
 * @example
 * ```ts
 * import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
 * const transport = UndiciHttpClient.isSupported ? "undici" : "fetch"
 * ```
 * @since 0.3.0
 * @category Utils
 */
export const isSupported: boolean = usable

/**
 * The `HttpClient` and the `Exchange` over the {@link UndiciDispatcher} you provide.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Agent } from "undici"
 * import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
 * const pooled = UndiciHttpClient.layerWithoutDispatcher.pipe(
 *   Layer.provide(Layer.succeed(UndiciHttpClient.UndiciDispatcher, new Agent({ connections: 16 })))
 * )
 * ```
 * @since 0.3.0
 * @category Layers
 */
export const layerWithoutDispatcher: Layer.Layer<
  HttpClient.HttpClient | Exchange.Exchange,
  never,
  UndiciDispatcher
> = Layer.effectContext(
  UndiciDispatcher.useSync((dispatcher) => {
    if (!usable) {
      throw new Error(
        "effect-clerk/v4/UndiciHttpClient: this runtime's undici cannot send requests (Bun's is a stub); use FetchHttpClient.layer"
      )
    }
    return Context.make(HttpClient.HttpClient, make(dispatcher)).pipe(
      Context.add(Exchange.Exchange, exchange(dispatcher))
    )
  })
)

/**
 * The `HttpClient` and the `Exchange` on a keep-alive `Agent` that lives as long as the layer.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
 * const live = Clients.layer({ secretKey: Redacted.make("sk_live_…") }).pipe(Layer.provide(UndiciHttpClient.layer))
 * ```
 * @since 0.3.0
 * @category Layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient | Exchange.Exchange> = layerWithoutDispatcher.pipe(
  Layer.provide(Layer.effect(
    UndiciDispatcher,
    Effect.acquireRelease(
      Effect.sync(() => new Agent(Core.agentOptions)),
      (agent) => Effect.promise(() => agent.destroy())
    )
  ))
)
