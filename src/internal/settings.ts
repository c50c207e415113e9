/**
 * What one `Clients` layer fixes once: the exchange its attempts go through, where requests go, how they
 * authenticate, the defaults of every call, and the shared rate gate. Built from the layer's options, checked before
 * any request is made.
 *
 * @internal
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type { Options } from "../Clients.js"
import type { Check } from "../core/check.js"
import * as Layer from "../core/layer.js"
import * as CoreOptions from "../core/options.js"
import * as CoreSettings from "../core/settings.js"
import * as Exchange from "../Exchange.js"
import * as RetryPolicy from "../RetryPolicy.js"
import { make as makePacer, type Pacer } from "./rate.js"

export interface Settings {
  /** How each attempt is sent: the transport's own exchange, or the adapter over the (transformed) `HttpClient`. */
  readonly exchange: Exchange.Service
  /** The API base, without a trailing slash, e.g. `https://api.clerk.com/v1`. */
  readonly baseUrl: string
  /** The path part of `baseUrl`, for error messages. */
  readonly basePath: string
  readonly headers: Headers.Headers
  readonly secretKey: Redacted.Redacted<string>
  /** Each attempt's time limit; `Infinity` for none. */
  readonly timeoutMillis: number
  readonly retry: RetryPolicy.RetryPolicy | false
  /** Each call's time limit; `Infinity` for none. */
  readonly deadlineMillis: number
  readonly maxResponseBytes: number
  /** The shared gate and pacing every attempt passes (see internal/rate.ts). */
  readonly pacer: Pacer
}

/**
 * A duration option in milliseconds, checked once for every duration a layer or a call is given: a positive
 * `DurationInput`, or `Duration.infinity` for no limit. Anything else (zero, negative, `NaN`, `"bogus"`) is refused
 * with a sentence that names the option.
 */
export const durationMillis = (name: string, input: unknown): Check<number> => {
  if (typeof input === "number") return CoreOptions.timeLimit(name, input)
  const decoded = Duration.decodeUnknown(input)
  return Option.isNone(decoded)
    ? { ok: false, error: CoreSettings.notADuration(name, input) }
    : CoreOptions.timeLimit(name, Duration.toMillis(decoded.value))
}

/** `Duration.format` of a limit, for messages. */
export const formatMillis = (millis: number): string => Duration.format(Duration.millis(millis))

/**
 * The options, checked and resolved by the core (core/layer.ts): what `make` builds on, and what the Promise API
 * checks up front.
 */
export const checkOptions = (options: Options): Effect.Effect<Layer.Checked, ConfigError.ConfigError> => {
  const key: unknown = options.secretKey
  const redacted = Redacted.isRedacted(key)
  const checked = Layer.check(
    { ...options, secretKey: { redacted, value: redacted ? Redacted.value(key) : undefined } },
    durationMillis
  )
  return checked.ok
    ? Effect.succeed(checked.value)
    : Effect.fail(ConfigError.InvalidData([...checked.path], checked.error))
}

/**
 * The exchange for a layer: the transport's own when the environment offers one and no `transformClient` must see
 * the requests; otherwise the adapter over the `HttpClient`, prepared for Clerk and then handed to `transformClient`.
 */
const chooseExchange = (
  options: Options,
  client: HttpClient.HttpClient,
  own: Option.Option<Exchange.Service>,
  init: Option.Option<RequestInit>
): Exchange.Service => {
  if (options.transformClient === undefined && Option.isSome(own)) return own.value
  // A redirect is answered as an error, never followed: following one would send the request (and perhaps the
  // Authorization header) somewhere the user did not configure. Undici and node:http do not follow redirects;
  // `fetch` does by default, so its `RequestInit` (the user's, if the layer was given one) says `manual`.
  const requestInit: RequestInit = { ...Option.getOrUndefined(init), redirect: "manual" }
  const prepared = client.pipe(
    // Clerk is a third party: the caller's trace ids are not sent to it. Spans still nest locally.
    HttpClient.withTracerPropagation(false),
    HttpClient.transform((effect) => Effect.provideService(effect, FetchHttpClient.RequestInit, requestInit))
  )
  return Exchange.fromHttpClient(options.transformClient === undefined ? prepared : options.transformClient(prepared))
}

export const make = (
  options: Options,
  client: HttpClient.HttpClient
): Effect.Effect<Settings, ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const checked = yield* checkOptions(options)
    const pacer = yield* makePacer(checked.pacing, options.sharedBudget, checked.secret)
    const own = yield* Effect.serviceOption(Exchange.Exchange)
    const init = yield* Effect.serviceOption(FetchHttpClient.RequestInit)
    return {
      exchange: chooseExchange(options, client, own, init),
      baseUrl: checked.baseUrl,
      basePath: checked.basePath,
      headers: Headers.fromInput(checked.headers),
      secretKey: Redacted.make(checked.secret),
      timeoutMillis: checked.timeoutMillis,
      retry: options.retry ?? RetryPolicy.standard,
      deadlineMillis: checked.deadlineMillis,
      maxResponseBytes: checked.maxResponseBytes,
      pacer
    }
  })
