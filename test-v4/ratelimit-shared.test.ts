/**
 * The Effect 4 face's shared budget on `TestClock`, as the root face's: layers that share a store share the gate and
 * the circuit; a failing, leaking or hung store costs nothing but one warning. Then the same through Redis
 * (`RedisBudget.store`, a private redis-server on loopback): the gate and the window budget, one connection per layer
 * when Redis was down at its start, and no trace of the secret key in Redis.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Clock, Context, Effect, Fiber, Layer, Logger, Metric } from "effect"
import { ClerkMetrics, Clients, SharedBudget } from "effect-clerk/v4"
import * as RedisBudget from "effect-clerk/v4/RedisBudget"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { createHash } from "node:crypto"
import {
  type Entry,
  freePort,
  inspect,
  type RedisServer,
  startRedis,
  startRedisOn,
  untilFirstThrottleStored
} from "../test/fleet/redis.js"
import { clerkErrors, client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

/**
 * Three rounds of 10 gets (5 at a time), each round 6 s after the last: past the store's 5 s fallback, so that a
 * failing store is due to be tried again in each.
 */
const threeRounds = (clients: Clients.Service) =>
  Effect.forEach([0, 1, 2], () =>
    Effect.andThen(
      Effect.tap(
        Effect.forEach(Array.from({ length: 10 }, () => "client_ok"), (id) => clients.get(id), { concurrency: 5 }),
        (results) => Effect.sync(() => assert.lengthOf(results, 10))
      ),
      TestClock.adjust("6 seconds")
    ), { discard: true })

const build = (server: Server.TestServer, options: Partial<Clients.Options>) =>
  Effect.map(
    Layer.build(
      Clients.layer({ secretKey: Server.secretRedacted, apiUrl: server.apiUrl, retry: false, ...options }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
    ),
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
const keyWideRate = (store: SharedBudget.Store, landed: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const server = yield* Server.make
    const options: Partial<Clients.Options> = { sharedBudget: store, rateLimit: "adaptive" }
    const a = yield* build(server, options)
    const b = yield* build(server, options)
    const alone = yield* build(server, { rateLimit: "adaptive" })
    const ok = Server.json(200, client("client_ok"))
    const calls = (clients: Clients.Service, n: number) =>
      Effect.forEach(Array.from({ length: n }, () => "client_ok"), (id) => clients.get(id), {
        concurrency: "unbounded"
      })
    server.reply(
      ...Array.from({ length: 20 }, () => ok),
      Server.json(429, clerkErrors(429, "too_many_requests"), { "retry-after": "1" }),
      ok
    )
    yield* Effect.all([calls(a, 10), calls(b, 10)], { concurrency: "unbounded" })
    const throttled = yield* Effect.flip(a.get("client_ok"))
    assert.strictEqual(throttled._tag === "ClerkErrors" ? throttled.status : undefined, 429)
    yield* landed
    const both = yield* Effect.forkChild(Effect.all([calls(a, 30), calls(b, 30)], { concurrency: "unbounded" }))
    yield* Server.realSleep(20)
    assert.lengthOf(server.received, 21)
    // Each second: the clock moves to its start, the second's requests come (the store answers in real time), then
    // to its last millisecond, and no more have come.
    for (const [start, sent] of [[1000, 41], [2000, 61], [3000, 81]] as const) {
      yield* TestClock.adjust(`${start - (yield* Clock.currentTimeMillis)} millis`)
      yield* Effect.promise(() => server.awaitRequests(sent))
      yield* TestClock.adjust("999 millis")
      yield* Server.realSleep(20)
      assert.lengthOf(server.received, sent)
    }
    yield* TestClock.adjust("1 millis")
    assert.lengthOf((yield* Fiber.join(both)).flat(), 60)
    // A layer that shares nothing never saw a 429: its 40 go at once.
    yield* calls(alone, 40)
    assert.lengthOf(server.received, 121)
  })

describe("v4 shared budget (SharedBudget.memory, TestClock)", () => {
  it.effect(
    "the adaptive rate is the key's: the one a layer learns from a 429 (the successes every layer reported, over the window) " +
      "paces both layers sharing the store, together, from the gate's end; a layer alone does not follow it",
    () => keyWideRate(SharedBudget.memory(), Server.realSleep(20))
  )

  it.effect("a 429 with Retry-After seen by one layer holds another layer that shares the store, not one that does not", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const store = SharedBudget.memory()
      const gateBefore = (yield* Metric.value(ClerkMetrics.sharedGate)).count
      const a = yield* build(server, { sharedBudget: store })
      const b = yield* build(server, { sharedBudget: store })
      const c = yield* build(server, {})
      server.reply(
        Server.json(429, clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
        Server.json(200, client("client_ok"))
      )
      const first = yield* Effect.flip(a.get("client_ok"))
      assert.strictEqual(first._tag === "ClerkErrors" ? first.status : undefined, 429)
      yield* Server.realSleep(20)
      // c shares nothing: it goes at once.
      assert.strictEqual((yield* c.get("client_ok")).id, "client_ok")
      const waiting = yield* Effect.forkChild(b.get("client_ok"))
      yield* Server.realSleep(20)
      yield* TestClock.adjust("1999 millis")
      yield* Server.realSleep(20)
      assert.lengthOf(server.received, 2)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(waiting)).id, "client_ok")
      assert.lengthOf(server.received, 3)
      assert.strictEqual((yield* Metric.value(ClerkMetrics.sharedGate)).count - gateBefore, 1)
    }))

  it.effect("an open circuit is shared: once one layer finds Clerk down, a layer sharing the store sheds too", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const store = SharedBudget.memory()
      const a = yield* build(server, { sharedBudget: store })
      const b = yield* build(server, { sharedBudget: store })
      server.reply(Server.json(503, clerkErrors(503, "service_unavailable")))
      for (let i = 0; i < 20; i++) yield* Effect.flip(a.get("client_ok"))
      const shedByA = yield* Effect.flip(a.get("client_ok"))
      assert.strictEqual(shedByA._tag === "SDKError" ? shedByA.reason : undefined, "Shed")
      // The circuit reaches the store in the background, on a later turn (real time).
      yield* Server.realSleep(20)
      assert.lengthOf(server.received, 20)
      // b's first attempt reads the shared circuit (it is already on its way, and fails); from then on b sheds.
      const firstOfB = yield* Effect.flip(b.get("client_ok"))
      assert.strictEqual(firstOfB._tag === "ClerkErrors" ? firstOfB.status : undefined, 503)
      const shedByB = yield* Effect.flip(b.get("client_ok"))
      assert.strictEqual(shedByB._tag === "SDKError" ? shedByB.reason : undefined, "Shed")
      assert.lengthOf(server.received, 21)
    }))

  it.effect("a store that fails: every call goes on under the local budget, and the warning is logged once", () => {
    const warnings: Array<string> = []
    const capture = Logger.layer([Logger.make((options) => {
      if (options.logLevel === "Warn") warnings.push(String(options.message))
    })])
    return Effect.gen(function*() {
      const server = yield* Server.make
      const broken: SharedBudget.Store = {
        name: "broken",
        connect: () => Effect.fail(new SharedBudget.StoreError({ message: "connection refused" }))
      }
      const fallbacksBefore = (yield* Metric.value(ClerkMetrics.sharedFallbacks)).count
      const clients = yield* build(server, { sharedBudget: broken })
      server.reply(Server.json(200, client("client_ok")))
      // Three rounds, each after the store was due to be tried again: it fails each time, and is reported once.
      yield* threeRounds(clients)
      assert.lengthOf(server.received, 30)
      assert.lengthOf(warnings, 1)
      assert.include(warnings[0], "the shared budget store (broken) is unavailable (connection refused)")
      assert.strictEqual((yield* Metric.value(ClerkMetrics.sharedFallbacks)).count - fallbacksBefore, 1)
    }).pipe(Effect.provide(capture))
  })

  it.effect("a store whose connect fails: what each try acquired is released at once, and one try runs at a time", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
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
            yield* Server.realSleep(5)
            return yield* Effect.fail(new SharedBudget.StoreError({ message: "connection refused" }))
          }).pipe(Effect.ensuring(Effect.sync(() => running--)))
      }
      const clients = yield* build(server, { sharedBudget: leaky })
      server.reply(Server.json(200, client("client_ok")))
      yield* threeRounds(clients)
      // One try at the layer's start (the first round comes within its fallback), then one in each later round.
      assert.strictEqual(tries, 3)
      assert.strictEqual(mostRunning, 1)
      assert.strictEqual(live, 0)
    }).pipe(Effect.provide(Logger.layer([]))))

  it.effect("a hung store (its take never answers): calls go on under the local budget after 1 s, with one warning", () => {
    const warnings: Array<string> = []
    const capture = Logger.layer([Logger.make((options) => {
      if (options.logLevel === "Warn") warnings.push(String(options.message))
    })])
    return Effect.gen(function*() {
      const server = yield* Server.make
      const hung: SharedBudget.Store = {
        name: "hung",
        connect: () =>
          Effect.succeed({ take: () => Effect.never, closeGate: () => Effect.never, setCircuit: () => Effect.never })
      }
      const fallbacksBefore = (yield* Metric.value(ClerkMetrics.sharedFallbacks)).count
      const clients = yield* build(server, { sharedBudget: hung })
      server.reply(Server.json(200, client("client_ok")))
      const round = Effect.forkChild(
        Effect.forEach(Array.from({ length: 10 }, () => "client_ok"), (id) => clients.get(id), { concurrency: 5 })
      )
      // Two rounds, the second after the store was due to be tried again: each waits the store's 1 s, no more.
      for (let sent = 10; sent <= 20; sent += 10) {
        const calls = yield* round
        yield* Server.realSleep(20)
        yield* TestClock.adjust("999 millis")
        yield* Server.realSleep(20)
        assert.lengthOf(server.received, sent - 10)
        yield* TestClock.adjust("1 millis")
        yield* Effect.promise(() => server.awaitRequests(sent))
        assert.lengthOf(yield* Fiber.join(calls), 10)
        assert.lengthOf(server.received, sent)
        yield* TestClock.adjust("6 seconds")
      }
      assert.lengthOf(warnings, 1)
      assert.include(warnings[0], "the shared budget store (hung) is unavailable (no answer within 1000 ms)")
      assert.strictEqual((yield* Metric.value(ClerkMetrics.sharedFallbacks)).count - fallbacksBefore, 1)
    }).pipe(Effect.provide(capture))
  })
})

describe("v4 shared budget through Redis (RedisBudget.store, a private redis-server, TestClock)", () => {
  let redis: RedisServer | undefined
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(() => redis?.stop())
  const store = (prefix: string) => RedisBudget.store({ url: redis!.url, prefix })

  it.effect(
    "the adaptive rate is the key's on Redis too: learned by one layer, it paces both layers on the store together",
    () => keyWideRate(store("pace-test:"), Effect.promise(() => untilFirstThrottleStored(redis!.url, "pace-test:", 20)))
  )

  it.effect("a 429 with Retry-After seen by one layer holds another layer on the same Redis and key", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const a = yield* build(server, { sharedBudget: store("gate-test:") })
      const b = yield* build(server, { sharedBudget: store("gate-test:") })
      server.reply(
        Server.json(429, clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
        Server.json(200, client("client_ok"))
      )
      yield* Effect.flip(a.get("client_ok"))
      // The gate reaches Redis in the background (real time).
      yield* Server.realSleep(100)
      const waiting = yield* Effect.forkChild(b.get("client_ok"))
      yield* Server.realSleep(100)
      yield* TestClock.adjust("1999 millis")
      yield* Server.realSleep(100)
      assert.lengthOf(server.received, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(waiting)).id, "client_ok")
      assert.lengthOf(server.received, 2)
    }))

  it.effect("a fixed rate limit is one window budget for both layers: the third call of the window waits", () =>
    Effect.gen(function*() {
      const server = yield* Server.make
      const rateLimit = { limit: 2, interval: "10 seconds" } as const
      const a = yield* build(server, { sharedBudget: store("window-test:"), rateLimit })
      const b = yield* build(server, { sharedBudget: store("window-test:"), rateLimit })
      server.reply(Server.json(200, client("client_ok")))
      yield* a.get("client_ok")
      yield* b.get("client_ok")
      const third = yield* Effect.forkChild(a.get("client_ok"))
      yield* Server.realSleep(100)
      assert.lengthOf(server.received, 2)
      yield* TestClock.adjust("10 seconds")
      yield* Server.realSleep(100)
      yield* Fiber.join(third)
      assert.lengthOf(server.received, 3)
    }))

  const warnings: Array<string> = []
  const capture = Logger.layer([Logger.make((options) => {
    if (options.logLevel === "Warn") warnings.push(String(options.message))
  })])
  const inspectorOf = (url: string) =>
    Effect.acquireRelease(Effect.sync(() => inspect(url)), (inspector) => Effect.sync(inspector.close))
  /** Polls Redis (in real time) until `ready` holds for its keys; returns them. */
  const keysOnceReady = (
    dump: () => Promise<ReadonlyArray<Entry>>,
    ready: (entries: ReadonlyArray<Entry>) => boolean
  ) =>
    Effect.gen(function*() {
      for (let i = 0; i < 500; i++) {
        const entries = yield* Effect.promise(dump)
        if (ready(entries)) return entries
        yield* Server.realSleep(10)
      }
      return yield* Effect.die(new Error("Redis never held the expected keys"))
    })

  it.effect(
    "a layer started while Redis is down holds one connection once it is up, however many tries failed meanwhile",
    () =>
      Effect.gen(function*() {
        warnings.length = 0
        const port = yield* Effect.promise(freePort)
        const url = `redis://127.0.0.1:${port}`
        const server = yield* Server.make
        const clients = yield* build(server, { sharedBudget: RedisBudget.store({ url }) })
        server.reply(Server.json(200, client("client_ok")))
        const round = Effect.forEach(Array.from({ length: 10 }, () => "client_ok"), (id) => clients.get(id), {
          concurrency: 5
        })
        // Three rounds while nothing listens, each after the store was due to be tried again.
        for (let i = 0; i < 3; i++) {
          assert.lengthOf(yield* round, 10)
          yield* TestClock.adjust("6 seconds")
        }
        yield* Effect.acquireRelease(Effect.promise(() => startRedisOn(port)), (redis) => Effect.promise(redis.stop))
        const inspector = yield* inspectorOf(url)
        // Real time for a client that reconnects on a timer of its own (ioredis's `retryStrategy`) to come back.
        yield* Server.realSleep(1500)
        assert.lengthOf(yield* round, 10)
        // Sharing resumed: the last round took its places in the key's window budget on Redis.
        const entries = yield* Effect.promise(inspector.dump)
        assert.isTrue(entries.some((entry) => /:w10000:\d+$/.test(entry.key)))
        assert.strictEqual(yield* Effect.promise(inspector.connections), 1)
        assert.lengthOf(server.received, 40)
        assert.lengthOf(warnings, 1)
        assert.include(warnings[0], "the shared budget store (redis) is unavailable (could not connect to Redis")
      }).pipe(Effect.provide(capture)),
    30_000
  )

  it.effect(
    "the secret key never reaches Redis: not in a key, a value or a command; keys are named by its digest",
    () =>
      Effect.gen(function*() {
        const inspector = yield* inspectorOf(redis!.url)
        const monitor = yield* Effect.acquireRelease(Effect.promise(inspector.monitor), (m) => Effect.sync(m.stop))
        const server = yield* Server.make
        const prefix = "secret-test:"
        const a = yield* build(server, { sharedBudget: store(prefix) })
        const b = yield* build(server, { sharedBudget: store(prefix) })
        const id = createHash("sha256").update(Server.secret).digest("hex").slice(0, 32)
        const named = `${prefix}${id}:`
        // A 429 with Retry-After writes the gate; a's and b's calls take places in the window budget.
        server.reply(
          Server.json(429, clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
          Server.json(200, client("client_ok"))
        )
        yield* Effect.flip(a.get("client_ok"))
        yield* keysOnceReady(
          inspector.dump,
          (entries) => entries.some((entry) => entry.key.startsWith(prefix) && /:gate$/.test(entry.key))
        )
        const waiting = yield* Effect.forkChild(b.get("client_ok"))
        yield* Server.realSleep(100)
        yield* TestClock.adjust("2 seconds")
        yield* Fiber.join(waiting)
        // Clerk down: the circuit opens, and is written too.
        server.reply(Server.json(503, clerkErrors(503, "service_unavailable")))
        for (let i = 0; i < 20; i++) yield* Effect.flip(a.get("client_ok"))
        const all = yield* keysOnceReady(
          inspector.dump,
          (entries) => entries.some((entry) => entry.key.startsWith(prefix) && /:circuit$/.test(entry.key))
        )
        // The other tests' keys share this Redis: this test's are those under its prefix.
        const entries = all.filter((entry) => entry.key.startsWith(prefix))
        const body = Server.secret.slice("sk_test_".length)
        const seen = [...all.flatMap((entry) => [entry.key, ...entry.values]), ...monitor.commands.flat()]
        // Nothing Redis saw holds the key, or its body without the `sk_test_` prefix …
        assert.deepStrictEqual(seen.filter((text) => text.includes(Server.secret) || text.includes(body)), [])
        // … though it saw the scripts' commands (the check is not empty) and every key the layers write …
        assert.isTrue(monitor.commands.some((command) => command.some((arg) => arg.startsWith(prefix))))
        assert.isTrue(entries.some((entry) => /:w10000:\d+$/.test(entry.key)))
        // … each named by the key's digest.
        assert.deepStrictEqual(entries.map((entry) => entry.key).filter((key) => !key.startsWith(named)), [])
      }),
    30_000
  )
})
