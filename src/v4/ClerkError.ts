/**
 * The two ways a Clients call fails (Effect 4 face), with the same tags, fields and messages as the root's:
 *
 * - `ClerkErrors`: Clerk answered with its JSON error body (`{ errors: [...] }`). Branch on `status` and on
 *   `errors[i].code`.
 * - `SDKError`: everything else — bad input caught before sending, transport failures, timeouts, a status without a
 *   Clerk body, a body that does not match the schema. `reason` says which.
 *
 * Neither ever carries the secret key: response headers are redacted and no request object is kept.
 *
 * @since 0.3.0
 */
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { clerkErrorsMessage, sdkErrorMessage, sdkErrorReasons } from "../core/messages.js"
import { isTransient } from "../core/status.js"
import * as Wire from "../core/wire.js"
import { schemaOf } from "./internal/wireSchema.js"

/**
 * Marks effect-clerk's errors, on both faces: the same `Symbol.for` key as the root's, so `isClientsError` knows an
 * error from either face and from any installed copy.
 *
 * @example
 * ```ts
 * import { ClerkError } from "effect-clerk/v4"
 * const mine = (u: object) => ClerkError.TypeId in u
 * ```
 * @since 0.3.0
 * @category Type IDs
 */
export const TypeId: unique symbol = Symbol.for("effect-clerk/ClerkError")

/**
 * @since 0.3.0
 * @category Type IDs
 */
export type TypeId = typeof TypeId

const UnknownRecord = Schema.Record(Schema.String, Schema.Unknown)

/**
 * One entry of Clerk's `errors` array.
 *
 * @example
 * ```ts
 * import { ClerkError } from "effect-clerk/v4"
 * const detail: ClerkError.ClerkErrorDetail = { code: "resource_not_found", message: "not found" }
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const ClerkErrorDetail = schemaOf(Wire.clerkErrorDetail)

/**
 * @since 0.3.0
 * @category Models
 */
export interface ClerkErrorDetail extends Schema.Schema.Type<typeof ClerkErrorDetail> {}

/**
 * The wire shape of Clerk's error body (`ClerkErrors` in the spec).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { ClerkError } from "effect-clerk/v4"
 * Schema.decodeUnknownSync(ClerkError.ClerkErrorsBody)({ errors: [{ code: "x", message: "y" }] })
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const ClerkErrorsBody = schemaOf(Wire.clerkErrorsBody)

/** Where a failure happened: the operation, and the method and path of its request (never headers). */
const requestContext = {
  /** e.g. `"Clients.get"`. */
  operation: Schema.String,
  method: Schema.String,
  /** The request path, e.g. `/v1/clients/client_123`. */
  path: Schema.String,
  /** How many attempts were made (retries included); absent when the input was rejected before any attempt. */
  attempts: Schema.optionalKey(Schema.Number)
}

const formatRetryAfter = (retryAfter: Duration.Duration | undefined): string | undefined =>
  retryAfter === undefined ? undefined : Duration.format(retryAfter)

/**
 * Clerk answered with an error body. Raised for the statuses the spec declares for the operation, and for
 * 403, 408, 429 and 5xx when the body is a Clerk error body.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * const program = Clients.Clients.use((c) => c.get("client_123")).pipe(
 *   Effect.catchTag("ClerkErrors", (e) => e.status === 404 ? Effect.succeed(null) : Effect.fail(e))
 * )
 * ```
 * @since 0.3.0
 * @category Errors
 */
export class ClerkErrors extends Schema.TaggedError<ClerkErrors>("effect-clerk/ClerkErrors")("ClerkErrors", {
  ...requestContext,
  status: Schema.Number,
  errors: Schema.Array(ClerkErrorDetail),
  meta: Schema.optionalKey(UnknownRecord),
  /** The body's `clerk_trace_id`, else the `Clerk-Trace-Id` response header: quote it to Clerk support. */
  clerkTraceId: Schema.optionalKey(Schema.String),
  /** From the `Retry-After` header (seconds or HTTP-date), when the response had one. */
  retryAfter: Schema.optionalKey(Schema.Duration)
}) {
  readonly [TypeId]: TypeId = TypeId

  /** Does the default policy retry it? True for 408, 429, 500, 502, 503 and 504. */
  get isRetryable(): boolean {
    return isTransient(this)
  }

  /** `retryAfter` in milliseconds, for code without Effect's `Duration` (the Promise API). */
  get retryAfterMillis(): number | undefined {
    return this.retryAfter === undefined ? undefined : Duration.toMillis(this.retryAfter)
  }

  override get message(): string {
    return clerkErrorsMessage(this, formatRetryAfter(this.retryAfter))
  }
}

/**
 * Why an {@link SDKError} happened.
 *
 * - `InvalidRequest`: the input was rejected before anything was sent.
 * - `Transport`: the request did not get a response (connection refused or reset, DNS, TLS).
 * - `Timeout`: an attempt, or the whole call's deadline, ran out.
 * - `StatusCode`: an error status without a Clerk error body (an HTML 502 from a proxy, a 3xx, an undeclared 4xx).
 * - `Decode`: a response that is not the JSON the spec promises, or is too large to read.
 * - `Shed`: nothing was sent, because Clerk looked unavailable (most recent attempts of the key failed);
 *   `retryAfter` says when the next probe may go. Never retried.
 *
 * @example
 * ```ts
 * import { ClerkError } from "effect-clerk/v4"
 * ClerkError.SDKErrorReason.literals.includes("Timeout") // true
 * ```
 * @since 0.3.0
 * @category Models
 */
export const SDKErrorReason = Schema.Literals(sdkErrorReasons)

/**
 * @since 0.3.0
 * @category Models
 */
export type SDKErrorReason = typeof SDKErrorReason.Type

/**
 * Every failure that is not a Clerk error body. `reason` tells them apart; `status`, `contentType`, `body` (an excerpt
 * of at most 2,048 characters) and `headers` (secrets redacted) are there when a response was received.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * Clients.Clients.use((c) => c.get("")).pipe(
 *   Effect.catchTag("SDKError", (e) => Effect.log(e.reason)) // "InvalidRequest": nothing was sent
 * )
 * ```
 * @since 0.3.0
 * @category Errors
 */
export class SDKError extends Schema.TaggedError<SDKError>("effect-clerk/SDKError")("SDKError", {
  ...requestContext,
  reason: SDKErrorReason,
  description: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  contentType: Schema.optionalKey(Schema.String),
  body: Schema.optionalKey(Schema.String),
  headers: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  retryAfter: Schema.optionalKey(Schema.Duration),
  /** The low-level cause (a socket error, a parse error); never an object that holds the request or its headers. */
  cause: Schema.optionalKey(Schema.Defect())
}) {
  readonly [TypeId]: TypeId = TypeId

  /** Does the default policy retry it? True for transport failures, timeouts and 408, 429, 500, 502, 503, 504. */
  get isRetryable(): boolean {
    return isTransient(this)
  }

  /** `retryAfter` in milliseconds, for code without Effect's `Duration` (the Promise API). */
  get retryAfterMillis(): number | undefined {
    return this.retryAfter === undefined ? undefined : Duration.toMillis(this.retryAfter)
  }

  override get message(): string {
    return sdkErrorMessage(this, formatRetryAfter(this.retryAfter))
  }
}

/**
 * Every way a Clients operation fails.
 *
 * @example
 * ```ts
 * import { ClerkError } from "effect-clerk/v4"
 * const describe = (e: ClerkError.ClientsError) => e._tag === "ClerkErrors" ? e.errors[0]?.code : e.reason
 * ```
 * @since 0.3.0
 * @category Models
 */
export type ClientsError = ClerkErrors | SDKError

/**
 * Is this one of effect-clerk's errors? Recognises errors of either face and of any installed copy of the package.
 *
 * @example
 * ```ts
 * import { ClerkError } from "effect-clerk/v4"
 * try { } catch (e) { if (ClerkError.isClientsError(e)) console.log(e._tag) }
 * ```
 * @since 0.3.0
 * @category Guards
 */
export const isClientsError = (u: unknown): u is ClientsError => Predicate.hasProperty(u, TypeId)

/**
 * Is it worth trying again? What the default policy retries: transport failures, timeouts, and 408, 429, 500, 502,
 * 503, 504. (A policy of your own may also retry other 5xx; no policy retries any other status or reason.)
 *
 * @example
 * ```ts
 * import { ClerkError } from "effect-clerk/v4"
 * const transient = (e: ClerkError.ClientsError) => ClerkError.isRetryable(e)
 * ```
 * @since 0.3.0
 * @category Guards
 */
export const isRetryable = (error: ClientsError): boolean => error.isRetryable
