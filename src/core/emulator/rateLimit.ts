/**
 * Clerk's rate limit as the emulator enforces it: a fixed window of `windowMillis`, `limit` requests in each.
 */

export interface RateLimit {
  readonly limit: number
  readonly windowMillis: number
}

/** Clerk's limits, by the kind of instance. */
export const clerkRateLimits = {
  production: { limit: 1000, windowMillis: 10_000 },
  development: { limit: 100, windowMillis: 10_000 }
} as const satisfies Record<string, RateLimit>

export const isValid = (rateLimit: RateLimit): boolean =>
  Number.isInteger(rateLimit.limit) && rateLimit.limit >= 1 && rateLimit.windowMillis > 0

/** Counts requests in the window `now` (epoch millis) falls in: over the limit, the whole seconds left in it. */
export const rateWindow = (rateLimit: RateLimit): (now: number) => number | undefined => {
  let start = 0
  let count = 0
  return (now) => {
    const current = now - (now % rateLimit.windowMillis)
    if (current !== start) {
      start = current
      count = 0
    }
    if (++count <= rateLimit.limit) return undefined
    return Math.max(1, Math.ceil((start + rateLimit.windowMillis - now) / 1000))
  }
}
