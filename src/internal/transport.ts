/**
 * What one `Clients` layer fixes once: where requests go, how they authenticate, the defaults of every call, and the
 * shared rate gate. Built from the layer's options, checked before any request is made.
 *
 * @internal
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Options } from "../Clients.js"
import * as RetryPolicy from "../RetryPolicy.js"
import { Timeouts } from "./attempt.js"
import { make as makePacer, type Pacer } from "./rate.js"
import { version } from "./version.js"

export interface Transport {
  readonly client: HttpClient.HttpClient
  /** The API base, without a trailing slash, e.g. `https://api.clerk.com/v1`. */
  readonly baseUrl: string
  /** The path part of `baseUrl`, for error messages. */
  readonly basePath: string
  readonly headers: Headers.Headers
  readonly secretKey: Redacted.Redacted<string>
  readonly timeout: Duration.Duration
  readonly retry: RetryPolicy.RetryPolicy | false
  readonly deadline: Duration.Duration | undefined
  readonly maxResponseBytes: number
  /** Services every attempt runs with: `fetch` must not follow redirects (see {@link make}). */
  readonly attemptContext: Context.Context<never>
  /** The layer's attempt timeouts (offered to the transport, else enforced by the pipeline). */
  readonly timeouts: Timeouts
  /** The shared gate and pacing every attempt passes (see internal/rate.ts). */
  readonly pacer: Pacer
}

/** Clerk's production API. */
export const defaultApiUrl = "https://api.clerk.com/v1"

/** The `Clerk-API-Version` these schemas were checked against. */
export const defaultApiVersion = "2026-05-12"

export const defaultTimeout = Duration.seconds(10)

/** A full page of 500 clients is about 0.5 MiB. */
export const defaultMaxResponseBytes = 32 * 1024 * 1024

/** The options that need checking, checked: what `make` builds on, and what the Promise API checks up front. */
export const checkOptions = (options: Options) =>
  Effect.gen(function*() {
    const secretKey = yield* checkSecretKey(options.secretKey)
    const { apiVersion, pathVersion } = yield* checkApiVersion(options.apiVersion)
    const url = yield* checkApiUrl(options.apiUrl ?? defaultApiUrl, pathVersion)
    const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
    if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 1) {
      return yield* invalid("maxResponseBytes", "must be a positive integer")
    }
    const timeout = Duration.decode(options.timeout ?? defaultTimeout)
    if (!(Duration.toMillis(timeout) > 0)) return yield* invalid("timeout", "must be a positive duration")
    return { secretKey, apiVersion, url, maxResponseBytes, timeout }
  })

export const make = (
  options: Options,
  client: HttpClient.HttpClient
): Effect.Effect<Transport, ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const { secretKey, apiVersion, url, maxResponseBytes, timeout } = yield* checkOptions(options)
    const pacer = yield* makePacer(options, Redacted.value(secretKey))
    // A redirect is answered as an error, never followed: following one would send the request (and perhaps the
    // Authorization header) somewhere the user did not configure. Undici and node:http do not follow redirects;
    // `fetch` does by default, so its `RequestInit` (the user's, if the layer was given one) says `manual`.
    const init = yield* Effect.serviceOption(FetchHttpClient.RequestInit)
    const attemptContext = Context.make(FetchHttpClient.RequestInit, {
      ...Option.getOrUndefined(init),
      redirect: "manual"
    })
    const baseUrl = url.href.replace(/\/+$/, "")
    return {
      // Clerk is a third party: the caller's trace ids are not sent to it. Spans still nest locally.
      client: client.pipe(HttpClient.withTracerPropagation(false), options.transformClient ?? identity),
      baseUrl,
      basePath: url.pathname.replace(/\/+$/, ""),
      headers: Headers.fromInput({
        authorization: `Bearer ${Redacted.value(secretKey)}`,
        "clerk-api-version": apiVersion,
        "user-agent": `effect-clerk/${version}`,
        accept: "application/json"
      }),
      secretKey,
      timeout,
      retry: options.retry ?? RetryPolicy.standard,
      deadline: options.deadline === undefined ? undefined : Duration.decode(options.deadline),
      maxResponseBytes,
      attemptContext,
      timeouts: new Timeouts(),
      pacer
    }
  })

const invalid = (path: string, why: string): Effect.Effect<never, ConfigError.ConfigError> =>
  Effect.fail(ConfigError.InvalidData([path], why))

/** Checked at layer construction, so a missing key fails there and not on the first call. */
const checkSecretKey = (key: unknown): Effect.Effect<Redacted.Redacted<string>, ConfigError.ConfigError> => {
  if (!Redacted.isRedacted(key)) {
    return invalid("secretKey", "the Clerk secret key must be given (as a Redacted string)")
  }
  const value: unknown = Redacted.value(key)
  if (!Predicate.isString(value)) {
    return invalid("secretKey", `the Clerk secret key must be a string, got ${typeof value}`)
  }
  if (value.trim().length === 0) return invalid("secretKey", "the Clerk secret key is empty")
  return Effect.succeed(Redacted.make(value))
}

/**
 * `Clerk-API-Version` is a date (`2026-05-12`). `@clerk/backend` calls the URL's `v1` its "API version" and reads it
 * from the same `CLERK_API_VERSION` variable, so `v1` is taken to mean the URL's version (the header keeps its
 * default) rather than sent as a header Clerk would reject.
 */
const checkApiVersion = (
  input: string | undefined
): Effect.Effect<{ readonly apiVersion: string; readonly pathVersion: boolean }, ConfigError.ConfigError> => {
  if (input === undefined) return Effect.succeed({ apiVersion: defaultApiVersion, pathVersion: false })
  const trimmed = input.trim()
  if (trimmed === "v1") return Effect.succeed({ apiVersion: defaultApiVersion, pathVersion: true })
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return Effect.succeed({ apiVersion: trimmed, pathVersion: false })
  return invalid(
    "apiVersion",
    `expected a Clerk-API-Version date such as ${defaultApiVersion} (or v1, the URL version), got ${
      JSON.stringify(input)
    }`
  )
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"])

/**
 * `https` only, unless the host is loopback: a typo must not send the secret key over the network in clear text.
 * A base without a path (`https://api.clerk.com`, as `@clerk/backend` takes it) gets `/v1`.
 */
const checkApiUrl = (input: string, pathVersion: boolean): Effect.Effect<URL, ConfigError.ConfigError> => {
  // `new URL` rather than `URL.canParse`, which older workerd compatibility dates lack.
  const parsed = Either.try(() => new URL(input))
  if (Either.isLeft(parsed)) return invalid("apiUrl", `not a URL: ${JSON.stringify(input)}`)
  const url = parsed.right
  if (url.username !== "" || url.password !== "") return invalid("apiUrl", "the API URL must not contain credentials")
  if (url.search !== "" || url.hash !== "") return invalid("apiUrl", "the API URL must not have a query or fragment")
  const loopback = loopbackHosts.has(url.hostname) || url.hostname.startsWith("127.")
  if (!(url.protocol === "https:" || (url.protocol === "http:" && loopback))) {
    return invalid(
      "apiUrl",
      `the API URL must use https (plain http is allowed only for loopback hosts), got ${url.protocol}//${url.host}`
    )
  }
  const path = url.pathname.replace(/\/+$/, "")
  if (path === "" || (pathVersion && !path.endsWith("/v1"))) url.pathname = `${path}/v1`
  return Effect.succeed(url)
}
