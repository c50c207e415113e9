/**
 * Several real processes sharing one key through a real Redis, against the emulator's rate limit on the live clock.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { startRedis } from "./redis.js"
import { emulator, redis, runFleet } from "./setup.js"

const limit = 50

const emulatorAt50 = (secretKey: string) =>
  emulator({ seedClients: 200, secretKey, rateLimit: { limit, window: "1 second" } })

describe("four processes, one key, one Redis (emulator at 50 requests/s, live clock)", () => {
  it.live(
    "with rateLimit 50/s shared through Redis: 1,000 calls, none lost, ≤ 5 % rejected (each process alone: about half), ≤ 1.25× the ideal time",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* redis
        const server = yield* emulatorAt50("sk_live_fleet_shared")
        const results = yield* runFleet(server, 4, 1000, {
          redisUrl: store.url,
          rateLimit: { limit, interval: "1 second" }
        })
        const stats = yield* server.stats
        const seconds = Math.max(...results.map((r) => r.seconds))
        // Redis answered throughout: no process fell back to its local budget.
        expect(results.flatMap((r) => r.warnings)).toEqual([])
        expect(results.flatMap((r) => r.failed)).toEqual([])
        expect(results.reduce((n, r) => n + r.succeeded, 0)).toBe(1000)
        expect(stats.total - stats.rateLimited).toBe(1000)
        // The goal (≤ 2 %, ≤ 1.15×) is measured by `npm run bench:ratelimit`; on a loaded 2-core machine a process
        // starved of CPU sends a request that reaches the next window, so the test holds a margin that still tells a
        // shared budget (a few %) from processes pacing alone (about half rejected).
        expect(stats.rateLimited / stats.total).toBeLessThanOrEqual(0.05)
        // 1,000 requests at 50 per second: the last window needed opens 19 s after the first.
        expect(seconds).toBeLessThanOrEqual(19 * 1.25)
      })),
    120_000
  )

  it.live(
    "Redis killed mid-run: every call still succeeds, and each process logs the warning once",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const store = yield* Effect.promise(startRedis)
        const server = yield* emulatorAt50("sk_live_fleet_killed")
        const running = yield* Effect.fork(runFleet(server, 2, 400, {
          redisUrl: store.url,
          rateLimit: { limit, interval: "1 second" }
        }))
        // The workers start 3 s from now and need about 8 s: Redis dies in the middle.
        yield* Effect.sleep("6 seconds")
        yield* Effect.promise(store.kill)
        const results = yield* Fiber.join(running)
        const stats = yield* server.stats
        expect(results.flatMap((r) => r.failed)).toEqual([])
        expect(results.reduce((n, r) => n + r.succeeded, 0)).toBe(400)
        expect(stats.total - stats.rateLimited).toBe(400)
        for (const result of results) {
          expect(result.warnings).toHaveLength(1)
          expect(result.warnings[0]).toContain("shared budget store (redis) is unavailable")
        }
      })),
    120_000
  )
})
