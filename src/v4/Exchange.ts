/**
 * The contract between the `Clients` pipeline and a transport, for one attempt (Effect 4 face; the same contract as
 * the root's `Exchange`). The pipeline hands the transport the request and the attempt's limits as arguments; the
 * transport returns the reply's status, headers and body, read within the byte limit, or a typed
 * {@link ExchangeError}. Interrupting the returned Effect aborts the request and frees its socket.
 *
 * `Clients` uses the {@link Exchange} service when the environment has one, and otherwise adapts whatever
 * `effect/http` `HttpClient` it was given with {@link fromHttpClient} (`FetchHttpClient.layer` included). A
 * `transformClient` option always means the adapter, over the transformed client, so it sees every request.
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as Attempt from "../core/attempt.js"
import * as Body from "../core/body.js"
import * as Failures from "../core/exchangeFailure.js"
import { describe } from "../core/messages.js"
import * as CoreReply from "../core/reply.js"
import { withRealTimeLimit, withTimeLimit } from "./internal/timeLimit.js"

/**
 * One attempt's limits.
 *
 * @example
 * ```ts
 * import type { Exchange } from "effect-clerk/v4"
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
 * import { Exchange } from "effect-clerk/v4"
 * const error = new Exchange.ExchangeError({ reason: "Timeout", description: "attempt exceeded 10s" })
 * ```
 * @since 0.3.0
 * @category Errors
 */
export class ExchangeError extends Schema.TaggedError<ExchangeError>("effect-clerk/ExchangeError")("ExchangeError", {
  reason: Schema.Literals(["Timeout", "Transport", "InvalidRequest", "Undecodable"]),
  description: Schema.String,
  /** The reply's status, when the failure came after its headers (a body that could not be read). */
  status: Schema.optionalKey(Schema.Number),
  /** The low-level cause (a socket error); never an object that holds the request or its headers. */
  cause: Schema.optionalKey(Schema.Defect())
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
 * import { FetchHttpClient, HttpClient } from "effect/http"
 * import { Exchange } from "effect-clerk/v4"
 * // What `Clients` would do with fetch anyway, made explicit:
 * const fetchExchange = Layer.effect(Exchange.Exchange, HttpClient.HttpClient.useSync(Exchange.fromHttpClient)).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 * @since 0.3.0
 * @category Tags
 */
export class Exchange extends Context.Service<Exchange, Service>()("effect-clerk/Exchange") {}

/**
 * The byte limit for a reply with this status.
 *
 * @example
 * ```ts
 * import { Exchange } from "effect-clerk/v4"
 * Exchange.limitFor(404, { timeoutMillis: 1000, maxBytes: 1_000_000, maxErrorBytes: 65_536 }) // 65536
 * ```
 * @since 0.3.0
 * @category Utils
 */
export const limitFor: (status: number, limits: Limits) => number = CoreReply.limitFor

/**
 * How {@link fromHttpClient} keeps an attempt's time limit: `"real"` (the default), a real timer, since the attempt is
 * network time, so it fires even while `TestClock` holds the Effect clock; `"effect"`, a timeout on the Effect clock,
 * for a transport whose time is virtual too (an in-memory backend that sleeps on `TestClock`, as `ClientsTest`'s does).
 *
 * @example
 * ```ts
 * import type { Exchange } from "effect-clerk/v4"
 * const virtual: Exchange.AdapterOptions = { timer: "effect" }
 * ```
 * @since 0.3.0
 * @category Models
 */
export type AdapterOptions = Attempt.AdapterOptions

/**
 * The exchange over any `effect/http` `HttpClient`, through its public API: the time limit (a real timer unless
 * {@link AdapterOptions} says otherwise) interrupts the request; the body is read up to the limit (from the web
 * `Response` itself when the client is `fetch`, else chunk by chunk).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpClient, HttpClientRequest } from "effect/http"
 * import { Exchange } from "effect-clerk/v4"
 * const reply = HttpClient.HttpClient.use((client) =>
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

/** Effect 4's reasons, named as the root face names them (`request could not be built (Encode)`). */
const requestReasons: Record<string, string> = { EncodeError: "Encode", InvalidUrlError: "InvalidUrl" }

const fromRequestError = (error: HttpClientError.HttpClientError): ExchangeError => {
  const reason = error.reason
  // Only the socket-level cause is kept: the reason holds the request, and so the Authorization header.
  const cause = reason.cause === undefined ? {} : { cause: reason.cause }
  if (reason._tag !== "TransportError") {
    return new ExchangeError({
      reason: "InvalidRequest",
      description: describe.unbuildable(requestReasons[reason._tag] ?? reason._tag),
      ...cause
    })
  }
  return new ExchangeError(Failures.noReply(reason.cause))
}

const bodyError = (status: number) => (cause: unknown): ExchangeError =>
  new ExchangeError(Failures.unreadableBody(status, cause))

/** The cause behind an `HttpClientError` of a body read (the socket error), else the error itself. */
const readCause = (error: HttpClientError.HttpClientError): unknown => error.reason.cause ?? error

/**
 * The body within `limit`, by the cheapest way that keeps the limit and the abort:
 * 1. an unencoded body whose `Content-Length` is within the limit: read whole;
 * 2. the web `Response` behind a `fetch` reply (`HttpClientResponse.toWeb`, public API), read by the core's reader,
 *    which stops at the limit and, when the read is interrupted, cancels the stream;
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
      onFailure: (error) => onError(readCause(error)),
      onSuccess: (text) => ({ text, truncated: false })
    })
  }
  const web = Option.getOrUndefined(HttpClientResponse.toWeb(response))
  const stream = web?.body
  if (stream !== undefined && stream !== null) {
    return Effect.tryPromise({ try: (signal) => Body.readWeb(stream, limit, signal), catch: onError })
  }
  if (web !== undefined) return Effect.succeed({ text: "", truncated: false })
  return Effect.suspend(() => {
    const collector = new Body.Collector(limit)
    return Effect.mapBoth(
      Stream.runForEachWhile(response.stream, (chunk) => Effect.succeed(collector.add(chunk))),
      { onFailure: (error) => onError(readCause(error)), onSuccess: () => collector.result() }
    )
  })
}
