/**
 * The one request pipeline every Clients operation goes through:
 * build request → send (per-attempt timeout) → map status → decode, with the retry policy around the attempt.
 *
 * @internal
 */
import * as Headers from "@effect/platform/Headers"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { ClerkErrors, ClerkErrorsBody, type ClientsError, SDKError } from "../ClerkError.js"
import type { CallOptions } from "../Clients.js"
import type { RetryPolicy } from "../RetryPolicy.js"
import { decoder } from "./fastDecode.js"
import { retrying } from "./retry.js"
import { AttemptTimedOut } from "./nativeTimeout.js"
import { timeoutFail } from "./timeout.js"

/** What one layer of `Clients` fixes once: where to send, how to authenticate, the defaults for every call. */
export interface Transport {
  readonly client: HttpClient.HttpClient
  /** The API base, without a trailing slash, e.g. `https://api.clerk.com/v1`. */
  readonly baseUrl: string
  /** The path part of `baseUrl`, for error messages. */
  readonly basePath: string
  readonly headers: Headers.Headers
  readonly secretKey: Redacted.Redacted<string>
  readonly timeout: Duration.Duration
  readonly retry: RetryPolicy | false
  readonly deadline: Duration.Duration | undefined
  readonly maxResponseBytes: number
  /** Waits for a permit of the layer's shared rate limiter (identity when there is none). */
  readonly rateLimit: <A, E>(attempt: Effect.Effect<A, E>) => Effect.Effect<A, E>
  /** The client is effect-clerk's own UndiciHttpClient, which enforces attempt timeouts itself. */
  readonly nativeTimeouts: boolean
}

/** One operation's request, already validated and encoded. */
interface Endpoint<A> {
  readonly operation: string
  readonly method: "GET" | "POST"
  /** Path below the base URL, with every dynamic segment already percent-encoded. */
  readonly path: string
  readonly urlParams?: ReadonlyArray<readonly [string, string]>
  readonly body?: unknown
  /** Statuses the spec declares for this operation; a Clerk error body with one of these is `ClerkErrors`. */
  readonly declaredStatuses: ReadonlySet<number>
  readonly decode: (json: unknown) => Either.Either<A, ParseResult.ParseError>
}

const errorBodyLimit = 64 * 1024
const excerptLimit = 2048

/** Runs one operation: attempts under the retry policy, inside the optional overall deadline. */
export const execute = <A>(
  transport: Transport,
  endpoint: Endpoint<A>,
  options: CallOptions | undefined
): Effect.Effect<A, ClientsError> =>
  Effect.suspend(() => {
    const context: RequestContext = {
      operation: endpoint.operation,
      method: endpoint.method,
      path: transport.basePath + endpoint.path
    }
    const request = buildRequest(transport, endpoint)
    const timeout = options?.timeout === undefined ? transport.timeout : Duration.decode(options.timeout)
    const policy = options?.retry === undefined ? transport.retry : options.retry
    const deadline = options?.deadline === undefined ? transport.deadline : Duration.decode(options.deadline)

    let attempts = 0
    // The permit wait is outside the attempt's timeout (waiting our turn is not the server being slow), inside the
    // deadline (it is part of the call).
    const attempt = transport.rateLimit(Effect.suspend(() => {
      attempts++
      return timeoutFail(
        send(transport, endpoint, request, context),
        timeout,
        () => attemptTimeout(context, timeout),
        transport.nativeTimeouts ? request : undefined
      )
    }))

    const withRetries = (deadlineAt: number | undefined) =>
      policy === false ? attempt : retrying(attempt, policy, deadlineAt)

    const run = deadline === undefined
      ? withRetries(undefined)
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        timeoutFail(
          withRetries(now + Duration.toMillis(deadline)),
          deadline,
          () => new SDKError({ ...context, reason: "Timeout", description: `call deadline of ${Duration.format(deadline)} passed` })
        ))

    return Effect.mapError(run, (error) => withAttempts(error, attempts))
  })

/** A copy of the error that records how many attempts were made. */
const withAttempts = (error: ClientsError, attempts: number): ClientsError =>
  error._tag === "ClerkErrors" ? new ClerkErrors({ ...error, attempts }) : new SDKError({ ...error, attempts })

interface RequestContext {
  readonly operation: string
  readonly method: string
  readonly path: string
}

const buildRequest = <A>(transport: Transport, endpoint: Endpoint<A>): HttpClientRequest.HttpClientRequest => {
  const request = HttpClientRequest.make(endpoint.method)(transport.baseUrl + endpoint.path, {
    headers: transport.headers,
    ...(endpoint.urlParams === undefined ? {} : { urlParams: endpoint.urlParams })
  })
  return endpoint.body === undefined ? request : HttpClientRequest.bodyUnsafeJson(request, endpoint.body)
}

const send = <A>(
  transport: Transport,
  endpoint: Endpoint<A>,
  request: HttpClientRequest.HttpClientRequest,
  context: RequestContext
): Effect.Effect<A, ClientsError> =>
  Effect.flatMap(
    Effect.mapError(transport.client.execute(request), (error) => fromRequestError(error, context)),
    (response) => interpret(transport, endpoint, response, context)
  )

const attemptTimeout = (context: RequestContext, limit: Duration.Duration): SDKError =>
  new SDKError({ ...context, reason: "Timeout", description: `attempt exceeded ${Duration.format(limit)}` })

/** The transport enforced the attempt's time limit (effect-clerk's UndiciHttpClient does, on the live clock). */
const attemptTimedOut = (cause: unknown, context: RequestContext): SDKError | undefined =>
  cause instanceof AttemptTimedOut ? attemptTimeout(context, Duration.millis(cause.millis)) : undefined

const fromRequestError = (error: HttpClientError.HttpClientError, context: RequestContext): SDKError => {
  const timedOut = attemptTimedOut(error.cause, context)
  if (timedOut !== undefined) return timedOut
  const cause = lowLevelCause(error.cause)
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new SDKError({ ...context, reason: "InvalidRequest", description: `request could not be built (${error.reason})`, ...cause })
  }
  return new SDKError({ ...context, reason: "Transport", description: describeCause(error.cause) ?? "no response", ...cause })
}

/** Keeps the socket-level error, never the platform error (it holds the request, and so the Authorization header). */
const lowLevelCause = (cause: unknown): { cause?: unknown } => (cause === undefined ? {} : { cause })

const describeCause = (cause: unknown): string | undefined => {
  if (!(cause instanceof Error)) return undefined
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
  const code = "code" in cause && typeof cause.code === "string" ? ` [${cause.code}]` : ""
  return `${cause.message}${inner}${code}`
}

const interpret = <A>(
  transport: Transport,
  endpoint: Endpoint<A>,
  response: HttpClientResponse.HttpClientResponse,
  context: RequestContext
): Effect.Effect<A, ClientsError> => {
  const status = response.status
  const contentType = response.headers["content-type"]
  const json = isJson(contentType)
  if (status >= 200 && status < 300) {
    return Effect.flatMap(readText(response, transport.maxResponseBytes, context), (body) => {
      const failDecode = (description: string) =>
        Effect.fail(new SDKError({ ...context, ...responseDetails(transport, response, body), reason: "Decode", description }))
      if (body.truncated) return failDecode(`response body exceeds the ${transport.maxResponseBytes}-byte limit`)
      if (!json) return failDecode(`expected application/json, got ${contentType ?? "no content type"}`)
      const parsed = parseJson(body.text)
      if (Either.isLeft(parsed)) return failDecode(`invalid JSON: ${parsed.left.message}`)
      const decoded = endpoint.decode(parsed.right)
      return Either.isRight(decoded)
        ? Effect.succeed(decoded.right)
        : failDecode(`response does not match the schema: ${describeParseError(decoded.left)}`)
    })
  }
  return Effect.flatMap(
    Effect.zip(readText(response, errorBodyLimit, context), parseRetryAfter(response.headers["retry-after"])),
    ([body, retryAfter]) => Effect.fail(errorFor(transport, endpoint, response, context, body, json, retryAfter))
  )
}

const errorFor = <A>(
  transport: Transport,
  endpoint: Endpoint<A>,
  response: HttpClientResponse.HttpClientResponse,
  context: RequestContext,
  body: BodyText,
  json: boolean,
  retryAfter: Duration.Duration | undefined
): ClientsError => {
  const status = response.status
  const retryAfterField = retryAfter === undefined ? {} : { retryAfter }
  if (json && mayCarryClerkErrors(endpoint, status)) {
    const clerk = decodeClerkErrors(body.text)
    if (clerk !== undefined) {
      const traceId = clerk.clerkTraceId ?? response.headers["clerk-trace-id"]
      return new ClerkErrors({
        ...context,
        status,
        errors: clerk.errors,
        ...(clerk.meta === undefined ? {} : { meta: clerk.meta }),
        ...(traceId === undefined ? {} : { clerkTraceId: traceId }),
        ...retryAfterField
      })
    }
  }
  return new SDKError({
    ...context,
    ...responseDetails(transport, response, body),
    ...retryAfterField,
    reason: "StatusCode",
    description: `unexpected status ${status}`
  })
}

const mayCarryClerkErrors = <A>(endpoint: Endpoint<A>, status: number): boolean =>
  endpoint.declaredStatuses.has(status) || status === 403 || status === 408 || status === 429 || status >= 500

const isJson = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  const mediaType = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? ""
  return mediaType === "application/json" || (mediaType.startsWith("application/") && mediaType.endsWith("+json"))
}

const parseJson = (text: string): Either.Either<unknown, Error> =>
  Either.try({ try: () => JSON.parse(text), catch: (e) => (e instanceof Error ? e : new Error(String(e))) })

const decodeClerkErrorsBody = decoder(ClerkErrorsBody)

const decodeClerkErrors = (text: string) => {
  const parsed = parseJson(text)
  if (Either.isLeft(parsed)) return undefined
  return Either.getOrUndefined(decodeClerkErrorsBody(parsed.right))
}

/**
 * `path.to[0].field: message`, bounded: a schema failure must not copy a whole 500-client page into an error.
 * Schema's messages print the offending value, which overflows the stack for a hostile, deeply nested one; then
 * only the path is given.
 */
const describeParseError = (error: ParseResult.ParseError): string =>
  Either.try(() =>
    ParseResult.ArrayFormatter.formatErrorSync(error)
      .slice(0, 3)
      .map((issue) => `${formatPath(issue.path)}: ${truncate(issue.message, 200)}`)
      .join("; ")
  ).pipe(Either.getOrElse(() => `${formatPath(firstIssuePath(error.issue))}: invalid value (too deeply nested to show)`))

/** The path to the first leaf issue, found without formatting any value. */
const firstIssuePath = (root: ParseResult.ParseIssue): ReadonlyArray<PropertyKey> => {
  const path: Array<PropertyKey> = []
  let issue: ParseResult.ParseIssue | undefined = root
  while (issue !== undefined) {
    switch (issue._tag) {
      case "Pointer":
        path.push(...(Array.isArray(issue.path) ? issue.path : [issue.path]))
        issue = issue.issue
        break
      case "Composite":
        issue = Array.isArray(issue.issues) ? issue.issues[0] : issue.issues
        break
      case "Refinement":
      case "Transformation":
        issue = issue.issue
        break
      default:
        issue = undefined
    }
  }
  return path
}

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0
    ? "(root)"
    : path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("")

const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more chars)`

interface BodyText {
  readonly text: string
  readonly truncated: boolean
}

/**
 * Reads at most `limit` bytes. A declared `Content-Length` within the limit takes the fast path; anything else is
 * streamed and cut, so a hostile or broken server cannot make us buffer an unbounded body.
 */
const readText = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number,
  context: RequestContext
): Effect.Effect<BodyText, SDKError> => {
  const declared = Number(response.headers["content-length"])
  const read: Effect.Effect<BodyText, HttpClientError.ResponseError> =
    Number.isFinite(declared) && declared <= limit
      ? Effect.map(response.text, (text) => ({ text, truncated: false }))
      : readBounded(response, limit)
  return Effect.mapError(read, (error) =>
    attemptTimedOut(error.cause, context) ?? new SDKError({
      ...context,
      status: response.status,
      reason: "Transport",
      description: `response body could not be read: ${describeCause(error.cause) ?? error.message}`,
      ...lowLevelCause(error.cause)
    }))
}

const readBounded = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<BodyText, HttpClientError.ResponseError> =>
  response.stream.pipe(
    Stream.runFoldWhile(
      { chunks: new Array<Uint8Array>(), size: 0 },
      (acc) => acc.size <= limit,
      (acc, chunk) => {
        acc.chunks.push(chunk)
        return { chunks: acc.chunks, size: acc.size + chunk.length }
      }
    ),
    Effect.map(({ chunks, size }) => {
      const bytes = new Uint8Array(Math.min(size, limit))
      let offset = 0
      for (const chunk of chunks) {
        if (offset >= bytes.length) break
        const part = chunk.subarray(0, bytes.length - offset)
        bytes.set(part, offset)
        offset += part.length
      }
      return { text: new TextDecoder().decode(bytes), truncated: size > limit }
    })
  )

const responseDetails = (
  transport: Transport,
  response: HttpClientResponse.HttpClientResponse,
  body: BodyText
) => {
  const contentType = response.headers["content-type"]
  return {
    status: response.status,
    ...(contentType === undefined ? {} : { contentType }),
    body: scrub(truncate(body.text, excerptLimit), transport.secretKey),
    headers: redactHeaders(response.headers)
  }
}

/** A server that echoes our Authorization header must not get the key into an error message. */
const scrub = (text: string, secret: Redacted.Redacted<string>): string => {
  const value = Redacted.value(secret)
  return value.length === 0 ? text : text.split(value).join("<redacted>")
}

/** The platform's redaction, with its default names plus proxy credentials, rendered as plain strings for errors. */
const redactedNames = ["authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"]

const redactHeaders = (headers: Headers.Headers): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(Headers.redact(headers, redactedNames))) out[name] = String(value)
  return out
}

/** `Retry-After` as delta-seconds or an HTTP-date (relative to the Effect clock, so `TestClock` drives it). */
const parseRetryAfter = (value: string | undefined): Effect.Effect<Duration.Duration | undefined> => {
  if (value === undefined) return Effect.succeed(undefined)
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Effect.succeed(Duration.seconds(Number(trimmed)))
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return Effect.succeed(undefined)
  return Effect.map(Clock.currentTimeMillis, (now) => Duration.millis(Math.max(0, date - now)))
}
