/**
 * `RedisBudget.store` against a private redis-server, in this process, on TestClock: how many connections a layer
 * holds when Redis was down at its start, and that the secret key never reaches Redis (its keys, its values, the
 * commands it receives).
 */
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Logger, LogLevel, TestClock, TestServices } from "effect"
import { createHash } from "node:crypto"
import { Clients } from "../../src/index.js"
import * as RedisBudget from "../../src/RedisBudget.js"
import * as Fixtures from "../support/fixtures.js"
import { keyWideRate } from "../support/sharedPace.js"
import * as TestServer from "../support/TestServer.js"
import { type Entry, freePort, inspect, startRedis, startRedisOn, untilFirstThrottleStored } from "./redis.js"

const build = (server: TestServer.TestServer, options: Partial<Clients.Options>) =>
  Effect.map(
    Layer.build(TestServer.clientsLayer(server, { retry: false, ...options })),
    (context) => Context.get(context, Clients.Clients)
  )

const redisOn = (port?: number) =>
  Effect.acquireRelease(
    Effect.promise(() => port === undefined ? startRedis() : startRedisOn(port)),
    (server) => Effect.promise(server.stop)
  )

const inspectorOf = (url: string) => Effect.acquireRelease(Effect.sync(() => inspect(url)), (i) => Effect.sync(i.close))

const realSleep = (millis: number) => TestServices.provideLive(Effect.sleep(millis))

/** Polls Redis (in real time) until `ready` holds for its keys; returns them. */
const keysOnceReady = (dump: () => Promise<ReadonlyArray<Entry>>, ready: (entries: ReadonlyArray<Entry>) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      const entries = yield* Effect.promise(dump)
      if (ready(entries)) return entries
      yield* realSleep(10)
    }
    return yield* Effect.dieMessage("Redis never held the expected keys")
  })

const warnings: Array<string> = []
const capture = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ logLevel, message }) => {
    if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) warnings.push(String(message))
  })
)

describe("RedisBudget.store and a real redis-server (TestClock)", () => {
  it.scoped(
    "the adaptive rate is the key's on Redis too: learned by one layer, it paces both layers on the store together",
    () =>
      Effect.gen(function*() {
        const redis = yield* redisOn()
        yield* keyWideRate(
          RedisBudget.store({ url: redis.url, prefix: "pace-test:" }),
          Effect.promise(() => untilFirstThrottleStored(redis.url, "pace-test:", 20))
        )
      })
  )

  it.scoped(
    "a layer started while Redis is down holds one connection once it is up, however many tries failed meanwhile",
    () =>
      Effect.gen(function*() {
        warnings.length = 0
        const port = yield* Effect.promise(freePort)
        const url = `redis://127.0.0.1:${port}`
        const server = yield* TestServer.make
        const clients = yield* build(server, { sharedBudget: RedisBudget.store({ url }) })
        server.reply(TestServer.json(200, Fixtures.client("client_ok")))
        const round = Effect.forEach(Array.from({ length: 10 }, () => "client_ok"), (id) => clients.get(id), {
          concurrency: 5
        })
        // Three rounds while nothing listens, each after the store was due to be tried again.
        for (let i = 0; i < 3; i++) {
          expect(yield* round).toHaveLength(10)
          yield* TestClock.adjust("6 seconds")
        }
        yield* redisOn(port)
        const inspector = yield* inspectorOf(url)
        // Real time for a client that reconnects on a timer of its own (ioredis's `retryStrategy`) to come back.
        yield* realSleep(1500)
        expect(yield* round).toHaveLength(10)
        // Sharing resumed: the last round took its places in the key's window budget on Redis.
        const entries = yield* Effect.promise(inspector.dump)
        expect(entries.filter((entry) => /:w10000:\d+$/.test(entry.key)).length).toBeGreaterThan(0)
        expect(yield* Effect.promise(inspector.connections)).toBe(1)
        expect(server.received).toHaveLength(40)
        expect(warnings).toHaveLength(1)
        expect(warnings[0]).toContain("the shared budget store (redis) is unavailable (could not connect to Redis")
      }).pipe(Effect.provide(capture)),
    30_000
  )

  it.scoped(
    "the secret key never reaches Redis: not in a key, a value or a command; keys are named by its digest",
    () =>
      Effect.gen(function*() {
        const redis = yield* redisOn()
        const inspector = yield* inspectorOf(redis.url)
        const monitor = yield* Effect.acquireRelease(Effect.promise(inspector.monitor), (m) => Effect.sync(m.stop))
        const server = yield* TestServer.make
        const a = yield* build(server, { sharedBudget: RedisBudget.store({ url: redis.url }) })
        const b = yield* build(server, { sharedBudget: RedisBudget.store({ url: redis.url }) })
        const id = createHash("sha256").update(TestServer.secret).digest("hex").slice(0, 32)
        const named = `effect-clerk:${id}:`
        // A 429 with Retry-After writes the gate; a's and b's calls take places in the window budget.
        server.reply(
          TestServer.json(429, Fixtures.clerkErrors(429, "too_many_requests"), { "retry-after": "2" }),
          TestServer.json(200, Fixtures.client("client_ok"))
        )
        yield* Effect.flip(a.get("client_ok"))
        yield* keysOnceReady(inspector.dump, (entries) => entries.some((entry) => /:gate$/.test(entry.key)))
        const waiting = yield* Effect.fork(b.get("client_ok"))
        yield* realSleep(100)
        yield* TestClock.adjust("2 seconds")
        yield* Fiber.join(waiting)
        // Clerk down: the circuit opens, and is written too.
        server.reply(TestServer.json(503, Fixtures.clerkErrors(503, "service_unavailable")))
        for (let i = 0; i < 20; i++) yield* Effect.flip(a.get("client_ok"))
        const entries = yield* keysOnceReady(
          inspector.dump,
          (entries) => entries.some((entry) => /:circuit$/.test(entry.key))
        )
        const body = TestServer.secret.slice("sk_test_".length)
        const seen = [...entries.flatMap((entry) => [entry.key, ...entry.values]), ...monitor.commands.flat()]
        // Nothing Redis saw holds the key, or its body without the `sk_test_` prefix …
        expect(seen.filter((text) => text.includes(TestServer.secret) || text.includes(body))).toEqual([])
        // … though it saw the scripts' commands (the check is not empty) and every key the layers write …
        expect(monitor.commands.some((command) => command.some((arg) => /:gate$/.test(arg)))).toBe(true)
        expect(entries.some((entry) => /:w10000:\d+$/.test(entry.key))).toBe(true)
        // … each named by the key's digest.
        expect(entries.map((entry) => entry.key).filter((key) => !key.startsWith(named))).toEqual([])
      }),
    30_000
  )
})
