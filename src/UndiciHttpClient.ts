/**
 * A lean `HttpClient` on undici, for Node. It implements `@effect/platform`'s `HttpClient` interface (built with
 * `HttpClient.makeWith`), so every `HttpClient` combinator works on it and you can still swap it for
 * `NodeHttpClient.layerUndici` or `FetchHttpClient.layer`. It skips what the stock client does per request that a
 * Clerk client does not need (a client span per request with every header as an attribute, trace-propagation
 * headers, a `Scope` per request, a web `Response`), which makes a `get` about 3× cheaper in CPU (see bench/README.md).
 *
 * Import it from `effect-clerk/UndiciHttpClient`; it needs the `undici` package (an optional peer dependency).
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
import { Agent, type Dispatcher } from "undici"
import { AttemptTimedOut, attemptTimeouts, NativeTimeouts } from "./internal/nativeTimeout.js"

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
 * Builds the client over a dispatcher.
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
      Effect.flatMap(requestEffect, (request) => send(dispatcher, request, attemptTimeouts.get(request))),
    Effect.succeed
  )

const send = (
  dispatcher: Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
  timeoutMillis: number | undefined
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
  Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    const controller = new AbortController()
    const body = requestBody(request)
    if (body === undefined) {
      resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Encode", description: "unsupported request body" })))
      return
    }
    // effect-clerk's pipeline asked this transport to enforce the attempt's time limit: headers and body alike.
    const deadline = timeoutMillis === undefined
      ? undefined
      : setTimeout(() => controller.abort(new AttemptTimedOut(timeoutMillis)), timeoutMillis)
    // A response whose body is never read must not keep the process alive until the timer fires.
    deadline?.unref()
    const query = UrlParams.toString(request.urlParams)
    dispatcher.request({
      origin: originOf(request.url),
      path: pathOf(request.url) + (query === "" ? "" : `?${query}`),
      method: request.method,
      headers: request.headers,
      body: body.content,
      signal: controller.signal
    }).then(
      (data) => resume(Effect.succeed(new UndiciResponse(request, data, deadline))),
      (cause: unknown) => {
        clearTimeout(deadline)
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: abortReason(controller, cause) })))
      }
    )
    return Effect.sync(() => {
      clearTimeout(deadline)
      controller.abort()
    })
  })

/** When our own timer aborted the request, that (not undici's generic abort error) is the cause. */
const abortReason = (controller: AbortController, cause: unknown): unknown =>
  controller.signal.reason instanceof AttemptTimedOut ? controller.signal.reason : cause

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
const requestBody = (request: HttpClientRequest.HttpClientRequest): { readonly content: string | Uint8Array | null } | undefined => {
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

/** The platform's response interface over undici's response data, reading the body at most once. */
class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly status: number
  private cachedHeaders: Headers.Headers | undefined
  private cachedText: Promise<string> | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly source: Dispatcher.ResponseData,
    private readonly deadline: ReturnType<typeof setTimeout> | undefined
  ) {
    super()
    this.status = source.statusCode
  }

  get headers(): Headers.Headers {
    if (this.cachedHeaders === undefined) {
      const flat: Record<string, string> = {}
      for (const [name, value] of Object.entries(this.source.headers)) {
        if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value
      }
      this.cachedHeaders = Headers.unsafeFromRecord(flat)
    }
    return this.cachedHeaders
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

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.async((resume) => {
      if (this.cachedText === undefined) {
        this.cachedText = this.source.body.text()
        // The attempt's timer covers the body too; it is done once the body is.
        const done = () => clearTimeout(this.deadline)
        this.cachedText.then(done, done)
      }
      this.cachedText.then(
        (text) => resume(Effect.succeed(text)),
        (cause: unknown) => resume(Effect.fail(this.fail(cause instanceof Error && cause.cause instanceof AttemptTimedOut ? cause.cause : cause)))
      )
    })
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({ try: (): unknown => (text === "" ? null : JSON.parse(text)), catch: (cause) => this.fail(cause) }))
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.tryPromise({ try: () => this.source.body.arrayBuffer(), catch: (cause) => this.fail(cause) }).pipe(
      Effect.ensuring(Effect.sync(() => clearTimeout(this.deadline)))
    )
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(this.fail(new Error("form data responses are not supported by this client")))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    const body = this.source.body
    return Stream.fromAsyncIterable<Uint8Array, HttpClientError.ResponseError>(body, (cause) =>
      this.fail(cause instanceof Error && cause.cause instanceof AttemptTimedOut ? cause.cause : cause)).pipe(
        Stream.ensuring(Effect.sync(() => {
          clearTimeout(this.deadline)
          body.destroy()
        }))
      )
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
export const layerWithoutDispatcher: Layer.Layer<HttpClient.HttpClient, never, UndiciDispatcher> = Layer.effectContext(
  Effect.map(UndiciDispatcher, (dispatcher) => {
    const client = make(dispatcher)
    // Tells the Clients pipeline that this client enforces attempt timeouts itself (see internal/nativeTimeout.ts).
    return Context.make(HttpClient.HttpClient, client).pipe(Context.add(NativeTimeouts, client))
  })
)

/**
 * The client over its own keep-alive `Agent`, closed when the layer is released.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as UndiciHttpClient from "effect-clerk/UndiciHttpClient"
 * Effect.provide(program, UndiciHttpClient.layer)
 * ```
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = layerWithoutDispatcher.pipe(
  Layer.provide(Layer.scoped(
    UndiciDispatcher,
    Effect.acquireRelease(Effect.sync(() => new Agent({ keepAliveTimeout: 30_000 })), (agent) =>
      Effect.promise(() => agent.destroy()))
  ))
)
