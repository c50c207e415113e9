/**
 * The `Clients` service (Effect 4 face): Clerk's Backend API Clients operations as Effects, with the root's options,
 * errors, retries, limits and pacing. Any `effect/http` `HttpClient` is a transport, `FetchHttpClient.layer`
 * included.
 *
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Clients } from "effect-clerk/v4"
 *
 * const program = Effect.gen(function*() {
 *   const clients = yield* Clients.Clients
 *   return yield* clients.get("client_2abc")
 * }).pipe(
 *   Effect.provide(Clients.layer({ secretKey: Redacted.make(process.env.CLERK_SECRET_KEY ?? "") })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.3.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Endpoints from "../core/endpoints.js"
import * as Input from "../core/input.js"
import * as CoreOptions from "../core/options.js"
import { Pages } from "../core/pages.js"
import * as CoreSettings from "../core/settings.js"
import * as Wire from "../core/wire.js"
import { type ClientsError, SDKError } from "./ClerkError.js"
import type * as Domain from "./Client.js"
import { execute, type Operation } from "./internal/pipeline.js"
import * as Settings from "./internal/settings.js"
import { decoderOf } from "./internal/wireSchema.js"
import type * as RetryPolicy from "./RetryPolicy.js"
import type * as SharedBudget from "./SharedBudget.js"

/**
 * Clerk's production API base. Paths such as `/clients` are appended to it.
 *
 * @example
 * ```ts
 * import { Clients } from "effect-clerk/v4"
 * new URL(Clients.defaultApiUrl).host // "api.clerk.com"
 * ```
 * @since 0.3.0
 * @category Constants
 */
export const defaultApiUrl: string = CoreOptions.defaultApiUrl

/**
 * The `Clerk-API-Version` sent by default: the spec version these schemas were checked against.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * Clients.layer({ secretKey: Redacted.make("sk_test_…"), apiVersion: Clients.defaultApiVersion })
 * ```
 * @since 0.3.0
 * @category Constants
 */
export const defaultApiVersion: string = CoreOptions.defaultApiVersion

/**
 * Per-call options, accepted by every operation. Anything left out falls back to the layer's setting.
 *
 * @example
 * ```ts
 * import { Clients } from "effect-clerk/v4"
 * Clients.Clients.use((c) => c.get("client_123", { retry: false, timeout: "2 seconds" }))
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface CallOptions extends CoreOptions.TimeLimits<Duration.Input> {
  /** A retry policy for this call, or `false` for a single attempt. */
  readonly retry?: RetryPolicy.RetryPolicy | false
}

/**
 * Query parameters of `list`. Clerk's defaults apply to what you leave out (limit 10, offset 0).
 *
 * @since 0.3.0
 * @category Models
 */
export type ListParams = Endpoints.ListParams

/**
 * The body of `verify`.
 *
 * @since 0.3.0
 * @category Models
 */
export type VerifyParams = Endpoints.VerifyParams

/**
 * Options of `stream`.
 *
 * @since 0.3.0
 * @category Models
 */
export type StreamParams = Endpoints.StreamParams

/**
 * What each endpoint's successful response decodes to, by the wire schema the endpoint table names.
 *
 * @since 0.3.0
 * @category Models
 */
export interface Responses {
  readonly Client: Domain.Client
  readonly ClientList: Domain.ClientList
}

/**
 * One method of the service, read from the endpoint table: its input (which `list` may leave out), the call's
 * options, and the decoded response.
 *
 * @since 0.3.0
 * @category Models
 */
export type Method<N extends Endpoints.Name> = (
  input: Endpoints.InputOf<N>,
  options?: CallOptions
) => Effect.Effect<Responses[Endpoints.ResponseOf<N>], ClientsError>

/**
 * The endpoints' methods, one per entry of the endpoint table (`list`, `get`, `verify`).
 *
 * @since 0.3.0
 * @category Models
 */
export type Operations = { readonly [N in keyof Endpoints.Endpoints]: Method<N> }

/**
 * What the `Clients` service offers: a method per endpoint, and `stream` over the list endpoint.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * const both = Clients.Clients.use((clients: Clients.Service) =>
 *   Effect.all([clients.get("client_1"), clients.verify({ token: "eyJ…" })]))
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Service extends Operations {
  /**
   * Every client, page by page, as a `Stream`. Uses the deprecated list endpoint.
   *
   * @deprecated Built on `GET /v1/clients`, which Clerk marks deprecated.
   */
  readonly stream: (params?: StreamParams, options?: CallOptions) => Stream.Stream<Domain.Client, ClientsError>
}

/**
 * The service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * const one = Effect.gen(function*() {
 *   const clients = yield* Clients.Clients
 *   return yield* clients.get("client_123")
 * })
 * ```
 * @since 0.3.0
 * @category Services
 */
export class Clients extends Context.Service<Clients, Service>()("effect-clerk/Clients") {}

/**
 * A client-side rate limit: at most `limit` requests per `interval`.
 *
 * @example
 * ```ts
 * import { Clients } from "effect-clerk/v4"
 * const production: Clients.RateLimit = { limit: 900, interval: "10 seconds" }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface RateLimit extends CoreOptions.RateLimit<Duration.Input> {}

/**
 * Options of {@link make} and {@link layer}.
 *
 * @since 0.3.0
 * @category Models
 */
export interface Options extends CoreOptions.PlainOptions<Duration.Input> {
  /** Your instance's secret key (`sk_live_…` / `sk_test_…`), kept `Redacted` all the way to the header. */
  readonly secretKey: Redacted.Redacted<string>
  /** The default retry policy, or `false` for none. Default {@link RetryPolicy.standard}. */
  readonly retry?: RetryPolicy.RetryPolicy | false
  /** Hook to adapt the HTTP client (add logging, a proxy, …). Applied after effect-clerk's own settings. */
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  /**
   * Share the key's gate, window budget (documented or fixed) and circuit with every layer, in any process and on
   * either face, that uses the same store: `RedisBudget.store(...)` from `effect-clerk/v4/RedisBudget`. When the
   * store is down, calls go on under the process-local budget (one warning is logged). Default: none.
   */
  readonly sharedBudget?: SharedBudget.Store
}

/**
 * Each endpoint of the table with the decoder of its response: compiled once from the wire descriptions (see
 * core/decode.ts), with the Schema's errors on what they reject.
 */
const operations: {
  readonly [N in Endpoints.Name]: Operation<Endpoints.InputOf<N>, Responses[Endpoints.ResponseOf<N>]>
} = {
  list: { endpoint: Endpoints.list, decode: decoderOf(Wire.clientList) },
  get: { endpoint: Endpoints.get, decode: decoderOf(Wire.client) },
  verify: { endpoint: Endpoints.verify, decode: decoderOf(Wire.client) }
}

/**
 * Builds the service from options. Fails with a `ConfigError` when the options cannot work (no key, a non-https URL
 * to a remote host) — before any request is made.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * const service = Clients.make({ secretKey: Redacted.make("sk_test_…") }) // Effect<Service, ConfigError, HttpClient | Scope>
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const settings = yield* Settings.make(options, yield* HttpClient.HttpClient)
  const warnDeprecated = options.deprecationWarning === false
    ? Effect.void
    : yield* Effect.cached(Effect.logWarning(CoreSettings.deprecationWarning))

  /** Bad input fails here, naming the request it would have been, and nothing is sent. */
  const rejected = (operation: string, method: string, path: string, description: string) =>
    new SDKError({ operation, method, path: settings.basePath + path, reason: "InvalidRequest", description })

  /** One operation, read from its declaration: check and encode the input, then the pipeline. */
  const operation = <I, A>(op: Operation<I, A>) => {
    const endpoint = op.endpoint
    return Effect.fn(endpoint.operation)(function*(input: I, callOptions?: CallOptions) {
      const encoded = endpoint.encode(input)
      if (!encoded.ok) return yield* rejected(endpoint.operation, endpoint.method, endpoint.path, encoded.error)
      if (endpoint.attributes !== undefined) yield* Effect.annotateCurrentSpan(endpoint.attributes(input))
      if (endpoint.deprecated) yield* warnDeprecated
      return yield* execute(settings, op, encoded.value, callOptions)
    })
  }

  const list = operation(operations.list)
  const get = operation(operations.get)
  const verify = operation(operations.verify)

  /**
   * Pages as `core/pages.ts` plans them. Ending the stream early (take, interrupt, error) interrupts the pages in
   * flight, which aborts their requests. The stream is a span, `Clients.stream`, with one `Clients.list` span per page.
   */
  const stream = (params: StreamParams = {}, callOptions?: CallOptions): Stream.Stream<Domain.Client, ClientsError> => {
    const plan = Input.streamPlan(params)
    if (!plan.ok) {
      return Stream.fail(rejected("Clients.stream", Endpoints.list.method, Endpoints.list.path, plan.error))
    }
    const { pageSize, offset: start, prefetch } = plan.value
    const page = (offset: number) => list({ limit: pageSize, offset }, callOptions)
    const isLast = (data: ReadonlyArray<Domain.Client>) => Pages.isLast(data.length, pageSize)
    const pageByPage = (from: number) =>
      sequentialPages((offset) => Effect.map(page(offset), (p) => p.data), from, isLast, prefetch)
    const pages = Stream.flatMap(Stream.fromEffect(page(start)), (first) => {
      if (isLast(first.data)) return Stream.make(first.data)
      const next = start + first.data.length
      const total = first.totalCount
      if (total === undefined) return Stream.concat(Stream.make(first.data), pageByPage(next))
      const walk = new Pages(pageSize, total, next)
      const known = Stream.fromIterable(walk.offsets(next)).pipe(
        Stream.mapEffect(
          (offset) =>
            Effect.map(page(offset), ({ data, totalCount }) => {
              walk.record(offset, data.length, totalCount)
              return data
            }),
          { concurrency: prefetch + 1 }
        ),
        Stream.takeUntil(isLast)
      )
      const grown = Stream.suspend(() => {
        const from = walk.grownFrom()
        return from === undefined ? Stream.empty : pageByPage(from)
      })
      return Stream.concat(Stream.make(first.data), Stream.concat(known, grown))
    })
    return Stream.flattenIterable(pages).pipe(Stream.withSpan("Clients.stream"))
  }

  return Clients.of({ list, get, verify, stream })
})

/** Without a total count, each page's offset is known only once the previous one arrived. */
const sequentialPages = <A, E>(
  page: (offset: number) => Effect.Effect<ReadonlyArray<A>, E>,
  start: number,
  isLast: (data: ReadonlyArray<A>) => boolean,
  prefetch: number
): Stream.Stream<ReadonlyArray<A>, E> => {
  const pages = Stream.paginate(
    start,
    (offset) =>
      Effect.map(
        page(offset),
        (data) => [[data], isLast(data) ? Option.none() : Option.some(offset + data.length)] as const
      )
  )
  return prefetch > 0 ? Stream.buffer(pages, { capacity: prefetch }) : pages
}

/**
 * A layer for the `Clients` service. It still needs an `HttpClient`: you pick the transport
 * (`FetchHttpClient.layer` from `effect/http`, effect-clerk's `UndiciHttpClient.layer`, or a test client).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Clients, RetryPolicy } from "effect-clerk/v4"
 * const live = Clients.layer({ secretKey: Redacted.make("sk_test_…"), retry: RetryPolicy.standard }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * ```
 * @since 0.3.0
 * @category Layers
 */
export const layer = (options: Options): Layer.Layer<Clients, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(Clients, make(options))

/**
 * Options of {@link layerConfig}: where each setting comes from. Settings that are not configuration (policies,
 * hooks) are passed as values.
 *
 * @since 0.3.0
 * @category Models
 */
export interface ConfigOptions {
  /** Default `CLERK_SECRET_KEY`, read as `Redacted`. */
  readonly secretKey?: Config.Config<Redacted.Redacted<string>>
  /** Default `CLERK_API_URL`, else `https://api.clerk.com/v1`. */
  readonly apiUrl?: Config.Config<string>
  /** Default `CLERK_API_VERSION`, else `2026-05-12`. */
  readonly apiVersion?: Config.Config<string>
  /** Default `CLERK_TIMEOUT` (e.g. `5 seconds`), else 10 seconds. */
  readonly timeout?: Config.Config<Duration.Input>
  readonly retry?: RetryPolicy.RetryPolicy | false
  readonly deadline?: Duration.Input
  readonly maxResponseBytes?: number
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  readonly rateLimit?: RateLimit | "adaptive" | false
  readonly rateScope?: "layer" | "process"
  readonly sharedBudget?: SharedBudget.Store
  readonly loadShedding?: boolean
  readonly deprecationWarning?: boolean
}

/** A variable, unset when absent or blank: `CLERK_API_URL=` in a `.env` template means "not set", not "empty URL". */
const text = (name: string): Config.Config<Option.Option<string>> =>
  Config.String(name).pipe(Config.option, Config.map(Option.filter((value: string) => value.trim() !== "")))

const secretKeyConfig: Config.Config<Redacted.Redacted<string>> = text(CoreSettings.names.secretKey).pipe(
  Config.mapEffect(Option.match({
    onNone: () => Effect.fail(Settings.configError([CoreSettings.names.secretKey], CoreSettings.secretKeyUnset)),
    onSome: (value) => Effect.succeed(Redacted.make(value))
  }))
)

const timeoutConfig: Config.Config<Duration.Input> = text(CoreSettings.names.timeout).pipe(
  Config.mapEffect(Option.match({
    onNone: () => Effect.succeed<Duration.Input>(CoreOptions.defaultTimeoutMillis),
    onSome: (value) => {
      const millis = CoreOptions.parseDurationText(value)
      return millis !== undefined && CoreOptions.timeLimit(CoreSettings.names.timeout, millis).ok
        ? Effect.succeed<Duration.Input>(millis === Number.POSITIVE_INFINITY ? "Infinity" : millis)
        : Effect.fail(Settings.configError([CoreSettings.names.timeout], CoreSettings.notADurationVariable(value)))
    }
  }))
)

const textOr = (name: string, fallback: string): Config.Config<string> =>
  Config.map(text(name), Option.getOrElse(() => fallback))

/**
 * The `Clients` layer from configuration: `CLERK_SECRET_KEY` (read as `Redacted`), `CLERK_API_URL`,
 * `CLERK_API_VERSION` and `CLERK_TIMEOUT` by default. A missing key fails the layer with a `ConfigError`.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Clients } from "effect-clerk/v4"
 * const live = Clients.layerConfig().pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 * @since 0.3.0
 * @category Layers
 */
export const layerConfig = (
  options: ConfigOptions = {}
): Layer.Layer<Clients, Config.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    Clients,
    Effect.gen(function*() {
      const settings = yield* Config.all({
        secretKey: options.secretKey ?? secretKeyConfig,
        apiUrl: options.apiUrl ?? textOr(CoreSettings.names.apiUrl, defaultApiUrl),
        apiVersion: options.apiVersion ?? textOr(CoreSettings.names.apiVersion, defaultApiVersion),
        timeout: options.timeout ?? timeoutConfig
      })
      return yield* make({
        ...settings,
        ...(options.retry === undefined ? {} : { retry: options.retry }),
        ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
        ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
        ...(options.transformClient === undefined ? {} : { transformClient: options.transformClient }),
        ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
        ...(options.rateScope === undefined ? {} : { rateScope: options.rateScope }),
        ...(options.sharedBudget === undefined ? {} : { sharedBudget: options.sharedBudget }),
        ...(options.loadShedding === undefined ? {} : { loadShedding: options.loadShedding }),
        ...(options.deprecationWarning === undefined ? {} : { deprecationWarning: options.deprecationWarning })
      })
    })
  )
