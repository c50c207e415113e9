/**
 * The one request pipeline every Clients operation goes through, for one encoded request of one endpoint:
 *
 * wait at the layer's pacer → one exchange with the transport (the attempt's time and byte limits as arguments) →
 * what the reply means (core/reply.ts) → decode; with the retry policy around the attempt and the optional deadline
 * around the whole call.
 *
 * @internal
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as MetricLabel from "effect/MetricLabel"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import { ClerkErrors, type ClientsError, SDKError } from "../ClerkError.js"
import * as ClerkMetrics from "../ClerkMetrics.js"
import type { CallOptions } from "../Clients.js"
import { callLimits, fromExchangeFailure } from "../core/attempt.js"
import type { Encoded, Endpoint, ResponseSchema } from "../core/endpoints.js"
import { describe, formatPath } from "../core/messages.js"
import { outcomeLabel } from "../core/metrics.js"
import { errorBodyLimit } from "../core/options.js"
import * as CoreReply from "../core/reply.js"
import { describeShed } from "../core/storm.js"
import type * as Exchange from "../Exchange.js"
import { retrying } from "./retry.js"
import { durationMillis, formatMillis, type Settings } from "./settings.js"
import { retryAfterMillis } from "./status.js"
import { withTimeLimit } from "./timeLimit.js"

/** An endpoint of the table with the decoder of its response schema. */
export interface Operation<I, A> {
  readonly endpoint: Endpoint<string, I, ResponseSchema>
  readonly decode: (json: unknown) => Either.Either<A, ParseResult.ParseError>
}

interface RequestContext {
  readonly operation: string
  readonly method: string
  readonly path: string
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
    const tags = metricTags(endpoint.operation)

    let attempts = 0
    // Waiting for our turn is outside the attempt's time limit (it is not the server being slow) and inside the
    // deadline (it is part of the call).
    const attempt = Effect.clockWith((clock) => {
      const go = (waited: number): Effect.Effect<A, ClientsError> => {
        attempts++
        if (waited > 0) ClerkMetrics.pacingWait.unsafeUpdate(waited, tags.operation)
        const start = clock.unsafeCurrentTimeMillis()
        let status: number | undefined
        const settle = (label: string, retryAfter: number) => {
          const now = clock.unsafeCurrentTimeMillis()
          settings.pacer.observe(now, status, retryAfter)
          ClerkMetrics.requests.unsafeUpdate(1, tags.status(label))
          ClerkMetrics.requestDuration.unsafeUpdate(now - start, tags.operation)
          if (status === 429) ClerkMetrics.rateLimited.unsafeUpdate(1, tags.operation)
        }
        const exchanged = Effect.mapError(
          settings.exchange.exchange(request, limits),
          (error) => fromExchangeError(error, context, timeoutMillis)
        )
        return Effect.mapBoth(
          Effect.flatMap(exchanged, (reply) => {
            status = reply.status
            return interpret(settings, operation, reply, context, clock.unsafeCurrentTimeMillis())
          }),
          {
            onSuccess: (value) => {
              settle(String(status), 0)
              return value
            },
            onFailure: (error) => {
              status = error.status
              settle(outcomeLabel(error), retryAfterMillis(error))
              return error
            }
          }
        )
      }
      const now = clock.unsafeCurrentTimeMillis()
      const shed = settings.pacer.shed(now)
      if (shed !== undefined) {
        ClerkMetrics.shed.unsafeUpdate(1, tags.operation)
        return Effect.fail(
          new SDKError({
            ...context,
            reason: "Shed",
            description: describeShed(shed, now),
            retryAfter: Duration.millis(Math.max(0, shed.until - now))
          })
        )
      }
      const wait = settings.pacer.reserve(now)
      return wait === 0 ? go(0) : Effect.flatMap(settings.pacer.wait(wait), go)
    })

    const withRetries = (deadlineAt: number | undefined) =>
      policy === false ? attempt : retrying(attempt, policy, deadlineAt, tags.operation)

    const run = deadlineMillis === Number.POSITIVE_INFINITY
      ? withRetries(undefined)
      : Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) =>
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
  return encoded.body === undefined ? request : HttpClientRequest.bodyUnsafeJson(request, encoded.body)
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
      return Either.isRight(decoded)
        ? Effect.succeed(decoded.right)
        : Effect.fail(
          new SDKError({
            ...context,
            ...details(),
            reason: "Decode",
            description: describe.schemaMismatch(describeParseError(decoded.left))
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

/**
 * `path.to[0].field: message`, bounded: a schema failure must not copy a whole 500-client page into an error.
 * Schema's messages print the offending value, which overflows the stack for a hostile, deeply nested one; then
 * only the path is given.
 */
const describeParseError = (error: ParseResult.ParseError): string =>
  Either.try(() =>
    ParseResult.ArrayFormatter.formatErrorSync(error)
      .slice(0, 3)
      .map((issue) => `${formatPath(issue.path)}: ${CoreReply.truncate(issue.message, 200)}`)
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
