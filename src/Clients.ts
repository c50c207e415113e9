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
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as RateLimiter from "effect/RateLimiter"
import type * as Scope from "effect/Scope"
import type * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Domain from "./Client.js"
import { type ClientsError, SDKError } from "./ClerkError.js"
import { decoder } from "./internal/fastDecode.js"
import { execute, type Transport } from "./internal/http.js"
import * as Input from "./internal/input.js"
import { NativeTimeouts } from "./internal/nativeTimeout.js"
import { version } from "./internal/version.js"
import * as RetryPolicy from "./RetryPolicy.js"

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
export const defaultApiUrl = "https://api.clerk.com/v1"

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
export const defaultApiVersion = "2026-05-12"

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
  /** API base URL. Default `https://api.clerk.com/v1`. Must be `https` unless the host is loopback. */
  readonly apiUrl?: string
  /** Sent as `Clerk-API-Version`. Default `2026-05-12`. */
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
   * Client-side rate limit shared by every fiber using this layer, so a pipeline of thousands of concurrent calls
   * waits its turn instead of collecting 429s. Clerk allows 1000 requests / 10 s per production key and 100 / 10 s
   * in development. Each attempt (retries included) takes one permit. Default: none.
   */
  readonly rateLimit?: RateLimit
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
}

const listStatuses: ReadonlySet<number> = new Set([400, 401, 410, 422])
const getStatuses: ReadonlySet<number> = new Set([400, 401, 404])

// Compiled once from the schemas (see internal/fastDecode.ts): Schema's result and errors, at a fraction of the cost.
const decodeClient = decoder(Domain.Client)
const decodeClientList: (json: unknown) => Either.Either<Domain.ClientList, ParseResult.ParseError> = decoder(
  Domain.ClientList
)

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
  const transport = yield* makeTransport(options, yield* HttpClient.HttpClient)
  const warnDeprecated = options.deprecationWarning === false ? Effect.void : yield* Effect.once(
    Effect.logWarning(
      "effect-clerk: GET /v1/clients is deprecated by Clerk and may be removed; this warning is logged once per layer " +
        "(deprecationWarning: false silences it)"
    )
  )

  /** Bad input fails here, with the request it would have been, and nothing is sent. */
  const check = <A>(operation: string, method: string, path: string, input: Either.Either<A, string>) =>
    Either.isRight(input) ? Effect.succeed(input.right) : Effect.fail(
      new SDKError({ operation, method, path: transport.basePath + path, reason: "InvalidRequest", description: input.left })
    )

  const list = Effect.fn("Clients.list")(function*(params: ListParams = {}, callOptions?: CallOptions) {
    const urlParams = yield* check("Clients.list", "GET", "/clients", Input.listQuery(params))
    yield* warnDeprecated
    return yield* execute(transport, {
      operation: "Clients.list",
      method: "GET",
      path: "/clients",
      urlParams,
      declaredStatuses: listStatuses,
      decode: decodeClientList
    }, callOptions)
  })

  const get = Effect.fn("Clients.get")(function*(clientId: string, callOptions?: CallOptions) {
    const segment = yield* check("Clients.get", "GET", "/clients/{client_id}", Input.pathSegment("clientId", clientId))
    yield* Effect.annotateCurrentSpan("clerk.client_id", clientId)
    return yield* execute(transport, {
      operation: "Clients.get",
      method: "GET",
      path: `/clients/${segment}`,
      declaredStatuses: getStatuses,
      decode: decodeClient
    }, callOptions)
  })

  const verify = Effect.fn("Clients.verify")(function*(params: VerifyParams, callOptions?: CallOptions) {
    const token = yield* check("Clients.verify", "POST", "/clients/verify", Input.token(params))
    return yield* execute(transport, {
      operation: "Clients.verify",
      method: "POST",
      path: "/clients/verify",
      body: { token },
      declaredStatuses: getStatuses,
      decode: decodeClient
    }, callOptions)
  })

  /**
   * The first page comes alone (it says how many clients there are); after it every page's offset is known, so
   * `prefetch + 1` pages are requested at a time and emitted in order. Ending the stream early (take, interrupt,
   * error) interrupts the pages in flight, which aborts their requests.
   */
  const stream = (params: StreamParams = {}, callOptions?: CallOptions): Stream.Stream<Domain.Client, ClientsError> =>
    Stream.unwrap(Effect.map(check("Clients.stream", "GET", "/clients", Input.streamPlan(params)), (plan) => {
      const page = (offset: number) => Effect.map(list({ limit: plan.pageSize, offset }, callOptions), (p) => p.data)
      const isLast = (data: ReadonlyArray<Domain.Client>) => data.length < plan.pageSize
      const pages = Stream.flatMap(
        Stream.fromEffect(list({ limit: plan.pageSize, offset: plan.offset }, callOptions)),
        (first) => {
          const next = plan.offset + first.data.length
          const total = first.totalCount
          if (isLast(first.data)) return Stream.make(first.data)
          const rest = total === undefined
            ? sequentialPages(page, next, isLast, plan.prefetch)
            : Stream.iterate(next, (offset) => offset + plan.pageSize).pipe(
              Stream.takeWhile((offset) => offset < total),
              Stream.mapEffect(page, { concurrency: plan.prefetch + 1 }),
              Stream.takeUntil(isLast)
            )
          return Stream.concat(Stream.make(first.data), rest)
        }
      )
      return Stream.flattenIterables(pages)
    }))

  return Clients.of({ list, get, verify, stream })
})

/**
 * A layer for the `Clients` service. It still needs an `HttpClient`: you pick the transport
 * (`NodeHttpClient.layerUndici`, `FetchHttpClient.layer`, or a test client).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
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
  readonly rateLimit?: RateLimit
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
        timeout: options.timeout ?? Config.duration("CLERK_TIMEOUT").pipe(Config.withDefault(Duration.seconds(10)))
      })
      return yield* make({
        ...settings,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
        ...(options.transformClient === undefined ? {} : { transformClient: options.transformClient }),
        ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
        ...(options.deprecationWarning === undefined ? {} : { deprecationWarning: options.deprecationWarning })
      })
    })
  )

const makeTransport = (
  options: Options,
  client: HttpClient.HttpClient
): Effect.Effect<Transport, ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    if (Redacted.value(options.secretKey).trim().length === 0) {
      return yield* Effect.fail(ConfigError.InvalidData(["secretKey"], "the Clerk secret key is empty"))
    }
    const rateLimit = yield* makeRateLimit(options.rateLimit)
    // effect-clerk's own UndiciHttpClient, used as is: it sends no trace-propagation headers, follows no redirects and
    // enforces attempt timeouts itself, so the wrappers that guarantee those for other transports are not needed.
    const native = yield* Effect.serviceOption(NativeTimeouts)
    const ownTransport = Option.isSome(native) && native.value === client && options.transformClient === undefined
    const url = yield* checkApiUrl(options.apiUrl ?? defaultApiUrl)
    const baseUrl = url.href.replace(/\/+$/, "")
    const timeout = Duration.decode(options.timeout ?? Duration.seconds(10))
    return {
      client: ownTransport
        ? client
        : client.pipe(HttpClient.withTracerPropagation(false), neverFollowRedirects, options.transformClient ?? identity),
      baseUrl,
      basePath: url.pathname.replace(/\/+$/, ""),
      headers: Headers.fromInput({
        authorization: `Bearer ${Redacted.value(options.secretKey)}`,
        "clerk-api-version": options.apiVersion ?? defaultApiVersion,
        "user-agent": `effect-clerk/${version}`,
        accept: "application/json"
      }),
      secretKey: options.secretKey,
      timeout,
      retry: options.retry ?? RetryPolicy.standard,
      deadline: options.deadline === undefined ? undefined : Duration.decode(options.deadline),
      maxResponseBytes: options.maxResponseBytes ?? 32 * 1024 * 1024,
      rateLimit,
      nativeTimeouts: ownTransport
    }
  })

/**
 * A redirect is answered as an error, never followed: following one would send the Authorization header, or at
 * least the request, somewhere the user did not configure. Undici-based clients do not follow redirects; `fetch`
 * does by default, so its `RequestInit` (the user's, if any) gets `redirect: "manual"`.
 */
const neverFollowRedirects = (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  HttpClient.transformResponse(client, (response) =>
    Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
      Effect.provideService(response, FetchHttpClient.RequestInit, { ...Option.getOrUndefined(init), redirect: "manual" })))

const makeRateLimit = (
  rateLimit: RateLimit | undefined
): Effect.Effect<<A, E>(attempt: Effect.Effect<A, E>) => Effect.Effect<A, E>, ConfigError.ConfigError, Scope.Scope> => {
  if (rateLimit === undefined) return Effect.succeed(identity)
  if (!Number.isInteger(rateLimit.limit) || rateLimit.limit < 1) {
    return Effect.fail(ConfigError.InvalidData(["rateLimit", "limit"], "the rate limit must be a positive integer"))
  }
  return Effect.map(
    RateLimiter.make({
      limit: rateLimit.limit,
      interval: rateLimit.interval,
      algorithm: rateLimit.algorithm ?? "fixed-window"
    }),
    (limiter) => <A, E>(attempt: Effect.Effect<A, E>) => limiter(attempt)
  )
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"])

/** `https` only, unless the host is loopback: a typo must not send the secret key over the network in clear text. */
const checkApiUrl = (input: string): Effect.Effect<URL, ConfigError.ConfigError> => {
  const invalid = (why: string) => Effect.fail(ConfigError.InvalidData(["apiUrl"], why))
  if (!URL.canParse(input)) return invalid(`not a URL: ${JSON.stringify(input)}`)
  const url = new URL(input)
  if (url.username !== "" || url.password !== "") return invalid("the API URL must not contain credentials")
  if (url.search !== "" || url.hash !== "") return invalid("the API URL must not have a query or fragment")
  const loopback = loopbackHosts.has(url.hostname) || url.hostname.startsWith("127.")
  if (url.protocol === "https:" || (url.protocol === "http:" && loopback)) return Effect.succeed(url)
  return invalid(`the API URL must use https (plain http is allowed only for loopback hosts), got ${url.protocol}//${url.host}`)
}

/** Without a total count, each page's offset is known only once the previous one arrived. */
const sequentialPages = <A, E>(
  page: (offset: number) => Effect.Effect<ReadonlyArray<A>, E>,
  start: number,
  isLast: (data: ReadonlyArray<A>) => boolean,
  prefetch: number
): Stream.Stream<ReadonlyArray<A>, E> => {
  const pages = Stream.paginateEffect(start, (offset) =>
    Effect.map(page(offset), (data) =>
      nextPageTuple(data, isLast(data) ? Option.none() : Option.some(offset + data.length))))
  return prefetch > 0 ? Stream.buffer(pages, { capacity: prefetch }) : pages
}

const nextPageTuple = <A>(
  data: ReadonlyArray<A>,
  next: Option.Option<number>
): readonly [ReadonlyArray<A>, Option.Option<number>] => [data, next]
