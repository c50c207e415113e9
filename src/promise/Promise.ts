/**
 * `effect-clerk/Promise`: the Promise API for code that does not use Effect, bundled with its own copy of Effect 3 and
 * `@effect/platform` (scripts/build-promise.mjs). Its runtime is `ClerkClients` of the root face; its types are
 * written only in the core's plain types, so a project type-checks it whatever Effect it has (3, 4, or none).
 *
 * ```ts
 * import * as ClerkClients from "effect-clerk/Promise"
 *
 * const clerk = ClerkClients.make({ timeout: "5 seconds" }) // the key and the URL from CLERK_SECRET_KEY, CLERK_API_URL
 * try {
 *   const page = await clerk.clients.list({ limit: 20, offset: 10 })
 *   const client = await clerk.clients.get("client_2abc", { signal: AbortSignal.timeout(2_000) })
 *   for await (const c of clerk.clients.stream()) console.log(c.id)
 * } finally {
 *   await clerk.close()
 * }
 * ```
 *
 * @since 0.3.0
 */
import * as ClerkError from "../ClerkError.js"
import type * as Backoff from "../core/backoff.js"
import type * as Endpoints from "../core/endpoints.js"
import type * as Messages from "../core/messages.js"
import type * as CoreOptions from "../core/options.js"
import type * as Wire from "../core/wire.js"
import * as Unbundled from "../Promise.js"

/**
 * A duration: milliseconds (`5000`), or a number and a unit (`"5 seconds"`, `"500 millis"`, `"2 minutes"`).
 *
 * @since 0.3.0
 * @category Models
 */
export type Duration = CoreOptions.PlainDuration

/**
 * Retry settings: those of `RetryPolicy.backoff` (every field has a default: up to 4 retries, 500 ms doubling to at
 * most 10 s, ±20 % jitter, 30 s in all).
 *
 * @example
 * ```ts
 * import * as ClerkClients from "effect-clerk/Promise"
 * const patient: ClerkClients.RetryOptions = { maxRetries: 10, maxElapsedTime: "2 minutes", statusCodes: ["5XX", 429] }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface RetryOptions extends Backoff.BackoffOptions<Duration> {}

/**
 * A client-side rate limit: at most `limit` requests per `interval`.
 *
 * @since 0.3.0
 * @category Models
 */
export interface RateLimit extends CoreOptions.RateLimit<Duration> {}

/**
 * Options of {@link make}. Those not given are read from `env` (default `process.env`): `secretKey` from
 * `CLERK_SECRET_KEY`, `apiUrl` from `CLERK_API_URL`, `apiVersion` from `CLERK_API_VERSION`, `timeout` from
 * `CLERK_TIMEOUT` (`5000`, `5 seconds`).
 *
 * @example
 * ```ts
 * import * as ClerkClients from "effect-clerk/Promise"
 * const options: ClerkClients.Options = { secretKey: "sk_test_…", timeout: 5_000, retry: { maxRetries: 2 } }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Options extends CoreOptions.PlainOptions<Duration> {
  /** Your instance's secret key (`sk_live_…` / `sk_test_…`). Default `CLERK_SECRET_KEY` from {@link Options.env}. */
  readonly secretKey?: string
  /** Retry settings for every call, or `false` for a single attempt. Default: up to 4 retries (see {@link RetryOptions}). */
  readonly retry?: RetryOptions | false
  /**
   * Where the options not given are read: an object of string properties. Default `process.env` where the runtime
   * has one (none on workerd; on Deno without `--allow-env` nothing is read). A Worker's `env` bindings will do, or
   * `{}` to read nothing.
   */
  readonly env?: object
}

/**
 * Per-call options: time limits, retry settings, and an `AbortSignal` that cancels the request in flight.
 *
 * @example
 * ```ts
 * import * as ClerkClients from "effect-clerk/Promise"
 * const once: ClerkClients.CallOptions = { retry: false, timeout: "2 seconds", signal: AbortSignal.timeout(3_000) }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface CallOptions extends CoreOptions.TimeLimits<Duration> {
  /** Retry settings for this call, or `false` for a single attempt. */
  readonly retry?: RetryOptions | false
  readonly signal?: AbortSignal
}

/**
 * A Clerk client, as `get`, `verify` and `list` return it (camelCase fields; the wire's snake_case is decoded).
 *
 * @since 0.3.0
 * @category Models
 */
export type Client = Wire.TypeOf<typeof Wire.client>

/**
 * One of a client's sessions.
 *
 * @since 0.3.0
 * @category Models
 */
export type Session = Wire.TypeOf<typeof Wire.session>

/**
 * A page of `list`: its clients, and the total when Clerk sent one.
 *
 * @since 0.3.0
 * @category Models
 */
export interface ClientList {
  readonly data: ReadonlyArray<Client>
  readonly totalCount?: number
}

/**
 * What each operation resolves to, by the response the endpoint table names.
 *
 * @since 0.3.0
 * @category Models
 */
export interface Responses {
  readonly Client: Client
  readonly ClientList: ClientList
}

/**
 * One operation as a Promise, read from the endpoint table.
 *
 * @since 0.3.0
 * @category Models
 */
export type PromiseMethod<N extends Endpoints.Name> = (
  input: Endpoints.InputOf<N>,
  options?: CallOptions
) => Promise<Responses[Endpoints.ResponseOf<N>]>

/**
 * The Clients operations as Promises: `list`, `get`, `verify`, and `stream`.
 *
 * @since 0.3.0
 * @category Models
 */
export type ClientsApi = { readonly [N in keyof Endpoints.Endpoints]: PromiseMethod<N> } & {
  /** @deprecated Built on `GET /v1/clients`, which Clerk marks deprecated. */
  readonly stream: (params?: Endpoints.StreamParams, options?: CallOptions) => AsyncIterable<Client>
}

/**
 * A client instance: its operations, and `close()` to release its connections.
 *
 * @since 0.3.0
 * @category Models
 */
export interface ClerkClients extends AsyncDisposal {
  readonly clients: ClientsApi
  /** Releases the HTTP transport. Calls made after `close()` reject. Safe to call twice. */
  readonly close: () => Promise<void>
}

/**
 * `[Symbol.asyncDispose]` (the same as `close()`, for `await using`) where the project's `lib` declares that symbol
 * (`esnext.disposable`, or `@types/node`); nothing where it does not, so these types check under any `lib`.
 *
 * @since 0.3.0
 * @category Models
 */
export type AsyncDisposal = {
  readonly [K in AsyncDisposeSymbol]: () => PromiseLike<void>
}

/** `typeof Symbol.asyncDispose` where the `lib` has it, else `never`. */
type AsyncDisposeSymbol = SymbolConstructor extends { readonly asyncDispose: infer S extends symbol } ? S : never

/**
 * Creates a client. Options not given are read from the environment, as `@clerk/backend`'s `createClerkClient` does;
 * given options win. A missing secret key or a bad option throws a `TypeError` here, naming what is missing and the
 * form expected.
 *
 * @example
 * ```ts
 * import * as ClerkClients from "effect-clerk/Promise"
 * const clerk = ClerkClients.make({ secretKey: "sk_test_…", retry: { maxRetries: 2 } })
 * try {
 *   const client = await clerk.clients.get("client_2abc", { timeout: 2_000 })
 * } finally {
 *   await clerk.close()
 * }
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const make: (options?: Options) => ClerkClients = Unbundled.make

/**
 * Where a failure happened: the operation (`Clients.get`), the request's method and path, and how many attempts were
 * made (absent when the input was refused before any attempt).
 *
 * @since 0.3.0
 * @category Errors
 */
export interface RequestContext extends Messages.Where {}

/**
 * One entry of Clerk's `errors` array.
 *
 * @since 0.3.0
 * @category Errors
 */
export type ClerkErrorDetail = Wire.TypeOf<typeof Wire.clerkErrorDetail>

/**
 * Clerk answered with an error body (the statuses the spec declares, and 403, 408, 429, 5xx with a Clerk body).
 *
 * @since 0.3.0
 * @category Errors
 */
export interface ClerkErrors extends Error, RequestContext {
  readonly _tag: "ClerkErrors"
  readonly status: number
  readonly errors: ReadonlyArray<ClerkErrorDetail>
  readonly meta?: { readonly [key: string]: unknown }
  /** Quote it to Clerk support. */
  readonly clerkTraceId?: string
  /** The response's `Retry-After`, in milliseconds, when it had one. */
  readonly retryAfterMillis: number | undefined
  /** Does the default policy retry it? True for 408, 429, 500, 502, 503 and 504. */
  readonly isRetryable: boolean
}

/**
 * Every failure that is not a Clerk error body; `reason` tells them apart (`InvalidRequest`, `Transport`, `Timeout`,
 * `StatusCode`, `Decode`, `Shed`).
 *
 * @since 0.3.0
 * @category Errors
 */
export interface SDKError extends Error, RequestContext {
  readonly _tag: "SDKError"
  readonly reason: Messages.SdkErrorReason
  readonly description: string
  readonly status?: number
  readonly contentType?: string
  /** An excerpt of at most 2,048 characters, secrets redacted. */
  readonly body?: string
  readonly headers?: { readonly [name: string]: string }
  /** For `Shed`, when the next probe may go; else the response's `Retry-After`. In milliseconds. */
  readonly retryAfterMillis: number | undefined
  readonly isRetryable: boolean
}

/**
 * The class of one of the errors, for `instanceof`.
 *
 * @since 0.3.0
 * @category Errors
 */
export interface ErrorClass<E> {
  new(...args: ReadonlyArray<never>): E
  readonly prototype: E
}

/**
 * The class of a {@link ClerkErrors} failure. This bundle carries its own copy of Effect, so its classes are not the
 * root's `ClerkError` classes: test with these, or with {@link isClientsError}.
 *
 * @example
 * ```ts
 * import * as ClerkClients from "effect-clerk/Promise"
 * const clerk = ClerkClients.make({ secretKey: "sk_test_…" })
 * try {
 *   await clerk.clients.get("client_2abc")
 * } catch (e) {
 *   if (e instanceof ClerkClients.ClerkErrors) console.error(e.status, e.errors[0]?.code)
 *   else if (e instanceof ClerkClients.SDKError) console.error(e.reason)
 *   else throw e
 * } finally {
 *   await clerk.close()
 * }
 * ```
 * @since 0.3.0
 * @category Errors
 */
export const ClerkErrors: ErrorClass<ClerkErrors> = ClerkError.ClerkErrors

/**
 * The class of an {@link SDKError} failure.
 *
 * @since 0.3.0
 * @category Errors
 */
export const SDKError: ErrorClass<SDKError> = ClerkError.SDKError

/**
 * Is this one of effect-clerk's errors, from any copy of the package?
 *
 * @example
 * ```ts
 * import * as ClerkClients from "effect-clerk/Promise"
 * const code = (e: unknown) => ClerkClients.isClientsError(e) && e._tag === "ClerkErrors" ? e.errors[0]?.code : undefined
 * ```
 * @since 0.3.0
 * @category Errors
 */
export const isClientsError = (u: unknown): u is ClerkErrors | SDKError => ClerkError.isClientsError(u)
