/**
 * The contract between the `Clients` pipeline and a transport, for one attempt. The pipeline hands the transport the
 * request and the attempt's limits as arguments; the transport returns the reply's status, headers and body, read
 * within the byte limit, or a typed {@link ExchangeError}. Interrupting the returned Effect aborts the request and frees
 * its socket: that is how the pipeline abandons an attempt (a caller that gives up, a deadline, a stream that ends).
 *
 * `Clients` uses the {@link Exchange} service when the environment has one — `UndiciHttpClient.layer` provides it
 * beside its `HttpClient` — and otherwise adapts whatever `HttpClient` it was given with {@link fromHttpClient}. A
 * `transformClient` option always means the adapter, over the transformed client, so it sees every request.
 *
 * @since 0.3.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as Attempt from "./core/attempt.js"
import * as Body from "./core/body.js"
import * as Failures from "./core/exchangeFailure.js"
import { describe } from "./core/messages.js"
import * as CoreReply from "./core/reply.js"
import { runtimeBody } from "./internal/runtimeBody.js"
import { withRealTimeLimit, withTimeLimit } from "./internal/timeLimit.js"

/**
 * One attempt's limits.
 *
 * @example
 * ```ts
 * import type { Exchange } from "effect-clerk"
 * const limits: Exchange.Limits = { timeoutMillis: 10_000, maxBytes: 32 * 1024 * 1024, maxErrorBytes: 64 * 1024 }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Limits {
  /** The attempt's time limit in milliseconds, headers and body alike; `Infinity` for none. */
  readonly timeoutMillis: number
  /** The most body bytes read of a 2xx reply, counted after decompression; a longer body comes back `truncated`. */
  readonly maxBytes: number
  /** The same for a reply with any other status. */
  readonly maxErrorBytes: number
}

/**
 * A reply: status, headers with lower-case names, and the body text read within the limit.
 *
 * @since 0.3.0
 * @category Models
 */
export type Reply = CoreReply.Reply

/**
 * Why an exchange produced no reply.
 *
 * - `Timeout`: the time limit passed (before the headers or during the body); the request was aborted.
 * - `Transport`: the connection failed (refused, reset, TLS, a body cut short).
 * - `InvalidRequest`: the request could not be sent as built (an unsupported body, an invalid URL).
 * - `Undecodable`: the body arrived but cannot be decoded (a corrupt compressed stream, an unknown encoding).
 *
 * @example
 * ```ts
 * import { Exchange } from "effect-clerk"
 * const error = new Exchange.ExchangeError({ reason: "Timeout", description: "attempt exceeded 10s" })
 * ```
 * @since 0.3.0
 * @category Errors
 */
export class ExchangeError extends Schema.TaggedError<ExchangeError>("effect-clerk/ExchangeError")("ExchangeError", {
  reason: Schema.Literal("Timeout", "Transport", "InvalidRequest", "Undecodable"),
  description: Schema.String,
  /** The reply's status, when the failure came after its headers (a body that could not be read). */
  status: Schema.optionalWith(Schema.Number, { exact: true }),
  /** The low-level cause (a socket error); never an object that holds the request or its headers. */
  cause: Schema.optionalWith(Schema.Defect, { exact: true })
}) {}

/**
 * What a transport implements.
 *
 * @since 0.3.0
 * @category Models
 */
export interface Service {
  readonly exchange: (
    request: HttpClientRequest.HttpClientRequest,
    limits: Limits
  ) => Effect.Effect<Reply, ExchangeError>
}

/**
 * A transport's own exchange, preferred by `Clients` to adapting its `HttpClient`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Exchange } from "effect-clerk"
 * // What `Clients` would do with fetch anyway, made explicit:
 * const fetchExchange = Layer.effect(Exchange.Exchange, Exchange.fromHttpClientService).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 * @since 0.3.0
 * @category Tags
 */
export class Exchange extends Context.Tag("effect-clerk/Exchange")<Exchange, Service>() {}

/**
 * How {@link fromHttpClient} keeps an attempt's time limit: `"real"` (the default), a real timer, since the attempt is
 * network time, so it fires even while `TestClock` holds the Effect clock; `"effect"`, a timeout on the Effect clock,
 * for a transport whose time is virtual too (an in-memory backend that sleeps on `TestClock`, as `ClientsTest`'s does).
 *
 * @example
 * ```ts
 * import type { Exchange } from "effect-clerk"
 * const virtual: Exchange.AdapterOptions = { timer: "effect" }
 * ```
 * @since 0.3.0
 * @category Models
 */
export type AdapterOptions = Attempt.AdapterOptions

/**
 * The exchange over any `@effect/platform` `HttpClient`, through its public API: the time limit (a real timer unless
 * {@link AdapterOptions} says otherwise) interrupts the request; the body is read chunk by chunk up to the limit.
 * For the platform's stock clients, the body is read from the runtime's own stream (a web `ReadableStream` for
 * `fetch`, a Node readable for `NodeHttpClient`), which costs a fraction of an Effect `Stream`; that reader stops at
 * the limit and on interruption, and releases the stream.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpClient, HttpClientRequest } from "@effect/platform"
 * import { Exchange } from "effect-clerk"
 * const reply = Effect.flatMap(HttpClient.HttpClient, (client) =>
 *   Exchange.fromHttpClient(client).exchange(HttpClientRequest.get("https://api.clerk.com/v1/clients/client_1"), {
 *     timeoutMillis: 5_000,
 *     maxBytes: 1024 * 1024,
 *     maxErrorBytes: 64 * 1024
 *   }))
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const fromHttpClient = (client: HttpClient.HttpClient, options: AdapterOptions = {}): Service => {
  const limit = options.timer === "effect" ? withTimeLimit : withRealTimeLimit
  return {
    exchange: (request, limits) =>
      limit(
        Effect.flatMap(
          Effect.mapError(client.execute(request), fromRequestError),
          (response) =>
            Effect.map(
              readBody(response, limitFor(response.status, limits)),
              (body): Reply => ({ status: response.status, headers: response.headers, body })
            )
        ),
        limits.timeoutMillis,
        () => new ExchangeError(Failures.timedOut)
      )
  }
}

/**
 * {@link fromHttpClient} over the `HttpClient` in the environment.
 *
 * @since 0.3.0
 * @category Constructors
 */
export const fromHttpClientService: Effect.Effect<Service, never, HttpClient.HttpClient> = Effect.map(
  HttpClient.HttpClient,
  fromHttpClient
)

/**
 * The byte limit for a reply with this status.
 *
 * @example
 * ```ts
 * import { Exchange } from "effect-clerk"
 * Exchange.limitFor(404, { timeoutMillis: 1000, maxBytes: 1_000_000, maxErrorBytes: 65_536 }) // 65536
 * ```
 * @since 0.3.0
 * @category Utils
 */
export const limitFor: (status: number, limits: Limits) => number = CoreReply.limitFor

const fromRequestError = (error: HttpClientError.HttpClientError): ExchangeError => {
  // Only the socket-level cause is kept: the platform error holds the request, and so the Authorization header.
  const cause = error.cause === undefined ? {} : { cause: error.cause }
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new ExchangeError({
      reason: "InvalidRequest",
      description: describe.unbuildable(error.reason),
      ...cause
    })
  }
  return new ExchangeError(Failures.noReply(error.cause))
}

const bodyError = (status: number) => (cause: unknown): ExchangeError =>
  new ExchangeError(Failures.unreadableBody(status, cause))

/**
 * The body within `limit`, by the cheapest way that keeps the limit and the abort:
 * 1. an unencoded body whose `Content-Length` is within the limit: read whole, through the public API;
 * 2. the runtime's own stream behind a stock client's response (see internal/runtimeBody.ts), read by the core's reader,
 *    which stops at the limit and, when the read is interrupted, cancels the stream (freeing the socket); a Node
 *    stream only when the body is unencoded;
 * 3. otherwise the public `response.stream`, folded until the limit.
 */
const readBody = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<Body.BodyText, ExchangeError> => {
  const onError = bodyError(response.status)
  const headers = response.headers
  if (Body.declaredWithin(headers["content-encoding"], headers["content-length"], limit)) {
    return Effect.mapBoth(response.text, {
      onFailure: (error) => onError(error.cause ?? error),
      onSuccess: (text) => ({ text, truncated: false })
    })
  }
  const source = runtimeBody(response)
  if (source?._tag === "Web") {
    return Effect.tryPromise({ try: (signal) => Body.readWeb(source.body, limit, signal), catch: onError })
  }
  // A Node stream is the bytes on the wire: an encoded one is read through the client's own stream, which inflates it
  // if the client does (effect-clerk's UndiciHttpClient behind a `transformClient`).
  if (source?._tag === "Node" && Body.isUnencoded(headers["content-encoding"])) {
    // Read in the stream's own callbacks; interrupting the read destroys the stream, which frees the socket.
    const body = source.body
    return Effect.async<Body.BodyText, ExchangeError>((resume) => {
      Body.collectNode(
        body,
        limit,
        undefined,
        (error, collected) =>
          resume(collected === undefined ? Effect.fail(onError(error)) : Effect.succeed(collected.result()))
      )
      return Effect.sync(() => {
        body.on("error", () => {})
        body.destroy()
      })
    })
  }
  return Effect.mapBoth(
    Stream.runFoldWhile(response.stream, new Body.Collector(limit), (collector) => !collector.truncated, (c, chunk) => {
      c.add(chunk)
      return c
    }),
    { onFailure: (error) => onError(error.cause ?? error), onSuccess: (collector) => collector.result() }
  )
}
