/**
 * The metrics effect-clerk records, as Effect `Metric`s: read them with `Metric.value`, snapshot them with
 * `Metric.snapshot`, or export them (with the spans) through `@effect/opentelemetry`. Every metric is tagged with
 * `operation` (`Clients.list`, `Clients.get`, `Clients.verify`).
 *
 * | metric | type | extra tags | what it counts |
 * | --- | --- | --- | --- |
 * | `effect_clerk_requests_total` | counter | `status` (`200`, `429`, …, or `transport`, `timeout`) | attempts sent, by outcome |
 * | `effect_clerk_retries_total` | counter | | retries scheduled by the retry policy |
 * | `effect_clerk_rate_limited_total` | counter | | attempts Clerk answered with 429 |
 * | `effect_clerk_pacing_wait_ms_total` | counter | | milliseconds attempts waited at the shared gate and pacer |
 * | `effect_clerk_request_duration_ms` | histogram | | time from sending an attempt to its outcome |
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk"
 * const rateLimited = Metric.value(ClerkMetrics.rateLimited.pipe(Metric.tagged("operation", "Clients.get")))
 * ```
 *
 * @since 0.2.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/**
 * Attempts sent, tagged `operation` and `status`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk"
 * const ok = ClerkMetrics.requests.pipe(Metric.tagged("operation", "Clients.get"), Metric.tagged("status", "200"))
 * ```
 * @since 0.2.0
 * @category Metrics
 */
export const requests = Metric.counter("effect_clerk_requests_total", {
  description: "Attempts sent to Clerk, by operation and outcome (HTTP status, transport or timeout)",
  incremental: true
})

/**
 * Retries scheduled, tagged `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk"
 * const getRetries = Metric.value(ClerkMetrics.retries.pipe(Metric.tagged("operation", "Clients.get")))
 * ```
 * @since 0.2.0
 * @category Metrics
 */
export const retries = Metric.counter("effect_clerk_retries_total", {
  description: "Retries scheduled by the retry policy, by operation",
  incremental: true
})

/**
 * Attempts answered with 429, tagged `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk"
 * const throttled = Metric.value(ClerkMetrics.rateLimited.pipe(Metric.tagged("operation", "Clients.get")))
 * ```
 * @since 0.2.0
 * @category Metrics
 */
export const rateLimited = Metric.counter("effect_clerk_rate_limited_total", {
  description: "Attempts Clerk answered with 429 Too Many Requests, by operation",
  incremental: true
})

/**
 * Milliseconds attempts waited for their turn (the shared gate after a 429 or 503, the fixed and adaptive rates),
 * tagged `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk"
 * const waited = Metric.value(ClerkMetrics.pacingWait.pipe(Metric.tagged("operation", "Clients.get")))
 * ```
 * @since 0.2.0
 * @category Metrics
 */
export const pacingWait = Metric.counter("effect_clerk_pacing_wait_ms_total", {
  description: "Milliseconds attempts waited at the shared rate gate and pacer, by operation",
  incremental: true
})

/**
 * Attempt latency in milliseconds (sent to outcome, body read and decoded), tagged `operation`.
 *
 * @example
 * ```ts
 * import { Metric } from "effect"
 * import { ClerkMetrics } from "effect-clerk"
 * const latency = Metric.value(ClerkMetrics.requestDuration.pipe(Metric.tagged("operation", "Clients.get")))
 * ```
 * @since 0.2.0
 * @category Metrics
 */
export const requestDuration = Metric.histogram(
  "effect_clerk_request_duration_ms",
  MetricBoundaries.exponential({ start: 1, factor: 2, count: 16 }),
  "Attempt latency in milliseconds, by operation"
)
