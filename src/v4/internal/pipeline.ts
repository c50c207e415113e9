/**
 * The one request pipeline every Clients operation goes through (Effect 4 face), for one encoded request of one
 * endpoint: wait at the layer's pacer → one exchange with the transport (the attempt's time and byte limits as
 * arguments) → what the reply means (core/reply.ts) → decode; with the retry policy around the attempt and the
 * optional deadline around the whole call. Every rule and every message is the core's; this file is the Effect glue.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as Metric from "effect/Metric"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import { callLimits, fromExchangeFailure } from "../../core/attempt.js"
import type { Encoded, Endpoint, ResponseSchema } from "../../core/endpoints.js"
import { describe, formatPath } from "../../core/messages.js"
import { outcomeLabel } from "../../core/metrics.js"
import { errorBodyLimit } from "../../core/options.js"
import * as CoreReply from "../../core/reply.js"
import { describeShed } from "../../core/storm.js"
import { ClerkErrors, type ClientsError, SDKError } from "../ClerkError.js"
import * as ClerkMetrics from "../ClerkMetrics.js"
import type * as Exchange from "../Exchange.js"
import type * as RetryPolicy from "../RetryPolicy.js"
import { retryAfterMillis, retrying } from "./retry.js"
import { durationMillis, formatMillis, type Settings } from "./settings.js"
import { withTimeLimit } from "./timeLimit.js"

/** An endpoint of the table with the decoder of its response schema. */
export interface Operation<I, A> {
  readonly endpoint: Endpoint<string, I, ResponseSchema>
  readonly decode: (json: unknown) => Result.Result<A, Schema.SchemaError>
}

/** Per-call options, as the pipeline reads them. */
export interface CallOptions {
  readonly retry?: RetryPolicy.RetryPolicy | false | undefined
  readonly timeout?: Duration.Input | undefined
  readonly deadline?: Duration.Input | undefined
}

interface RequestContext {
  readonly operation: string
  readonly method: string
  readonly path: string
}

/** Metrics with their attributes, built once per operation and status, not per request. */
interface Meters {
  readonly pacingWait: Metric.Metric<number, unknown>
  readonly duration: Metric.Metric<number, unknown>
  readonly rateLimited: Metric.Metric<number, unknown>
  readonly shed: Metric.Metric<number, unknown>
  readonly requests: (label: string) => Metric.Metric<number, unknown>
}

const meterCache = new Map<string, Meters>()

const meters = (operation: string): Meters => {
  const cached = meterCache.get(operation)
  if (cached !== undefined) return cached
  const attributes = { operation }
  const byStatus = new Map<string, Metric.Metric<number, unknown>>()
  const made: Meters = {
    pacingWait: Metric.withAttributes(ClerkMetrics.pacingWait, attributes),
    duration: Metric.withAttributes(ClerkMetrics.requestDuration, attributes),
    rateLimited: Metric.withAttributes(ClerkMetrics.rateLimited, attributes),
    shed: Metric.withAttributes(ClerkMetrics.shed, attributes),
    requests: (label) => {
      let found = byStatus.get(label)
      if (found === undefined) {
        found = Metric.withAttributes(ClerkMetrics.requests, { operation, status: label })
        byStatus.set(label, found)
      }
      return found
    }
  }
  meterCache.set(operation, made)
  return made
}

/** Runs one operation: attempts under the retry policy, inside the optional overall deadline. */
export const execute = <I, A>(
  settings: Settings,
  operation: Operation<I, A>,
  encoded: Encoded,
  options: CallOptions | undefined
): Effect.Effect<A, ClientsError> =>
  Effect.suspend(() => {
    const endpoint = operation.endpoint
    const context: RequestContext = {
      operation: endpoint.operation,
      method: endpoint.method,
      path: settings.basePath + encoded.path
    }
    const checked = callLimits(settings, options, durationMillis)
    if (!checked.ok) {
      return Effect.fail(new SDKError({ ...context, reason: "InvalidRequest", description: checked.error }))
    }
    const { timeoutMillis, deadlineMillis } = checked.value
    const limits: Exchange.Limits = {
      timeoutMillis,
      maxBytes: settings.maxResponseBytes,
      maxErrorBytes: errorBodyLimit
    }
    const request = buildRequest(settings, endpoint, encoded)
    const policy = options?.retry === undefined ? settings.retry : options.retry
    const meter = meters(endpoint.operation)

    let attempts = 0
    // Waiting for our turn is outside the attempt's time limit (it is not the server being slow) and inside the
    // deadline (it is part of the call).
    const attempt = Effect.clockWith((clock) => {
      const go = (waited: number): Effect.Effect<A, ClientsError> => {
        attempts++
        const start = clock.currentTimeMillisUnsafe()
        let status: number | undefined
        const settle = (label: string, retryAfter: number) =>
          Effect.suspend(() => {
            const now = clock.currentTimeMillisUnsafe()
            settings.pacer.observe(now, status, retryAfter)
            const updates = [Metric.update(meter.requests(label), 1), Metric.update(meter.duration, now - start)]
            if (waited > 0) updates.push(Metric.update(meter.pacingWait, waited))
            if (status === 429) updates.push(Metric.update(meter.rateLimited, 1))
            return Effect.all(updates, { discard: true })
          })
        const exchanged = Effect.mapError(
          settings.exchange.exchange(request, limits),
          (error) => fromExchangeError(error, context, timeoutMillis)
        )
        return Effect.flatMap(exchanged, (reply) => {
          status = reply.status
          return interpret(settings, operation, reply, context, clock.currentTimeMillisUnsafe())
        }).pipe(
          Effect.tapError((error) => {
            status = error.status
            return settle(outcomeLabel(error), retryAfterMillis(error))
          }),
          Effect.tap(() => settle(String(status), 0))
        )
      }
      const now = clock.currentTimeMillisUnsafe()
      const shed = settings.pacer.shed(now)
      if (shed !== undefined) {
        return Effect.andThen(
          Metric.update(meter.shed, 1),
          Effect.fail(
            new SDKError({
              ...context,
              reason: "Shed",
              description: describeShed(shed, now),
              retryAfter: Duration.millis(Math.max(0, shed.until - now))
            })
          )
        )
      }
      const wait = settings.pacer.reserve(now)
      return wait === 0 ? go(0) : Effect.flatMap(settings.pacer.wait(wait), go)
    })

    const withRetries = (deadlineAt: number | undefined) =>
      policy === false ? attempt : retrying(attempt, policy, deadlineAt, endpoint.operation)

    const run = deadlineMillis === Number.POSITIVE_INFINITY
      ? withRetries(undefined)
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        withTimeLimit(
          withRetries(now + deadlineMillis),
          deadlineMillis,
          () =>
            new SDKError({
              ...context,
              reason: "Timeout",
              description: describe.deadline(formatMillis(deadlineMillis))
            })
        ))

    return Effect.mapError(run, (error) => withAttempts(error, attempts))
  })

/** A copy of the error that records how many attempts were made. */
const withAttempts = (error: ClientsError, attempts: number): ClientsError =>
  error._tag === "ClerkErrors" ? new ClerkErrors({ ...error, attempts }) : new SDKError({ ...error, attempts })

const buildRequest = (
  settings: Settings,
  endpoint: { readonly method: "GET" | "POST" },
  encoded: Encoded
): HttpClientRequest.HttpClientRequest => {
  const request = HttpClientRequest.make(endpoint.method)(settings.baseUrl + encoded.path, {
    headers: settings.headers,
    ...(encoded.urlParams === undefined ? {} : { urlParams: encoded.urlParams })
  })
  return encoded.body === undefined ? request : HttpClientRequest.bodyJsonUnsafe(request, encoded.body)
}

const fromExchangeError = (
  error: Exchange.ExchangeError,
  context: RequestContext,
  timeoutMillis: number
): SDKError => new SDKError({ ...context, ...fromExchangeFailure(error, formatMillis(timeoutMillis)) })

const interpret = <I, A>(
  settings: Settings,
  operation: Operation<I, A>,
  reply: Exchange.Reply,
  context: RequestContext,
  now: number
): Effect.Effect<A, ClientsError> => {
  const meaning = CoreReply.meaning(operation.endpoint.declaredStatuses, reply, settings.maxResponseBytes)
  const details = () => CoreReply.replyDetails(reply, Redacted.value(settings.secretKey))
  switch (meaning._tag) {
    case "Success": {
      const decoded = operation.decode(meaning.json)
      return Result.isSuccess(decoded)
        ? Effect.succeed(decoded.success)
        : Effect.fail(
          new SDKError({
            ...context,
            ...details(),
            reason: "Decode",
            description: describe.schemaMismatch(describeSchemaError(decoded.failure))
          })
        )
    }
    case "Undecodable":
      return Effect.fail(new SDKError({ ...context, ...details(), reason: "Decode", description: meaning.description }))
    case "ClerkErrors":
    case "Status":
      return Effect.fail(errorFor(reply, meaning, context, now, Redacted.value(settings.secretKey)))
  }
}

/** The face's error for a failure the core read off the reply (core/reply.ts `failureOf`). */
const errorFor = (
  reply: Exchange.Reply,
  meaning: Extract<CoreReply.Meaning, { readonly _tag: "ClerkErrors" | "Status" }>,
  context: RequestContext,
  now: number,
  secret: string
): ClientsError => {
  const failure = CoreReply.failureOf(reply, meaning, now, secret)
  const retryAfter = failure.retryAfterMillis === undefined
    ? {}
    : { retryAfter: Duration.millis(failure.retryAfterMillis) }
  return failure._tag === "ClerkErrors"
    ? new ClerkErrors({ ...context, ...failure.fields, ...retryAfter })
    : new SDKError({ ...context, ...failure.fields, ...retryAfter })
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * `path.to[0].field: message`, bounded: a schema failure must not copy a whole 500-client page into an error.
 * Formatting may print the offending value, which overflows the stack for a hostile, deeply nested one; then only
 * the path is given.
 */
const describeSchemaError = (error: Schema.SchemaError): string => {
  try {
    return formatter(error.issue).issues
      .slice(0, 3)
      .map((issue) => `${formatPath((issue.path ?? []).map(keyOf))}: ${CoreReply.truncate(issue.message, 200)}`)
      .join("; ")
  } catch {
    return `${formatPath(firstIssuePath(error.issue))}: invalid value (too deeply nested to show)`
  }
}

const keyOf = (segment: PropertyKey | { readonly key: PropertyKey }): PropertyKey =>
  typeof segment === "object" ? segment.key : segment

/** The path to the first leaf issue, found without formatting any value. */
const firstIssuePath = (root: SchemaIssue.Issue): ReadonlyArray<PropertyKey> => {
  const path: Array<PropertyKey> = []
  let issue: SchemaIssue.Issue | undefined = root
  while (issue !== undefined) {
    switch (issue._tag) {
      case "Pointer":
        path.push(...issue.path)
        issue = issue.issue
        break
      case "Composite":
        issue = issue.issues[0]
        break
      case "AnyOf":
        issue = issue.issues[0]
        break
      case "Filter":
      case "Encoding":
        issue = issue.issue
        break
      default:
        issue = undefined
    }
  }
  return path
}
