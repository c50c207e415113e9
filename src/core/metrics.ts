/**
 * The metrics effect-clerk records, by name: each face declares its `Metric`s from this table, so a dashboard reads
 * the same series whichever face a service runs.
 */
export const metrics = {
  requests: {
    name: "effect_clerk_requests_total",
    description: "Attempts sent to Clerk, by operation and outcome (HTTP status, transport or timeout)"
  },
  retries: {
    name: "effect_clerk_retries_total",
    description: "Retries scheduled by the retry policy, by operation"
  },
  rateLimited: {
    name: "effect_clerk_rate_limited_total",
    description: "Attempts Clerk answered with 429 Too Many Requests, by operation"
  },
  pacingWait: {
    name: "effect_clerk_pacing_wait_ms_total",
    description: "Milliseconds attempts waited at the shared rate gate and pacer, by operation"
  },
  shed: {
    name: "effect_clerk_shed_total",
    description: "Calls shed without a request while Clerk looked unavailable (circuit open), by operation"
  },
  sharedGate: {
    name: "effect_clerk_shared_gate_total",
    description: "Times the shared gate was closed by another process sharing the key's budget"
  },
  sharedFallbacks: {
    name: "effect_clerk_shared_fallbacks_total",
    description: "Times the shared budget's store was unavailable and calls went on under the process-local budget"
  },
  requestDuration: {
    name: "effect_clerk_request_duration_ms",
    description: "Attempt latency in milliseconds, by operation",
    boundaries: { start: 1, factor: 2, count: 16 }
  }
} as const

/** The `status` attribute of a failed attempt with no HTTP status: `transport`, `timeout`, … */
export const outcomeLabel = (failure: {
  readonly _tag: string
  readonly reason?: string
  readonly status?: number | undefined
}): string => {
  if (failure.status !== undefined) return String(failure.status)
  return failure._tag === "SDKError" && failure.reason !== undefined ? failure.reason.toLowerCase() : "unknown"
}
