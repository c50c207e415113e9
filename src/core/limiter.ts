/**
 * A client-side rate limit (`rateLimit: { limit, interval }`), without Effect: each attempt reserves the time it may
 * go, so concurrent attempts queue in order and a face only sleeps until then (on its own clock, so `TestClock`
 * drives it). Both faces' pacers take their permits here (core/pacing.ts), rather than from Effect 3's `RateLimiter`,
 * which Effect 4's core no longer has; the algorithms are the ones `RateLimiter` offers:
 *
 * - `fixed-window`: at most `limit` attempts in each window of `interval`, windows starting at the first attempt;
 * - `token-bucket`: a burst of `limit`, then one attempt every `interval / limit`.
 */
export interface Limit {
  readonly limit: number
  readonly intervalMillis: number
  readonly algorithm: "fixed-window" | "token-bucket"
}

export interface Limiter {
  /** Reserves a permit for an attempt that could go at `at` (epoch millis); returns when it may go (≥ `at`). */
  readonly take: (at: number) => number
}

export const make = (limit: Limit): Limiter =>
  limit.algorithm === "fixed-window" ? fixedWindow(limit) : tokenBucket(limit)

const fixedWindow = ({ intervalMillis, limit }: Limit): Limiter => {
  /** The window the next permit comes from (it may lie ahead once the current one is spent), and its use. */
  let start: number | undefined
  let used = 0
  return {
    take: (at) => {
      if (start === undefined) start = at
      else if (at >= start + intervalMillis) {
        start += Math.floor((at - start) / intervalMillis) * intervalMillis
        used = 0
      }
      if (used >= limit) {
        start += intervalMillis
        used = 0
      }
      used++
      return Math.max(at, start)
    }
  }
}

const tokenBucket = ({ intervalMillis, limit }: Limit): Limiter => {
  const every = intervalMillis / limit
  /** When the bucket would be empty again, were every permit so far taken at its earliest (GCRA's arrival time). */
  let full = Number.NEGATIVE_INFINITY
  return {
    take: (at) => {
      full = Math.max(full, at)
      const go = Math.max(at, full - (limit - 1) * every)
      full += every
      return go
    }
  }
}

/** `rateLimit.limit`, checked. */
export const validLimit = (limit: unknown): boolean =>
  typeof limit === "number" && Number.isInteger(limit) && limit >= 1
