/**
 * No retry storms: open-loop load (100 calls/s, default retries) through an outage of every kind, a degraded service,
 * and recovery; all on TestClock against the in-memory emulator. What `loadShedding: false` does instead runs on both
 * faces, in test/shared/ratelimit.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, Duration, Effect, Either, Fiber, Layer, Metric, TestServices } from "effect"
import { type ClerkError, ClerkMetrics, Clients, ClientsTest, type Emulator, RetryPolicy } from "../src/index.js"

const reason = (error: ClerkError.ClientsError) => (error._tag === "SDKError" ? error.reason : undefined)
import * as Fixtures from "./support/fixtures.js"
import { drive, ids } from "./support/rateLimited.js"
import * as TestServer from "./support/TestServer.js"

interface Outcome {
  readonly startedAt: number
  readonly endedAt: number
  readonly result: Either.Either<unknown, ClerkError.ClientsError>
}

/** `count` gets, one every `everyMillis` from now, each in its own fiber (arrivals do not wait on earlier calls). */
const openLoop = (count: number, everyMillis: number) =>
  Effect.gen(function*() {
    const backend = yield* ClientsTest.ClientsTest
    const clients = yield* Clients.Clients
    const calls = ids(backend, count)
    const start = yield* Clock.currentTimeMillis
    const call = (id: string) =>
      Effect.gen(function*() {
        const startedAt = (yield* Clock.currentTimeMillis) - start
        const result = yield* Effect.either(clients.get(id))
        return { startedAt, endedAt: (yield* Clock.currentTimeMillis) - start, result } satisfies Outcome
      })
    // One arrival timer at a time (not one sleeping fiber per future call), so that TestClock stays fast.
    return yield* Effect.fork(Effect.gen(function*() {
      const running: Array<Fiber.Fiber<Outcome>> = []
      for (const id of calls) {
        running.push(yield* Effect.fork(call(id)))
        yield* Effect.sleep(Duration.millis(everyMillis))
      }
      return yield* Effect.forEach(running, Fiber.join)
    }))
  })

const outages: ReadonlyArray<readonly [string, Emulator.Fault]> = [
  ["503 without Retry-After", { status: 503 }],
  ["dropped connections", { kind: "drop" }],
  ["timeouts", { status: 503, latencyMs: 60_000 }]
]

describe("no retry storms", () => {
  for (const [name, fault] of outages) {
    it.effect(
      `open loop at 100 calls/s on TestClock, an 8 s outage (${name}): ≤ 1.5 requests per call in its second half, shed calls say why and when, and calls ` +
        "succeed within 2 s of recovery",
      () =>
        Effect.gen(function*() {
          const backend = yield* ClientsTest.ClientsTest
          yield* backend.injectFaults({ ...fault, times: 1_000_000 })
          const shedBefore = yield* Metric.value(ClerkMetrics.shed.pipe(Metric.tagged("operation", "Clients.get")))
          // 12 s of arrivals: the outage is the first 8 s.
          const load = yield* openLoop(1200, 10)
          const requestsAt = new Map<number, number>()
          yield* drive(load, (elapsed) => {
            const mark = [4000, 8000].find((at) => elapsed >= at && !requestsAt.has(at))
            if (mark === undefined) return Effect.void
            return Effect.flatMap(backend.stats, (stats) =>
              Effect.sync(() => {
                requestsAt.set(mark, stats.total)
              }).pipe(Effect.zipRight(mark === 8000 ? backend.clearFaults : Effect.void)))
          })
          const outcomes = yield* Fiber.join(load)
          const secondHalf = outcomes.filter((o) => o.startedAt >= 4000 && o.startedAt < 8000)
          const requests = requestsAt.get(8000)! - requestsAt.get(4000)!
          expect(requests / secondHalf.length).toBeLessThanOrEqual(1.5)

          const shed = outcomes.flatMap((o) => (Either.isLeft(o.result) && reason(o.result.left) === "Shed" ? [o] : []))
          expect(shed.length).toBeGreaterThan(secondHalf.length / 2)
          for (const o of shed) {
            const error = Either.isLeft(o.result) ? o.result.left : undefined
            expect(error?._tag).toBe("SDKError")
            expect(error?.message).toContain("Clerk looks unavailable")
            expect(Duration.toMillis(error?.retryAfter ?? Duration.infinity)).toBeLessThanOrEqual(1000)
          }
          const shedAfter = yield* Metric.value(ClerkMetrics.shed.pipe(Metric.tagged("operation", "Clients.get")))
          expect(shedAfter.count - shedBefore.count).toBe(shed.length)

          // Healthy again at 8 s: every call that starts from 10 s on succeeds.
          const late = outcomes.filter((o) => o.startedAt >= 10_000)
          expect(late.length).toBe(200)
          expect(
            late.filter((o) => Either.isLeft(o.result)).map((o) => Either.isLeft(o.result) && o.result.left.message)
          ).toEqual([])
        }).pipe(
          // Pacing off: 100 calls/s is over a development key's budget, and this is about the circuit, not the limit.
          Effect.provide(
            ClientsTest.layer({
              seedClients: 50,
              retry: RetryPolicy.standard,
              timeout: "1 second",
              clientRateLimit: false
            })
          )
        ),
      120_000
    )
  }

  it.effect(
    "timeouts on the default 10 s attempt limit, open loop at 20 calls/s through a 60 s outage: ≤ 1.5 requests per " +
      "call in its second half, and calls succeed within 2 s of recovery",
    () =>
      Effect.gen(function*() {
        const backend = yield* ClientsTest.ClientsTest
        // Every request hangs (far past the attempt limit) while the outage lasts.
        yield* backend.injectFaults({ status: 503, latencyMs: 600_000, times: 1_000_000 })
        // 70 s of arrivals: the outage is the first 60 s.
        const load = yield* openLoop(1400, 50)
        const requestsAt = new Map<number, number>()
        yield* drive(load, (elapsed) => {
          const mark = [30_000, 60_000].find((at) => elapsed >= at && !requestsAt.has(at))
          if (mark === undefined) return Effect.void
          return Effect.flatMap(backend.stats, (stats) =>
            Effect.sync(() => {
              requestsAt.set(mark, stats.total)
            }).pipe(Effect.zipRight(mark === 60_000 ? backend.clearFaults : Effect.void)))
        })
        const outcomes = yield* Fiber.join(load)
        const secondHalf = outcomes.filter((o) => o.startedAt >= 30_000 && o.startedAt < 60_000)
        const requests = requestsAt.get(60_000)! - requestsAt.get(30_000)!
        expect(requests / secondHalf.length).toBeLessThanOrEqual(1.5)
        const late = outcomes.filter((o) => o.startedAt >= 62_000)
        expect(late.length).toBe(160)
        expect(
          late.filter((o) => Either.isLeft(o.result)).map((o) => Either.isLeft(o.result) && o.result.left.message)
        ).toEqual([])
      }).pipe(
        Effect.provide(ClientsTest.layer({ seedClients: 50, retry: RetryPolicy.standard, clientRateLimit: false }))
      ),
    120_000
  )

  // On the live clock against a loopback server: thousands of calls (so that 99.5 % is a real bound on a 0.24 %
  // chance of five failures in a row), with short backoff so that the test takes seconds.
  it.scoped(
    "a degraded service (30 % of requests fail at random: 503s and reset connections) is retried through: ≥ 99.5 % " +
      "of 4,000 calls succeed, none is shed",
    () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        let seed = 7
        const random = () => {
          seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
          return seed / 2 ** 32
        }
        const ok = TestServer.json(200, Fixtures.client("client_ok"))
        const unavailable = TestServer.json(503, Fixtures.clerkErrors(503, "service_unavailable"))
        server.reply((res, req) => {
          const draw = random()
          if (draw < 0.15) return unavailable(res, req)
          if (draw < 0.3) return TestServer.reset(res, req)
          return ok(res, req)
        })
        const context = yield* Layer.build(TestServer.clientsLayer(server, {
          rateLimit: false,
          retry: RetryPolicy.backoff({ initialInterval: "5 millis", maxInterval: "40 millis" })
        }))
        const clients = Context.get(context, Clients.Clients)
        const outcomes = yield* Effect.forEach(
          Array.from({ length: 4000 }, () => "client_ok"),
          (id) => Effect.either(clients.get(id)),
          { concurrency: 50 }
        )
        const failed = outcomes.flatMap((o) => (Either.isLeft(o) ? [o.left] : []))
        expect(failed.filter((error) => reason(error) === "Shed")).toEqual([])
        expect((outcomes.length - failed.length) / outcomes.length).toBeGreaterThanOrEqual(0.995)
      }).pipe(TestServices.provideLive),
    120_000
  )
})
