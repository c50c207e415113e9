/**
 * What one `Clients` layer fixes once (Effect 4 face): the exchange its attempts go through, where requests go, how
 * they authenticate, the defaults of every call, and the pacer. Every check is the core's; this file turns a failed
 * one into Effect 4's `ConfigError`.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as Headers from "effect/http/Headers"
import * as HttpClient from "effect/http/HttpClient"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import type * as Scope from "effect/Scope"
import type { Check } from "../../core/check.js"
import * as Layer from "../../core/layer.js"
import * as CoreOptions from "../../core/options.js"
import * as CoreSettings from "../../core/settings.js"
import * as Exchange from "../Exchange.js"
import * as RetryPolicy from "../RetryPolicy.js"
import type * as SharedBudget from "../SharedBudget.js"
import { make as makePacer, type Pacer } from "./rate.js"

/** The options `Clients.make` reads (the public `Options` type is declared in Clients.ts). */
export interface Options {
  readonly secretKey: Redacted.Redacted<string>
  readonly apiUrl?: string | undefined
  readonly apiVersion?: string | undefined
  readonly timeout?: Duration.Input | undefined
  readonly deadline?: Duration.Input | undefined
  readonly retry?: RetryPolicy.RetryPolicy | false | undefined
  readonly maxResponseBytes?: number | undefined
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  readonly rateLimit?:
    | "adaptive"
    | false
    | {
      readonly limit: number
      readonly interval: Duration.Input
      readonly algorithm?: "fixed-window" | "token-bucket" | undefined
      readonly adaptive?: boolean | undefined
    }
    | undefined
  readonly rateScope?: "layer" | "process" | undefined
  readonly sharedBudget?: SharedBudget.Store | undefined
  readonly loadShedding?: boolean | undefined
}

export interface Settings {
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
  readonly pacer: Pacer
}

/** A failed check as Effect 4's `ConfigError`, pointing at the option. */
export const configError = (path: ReadonlyArray<string>, message: string): Config.ConfigError =>
  new Config.ConfigError(
    new Schema.SchemaError(new SchemaIssue.Pointer(path, new SchemaIssue.InvalidValue({ message })))
  )

/** A duration option in milliseconds: a positive `Duration.Input`, or `Duration.infinity` for no limit. */
export const durationMillis = (name: string, input: unknown): Check<number> => {
  if (typeof input === "number") return CoreOptions.timeLimit(name, input)
  const decoded = isDurationInput(input) ? Duration.fromInput(input) : Option.none()
  if (Option.isNone(decoded)) return { ok: false, error: CoreSettings.notADuration(name, input) }
  return CoreOptions.timeLimit(name, Duration.toMillis(decoded.value))
}

const isDurationInput = (input: unknown): input is Duration.Input =>
  typeof input === "string" || typeof input === "bigint" || Duration.isDuration(input) ||
  (typeof input === "object" && input !== null)

/** `Duration.format` of a limit, for messages. */
export const formatMillis = (millis: number): string => Duration.format(Duration.millis(millis))

/**
 * The options, checked and resolved by the core (core/layer.ts): what `make` builds on, and what the Promise API
 * checks up front.
 */
export const checkOptions = (options: Options): Effect.Effect<Layer.Checked, Config.ConfigError> => {
  const key: unknown = options.secretKey
  const redacted = Redacted.isRedacted(key)
  const checked = Layer.check(
    { ...options, secretKey: { redacted, value: redacted ? Redacted.value(key) : undefined } },
    durationMillis
  )
  return checked.ok ? Effect.succeed(checked.value) : Effect.fail(configError(checked.path, checked.error))
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
  // Authorization header) somewhere the user did not configure. `fetch` follows by default, so its `RequestInit`
  // (the user's, if the layer was given one) says `manual`.
  const requestInit: RequestInit = { ...Option.getOrUndefined(init), redirect: "manual" }
  const prepared = HttpClient.transform(client, (effect) =>
    effect.pipe(
      Effect.provideService(FetchHttpClient.RequestInit, requestInit),
      // Clerk is a third party: the caller's trace ids are not sent to it. Spans still nest locally.
      Effect.provideService(HttpClient.TracerPropagationEnabled, false)
    ))
  return Exchange.fromHttpClient(options.transformClient === undefined ? prepared : options.transformClient(prepared))
}

export const make = (
  options: Options,
  client: HttpClient.HttpClient
): Effect.Effect<Settings, Config.ConfigError, Scope.Scope> =>
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

/** `path: message`, as the root face words a `ConfigError` for the Promise API's `TypeError`. */
export const describeConfigError = (error: Config.ConfigError): string => {
  const cause = error.cause
  if (!Schema.isSchemaError(cause)) return cause.message
  const path: Array<PropertyKey> = []
  let issue: SchemaIssue.Issue = cause.issue
  while (issue._tag === "Pointer") {
    path.push(...issue.path)
    issue = issue.issue
  }
  const message = issue._tag === "InvalidValue" ? issue.annotations?.message : undefined
  return message === undefined ? error.message : `${path.map(String).join(".")}: ${message}`
}
