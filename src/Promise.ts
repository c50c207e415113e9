/**
 * effect-clerk for code that does not use Effect: the same `Clients` service behind `async` functions, shaped like
 * Clerk's Python SDK (`clerk.clients.list(...)`, `.get(...)`, `.verify(...)`).
 *
 * ```ts
 * import { ClerkClients } from "effect-clerk"
 *
 * const clerk = ClerkClients.make() // CLERK_SECRET_KEY, CLERK_API_URL, … from the environment; or pass them
 * try {
 *   const page = await clerk.clients.list({ limit: 20, offset: 10 })
 *   const client = await clerk.clients.get("client_2abc", { signal: AbortSignal.timeout(2_000) })
 *   for await (const c of clerk.clients.stream()) console.log(c.id)
 * } finally {
 *   await clerk.close()
 * }
 * ```
 *
 * Options not given are read from the environment, as `@clerk/backend`'s `createClerkClient` does and with the
 * same names: `CLERK_SECRET_KEY`, `CLERK_API_URL`, `CLERK_API_VERSION`, and `CLERK_TIMEOUT` (`5000`, `5 seconds`).
 *
 * The transport defaults to the fastest the runtime has: effect-clerk's `UndiciHttpClient` on Node, `fetch` on Bun,
 * Deno, workers and browsers. The library's own log lines (the deprecation warning of `list`) go to stderr.
 *
 * Failures are thrown as the very `ClerkErrors` / `SDKError` instances the Effect API fails with, so both
 * `instanceof` and `_tag` work. An aborted call rejects with the signal's reason (an `AbortError` by default) and
 * the request in flight is cancelled.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { ClientsError } from "./ClerkError.js"
import type * as Domain from "./Client.js"
import * as Clients from "./Clients.js"
import type * as Endpoints from "./core/endpoints.js"
import * as Core from "./core/options.js"
import * as EnvConfig from "./internal/config.js"
import { describeConfigError } from "./internal/configError.js"
import { checkOptions } from "./internal/settings.js"
import * as RetryPolicy from "./RetryPolicy.js"
import type * as UndiciHttpClient from "./UndiciHttpClient.js"

/**
 * Options of {@link make}: those of `Clients.layer`, with the secret key as a plain string or `Redacted`, and the
 * transport as a layer (default: the fastest the runtime has, see {@link defaultHttpClient}).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options extends Omit<Clients.Options, "secretKey" | "retry"> {
  /** Default `CLERK_SECRET_KEY` from {@link Options.env}. */
  readonly secretKey?: string | Redacted.Redacted<string>
  /**
   * The default retry policy, or the settings of `RetryPolicy.backoff` (code without Effect cannot build a
   * `Schedule`), or `false` for none. Default {@link RetryPolicy.standard}.
   */
  readonly retry?: Retry
  /** The transport, e.g. `FetchHttpClient.layer`. Default {@link defaultHttpClient}. */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient>
  /**
   * Where `secretKey`, `apiUrl`, `apiVersion` and `timeout` are read when not given: the string properties
   * `CLERK_SECRET_KEY`, `CLERK_API_URL`, `CLERK_API_VERSION`, `CLERK_TIMEOUT` (read as `Clients.layerConfig` reads
   * them). Default `process.env` where the runtime has one (none on workerd; on Deno without `--allow-env` nothing is
   * read). Any object will do: a Worker's `env` bindings, or `{}` to read nothing.
   */
  readonly env?: object
}

/**
 * Per-call options: those of the Effect API, plus an `AbortSignal`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface CallOptions extends Omit<Clients.CallOptions, "retry"> {
  /** A retry policy for this call, or the settings of `RetryPolicy.backoff`, or `false` for a single attempt. */
  readonly retry?: Retry
  readonly signal?: AbortSignal
}

/**
 * A retry policy as the Promise API takes it: a policy, the settings of `RetryPolicy.backoff`, or `false` for none.
 *
 * @example
 * ```ts
 * import { ClerkClients, RetryPolicy } from "effect-clerk"
 * const either: ReadonlyArray<ClerkClients.Retry> = [RetryPolicy.speakeasy, { maxRetries: 2 }, false]
 * ```
 * @since 0.3.0
 * @category Models
 */
export type Retry = RetryPolicy.RetryPolicy | RetryPolicy.BackoffOptions | false

/** The policy for a {@link Retry}: settings become `RetryPolicy.backoff` of them. */
const policyOf = (retry: Retry): RetryPolicy.RetryPolicy | false =>
  retry === false || Schedule.isSchedule(retry) ? retry : RetryPolicy.backoff(retry)

/**
 * One operation as a Promise, read from the endpoint table like the Effect service's method of the same name.
 *
 * @since 0.3.0
 * @category Models
 */
export type PromiseMethod<N extends Endpoints.Name> = (
  input: Endpoints.InputOf<N>,
  options?: CallOptions
) => Promise<Clients.Responses[Endpoints.ResponseOf<N>]>

/**
 * The Clients operations as Promises: one per entry of the endpoint table (`list`, `get`, `verify`), and `stream`.
 *
 * @since 0.1.0
 * @category Models
 */
export type ClientsApi = { readonly [N in keyof Endpoints.Endpoints]: PromiseMethod<N> } & {
  /** @deprecated Built on `GET /v1/clients`, which Clerk marks deprecated. */
  readonly stream: (params?: Clients.StreamParams, options?: CallOptions) => AsyncIterable<Domain.Client>
}

/**
 * A client instance: its operations, and `close()` to release its connections.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ClerkClients extends AsyncDisposable {
  readonly clients: ClientsApi
  /** Releases the HTTP transport. Calls made after `close()` reject. Safe to call twice. */
  readonly close: () => Promise<void>
}

/**
 * The errors a call rejects with, for `instanceof` and narrowing: the root's `ClerkError` classes, the very ones the
 * Effect API fails with. (`effect-clerk/Promise`, bundled with its own copy of Effect, throws that copy's classes;
 * `isClientsError` knows the errors of every copy.)
 *
 * @example
 * ```ts
 * import { ClerkClients } from "effect-clerk"
 * const clerk = ClerkClients.make({ secretKey: "sk_test_…" })
 * try {
 *   await clerk.clients.get("client_2abc")
 * } catch (e) {
 *   if (e instanceof ClerkClients.ClerkErrors) console.error(e.status, e.errors[0]?.code)
 *   else if (e instanceof ClerkClients.SDKError) console.error(e.reason)
 *   else if (!ClerkClients.isClientsError(e)) throw e
 * } finally {
 *   await clerk.close()
 * }
 * ```
 * @since 0.3.0
 * @category Errors
 */
export { ClerkErrors, isClientsError, SDKError } from "./ClerkError.js"

/** Node itself, not Bun or Deno (whose `undici` is a stub or another implementation). */
const isNode = (): boolean => {
  const process: unknown = Reflect.get(globalThis, "process")
  const versions = Predicate.hasProperty(process, "versions") ? process.versions : undefined
  return Predicate.hasProperty(versions, "node") && !Predicate.hasProperty(versions, "bun") && !("Deno" in globalThis)
}

/**
 * Node's transport (undici, node:zlib), loaded only on Node. The specifier is not a literal, so that bundlers for
 * workers and browsers leave that module out; the annotation restores the type the dynamic import cannot know.
 */
const undiciModule = "./UndiciHttpClient.js"
const loadUndici: () => Promise<typeof UndiciHttpClient> = () => import(/* @vite-ignore */ undiciModule)

/**
 * The fastest transport this runtime supports: effect-clerk's `UndiciHttpClient` on Node (when its `undici` can send
 * requests), `FetchHttpClient.layer` everywhere else (Bun, Deno, Cloudflare Workers, browsers).
 *
 * @example
 * ```ts
 * import { ClerkClients } from "effect-clerk"
 * const clerk = ClerkClients.make({ secretKey: "sk_test_…", httpClient: ClerkClients.defaultHttpClient })
 * ```
 * @since 0.2.0
 * @category Layers
 */
export const defaultHttpClient: Layer.Layer<HttpClient.HttpClient> = Layer.unwrapEffect(
  isNode()
    ? Effect.tryPromise(loadUndici).pipe(
      Effect.map((module) => (module.isSupported ? module.layer : FetchHttpClient.layer)),
      Effect.orElseSucceed(() => FetchHttpClient.layer)
    )
    : Effect.succeed(FetchHttpClient.layer)
)

/**
 * Creates a client with one managed Effect runtime, released by `close()` (or `await using` where the runtime has
 * it: Node 24+, or TypeScript's downlevel). Like `@clerk/backend`'s `createClerkClient`, it reads `CLERK_SECRET_KEY`,
 * `CLERK_API_URL`, `CLERK_API_VERSION` and `CLERK_TIMEOUT` from the environment for the options not given; given
 * options win. Options are checked here: a missing secret key or a bad URL throws a `TypeError` at once, not on the
 * first call.
 *
 * @example
 * ```ts
 * import { ClerkClients } from "effect-clerk"
 * const clerk = ClerkClients.make({ timeout: "5 seconds" }) // the key from CLERK_SECRET_KEY
 * try {
 *   const client = await clerk.clients.get("client_2abc")
 * } finally {
 *   await clerk.close()
 * }
 * ```
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): ClerkClients => {
  const { apiUrl, apiVersion, env, httpClient, retry, secretKey, timeout, ...rest } = options
  const given = Config.all({
    secretKey: secretKey === undefined
      ? EnvConfig.secretKey(EnvConfig.names.secretKey, missingKey)
      : Config.succeed(Redacted.isRedacted(secretKey) ? secretKey : Redacted.make(secretKey)),
    apiUrl: apiUrl === undefined
      ? EnvConfig.string(EnvConfig.names.apiUrl, Clients.defaultApiUrl)
      : Config.succeed(apiUrl),
    apiVersion: apiVersion === undefined
      ? EnvConfig.string(EnvConfig.names.apiVersion, Clients.defaultApiVersion)
      : Config.succeed(apiVersion),
    timeout: timeout === undefined
      ? EnvConfig.duration(EnvConfig.names.timeout, Duration.millis(Core.defaultTimeoutMillis))
      : Config.succeed<Duration.DurationInput>(timeout)
  })
  // Only the variables of options not given are read (Deno asks permission per variable).
  const { names } = EnvConfig
  const wanted = [
    ...(secretKey === undefined ? [names.secretKey] : []),
    ...(apiUrl === undefined ? [names.apiUrl] : []),
    ...(apiVersion === undefined ? [names.apiVersion] : []),
    ...(timeout === undefined ? [names.timeout] : [])
  ]
  const read = Effect.runSync(Effect.either(Effect.withConfigProvider(given, EnvConfig.environment(env, wanted))))
  if (Either.isLeft(read)) throw new TypeError(`effect-clerk: invalid options: ${describeConfigError(read.left)}`)
  const layerOptions: Clients.Options = {
    ...rest,
    ...read.right,
    ...(retry === undefined ? {} : { retry: policyOf(retry) })
  }
  const checked = Effect.runSync(Effect.either(checkOptions(layerOptions)))
  if (Either.isLeft(checked)) throw new TypeError(`effect-clerk: invalid options: ${describeConfigError(checked.left)}`)
  const layer = Clients.layer(layerOptions).pipe(Layer.provide(httpClient ?? defaultHttpClient))
  const runtime = ManagedRuntime.make(layer)
  let closed = false

  const run = async <A>(
    use: (clients: Clients.Service) => Effect.Effect<A, ClientsError>,
    signal: AbortSignal | undefined
  ): Promise<A> => {
    if (closed) throw new Error("effect-clerk: this client was closed")
    signal?.throwIfAborted()
    const exit = await runtime.runPromiseExit(
      toStderr(Effect.flatMap(Clients.Clients, use)),
      signal === undefined ? undefined : { signal }
    )
    if (Exit.isSuccess(exit)) return exit.value
    throw thrown(exit.cause, signal)
  }

  const split = (callOptions: CallOptions | undefined) => {
    if (callOptions === undefined) return { signal: undefined, effectOptions: undefined }
    const { retry, signal, ...limits } = callOptions
    const effectOptions: Clients.CallOptions = retry === undefined ? limits : { ...limits, retry: policyOf(retry) }
    return { signal, effectOptions }
  }

  /** The service's method of that name, as a Promise. */
  const promised = <N extends Endpoints.Name>(name: N): PromiseMethod<N> => (input, callOptions) => {
    const { signal, effectOptions } = split(callOptions)
    return run((service) => {
      const operations: Clients.Operations = service
      return operations[name](input, effectOptions)
    }, signal)
  }

  const clients: ClientsApi = {
    list: promised("list"),
    get: promised("get"),
    verify: promised("verify"),
    stream: (params, callOptions) => {
      const { signal, effectOptions } = split(callOptions)
      return {
        async *[Symbol.asyncIterator]() {
          if (closed) throw new Error("effect-clerk: this client was closed")
          const base = await runtime.runtime()
          const clientsStream = Stream.unwrap(
            Effect.map(Clients.Clients, (service) => service.stream(params, effectOptions))
          )
            .pipe(Stream.provideSomeLayer(stderrLoggers))
          const abortable = signal === undefined ? clientsStream : Stream.interruptWhen(clientsStream, onAbort(signal))
          yield* Stream.toAsyncIterableRuntime(abortable, base)
          signal?.throwIfAborted()
        }
      }
    }
  }

  const close = async () => {
    if (closed) return
    closed = true
    await runtime.dispose()
  }

  return { clients, close, [Symbol.asyncDispose]: close }
}

const missingKey =
  `the Clerk secret key is not set (or is blank), and no secretKey option was given: pass secretKey, or set CLERK_SECRET_KEY to ${EnvConfig.secretKeyForm}`

/** The library's log lines (the deprecation warning of `list`) go to stderr: stdout belongs to the program. */
const loggers = HashSet.make(Logger.withConsoleError(Logger.logfmtLogger), Logger.tracerLogger)
const toStderr = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.locally(self, FiberRef.currentLoggers, loggers)
const stderrLoggers = Layer.scopedDiscard(Effect.locallyScoped(FiberRef.currentLoggers, loggers))

/** The error to throw for a failed run: the typed error itself, the abort reason, or the defect. */
const thrown = (
  cause: Cause.Cause<ClientsError | ConfigError.ConfigError>,
  signal: AbortSignal | undefined
): unknown => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    // The layer could not be built: bad options are a programming error, reported as such.
    return ConfigError.isConfigError(error)
      ? new TypeError(`effect-clerk: invalid options: ${describeConfigError(error)}`)
      : error
  }
  if (Cause.isInterruptedOnly(cause) && signal?.aborted === true) return signal.reason
  return Cause.squash(cause)
}

const onAbort = (signal: AbortSignal): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (signal.aborted) return resume(Effect.void)
    const listener = () => resume(Effect.void)
    signal.addEventListener("abort", listener, { once: true })
    return Effect.sync(() => signal.removeEventListener("abort", listener))
  })
