/**
 * One scenario for every store on the Effect 3 face (SharedBudget.memory in test/ratelimit-shared.test.ts, Redis in
 * test/fleet/store.fleet.ts): the adaptive rate one layer learns is the key's, and paces every layer of the store.
 */
import { expect } from "@effect/vitest"
import { Clock, Context, Effect, Fiber, Layer, TestClock, TestServices } from "effect"
import type { SharedBudget } from "../../src/index.js"
import { Clients } from "../../src/index.js"
import * as Fixtures from "./fixtures.js"
import * as TestServer from "./TestServer.js"

const build = (server: TestServer.TestServer, options: Partial<Clients.Options>) =>
  Effect.map(
    Layer.build(TestServer.clientsLayer(server, { retry: false, ...options })),
    (context) => Context.get(context, Clients.Clients)
  )

/**
 * Layers a and b share `store` (rateLimit "adaptive"); 10 calls through each, then a 429 with Retry-After 1 for a.
 * Once the gate opens, the rate is read from what every layer reported: 20 successes key-wide in the second it
 * closed, so the key's rate is 20 a second (a's own 10 would give 10 a second, and b would not be paced at all).
 * From the gate's end, a and b together send 20 in each second (the rate grows by 0.5/s a second). `landed` waits
 * (in real time) until the gate, the throttle and the successes have reached the store: the clock then jumps past
 * the gate at once, where in production the gate's second gives them time.
 */
export const keyWideRate = (store: SharedBudget.Store, landed: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const server = yield* TestServer.make
    const options: Partial<Clients.Options> = { sharedBudget: store, rateLimit: "adaptive" }
    const [a, b, alone] = [
      yield* build(server, options),
      yield* build(server, options),
      yield* build(server, { rateLimit: "adaptive" })
    ]
    const ok = TestServer.json(200, Fixtures.client("client_ok"))
    const calls = (clients: Clients.Service, n: number) =>
      Effect.forEach(Array.from({ length: n }, () => "client_ok"), (id) => clients.get(id), {
        concurrency: "unbounded"
      })
    server.reply(
      ...Array.from({ length: 20 }, () => ok),
      TestServer.json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "1" }),
      ok
    )
    yield* Effect.all([calls(a, 10), calls(b, 10)], { concurrency: "unbounded" })
    expect((yield* Effect.flip(a.get("client_ok"))).status).toBe(429)
    yield* landed
    const both = yield* Effect.fork(Effect.all([calls(a, 30), calls(b, 30)], { concurrency: "unbounded" }))
    yield* TestServices.provideLive(Effect.sleep(20))
    expect(server.received).toHaveLength(21)
    // Each second: the clock moves to its start, the second's requests come (the store answers in real time), then
    // to its last millisecond, and no more have come.
    for (const [start, sent] of [[1000, 41], [2000, 61], [3000, 81]] as const) {
      yield* TestClock.adjust(`${start - (yield* Clock.currentTimeMillis)} millis`)
      yield* server.awaitRequests(sent)
      yield* TestClock.adjust("999 millis")
      yield* TestServices.provideLive(Effect.sleep(20))
      expect(server.received).toHaveLength(sent)
    }
    yield* TestClock.adjust("1 millis")
    expect((yield* Fiber.join(both)).flat()).toHaveLength(60)
    // A layer that shares nothing never saw a 429: its 40 go at once.
    yield* calls(alone, 40)
    expect(server.received).toHaveLength(121)
  })
