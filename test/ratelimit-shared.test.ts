/**
 * The shared budget's contract on TestClock: layers that share a store share the gate; a failing, leaking or hung
 * store costs nothing but one warning.
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Logger, LogLevel, Metric, TestClock, TestServices } from "effect"
import { ClerkMetrics, Clients, SharedBudget } from "../src/index.js"
import * as Fixtures from "./support/fixtures.js"
import { keyWideRate } from "./support/sharedPace.js"
import * as TestServer from "./support/TestServer.js"

const turn = TestServer.eventually(() => true, "a turn of the event loop")

/**
 * Three rounds of 10 gets (5 at a time), each round 6 s after the last: past the store's 5 s fallback, so that a
 * failing store is due to be tried again in each.
 */
const threeRounds = (clients: Clients.Service) =>
  Effect.forEach([0, 1, 2], () =>
    Effect.zipRight(
      Effect.tap(
        Effect.forEach(Array.from({ length: 10 }, () => "client_ok"), (id) => clients.get(id), { concurrency: 5 }),
        (results) => Effect.sync(() => expect(results).toHaveLength(10))
      ),
      TestClock.adjust("6 seconds")
    ), { discard: true })

const build = (server: TestServer.TestServer, options: Partial<Clients.Options>) =>
  Effect.map(
    Layer.build(TestServer.clientsLayer(server, { retry: false, ...options })),
    (context) => Context.get(context, Clients.Clients)
  )

describe("a shared budget (SharedBudget.memory, TestClock)", () => {
  it.scoped("a 429 with Retry-After seen by one layer holds another layer that shares the store, not one that does not", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const store = SharedBudget.memory()
      const gateBefore = yield* Metric.value(ClerkMetrics.sharedGate)
      const [a, b, c] = [
        yield* build(server, { sharedBudget: store }),
        yield* build(server, { sharedBudget: store }),
        yield* build(server, {})
      ]
      server.reply(
        TestServer.json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
        TestServer.json(200, Fixtures.client("client_ok"))
      )
      expect((yield* Effect.flip(a.get("client_ok"))).status).toBe(429)
      yield* turn
      // c shares nothing: it goes at once.
      expect((yield* c.get("client_ok")).id).toBe("client_ok")
      const waiting = yield* Effect.fork(b.get("client_ok"))
      yield* turn
      yield* TestClock.adjust("1999 millis")
      yield* turn
      expect(server.received).toHaveLength(2)
      yield* TestClock.adjust("1 millis")
      expect((yield* Fiber.join(waiting)).id).toBe("client_ok")
      expect(server.received).toHaveLength(3)
      expect((yield* Metric.value(ClerkMetrics.sharedGate)).count - gateBefore.count).toBe(1)
    }))

  it.scoped("an open circuit is shared: once one layer finds Clerk down, a layer sharing the store sheds too", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const store = SharedBudget.memory()
      const [a, b] = [yield* build(server, { sharedBudget: store }), yield* build(server, { sharedBudget: store })]
      server.reply(TestServer.json(503, Fixtures.clerkErrors(503, "service_unavailable")))
      for (let i = 0; i < 20; i++) yield* Effect.flip(a.get("client_ok"))
      const shedByA = yield* Effect.flip(a.get("client_ok"))
      expect(shedByA._tag === "SDKError" && shedByA.reason).toBe("Shed")
      // The circuit reaches the store in the background, on a later timer turn (real time).
      yield* TestServices.provideLive(Effect.sleep("20 millis"))
      expect(server.received).toHaveLength(20)
      // b's first attempt reads the shared circuit (it is already on its way, and fails); from then on b sheds.
      expect((yield* Effect.flip(b.get("client_ok"))).status).toBe(503)
      const shedByB = yield* Effect.flip(b.get("client_ok"))
      expect(shedByB._tag === "SDKError" && shedByB.reason).toBe("Shed")
      expect(server.received).toHaveLength(21)
    }))

  it.scoped(
    "the adaptive rate is the key's: the one a layer learns from a 429 (the successes every layer reported, over the window) " +
      "paces both layers sharing the store, together, from the gate's end; a layer alone does not follow it",
    () => keyWideRate(SharedBudget.memory(), TestServices.provideLive(Effect.sleep("20 millis")))
  )

  const warnings: Array<string> = []
  const capture = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message }) => {
      if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) warnings.push(String(message))
    })
  )

  it.scoped("a store that fails: every call goes on under the local budget, and the warning is logged once", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const broken: SharedBudget.Store = {
        name: "broken",
        connect: () => Effect.fail(new SharedBudget.StoreError({ message: "connection refused" }))
      }
      const fallbacksBefore = yield* Metric.value(ClerkMetrics.sharedFallbacks)
      const clients = yield* build(server, { sharedBudget: broken })
      server.reply(TestServer.json(200, Fixtures.client("client_ok")))
      // Three rounds, each after the store was due to be tried again: it fails each time, and is reported once.
      yield* threeRounds(clients)
      expect(server.received).toHaveLength(30)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("the shared budget store (broken) is unavailable (connection refused)")
      expect((yield* Metric.value(ClerkMetrics.sharedFallbacks)).count - fallbacksBefore.count).toBe(1)
    }).pipe(Effect.provide(capture)))

  it.scoped("a store whose connect fails: what each try acquired is released at once, and one try runs at a time", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      let tries = 0
      let live = 0
      let running = 0
      let mostRunning = 0
      const leaky: SharedBudget.Store = {
        name: "leaky",
        connect: () =>
          Effect.gen(function*() {
            tries++
            yield* Effect.acquireRelease(Effect.sync(() => live++), () => Effect.sync(() => live--))
            running++
            mostRunning = Math.max(mostRunning, running)
            // A real pause, so that calls arriving together would each start a try of their own.
            yield* TestServices.provideLive(Effect.sleep("5 millis"))
            return yield* Effect.fail(new SharedBudget.StoreError({ message: "connection refused" }))
          }).pipe(Effect.ensuring(Effect.sync(() => running--)))
      }
      const clients = yield* build(server, { sharedBudget: leaky })
      server.reply(TestServer.json(200, Fixtures.client("client_ok")))
      yield* threeRounds(clients)
      // One try at the layer's start (the first round comes within its fallback), then one in each later round.
      expect(tries).toBe(3)
      expect(mostRunning).toBe(1)
      expect(live).toBe(0)
    }).pipe(Effect.provide(capture)))

  it.scoped("a hung store (its take never answers): calls go on under the local budget after 1 s, with one warning", () =>
    Effect.gen(function*() {
      warnings.length = 0
      const server = yield* TestServer.make
      const hung: SharedBudget.Store = {
        name: "hung",
        connect: () =>
          Effect.succeed({ take: () => Effect.never, closeGate: () => Effect.never, setCircuit: () => Effect.never })
      }
      const fallbacksBefore = yield* Metric.value(ClerkMetrics.sharedFallbacks)
      const clients = yield* build(server, { sharedBudget: hung })
      server.reply(TestServer.json(200, Fixtures.client("client_ok")))
      const round = Effect.fork(
        Effect.forEach(Array.from({ length: 10 }, () => "client_ok"), (id) => clients.get(id), { concurrency: 5 })
      )
      // Two rounds, the second after the store was due to be tried again: each waits the store's 1 s, no more.
      for (let sent = 10; sent <= 20; sent += 10) {
        const calls = yield* round
        yield* turn
        yield* TestClock.adjust("999 millis")
        yield* turn
        expect(server.received).toHaveLength(sent - 10)
        yield* TestClock.adjust("1 millis")
        yield* server.awaitRequests(sent)
        expect(yield* Fiber.join(calls)).toHaveLength(10)
        expect(server.received).toHaveLength(sent)
        yield* TestClock.adjust("6 seconds")
      }
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain("the shared budget store (hung) is unavailable (no answer within 1000 ms)")
      expect((yield* Metric.value(ClerkMetrics.sharedFallbacks)).count - fallbacksBefore.count).toBe(1)
    }).pipe(Effect.provide(capture)))
})
