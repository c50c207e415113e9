/** Default options and the adaptive rate against Clerk's limit, on TestClock (see support/rateLimited.ts). */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { theoreticalMinimum, workload } from "./support/rateLimited.js"

describe("pipelines under Clerk's rate limit (emulator at 50 requests/s, TestClock)", () => {
  it.effect(
    "with default options, 1,000 gets at concurrency 50 all succeed, within 1.25× the minimum time, with ≤ 5 % rejected",
    () =>
      Effect.gen(function*() {
        const { calls, results, elapsed, stats } = yield* workload(50)
        expect(results.map((client) => client.id)).toEqual(calls)
        expect(elapsed).toBeLessThanOrEqual(theoreticalMinimum * 1.25)
        expect(stats.rateLimited / stats.total).toBeLessThanOrEqual(0.05)
        expect(stats.total - stats.rateLimited).toBe(1000)
      }),
    120_000
  )

  it.effect(
    "rateLimit: \"adaptive\", never told the limit: ≤ 2 % of requests rejected after the first window",
    () =>
      Effect.gen(function*() {
        const { results, stats, rejectedInFirstWindow } = yield* workload(50, { clientRateLimit: "adaptive" })
        expect(results).toHaveLength(1000)
        const later = stats.rateLimited - rejectedInFirstWindow
        expect(later / (stats.total - rejectedInFirstWindow)).toBeLessThanOrEqual(0.02)
      }),
    120_000
  )
})
