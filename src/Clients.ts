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
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { type ClientsError, SDKError } from "./ClerkError.js"
import type * as Domain from "./Client.js"
import * as Endpoints from "./core/endpoints.js"
import * as Input from "./core/input.js"
import * as CoreOptions from "./core/options.js"
import { Pages } from "./core/pages.js"
import * as CoreSettings from "./core/settings.js"
import * as Wire from "./core/wire.js"
import * as EnvConfig from "./internal/config.js"
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
 * import { Clients } from "effect-clerk"
 * new URL(Clients.defaultApiUrl).host // "api.clerk.com"
 * ```
 * @since 0.1.0
 * @category Constants
 */
export const defaultApiUrl: string = CoreOptions.defaultApiUrl

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
export const defaultApiVersion: string = CoreOptions.defaultApiVersion

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
export interface CallOptions extends CoreOptions.TimeLimits<Duration.DurationInput> {
  /** A retry policy for this call, or `false` for a single attempt. */
  readonly retry?: RetryPolicy.RetryPolicy | false
}

/**
 * Query parameters of `list`. Clerk's defaults apply to what you leave out (limit 10, offset 0).
 *
 * @example
 * ```ts
 * import type { Clients } from "effect-clerk"
 * const second: Clients.ListParams = { limit: 20, offset: 20 }
 * ```
 * @since 0.1.0
 * @category Models
 */
export type ListParams = Endpoints.ListParams

/**
 * Options of `stream`.
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamParams = Endpoints.StreamParams

/**
 * The body of `verify`.
 *
 * @example
 * ```ts
 * import type { Clients } from "effect-clerk"
 * const body: Clients.VerifyParams = { token: "eyJ…" }
 * ```
 * @since 0.1.0
 * @category Models
 */
export type VerifyParams = Endpoints.VerifyParams

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
 * import { Clients } from "effect-clerk"
 * const both = Effect.flatMap(Clients.Clients, (clients: Clients.Service) =>
 *   Effect.all([clients.get("client_1"), clients.verify({ token: "eyJ…" })]))
 * ```
 * @since 0.1.0
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
export interface Options extends CoreOptions.PlainOptions<Duration.DurationInput> {
  /** Your instance's secret key (`sk_live_…` / `sk_test_…`), kept `Redacted` all the way to the header. */
  readonly secretKey: Redacted.Redacted<string>
  /** The default retry policy, or `false` for none. Default {@link RetryPolicy.standard}. */
  readonly retry?: RetryPolicy.RetryPolicy | false
  /** Hook to adapt the HTTP client (add logging, a proxy, …). Applied after effect-clerk's own settings. */
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  /**
   * Share the key's gate, window budget (documented or fixed) and circuit with every layer, in any process, that
   * uses the same store: `RedisBudget.store(...)` from `effect-clerk/RedisBudget`. When the store is down, calls go
   * on under the process-local budget (one warning is logged). Default: none.
   */
  readonly sharedBudget?: SharedBudget.Store
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
export interface RateLimit extends CoreOptions.RateLimit<Duration.DurationInput> {}

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
  const settings = yield* Settings.make(options, yield* HttpClient.HttpClient)
  const warnDeprecated = options.deprecationWarning === false
    ? Effect.void
    : yield* Effect.once(Effect.logWarning(CoreSettings.deprecationWarning))

  /** Bad input fails here, naming the request it would have been, and nothing is sent. */
  const rejected = (operation: string, method: string, path: string, description: string) =>
    new SDKError({ operation, method, path: settings.basePath + path, reason: "InvalidRequest", description })

  /** One method, read from the endpoint table: check and encode the input, then the pipeline. */
  const method = <I, A>({ decode, endpoint }: Operation<I, A>) =>
    Effect.fn(endpoint.operation)(function*(input: I, callOptions?: CallOptions) {
      const encoded = endpoint.encode(input)
      if (!encoded.ok) return yield* rejected(endpoint.operation, endpoint.method, endpoint.path, encoded.error)
      if (endpoint.attributes !== undefined) yield* Effect.annotateCurrentSpan(endpoint.attributes(input))
      if (endpoint.deprecated) yield* warnDeprecated
      return yield* execute(settings, { endpoint, decode }, encoded.value, callOptions)
    })

  const list = method({ endpoint: Endpoints.list, decode: decoders.ClientList })
  const get = method({ endpoint: Endpoints.get, decode: decoders.Client })
  const verify = method({ endpoint: Endpoints.verify, decode: decoders.Client })

  /**
   * The pages come as `core/pages.ts` plans them (the first alone, then `prefetch + 1` at a time, in order, and page by
   * page if the list grew meanwhile). Ending the stream early (take, interrupt, error) interrupts the pages in flight,
   * which aborts their requests. The stream is a span, `Clients.stream`, with one `Clients.list` span per page.
   */
  const stream = (params: StreamParams = {}, callOptions?: CallOptions): Stream.Stream<Domain.Client, ClientsError> => {
    const plan = Input.streamPlan(params)
    if (!plan.ok) {
      return Stream.fail(rejected("Clients.stream", Endpoints.list.method, Endpoints.list.path, plan.error))
    }
    const { pageSize, offset: start, prefetch } = plan.value
    const page = (offset: number) => Effect.map(list({ limit: pageSize, offset }, callOptions), (p) => p.data)
    const isLast = (data: ReadonlyArray<Domain.Client>) => Pages.isLast(data.length, pageSize)
    const pages = Stream.flatMap(Stream.fromEffect(list({ limit: pageSize, offset: start }, callOptions)), (first) => {
      if (isLast(first.data)) return Stream.make(first.data)
      const next = start + first.data.length
      const total = first.totalCount
      if (total === undefined) {
        return Stream.concat(Stream.make(first.data), sequentialPages(page, next, isLast, prefetch))
      }
      const plan = new Pages(pageSize, total, next)
      const known = Stream.fromIterable(plan.offsets(next)).pipe(
        Stream.mapEffect(
          (offset) =>
            Effect.map(list({ limit: pageSize, offset }, callOptions), ({ data, totalCount }) => {
              plan.record(offset, data.length, totalCount)
              return data
            }),
          { concurrency: prefetch + 1 }
        ),
        Stream.takeUntil(isLast)
      )
      const grown = Stream.suspend(() => {
        const from = plan.grownFrom()
        return from === undefined ? Stream.empty : sequentialPages(page, from, isLast, prefetch)
      })
      return Stream.concat(Stream.make(first.data), Stream.concat(known, grown))
    })
    return Stream.flattenIterables(pages).pipe(Stream.withSpan("Clients.stream"))
  }

  return Clients.of({ list, get, verify, stream })
})

/** Compiled once from the wire descriptions (see core/decode.ts), with the Schema's errors on what they reject. */
const decoders: { readonly [R in Endpoints.ResponseSchema]: Operation<never, Responses[R]>["decode"] } = {
  Client: decoderOf(Wire.client),
  ClientList: decoderOf(Wire.clientList)
}

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
  /** Default `CLERK_SECRET_KEY`, read as `Redacted`; unset or blank fails the layer with a `ConfigError`. */
  readonly secretKey?: Config.Config<Redacted.Redacted<string>>
  /** Default `CLERK_API_URL`, else (also when blank) `https://api.clerk.com/v1`. */
  readonly apiUrl?: Config.Config<string>
  /** Default `CLERK_API_VERSION`, else (also when blank) `2026-05-12`. */
  readonly apiVersion?: Config.Config<string>
  /**
   * Default `CLERK_TIMEOUT`, else 10 seconds. The variable is milliseconds (`5000`), a number and a unit (`5 seconds`,
   * `500 millis`, `2 minutes`), or `infinity`.
   */
  readonly timeout?: Config.Config<Duration.Duration>
  readonly retry?: RetryPolicy.RetryPolicy | false
  readonly deadline?: Duration.DurationInput
  readonly maxResponseBytes?: number
  readonly transformClient?: (client: HttpClient.HttpClient) => HttpClient.HttpClient
  readonly rateLimit?: RateLimit | "adaptive" | false
  readonly rateScope?: "layer" | "process"
  readonly sharedBudget?: SharedBudget.Store
  readonly loadShedding?: boolean
  readonly deprecationWarning?: boolean
}

/**
 * The `Clients` layer from configuration: `CLERK_SECRET_KEY` (read as `Redacted`), `CLERK_API_URL`,
 * `CLERK_API_VERSION` and `CLERK_TIMEOUT` by default (see {@link ConfigOptions} for their forms). A missing key or a
 * value in the wrong form fails the layer with a `ConfigError` that names the variable and the form expected.
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
        secretKey: options.secretKey ?? EnvConfig.secretKey(),
        apiUrl: options.apiUrl ?? EnvConfig.string(EnvConfig.names.apiUrl, defaultApiUrl),
        apiVersion: options.apiVersion ?? EnvConfig.string(EnvConfig.names.apiVersion, defaultApiVersion),
        timeout: options.timeout ??
          EnvConfig.duration(EnvConfig.names.timeout, Duration.millis(CoreOptions.defaultTimeoutMillis))
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
