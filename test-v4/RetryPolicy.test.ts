/**
 * The Effect 4 policies step for step: the root face's delays (the same core arithmetic), the bounds of their jitter,
 * and what each one wants to retry.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Pull, Random, Schedule } from "effect"
import { ClerkError, RetryPolicy } from "effect-clerk/v4"

const where = { operation: "Clients.get", method: "GET", path: "/v1/clients/x" }
const status = (code: number, retryAfter?: Duration.Duration) =>
  new ClerkError.ClerkErrors({
    ...where,
    status: code,
    errors: [],
    ...(retryAfter === undefined ? {} : { retryAfter })
  })
const transport = new ClerkError.SDKError({ ...where, reason: "Transport", description: "refused" })

/** The delays (ms) a policy asks for, failing with `error` at each `now`, until it stops. */
const delays = (policy: RetryPolicy.RetryPolicy, error: ClerkError.ClientsError, times: ReadonlyArray<number>) =>
  Effect.gen(function*() {
    const step = yield* Schedule.toStep(policy)
    const out: Array<number> = []
    for (const now of times) {
      const next = yield* Pull.catchDone(step(now, error), () => Effect.succeed(undefined))
      if (next === undefined) break
      out.push(Duration.toMillis(next[1]))
    }
    return out
  })

const fixedRandom = (double: number) => ({ nextIntUnsafe: () => 0, nextDoubleUnsafe: () => double })
const at = (n: number) => Array.from({ length: n }, () => 0)

describe("v4 RetryPolicy", () => {
  it.effect("backoff without jitter: 500 ms, 1 s, 2 s, 4 s, then stop", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* delays(RetryPolicy.backoff({ jitter: 0 }), status(503), at(10)), [
        500,
        1000,
        2000,
        4000
      ])
    }))

  it.effect("each delay is capped at maxInterval, and the budget ends the retries", () =>
    Effect.gen(function*() {
      const capped = RetryPolicy.backoff({ jitter: 0, maxInterval: "1500 millis", maxRetries: 6 })
      assert.deepStrictEqual(yield* delays(capped, status(503), at(10)), [500, 1000, 1500, 1500, 1500, 1500])
      // First failure at 0; at 2,000 a 2 s retry would end past the 3 s budget.
      const budget = RetryPolicy.backoff({ jitter: 0, maxElapsedTime: "3 seconds" })
      assert.deepStrictEqual(yield* delays(budget, status(503), [0, 500, 2000]), [500, 1000])
    }))

  it.effect("standard's jitter stays within ±20 %", () =>
    Effect.gen(function*() {
      const low = yield* delays(RetryPolicy.standard, status(503), at(1)).pipe(
        Effect.provideService(Random.Random, fixedRandom(0))
      )
      const high = yield* delays(RetryPolicy.standard, status(503), at(1)).pipe(
        Effect.provideService(Random.Random, fixedRandom(0.999999))
      )
      assert.deepStrictEqual([low, high], [[400], [600]])
    }))

  it.effect("speakeasy adds 0 to 999 ms, never a whole second (Effect 4's nextIntBetween, half-open)", () =>
    Effect.gen(function*() {
      const top = yield* delays(RetryPolicy.speakeasy, status(502), at(1)).pipe(
        Effect.provideService(Random.Random, fixedRandom(0.999999))
      )
      const bottom = yield* delays(RetryPolicy.speakeasy, status(502), at(1)).pipe(
        Effect.provideService(Random.Random, fixedRandom(0))
      )
      assert.deepStrictEqual([bottom, top], [[500], [1499]])
    }))

  it.effect("Retry-After raises a delay", () =>
    Effect.gen(function*() {
      const policy = RetryPolicy.backoff({ jitter: 0 })
      assert.deepStrictEqual(yield* delays(policy, status(429, Duration.seconds(3)), at(1)), [3000])
    }))

  it.effect("what each policy wants: the transient statuses and connection errors by default, 5xx for speakeasy", () =>
    Effect.gen(function*() {
      const wants = (policy: RetryPolicy.RetryPolicy, error: ClerkError.ClientsError) =>
        Effect.map(delays(policy, error, at(1)), (d) => d.length === 1)
      assert.deepStrictEqual(
        [
          yield* wants(RetryPolicy.standard, status(503)),
          yield* wants(RetryPolicy.standard, status(501)),
          yield* wants(RetryPolicy.standard, status(400)),
          yield* wants(RetryPolicy.standard, transport),
          yield* wants(RetryPolicy.backoff({ retryConnectionErrors: false }), transport),
          yield* wants(RetryPolicy.speakeasy, status(501)),
          yield* wants(RetryPolicy.speakeasy, status(429)),
          yield* wants(RetryPolicy.backoff({ statusCodes: ["5XX"] }), status(505)),
          yield* wants(RetryPolicy.none, status(503))
        ],
        [true, false, false, true, false, true, false, true, false]
      )
    }))
})
