/**
 * The `Clients` service: Clerk's Backend API Clients operations as Effects.
 *
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Clients } from "effect-clerk"
 *
 * const program = Effect.gen(function* () {
 *   const clients = yield* Clients.Clients
 *   return yield* clients.get("client_2abc")
 * }).pipe(
 *   Effect.provide(Clients.layer({ secretKey: Redacted.make(process.env.CLERK_SECRET_KEY ?? "") })),
 *   Effect.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { type ClientsError, SDKError } from "./ClerkError.js"
import type * as Domain from "./Client.js"
import * as Endpoints from "./internal/endpoints.js"
import { execute } from "./internal/http.js"
import * as Input from "./internal/input.js"
import * as Transport from "./internal/transport.js"
import type * as RetryPolicy from "./RetryPolicy.js"

/**
 * Clerk's production API base. Paths such as `/clients` are appended to it.
 *
 * @example
 * ```ts
 * import { Clients } from "effect-clerk"
 * new URL(Clients.defaultApiUrl).host // "api.clerk.com"
 * ```
 * @since 0.1.0
 * @category Constants
 */
export const defaultApiUrl: string = Transport.defaultApiUrl

/**
 * The `Clerk-API-Version` sent by default: the spec version these schemas were checked against.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients } from "effect-clerk"
 * Clients.layer({ secretKey: Redacted.make("sk_test_…"), apiVersion: Clients.defaultApiVersion })
 * ```
 * @since 0.1.0
 * @category Constants
 */
export const defaultApiVersion: string = Transport.defaultApiVersion

/**
 * Per-call options, accepted by every operation. Anything left out falls back to the layer's setting.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients } from "effect-clerk"
 * Effect.flatMap(Clients.Clients, (c) => c.get("client_123", { retry: false, timeout: "2 seconds" }))
 * ```
 * @since 0.1.0
 * @category Models
 */
export interface CallOptions {
  /** A retry policy for this call, or `false` for a single attempt. */
  readonly retry?: RetryPolicy.RetryPolicy | false
  /** Time limit for each attempt. A timed-out attempt fails with `SDKError` reason `Timeout`, which may be retried. */
  readonly timeout?: Duration.DurationInput
  /** Time limit for the whole call: every attempt and every sleep between them. */
  readonly deadline?: Duration.DurationInput
}

/**
 * Query parameters of `list`. Clerk's defaults apply to what you leave out (limit 10, offset 0).
 *
 * @since 0.1.0
 * @category Models
 */
export interface ListParams {
  /** 1 to 500. */
  readonly limit?: number
  /** 0 or more. */
  readonly offset?: number
}

/**
 * Options of `stream`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface StreamParams {
  /** Clients per request, 1 to 500. Default 500: fewest round trips. */
  readonly pageSize?: number
  /** Start this many clients in, e.g. to resume a stream that stopped. Default 0. */
  readonly offset?: number
  /** Pages fetched ahead of the consumer. Default 1; 0 fetches only on demand. */
  readonly prefetch?: number
}

/**
 * The body of `verify`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface VerifyParams {
  /** The client's JWT (the `__client` token), not a session token. */
  readonly token: string
}

/**
 * What the `Clients` service offers.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /**
   * One page of clients, newest first, with the total count.
   *
   * @deprecated Clerk marks `GET /v1/clients` deprecated and may remove it. effect-clerk logs one warning per layer.
   */
  readonly list: (params?: ListParams, options?: CallOptions) => Effect.Effect<Domain.ClientList, ClientsError>
  /** The client with this id. */
  readonly get: (clientId: string, options?: CallOptions) => Effect.Effect<Domain.Client, ClientsError>
  /** The client a client token (JWT) belongs to, if Clerk accepts the token. */
  readonly verify: (params: VerifyParams, options?: CallOptions) => Effect.Effect<Domain.Client, ClientsError>
  /**
   * Every client, page by page, as a `Stream`. Uses the deprecated list endpoint.
   *
   * @deprecated Built on `GET /v1/clients`, which Clerk marks deprecated.
   */
  readonly stream: (params?: StreamParams, options?: CallOptions) => Stream.Stream<Domain.Client, ClientsError>
}

/**
 * The service tag.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients } from "effect-clerk"
 * const one = Effect.flatMap(Clients.Clients, (clients) => clients.get("client_123"))
 * ```
 * @since 0.1.0
 * @category Tags
 */
export class Clients extends Context.Tag("effect-clerk/Clients")<Clients, Service>() {}

/**
 * Options of {@link make} and {@link layer}.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** Your instance's secret key (`sk_live_…` / `sk_test_…`), kept `Redacted` all the way to the header. */
  readonly secretKey: Redacted.Redacted<string>
  /**
   * API base URL. Default `https://api.clerk.com/v1`; a URL without a path (`https://api.clerk.com`, as
   * `@clerk/backend` takes it) gets `/v1`. Must be `https` unless the host is loopback.
   */
  readonly apiUrl?: string
  /**
   * Sent as `Clerk-API-Version`, a date. Default `2026-05-12`. `v1` (what `@clerk/backend` calls its API version)
   * means the URL's version: the header keeps its default.
   */
  readonly apiVersion?: string
  /** Time limit for each attempt. Default 10 seconds. */
  readonly timeout?: Duration.DurationInput
  /** Time limit for each call across all attempts. Default: none (the retry policy's own budget bounds it). */
  readonly deadline?: Duration.DurationInput
  /** The default retry policy, or `false` for none. Default {@link RetryPolicy.standard}. */
  readonly retry?: RetryPolicy.RetryPolicy | false
  /** Largest response body read, in bytes. Default 32 MiB (a full page of 500 clients is about 0.5 MiB). */
  readonly maxResponseBytes?: number
  /** Hook to adapt the HTTP client (add logging, a proxy, …). Applied after effect-clerk's own settings. */
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  /** Log Clerk's deprecation of `GET /v1/clients` (once per layer) on first use. Default true. */
  readonly deprecationWarning?: boolean
  /**
   * How the layer's calls pace themselves under Clerk's rate limit (1000 requests / 10 s per production key, 100 /
   * 10 s in development, shared with every other process using the key). Whatever the setting, a 429 or 503 with
   * `Retry-After` holds every call of the layer until then (waiting there uses no retry).
   *
   * - `"adaptive"` (default): unpaced until Clerk first throttles; then paced at the rate that got through, raised
   *   slowly while calls succeed and lowered on each later 429.
   * - `{ limit, interval }`: at most `limit` attempts per `interval` (add `adaptive: true` to adapt below it).
   * - `false`: no pacing (the `Retry-After` gate stays).
   */
  readonly rateLimit?: RateLimit | "adaptive" | false
  /**
   * `"layer"` (default): the gate and adaptive rate belong to this layer. `"process"`: shared with every layer of
   * this process built with the same secret key.
   */
  readonly rateScope?: "layer" | "process"
}

/**
 * A client-side rate limit: at most `limit` requests per `interval`.
 *
 * @example
 * ```ts
 * import { Clients } from "effect-clerk"
 * const production: Clients.RateLimit = { limit: 900, interval: "10 seconds" }
 * ```
 * @since 0.1.0
 * @category Models
 */
export interface RateLimit {
  readonly limit: number
  readonly interval: Duration.DurationInput
  /** `fixed-window` (default): up to `limit` per window. `token-bucket`: spread evenly once the burst is spent. */
  readonly algorithm?: "fixed-window" | "token-bucket"
  /** Also pace adaptively below this limit (see `Options.rateLimit`). Default false. */
  readonly adaptive?: boolean
}

/**
 * Builds the service from options. Fails with a `ConfigError` when the options cannot work (no key, a non-https URL
 * to a remote host) — before any request is made.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Clients } from "effect-clerk"
 * const service = Clients.make({ secretKey: Redacted.make("sk_test_…") }) // Effect<Service, ConfigError, HttpClient | Scope>
 * ```
 * @since 0.1.0
 * @category Constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const transport = yield* Transport.make(options, yield* HttpClient.HttpClient)
  const warnDeprecated = options.deprecationWarning === false ? Effect.void : yield* Effect.once(
    Effect.logWarning(
      "effect-clerk: GET /v1/clients is deprecated by Clerk and may be removed; this warning is logged once per layer " +
        "(deprecationWarning: false silences it)"
    )
  )

  /** Bad input fails here, naming the request it would have been, and nothing is sent. */
  const rejected = (operation: string, method: string, path: string, description: string) =>
    new SDKError({ operation, method, path: transport.basePath + path, reason: "InvalidRequest", description })

  /** One operation, read from its declaration: check and encode the input, then the pipeline. */
  const operation = <I, A>(endpoint: Endpoint<I, A>) =>
    Effect.fn(endpoint.operation)(function*(input: I, callOptions?: CallOptions) {
      const encoded = endpoint.encode(input)
      if (Either.isLeft(encoded)) {
        return yield* rejected(endpoint.operation, endpoint.method, endpoint.path, encoded.left)
      }
      if (endpoint.attributes !== undefined) yield* Effect.annotateCurrentSpan(endpoint.attributes(input))
      if (endpoint.deprecated) yield* warnDeprecated
      return yield* execute(transport, endpoint, encoded.right, callOptions)
    })

  const listPage = operation(Endpoints.list)
  const list = (params: ListParams = {}, callOptions?: CallOptions) => listPage(params, callOptions)
  const get = operation(Endpoints.get)
  const verify = operation(Endpoints.verify)

  /**
   * The first page comes alone (it says how many clients there are); after it every page's offset is known, so
   * `prefetch + 1` pages are requested at a time and emitted in order. Ending the stream early (take, interrupt,
   * error) interrupts the pages in flight, which aborts their requests. The stream is a span, `Clients.stream`,
   * with one `Clients.list` span per page.
   */
  const stream = (params: StreamParams = {}, callOptions?: CallOptions): Stream.Stream<Domain.Client, ClientsError> => {
    const plan = Input.streamPlan(params)
    if (Either.isLeft(plan)) {
      return Stream.fail(rejected("Clients.stream", Endpoints.list.method, Endpoints.list.path, plan.left))
    }
    const { pageSize, offset: start, prefetch } = plan.right
    const page = (offset: number) => Effect.map(list({ limit: pageSize, offset }, callOptions), (p) => p.data)
    const isLast = (data: ReadonlyArray<Domain.Client>) => data.length < pageSize
    const pages = Stream.flatMap(Stream.fromEffect(list({ limit: pageSize, offset: start }, callOptions)), (first) => {
      if (isLast(first.data)) return Stream.make(first.data)
      const next = start + first.data.length
      const total = first.totalCount
      if (total === undefined) {
        return Stream.concat(Stream.make(first.data), sequentialPages(page, next, isLast, prefetch))
      }
      // Clients created during the stream push the others to higher offsets. Every page says how many clients there
      // are now; if the last page (pages arrive out of order: the one at the highest offset) says more than were read,
      // the list grew, and the rest is read page by page until a short one.
      let lastOffset = -1
      let reached = next
      let latestTotal = total
      const known = Stream.iterate(next, (offset) => offset + pageSize).pipe(
        Stream.takeWhile((offset) => offset < total),
        Stream.mapEffect(
          (offset) =>
            Effect.map(list({ limit: pageSize, offset }, callOptions), ({ data, totalCount }) => {
              if (offset > lastOffset) {
                lastOffset = offset
                reached = offset + data.length
                latestTotal = totalCount ?? total
              }
              return data
            }),
          { concurrency: prefetch + 1 }
        ),
        Stream.takeUntil(isLast)
      )
      const grown = Stream.suspend(() =>
        reached >= total && reached < latestTotal ? sequentialPages(page, reached, isLast, prefetch) : Stream.empty
      )
      return Stream.concat(Stream.make(first.data), Stream.concat(known, grown))
    })
    return Stream.flattenIterables(pages).pipe(Stream.withSpan("Clients.stream"))
  }

  return Clients.of({ list, get, verify, stream })
})

type Endpoint<I, A> = Endpoints.Endpoint<I, A>

/**
 * A layer for the `Clients` service. It still needs an `HttpClient`: you pick the transport
 * (`NodeHttpClient.layerUndici`, `FetchHttpClient.layer`, or a test client).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "@effect/platform"
 * import { Clients, RetryPolicy } from "effect-clerk"
 * const live = Clients.layer({ secretKey: Redacted.make("sk_test_…"), retry: RetryPolicy.standard }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<Clients, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(Clients, make(options))

/**
 * Options of {@link layerConfig}: where each setting comes from. Settings that are not configuration (policies,
 * hooks) are passed as values.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ConfigOptions {
  /** Default `Config.redacted("CLERK_SECRET_KEY")`. */
  readonly secretKey?: Config.Config<Redacted.Redacted<string>>
  /** Default `CLERK_API_URL`, else `https://api.clerk.com/v1`. */
  readonly apiUrl?: Config.Config<string>
  /** Default `CLERK_API_VERSION`, else `2026-05-12`. */
  readonly apiVersion?: Config.Config<string>
  /** Default `CLERK_TIMEOUT` (e.g. `5 seconds`), else 10 seconds. */
  readonly timeout?: Config.Config<Duration.Duration>
  readonly retry?: RetryPolicy.RetryPolicy | false
  readonly deadline?: Duration.DurationInput
  readonly maxResponseBytes?: number
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  readonly rateLimit?: RateLimit | "adaptive" | false
  readonly rateScope?: "layer" | "process"
  readonly deprecationWarning?: boolean
}

/**
 * The `Clients` layer from configuration: `CLERK_SECRET_KEY` (read as `Redacted`), `CLERK_API_URL`,
 * `CLERK_API_VERSION` and `CLERK_TIMEOUT` by default. A missing key fails the layer with a `ConfigError`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Clients } from "effect-clerk"
 * const live = Clients.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<Clients, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.scoped(
    Clients,
    Effect.gen(function*() {
      const settings = yield* Config.all({
        secretKey: options.secretKey ?? Config.redacted("CLERK_SECRET_KEY"),
        apiUrl: options.apiUrl ?? Config.string("CLERK_API_URL").pipe(Config.withDefault(defaultApiUrl)),
        apiVersion: options.apiVersion ??
          Config.string("CLERK_API_VERSION").pipe(Config.withDefault(defaultApiVersion)),
        timeout: options.timeout ?? Config.duration("CLERK_TIMEOUT").pipe(Config.withDefault(Transport.defaultTimeout))
      })
      return yield* make({
        ...settings,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
        ...(options.transformClient === undefined ? {} : { transformClient: options.transformClient }),
        ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
        ...(options.rateScope === undefined ? {} : { rateScope: options.rateScope }),
        ...(options.deprecationWarning === undefined ? {} : { deprecationWarning: options.deprecationWarning })
      })
    })
  )

/** Without a total count, each page's offset is known only once the previous one arrived. */
const sequentialPages = <A, E>(
  page: (offset: number) => Effect.Effect<ReadonlyArray<A>, E>,
  start: number,
  isLast: (data: ReadonlyArray<A>) => boolean,
  prefetch: number
): Stream.Stream<ReadonlyArray<A>, E> => {
  const pages = Stream.paginateEffect(
    start,
    (offset) =>
      Effect.map(
        page(offset),
        (data) => [data, isLast(data) ? Option.none() : Option.some(offset + data.length)] as const
      )
  )
  return prefetch > 0 ? Stream.buffer(pages, { capacity: prefetch }) : pages
}
