/**
 * The metrics effect-clerk records (Effect 4 face), as Effect `Metric`s with the root's names: read them with
 * `Metric.value`, snapshot them with `Metric.snapshot`, or export them with the spans through Effect's
 * OpenTelemetry support. Every metric has the attribute `operation` (`Clients.list`, `Clients.get`,
 * `Clients.verify`).
 *
 * | metric | type | extra attributes | what it counts |
 * | --- | --- | --- | --- |
 * | `effect_clerk_requests_total` | counter | `status` (`200`, `429`, …, or `transport`, `timeout`) | attempts sent, by outcome |
 * | `effect_clerk_retries_total` | counter | | retries scheduled by the retry policy |
 * | `effect_clerk_rate_limited_total` | counter | | attempts Clerk answered with 429 |
 * | `effect_clerk_pacing_wait_ms_total` | counter | | milliseconds attempts waited at the shared gate and pacer |
 * | `effect_clerk_shed_total` | counter | | calls shed, with no request, while Clerk looked unavailable |
 * | `effect_clerk_request_duration_ms` | histogram | | time from sending an attempt to its outcome |
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const rateLimited = Metric.value(Metric.withAttributes(ClerkMetrics.rateLimited, { operation: "Clients.get" }))
 * ```
 *
 * @since 0.3.0
 */
import * as Metric from "effect/Metric"
import { metrics } from "../core/metrics.js"

/**
 * Attempts sent, with the attributes `operation` and `status`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const ok = Metric.withAttributes(ClerkMetrics.requests, { operation: "Clients.get", status: "200" })
 * ```
 * @since 0.3.0
 * @category Metrics
 */
export const requests = Metric.counter(metrics.requests.name, {
  description: metrics.requests.description,
  incremental: true
})

/**
 * Retries scheduled, with the attribute `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const getRetries = Metric.value(Metric.withAttributes(ClerkMetrics.retries, { operation: "Clients.get" }))
 * ```
 * @since 0.3.0
 * @category Metrics
 */
export const retries = Metric.counter(metrics.retries.name, {
  description: metrics.retries.description,
  incremental: true
})

/**
 * Attempts answered with 429, with the attribute `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const throttled = Metric.value(Metric.withAttributes(ClerkMetrics.rateLimited, { operation: "Clients.get" }))
 * ```
 * @since 0.3.0
 * @category Metrics
 */
export const rateLimited = Metric.counter(metrics.rateLimited.name, {
  description: metrics.rateLimited.description,
  incremental: true
})

/**
 * Milliseconds attempts waited for their turn (the shared gate after a 429 or 503, the fixed and adaptive rates),
 * with the attribute `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const waited = Metric.value(Metric.withAttributes(ClerkMetrics.pacingWait, { operation: "Clients.get" }))
 * ```
 * @since 0.3.0
 * @category Metrics
 */
export const pacingWait = Metric.counter(metrics.pacingWait.name, {
  description: metrics.pacingWait.description,
  incremental: true
})

/**
 * Attempt latency in milliseconds (sent to outcome, body read and decoded), with the attribute `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const latency = Metric.value(Metric.withAttributes(ClerkMetrics.requestDuration, { operation: "Clients.get" }))
 * ```
 * @since 0.3.0
 * @category Metrics
 */
export const requestDuration = Metric.histogram(metrics.requestDuration.name, {
  description: metrics.requestDuration.description,
  boundaries: Metric.exponentialBoundaries(metrics.requestDuration.boundaries)
})

/**
 * Calls shed while Clerk looked unavailable (the circuit was open): they failed at once with `SDKError` `Shed`, and
 * nothing was sent. With the attribute `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const shed = Metric.value(Metric.withAttributes(ClerkMetrics.shed, { operation: "Clients.get" }))
 * ```
 * @since 0.3.0
 * @category Metrics
 */
export const shed = Metric.counter(metrics.shed.name, {
  description: metrics.shed.description,
  incremental: true
})

/**
 * Times this process's gate was closed by another process through the shared budget (`sharedBudget`): a 429 or 503
 * with `Retry-After` that another process received.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const heldByPeers = Metric.value(ClerkMetrics.sharedGate)
 * ```
 * @since 0.3.0
 * @category Metrics
 */
export const sharedGate = Metric.counter(metrics.sharedGate.name, {
  description: metrics.sharedGate.description,
  incremental: true
})

/**
 * Times the shared budget's store failed or was too slow, and calls went on under the process-local budget.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk/v4"
 * const outages = Metric.value(ClerkMetrics.sharedFallbacks)
 * ```
 * @since 0.3.0
 * @category Metrics
 */
export const sharedFallbacks = Metric.counter(metrics.sharedFallbacks.name, {
  description: metrics.sharedFallbacks.description,
  incremental: true
})
