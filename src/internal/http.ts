/**
 * The one request pipeline every Clients operation goes through, for one encoded request of one endpoint:
 *
 * wait for the layer's pacer → send through the transport (which is offered the attempt's time limit) → read the
 * body, bounded → map the status through the status table → decode; with the retry policy around the attempt and
 * the optional deadline around the whole call.
 *
 * @internal
 */
import * as Headers from "@effect/platform/Headers"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as MetricLabel from "effect/MetricLabel"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import { ClerkErrors, ClerkErrorsBody, type ClientsError, SDKError } from "../ClerkError.js"
import * as ClerkMetrics from "../ClerkMetrics.js"
import type { CallOptions } from "../Clients.js"
import { AttemptTimeout, type AttemptTimeoutOffer, type BodyText, timeout } from "./attempt.js"
import { isUndecodable, readBounded } from "./body.js"
import type { Encoded, Endpoint } from "./endpoints.js"
import { decoder } from "./fastDecode.js"
import { retrying } from "./retry.js"
import { carriesClerkErrors, retryAfterMillis } from "./status.js"
import type { Transport } from "./transport.js"

const errorBodyLimit = 64 * 1024
const excerptLimit = 2048

/** Runs one operation: attempts under the retry policy, inside the optional overall deadline. */
export const execute = <I, A>(
  transport: Transport,
  endpoint: Endpoint<I, A>,
  encoded: Encoded,
  options: CallOptions | undefined
): Effect.Effect<A, ClientsError> =>
  Effect.suspend(() => {
    const context: RequestContext = {
      operation: endpoint.operation,
      method: endpoint.method,
      path: transport.basePath + encoded.path
    }
    const request = buildRequest(transport, endpoint, encoded)
    const limit = options?.timeout === undefined ? transport.timeout : Duration.decode(options.timeout)
    const limitMillis = Duration.toMillis(limit)
    const policy = options?.retry === undefined ? transport.retry : options.retry
    const deadline = options?.deadline === undefined ? transport.deadline : Duration.decode(options.deadline)
    const tags = metricTags(endpoint.operation)

    let attempts = 0
    const onTimeout = () => attemptTimeout(context, limit)
    // Waiting for our turn is outside the attempt's timeout (it is not the server being slow) and inside the
    // deadline (it is part of the call).
    const attempt = Effect.clockWith((clock) => {
      const go = (waited: number): Effect.Effect<A, ClientsError> => {
        attempts++
        if (waited > 0) ClerkMetrics.pacingWait.unsafeUpdate(waited, tags.operation)
        const start = clock.unsafeCurrentTimeMillis()
        const offer = transport.timeouts.offer(clock, limitMillis)
        const seen: { status: number | undefined } = { status: undefined }
        const settle = (status: number | undefined, label: string, retryAfter: number) => {
          const now = clock.unsafeCurrentTimeMillis()
          transport.timeouts.settle(offer)
          transport.pacer.observe(now, status, retryAfter)
          ClerkMetrics.requests.unsafeUpdate(1, tags.status(label))
          ClerkMetrics.requestDuration.unsafeUpdate(now - start, tags.operation)
          if (status === 429) ClerkMetrics.rateLimited.unsafeUpdate(1, tags.operation)
        }
        const sent = transport.timeouts.limit(
          send(transport, endpoint, request, context, offer, seen),
          offer,
          limitMillis,
          onTimeout
        )
        return Effect.mapBoth(sent, {
          onSuccess: (value) => {
            settle(seen.status, String(seen.status), 0)
            return value
          },
          onFailure: (error) => {
            settle(error.status, outcomeLabel(error), retryAfterMillis(error))
            return error
          }
        })
      }
      const wait = transport.pacer.reserve(clock.unsafeCurrentTimeMillis())
      return wait === 0 ? go(0) : Effect.flatMap(transport.pacer.wait(wait), go)
    })

    const withRetries = (deadlineAt: number | undefined) =>
      policy === false ? attempt : retrying(attempt, policy, deadlineAt, tags.operation)

    const run = deadline === undefined
      ? withRetries(undefined)
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        timeout(
          withRetries(now + Duration.toMillis(deadline)),
          deadline,
          () =>
            new SDKError({
              ...context,
              reason: "Timeout",
              description: `call deadline of ${Duration.format(deadline)} passed`
            })
        ))

    return Effect.mapError(run, (error) => withAttempts(error, attempts))
  })

interface MetricTags {
  readonly operation: ReadonlyArray<MetricLabel.MetricLabel>
  readonly status: (label: string) => ReadonlyArray<MetricLabel.MetricLabel>
}

const tagCache = new Map<string, MetricTags>()

/** Tags built once per operation and status, not per request. */
const metricTags = (operation: string): MetricTags => {
  const cached = tagCache.get(operation)
  if (cached !== undefined) return cached
  const operationTag = [MetricLabel.make("operation", operation)]
  const byStatus = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
  const tags: MetricTags = {
    operation: operationTag,
    status: (label) => {
      let found = byStatus.get(label)
      if (found === undefined) {
        found = [...operationTag, MetricLabel.make("status", label)]
        byStatus.set(label, found)
      }
      return found
    }
  }
  tagCache.set(operation, tags)
  return tags
}

/** The `status` tag of a failed attempt: its HTTP status, else what went wrong. */
const outcomeLabel = (error: ClientsError): string => {
  if (error.status !== undefined) return String(error.status)
  return error._tag === "SDKError" ? error.reason.toLowerCase() : "unknown"
}

/** A copy of the error that records how many attempts were made. */
const withAttempts = (error: ClientsError, attempts: number): ClientsError =>
  error._tag === "ClerkErrors" ? new ClerkErrors({ ...error, attempts }) : new SDKError({ ...error, attempts })

interface RequestContext {
  readonly operation: string
  readonly method: string
  readonly path: string
}

const buildRequest = <I, A>(
  transport: Transport,
  endpoint: Endpoint<I, A>,
  encoded: Encoded
): HttpClientRequest.HttpClientRequest => {
  const request = HttpClientRequest.make(endpoint.method)(transport.baseUrl + encoded.path, {
    headers: transport.headers,
    ...(encoded.urlParams === undefined ? {} : { urlParams: encoded.urlParams })
  })
  return encoded.body === undefined ? request : HttpClientRequest.bodyUnsafeJson(request, encoded.body)
}

/** One attempt: the request through the transport, with the attempt's services (the time limit offer, if any). */
const send = <I, A>(
  transport: Transport,
  endpoint: Endpoint<I, A>,
  request: HttpClientRequest.HttpClientRequest,
  context: RequestContext,
  offer: AttemptTimeoutOffer | undefined,
  seen: { status: number | undefined }
): Effect.Effect<A, ClientsError> => {
  const services = offer === undefined
    ? transport.attemptContext
    : Context.add(transport.attemptContext, AttemptTimeout, offer)
  const response = Effect.mapError(
    transport.client.execute(request),
    (error) => fromRequestError(error, context, offer)
  )
  return Effect.mapInputContext(
    Effect.flatMap(response, (response) => {
      seen.status = response.status
      return interpret(transport, endpoint, response, context, offer)
    }),
    (outer) => Context.merge(outer, services)
  )
}

const attemptTimeout = (context: RequestContext, limit: Duration.Duration): SDKError =>
  new SDKError({ ...context, reason: "Timeout", description: `attempt exceeded ${Duration.format(limit)}` })

/** The transport enforced the attempt's time limit and reported that it passed. */
const attemptTimedOut = (offer: AttemptTimeoutOffer | undefined, context: RequestContext): SDKError | undefined =>
  offer?.expired === true ? attemptTimeout(context, Duration.millis(offer.millis)) : undefined

const fromRequestError = (
  error: HttpClientError.HttpClientError,
  context: RequestContext,
  offer: AttemptTimeoutOffer | undefined
): SDKError => {
  const timedOut = attemptTimedOut(offer, context)
  if (timedOut !== undefined) return timedOut
  const cause = lowLevelCause(error.cause)
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new SDKError({
      ...context,
      reason: "InvalidRequest",
      description: `request could not be built (${error.reason})`,
      ...cause
    })
  }
  return new SDKError({
    ...context,
    reason: "Transport",
    description: describeCause(error.cause) ?? "no response",
    ...cause
  })
}

/** Keeps the socket-level error, never the platform error (it holds the request, and so the Authorization header). */
const lowLevelCause = (cause: unknown): { cause?: unknown } => (cause === undefined ? {} : { cause })

const describeCause = (cause: unknown): string | undefined => {
  if (!(cause instanceof Error)) return undefined
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
  const code = "code" in cause && typeof cause.code === "string" ? ` [${cause.code}]` : ""
  return `${cause.message}${inner}${code}`
}

const interpret = <I, A>(
  transport: Transport,
  endpoint: Endpoint<I, A>,
  response: HttpClientResponse.HttpClientResponse,
  context: RequestContext,
  offer: AttemptTimeoutOffer | undefined
): Effect.Effect<A, ClientsError> => {
  const status = response.status
  const contentType = response.headers["content-type"]
  const json = isJson(contentType)
  if (status >= 200 && status < 300) {
    return Effect.flatMap(readText(response, transport.maxResponseBytes, context, offer), (body) => {
      const failDecode = (description: string) =>
        Effect.fail(
          new SDKError({ ...context, ...responseDetails(transport, response, body), reason: "Decode", description })
        )
      if (body.truncated) {
        return failDecode(`response too large: the body exceeds the ${transport.maxResponseBytes}-byte limit`)
      }
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
    Effect.zip(readText(response, errorBodyLimit, context, offer), parseRetryAfter(response.headers["retry-after"])),
    ([body, retryAfter]) => Effect.fail(errorFor(transport, endpoint, response, context, body, json, retryAfter))
  )
}

const errorFor = <I, A>(
  transport: Transport,
  endpoint: Endpoint<I, A>,
  response: HttpClientResponse.HttpClientResponse,
  context: RequestContext,
  body: BodyText,
  json: boolean,
  retryAfter: Duration.Duration | undefined
): ClientsError => {
  const status = response.status
  const retryAfterField = retryAfter === undefined ? {} : { retryAfter }
  if (json && carriesClerkErrors(endpoint.declaredStatuses, status)) {
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
  ).pipe(
    Either.getOrElse(() => `${formatPath(firstIssuePath(error.issue))}: invalid value (too deeply nested to show)`)
  )

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

/** The body, bounded (see body.ts); a read that fails is a transport failure, or the body's fault when undecodable. */
const readText = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number,
  context: RequestContext,
  offer: AttemptTimeoutOffer | undefined
): Effect.Effect<BodyText, SDKError> =>
  Effect.mapError(readBounded(response, limit), (error) =>
    attemptTimedOut(offer, context) ?? new SDKError({
      ...context,
      status: response.status,
      reason: isUndecodable(error.cause) ? "Decode" : "Transport",
      description: `response body could not be read: ${describeCause(error.cause) ?? error.message}`,
      ...lowLevelCause(error.cause)
    }))

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
