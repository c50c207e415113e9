/**
 * effect-clerk for code that does not use Effect: the same `Clients` service behind `async` functions, shaped like
 * Clerk's Python SDK (`clerk.clients.list(...)`, `.get(...)`, `.verify(...)`).
 *
 * ```ts
 * import { ClerkClients } from "effect-clerk"
 *
 * const clerk = ClerkClients.make({ secretKey: process.env.CLERK_SECRET_KEY! })
 * const page = await clerk.clients.list({ limit: 20, offset: 10 })
 * const client = await clerk.clients.get("client_2abc", { signal: AbortSignal.timeout(2_000) })
 * for await (const c of clerk.clients.stream()) console.log(c.id)
 * await clerk.close()
 * ```
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
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import type * as Domain from "./Client.js"
import type { ClientsError } from "./ClerkError.js"
import * as Clients from "./Clients.js"

/**
 * Options of {@link make}: those of `Clients.layer`, with the secret key as a plain string or `Redacted`, and the
 * transport as a layer (default `FetchHttpClient.layer`, which works on Node 20+, Bun, Deno and edge runtimes).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options extends Omit<Clients.Options, "secretKey"> {
  readonly secretKey: string | Redacted.Redacted<string>
  /** e.g. `NodeHttpClient.layerUndici` from `@effect/platform-node` for the fastest transport on Node. */
  readonly httpClient?: Layer.Layer<HttpClient.HttpClient>
}

/**
 * Per-call options: those of the Effect API, plus an `AbortSignal`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface CallOptions extends Clients.CallOptions {
  readonly signal?: AbortSignal
}

/**
 * The Clients operations as Promises.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ClientsApi {
  /** @deprecated Clerk marks `GET /v1/clients` deprecated. */
  readonly list: (params?: Clients.ListParams, options?: CallOptions) => Promise<Domain.ClientList>
  readonly get: (clientId: string, options?: CallOptions) => Promise<Domain.Client>
  readonly verify: (params: Clients.VerifyParams, options?: CallOptions) => Promise<Domain.Client>
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
 * Creates a client with one managed Effect runtime, released by `close()` or `await using`.
 *
 * @example
 * ```ts
 * import { ClerkClients } from "effect-clerk"
 * await using clerk = ClerkClients.make({ secretKey: "sk_test_…", timeout: "5 seconds" })
 * const client = await clerk.clients.get("client_2abc")
 * ```
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options): ClerkClients => {
  const { httpClient, secretKey, ...rest } = options
  const layer = Clients.layer({
    ...rest,
    secretKey: Redacted.isRedacted(secretKey) ? secretKey : Redacted.make(secretKey)
  }).pipe(Layer.provide(httpClient ?? FetchHttpClient.layer))
  const runtime = ManagedRuntime.make(layer)
  let closed = false

  const run = async <A>(
    use: (clients: Clients.Service) => Effect.Effect<A, ClientsError>,
    signal: AbortSignal | undefined
  ): Promise<A> => {
    if (closed) throw new Error("effect-clerk: this client was closed")
    signal?.throwIfAborted()
    const exit = await runtime.runPromiseExit(
      Effect.flatMap(Clients.Clients, use),
      signal === undefined ? undefined : { signal }
    )
    if (Exit.isSuccess(exit)) return exit.value
    throw thrown(exit.cause, signal)
  }

  const split = (callOptions: CallOptions | undefined) => {
    if (callOptions === undefined) return { signal: undefined, effectOptions: undefined }
    const { signal, ...effectOptions } = callOptions
    return { signal, effectOptions }
  }

  const clients: ClientsApi = {
    list: (params, callOptions) => {
      const { signal, effectOptions } = split(callOptions)
      return run((service) => service.list(params, effectOptions), signal)
    },
    get: (clientId, callOptions) => {
      const { signal, effectOptions } = split(callOptions)
      return run((service) => service.get(clientId, effectOptions), signal)
    },
    verify: (params, callOptions) => {
      const { signal, effectOptions } = split(callOptions)
      return run((service) => service.verify(params, effectOptions), signal)
    },
    stream: (params, callOptions) => {
      const { signal, effectOptions } = split(callOptions)
      return {
        async *[Symbol.asyncIterator]() {
          if (closed) throw new Error("effect-clerk: this client was closed")
          const base = await runtime.runtime()
          const clientsStream = Stream.unwrap(Effect.map(Clients.Clients, (service) => service.stream(params, effectOptions)))
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

/** The error to throw for a failed run: the typed error itself, the abort reason, or the defect. */
const thrown = (cause: Cause.Cause<ClientsError | ConfigError.ConfigError>, signal: AbortSignal | undefined): unknown => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    // The layer could not be built: bad options are a programming error, reported as such.
    return ConfigError.isConfigError(error) ? new TypeError(`effect-clerk: invalid options: ${String(error)}`) : error
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
