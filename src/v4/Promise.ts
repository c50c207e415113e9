/**
 * effect-clerk for code that does not use Effect (Effect 4 face): the same `Clients` service behind `async`
 * functions, shaped like Clerk's Python SDK (`clerk.clients.list(...)`, `.get(...)`, `.verify(...)`).
 *
 * ```ts
 * import { ClerkClients } from "effect-clerk/v4"
 *
 * const clerk = ClerkClients.make() // CLERK_SECRET_KEY, CLERK_API_URL, … from the environment; or pass them
 * try {
 *   const client = await clerk.clients.get("client_2abc", { signal: AbortSignal.timeout(2_000) })
 *   for await (const c of clerk.clients.stream()) console.log(c.id)
 * } finally {
 *   await clerk.close()
 * }
 * ```
 *
 * Options not given are read from the environment with `@clerk/backend`'s names: `CLERK_SECRET_KEY`,
 * `CLERK_API_URL`, `CLERK_API_VERSION`, and `CLERK_TIMEOUT` (`5000`, `5 seconds`). The transport defaults to the
 * fastest the runtime has: effect-clerk's `UndiciHttpClient` on Node, `fetch` elsewhere. The library's own log lines
 * go to stderr. Failures are thrown as the very `ClerkErrors` / `SDKError` instances the Effect API fails with; an
 * aborted call rejects with the signal's reason and the request in flight is cancelled.
 *
 * @since 0.3.0
 */
import * as Cause from "effect/Cause"
import type * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as Endpoints from "../core/endpoints.js"
import * as Env from "../core/env.js"
import * as CoreOptions from "../core/options.js"
import * as CoreSettings from "../core/settings.js"
import type { ClientsError } from "./ClerkError.js"
import type * as Domain from "./Client.js"
import * as Clients from "./Clients.js"
import { checkOptions, describeConfigError } from "./internal/settings.js"
import * as RetryPolicy from "./RetryPolicy.js"
import type * as UndiciHttpClient from "./UndiciHttpClient.js"

/**
 * Options of {@link make}: those of `Clients.layer`, with the secret key as a plain string or `Redacted`, and the
 * transport as a layer (default: the fastest the runtime has, see {@link defaultHttpClient}).
 *
 * @since 0.3.0
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
  /** Where the `CLERK_*` variables are read when an option is not given. Default `process.env` where there is one. */
  readonly env?: object
}

/**
 * Per-call options: those of the Effect API, plus an `AbortSignal`.
 *
 * @since 0.3.0
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
 * import { ClerkClients, RetryPolicy } from "effect-clerk/v4"
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
 * @since 0.3.0
 * @category Models
 */
export type ClientsApi = { readonly [N in keyof Endpoints.Endpoints]: PromiseMethod<N> } & {
  /** @deprecated Built on `GET /v1/clients`, which Clerk marks deprecated. */
  readonly stream: (params?: Clients.StreamParams, options?: CallOptions) => AsyncIterable<Domain.Client>
}

/**
 * A client instance: its operations, and `close()` to release its connections.
 *
 * @since 0.3.0
 * @category Models
 */
export interface ClerkClients extends AsyncDisposable {
  readonly clients: ClientsApi
  /** Releases the HTTP transport. Calls made after `close()` reject. Safe to call twice. */
  readonly close: () => Promise<void>
}

/** Node itself, not Bun or Deno (whose `undici` is a stub or another implementation). */
const isNode = (): boolean => {
  const process: unknown = Reflect.get(globalThis, "process")
  const versions: unknown = typeof process === "object" && process !== null
    ? Reflect.get(process, "versions")
    : undefined
  return typeof versions === "object" && versions !== null && "node" in versions && !("bun" in versions) &&
    !("Deno" in globalThis)
}

/** Node's transport (undici, node:zlib), loaded only on Node; the specifier is not a literal, so bundlers leave it out. */
const undiciModule = "./UndiciHttpClient.js"
const loadUndici: () => Promise<typeof UndiciHttpClient> = () => import(/* @vite-ignore */ undiciModule)

/**
 * The fastest transport this runtime supports: effect-clerk's `UndiciHttpClient` on Node (when its `undici` can send
 * requests), `effect/http`'s `FetchHttpClient.layer` everywhere else.
 *
 * @example
 * ```ts
 * import { ClerkClients } from "effect-clerk/v4"
 * const clerk = ClerkClients.make({ secretKey: "sk_test_…", httpClient: ClerkClients.defaultHttpClient })
 * ```
 * @since 0.3.0
 * @category Layers
 */
export const defaultHttpClient: Layer.Layer<HttpClient.HttpClient> = Layer.unwrap(
  isNode()
    ? Effect.tryPromise(loadUndici).pipe(
      Effect.map((module): Layer.Layer<HttpClient.HttpClient> =>
        module.isSupported ? module.layer : FetchHttpClient.layer
      ),
      Effect.orElseSucceed(() => FetchHttpClient.layer)
    )
    : Effect.succeed(FetchHttpClient.layer)
)

const invalid = (description: string) => new TypeError(`effect-clerk: invalid options: ${description}`)

/** An unset or blank variable is absent: `CLERK_API_URL=` in a `.env` template means "not set". */
const present = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value

/**
 * A client for the Clients operations. Bad options (no key anywhere, a non-https remote URL) throw a `TypeError`
 * here, before any request.
 *
 * @example
 * ```ts
 * import { ClerkClients } from "effect-clerk/v4"
 * const clerk = ClerkClients.make({ secretKey: "sk_test_…" })
 * const page = await clerk.clients.list({ limit: 10 })
 * await clerk.close()
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const make = (options: Options = {}): ClerkClients => {
  const { apiUrl, apiVersion, env, httpClient, retry, secretKey, timeout, ...rest } = options
  const { names } = CoreSettings
  // Only the variables of options not given are read (Deno asks permission per variable).
  const vars = Env.read(env, [
    ...(secretKey === undefined ? [names.secretKey] : []),
    ...(apiUrl === undefined ? [names.apiUrl] : []),
    ...(apiVersion === undefined ? [names.apiVersion] : []),
    ...(timeout === undefined ? [names.timeout] : [])
  ])
  const keyText = secretKey === undefined ? present(vars[names.secretKey]) : undefined
  if (secretKey === undefined && keyText === undefined) {
    throw invalid(`${names.secretKey}: ${CoreSettings.promiseSecretKeyUnset}`)
  }
  const timeoutText = timeout === undefined ? present(vars[names.timeout]) : undefined
  const timeoutMillis = timeoutText === undefined ? undefined : CoreOptions.parseDurationText(timeoutText)
  if (
    timeoutText !== undefined &&
    (timeoutMillis === undefined || !CoreOptions.timeLimit(names.timeout, timeoutMillis).ok)
  ) throw invalid(`${names.timeout}: ${CoreSettings.notADurationVariable(timeoutText)}`)
  const layerOptions: Clients.Options = {
    ...rest,
    ...(retry === undefined ? {} : { retry: policyOf(retry) }),
    secretKey: secretKey === undefined
      ? Redacted.make(keyText ?? "")
      : Redacted.isRedacted(secretKey)
      ? secretKey
      : Redacted.make(secretKey),
    apiUrl: apiUrl ?? present(vars[names.apiUrl]) ?? Clients.defaultApiUrl,
    apiVersion: apiVersion ?? present(vars[names.apiVersion]) ?? Clients.defaultApiVersion,
    ...(timeout !== undefined
      ? { timeout }
      : timeoutMillis === undefined
      ? {}
      : { timeout: timeoutMillis === Number.POSITIVE_INFINITY ? "Infinity" : timeoutMillis })
  }
  const checked = Effect.runSync(Effect.exit(checkOptions(layerOptions)))
  if (Exit.isFailure(checked)) {
    const error = Cause.findErrorOption(checked.cause)
    throw invalid(Option.isSome(error) ? describeConfigError(error.value) : Cause.pretty(checked.cause))
  }
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
      toStderr(Clients.Clients.use(use)),
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
          const context = await runtime.context()
          const clientsStream = Stream.unwrap(
            Clients.Clients.useSync((service) => service.stream(params, effectOptions))
          )
          const abortable = signal === undefined ? clientsStream : Stream.interruptWhen(clientsStream, onAbort(signal))
          yield* Stream.toAsyncIterableWith(abortable.pipe(Stream.provide(stderrLoggers)), context)
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

/** A library never writes to stdout: its log lines (logfmt) go to stderr, and to the span as events. */
const stderrLoggers = Logger.layer([Logger.withConsoleError(Logger.formatLogFmt), Logger.tracerLogger])
const toStderr = <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provide(self, stderrLoggers)

const thrown = (cause: Cause.Cause<ClientsError | Config.ConfigError>, signal: AbortSignal | undefined): unknown => {
  const failure = Cause.findErrorOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    // The layer could not be built: bad options are a programming error, reported as such.
    return error._tag === "ConfigError" ? invalid(describeConfigError(error)) : error
  }
  if (Cause.hasInterruptsOnly(cause) && signal?.aborted === true) return signal.reason
  return Cause.squash(cause)
}

const onAbort = (signal: AbortSignal): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (signal.aborted) return resume(Effect.void)
    const listener = () => resume(Effect.void)
    signal.addEventListener("abort", listener, { once: true })
    return Effect.sync(() => signal.removeEventListener("abort", listener))
  })
