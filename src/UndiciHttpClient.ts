/**
 * A lean `HttpClient` on undici, for Node: the fastest transport for `Clients`. It implements `@effect/platform`'s
 * `HttpClient` interface (built with `HttpClient.makeWith`), so every `HttpClient` combinator works on it and you can
 * still swap it for `NodeHttpClient.layerUndici` or `FetchHttpClient.layer`. It skips what the stock clients do per
 * request that a Clerk client does not need (a client span per request with every header as an attribute, a `Scope`
 * per request, a web `Response`), and it:
 *
 * - asks for compressed bodies (`Accept-Encoding: gzip, br, deflate`, unless the request sets its own) and
 *   decompresses them with `node:zlib`;
 * - reads a body up to a byte limit itself, on every framing and encoding, so effect-clerk's `maxResponseBytes`
 *   holds against the decompressed size (a gzip bomb stops at the limit, and so does the memory it takes);
 * - enforces the attempt's time limit that the `Clients` pipeline offers it (a timer that aborts the request), so
 *   the pipeline forks no fiber per attempt;
 * - never follows redirects and sends no trace-propagation headers.
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
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import { pipeline, type Readable } from "node:stream"
import * as Zlib from "node:zlib"
import { Agent, type Dispatcher } from "undici"
import { AttemptTimeout, type AttemptTimeoutOffer, type BodyText, BoundedBody } from "./internal/attempt.js"
import { collectNode } from "./internal/body.js"

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
      Effect.flatMap(
        requestEffect,
        (request) =>
          Effect.withFiberRuntime((fiber) =>
            send(
              dispatcher,
              request,
              Context.getOption(fiber.currentContext, AttemptTimeout).pipe(Option.getOrUndefined)
            )
          )
      ),
    Effect.succeed
  )

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

const acceptEncoding = "gzip, br, deflate"

const send = (
  dispatcher: Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
  timeout: AttemptTimeoutOffer | undefined
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
  Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    const controller = new AbortController()
    const body = requestBody(request)
    if (body === undefined) {
      resume(
        Effect.fail(
          new HttpClientError.RequestError({ request, reason: "Encode", description: "unsupported request body" })
        )
      )
      return
    }
    // The attempt's time limit, offered by the Clients pipeline: this transport enforces it, headers and body alike.
    timeout?.claim()
    const deadline = timeout === undefined ? undefined : setTimeout(() => {
      timeout.expire()
      controller.abort()
    }, timeout.millis)
    // A response whose body is never read must not keep the process alive until the timer fires.
    deadline?.unref()
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
      signal: controller.signal
    }).then(
      (data) => resume(Effect.succeed(new UndiciResponse(request, data, deadline))),
      (cause: unknown) => {
        clearTimeout(deadline)
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
      }
    )
    return Effect.sync(() => {
      clearTimeout(deadline)
      controller.abort()
    })
  })

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

/** An encoding this transport cannot decode: the body's fault, reported as such (`ERR_CONTENT_ENCODING`). */
class UnsupportedEncoding extends Error {
  readonly code = "ERR_CONTENT_ENCODING"
  constructor(encoding: string) {
    super(`unsupported Content-Encoding: ${JSON.stringify(encoding)}`)
  }
}

/** The encodings this transport asks for, each as one bounded call (bodies) and as a stream (`response.stream`). */
interface Encoding {
  readonly inflate: (bytes: Uint8Array, options: Zlib.ZlibOptions & Zlib.BrotliOptions) => Buffer
  readonly stream: () => Zlib.Gunzip | Zlib.BrotliDecompress | Zlib.Inflate
}

const gzip: Encoding = { inflate: Zlib.gunzipSync, stream: Zlib.createGunzip }
const encodings: Record<string, Encoding> = {
  gzip,
  "x-gzip": gzip,
  deflate: { inflate: Zlib.inflateSync, stream: Zlib.createInflate },
  br: { inflate: Zlib.brotliDecompressSync, stream: Zlib.createBrotliDecompress }
}

/** A `Content-Encoding` header's decoder: `undefined` for none; an unknown encoding throws `UnsupportedEncoding`. */
const encodingOf = (header: string | undefined): Encoding | undefined => {
  const name = header?.trim().toLowerCase() ?? ""
  if (name === "" || name === "identity") return undefined
  const encoding = encodings[name]
  if (encoding === undefined) throw new UnsupportedEncoding(header ?? "")
  return encoding
}

/**
 * Reads `source` into a string of at most `limit` bytes: a longer body is cut there and `truncated`, and nothing past
 * the limit is buffered. A compressed body is read (at most `limit` compressed bytes) and then decompressed in one call
 * that stops at `limit` bytes of output, so a gzip bomb costs at most `limit` of memory. One synchronous call costs a
 * third of the CPU of node:zlib's streams on a list page (measured in bench/README.md), which is why the body is not
 * inflated chunk by chunk.
 */
const readBounded = async (source: Readable, header: string | undefined, limit: number): Promise<BodyText> => {
  let encoding: Encoding | undefined
  try {
    encoding = encodingOf(header)
  } catch (error) {
    source.on("error", () => {})
    source.destroy()
    throw error
  }
  const collected = await collectNode(source, limit)
  if (encoding === undefined) return collected.result()
  if (collected.truncated) return { text: "", truncated: true }
  try {
    return { text: encoding.inflate(collected.bytes(), { maxOutputLength: limit }).toString("utf8"), truncated: false }
  } catch (error) {
    if (Predicate.hasProperty(error, "code") && error.code === "ERR_BUFFER_TOO_LARGE") {
      return { text: "", truncated: true }
    }
    throw error
  }
}

/** The platform's response interface over undici's response data; the body is read (and decompressed) once. */
class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly status: number
  private cachedHeaders: Headers.Headers | undefined
  private read: Promise<BodyText> | undefined

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

  private get encoding(): string | undefined {
    const value = this.source.headers["content-encoding"]
    return Array.isArray(value) ? value.join(", ") : value
  }

  /** The body, decompressed, read at most once; later readers share the first read (and its limit). */
  [BoundedBody](limit: number): Effect.Effect<BodyText, HttpClientError.ResponseError> {
    return Effect.async((resume) => {
      if (this.read === undefined) {
        const encoding = this.encoding
        const declared = Number(this.source.headers["content-length"])
        // An unencoded body of known length within the limit: undici's own reader, the fastest.
        this.read =
          (encoding === undefined || encoding === "identity") && Number.isFinite(declared) && declared <= limit
            ? this.source.body.text().then((text) => ({ text, truncated: false }))
            : readBounded(this.source.body, encoding, limit)
        // The attempt's timer covers the body too; it is done once the body is.
        const done = () => clearTimeout(this.deadline)
        this.read.then(done, done)
      }
      this.read.then(
        (body) => resume(Effect.succeed(body)),
        (cause: unknown) => resume(Effect.fail(this.fail(cause)))
      )
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this[BoundedBody](Number.MAX_SAFE_INTEGER), (body) => body.text)
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
        encoding = encodingOf(this.encoding)
      } catch (cause) {
        return Stream.fail(this.fail(cause))
      }
      const decoded: Readable = encoding === undefined ? body : pipeline(body, encoding.stream(), () => {})
      return Stream.fromAsyncIterable<Uint8Array, HttpClientError.ResponseError>(decoded, (cause) => this.fail(cause))
    }).pipe(
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
    if (!usable) {
      throw new Error(
        "effect-clerk/UndiciHttpClient: this runtime's undici cannot send requests (Bun's is a stub); use FetchHttpClient.layer"
      )
    }
    return Context.make(HttpClient.HttpClient, make(dispatcher))
  })
)

/**
 * The client over its own keep-alive `Agent`, closed when the layer is released.
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
export const layer: Layer.Layer<HttpClient.HttpClient> = layerWithoutDispatcher.pipe(
  Layer.provide(Layer.scoped(
    UndiciDispatcher,
    Effect.acquireRelease(
      Effect.sync(() => new Agent({ keepAliveTimeout: 30_000 })),
      (agent) => Effect.promise(() => agent.destroy())
    )
  ))
)
