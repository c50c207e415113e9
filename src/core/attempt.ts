/**
 * The rules of one call's attempts that both faces' pipelines follow, without Effect: which limits a call runs
 * under, and which error an exchange's failure becomes. Each face builds its own `SDKError` from these fields.
 */
import type { Check } from "./check.js"
import type { ExchangeFailure } from "./exchangeFailure.js"
import { describe, type SdkErrorReason } from "./messages.js"

/** A call's limits: its own options, each checked by `durationMillis` (a bad one rejects the call), else the layer's. */
export const callLimits = (
  layer: { readonly timeoutMillis: number; readonly deadlineMillis: number },
  call: { readonly timeout?: unknown; readonly deadline?: unknown } | undefined,
  durationMillis: (name: string, input: unknown) => Check<number>
): Check<{ readonly timeoutMillis: number; readonly deadlineMillis: number }> => {
  const timeout = call?.timeout === undefined ? undefined : durationMillis("timeout", call.timeout)
  if (timeout?.ok === false) return timeout
  const deadline = call?.deadline === undefined ? undefined : durationMillis("deadline", call.deadline)
  if (deadline?.ok === false) return deadline
  return {
    ok: true,
    value: {
      timeoutMillis: timeout?.value ?? layer.timeoutMillis,
      deadlineMillis: deadline?.value ?? layer.deadlineMillis
    }
  }
}

/**
 * How an exchange over a stock `HttpClient` keeps an attempt's time limit. `"real"` (the default): a real timer, since
 * the attempt is network time; it fires even while `TestClock` holds the Effect clock, as `UndiciHttpClient`'s own
 * limit does. `"effect"`: a timeout on the Effect clock, for a transport whose time is virtual too (an in-memory
 * backend that sleeps on `TestClock`, as `ClientsTest`'s does), so that `TestClock.adjust` drives the limit.
 */
export interface AdapterOptions {
  readonly timer?: "real" | "effect"
}

/** The `SDKError` fields an exchange's failure becomes; `timeout` is the attempt's limit as the faces format it. */
export const fromExchangeFailure = (failure: ExchangeFailure, timeout: string) => {
  const status = failure.status === undefined || failure.reason === "InvalidRequest" ? {} : { status: failure.status }
  const cause = failure.cause === undefined || failure.reason === "Timeout" ? {} : { cause: failure.cause }
  const reason: SdkErrorReason = failure.reason === "Undecodable" ? "Decode" : failure.reason
  const description = failure.reason === "Timeout" ? describe.attemptTimeout(timeout) : failure.description
  return { reason, description, ...status, ...cause }
}

/**
 * How long to wait before the retry a policy planned `plannedDelayMillis` from `now`, or `undefined` for no retry:
 * the server's `Retry-After` is a floor on the delay, and a retry that would start at or after `deadlineAt` (epoch
 * millis) is not attempted, so the caller gets the real error (with its `retryAfter`) rather than a timeout after a
 * useless sleep.
 */
export const retryDelay = (
  plannedDelayMillis: number,
  retryAfterMillis: number,
  now: number,
  deadlineAt: number | undefined
): number | undefined => {
  const delay = Math.max(0, Math.ceil(Math.max(plannedDelayMillis, retryAfterMillis)))
  return deadlineAt !== undefined && now + delay >= deadlineAt ? undefined : delay
}

/** What a retry says: the debug log line and the attributes of the log and of the `retry` event on the span. */
export const retryAnnouncement = (
  error: {
    readonly _tag: "ClerkErrors" | "SDKError"
    readonly operation: string
    readonly reason?: string
    readonly status?: number | undefined
  },
  retry: number,
  delayMillis: number
) => ({
  message: `${error.operation}: retry ${retry} in ${delayMillis} ms`,
  attributes: {
    "effect_clerk.retry": retry,
    "effect_clerk.delay_ms": delayMillis,
    "effect_clerk.reason": error._tag === "SDKError" && error.reason !== undefined ? error.reason : "ClerkErrors",
    "http.response.status_code": error.status ?? 0
  }
})
