/**
 * The Effect 4 face end to end: `Emulator.layer` served by `@effect/platform-node` 4's `NodeHttpServer` on
 * 127.0.0.1, called by `Clients` over `effect/http`'s fetch and over `NodeHttpClient.layerNodeHttp` (its undici
 * client needs Node 22.19); and `ClientsTest` answering in memory on `TestClock`.
 */
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Result, Stream } from "effect"
import { Clients, ClientsTest, Emulator, RetryPolicy } from "effect-clerk/v4"
import type * as Exchange from "effect-clerk/v4/Exchange"
import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { createServer } from "node:http"
import { client } from "../test/support/fixtures.js"
import * as Server from "./support/server.js"

const served = (options: Emulator.Options) =>
  Emulator.layer(options).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))

const transports: ReadonlyArray<
  readonly [string, Layer.Layer<HttpClient.HttpClient> | Layer.Layer<HttpClient.HttpClient | Exchange.Exchange>]
> = [
  ["effect/http fetch", FetchHttpClient.layer],
  ["NodeHttpClient.layerNodeHttp", NodeHttpClient.layerNodeHttp],
  ["UndiciHttpClient (own exchange)", UndiciHttpClient.layer]
]

for (const [name, transport] of transports) {
  describe(`v4 Emulator over ${name}`, () => {
    const withClients = <A, E>(
      f: (c: Clients.Service) => Effect.Effect<A, E>,
      options: Partial<Clients.Options> = {}
    ) =>
      Emulator.Emulator.use((emulator) =>
        Effect.provide(
          Clients.Clients.use(f),
          Clients.layer({
            secretKey: emulator.secretKey,
            apiUrl: emulator.apiUrl,
            deprecationWarning: false,
            ...options
          })
            .pipe(Layer.provide(transport))
        )
      )

    it.live("get, list and verify answer like Clerk", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        const first = emulator.clients[0]!
        const got = yield* withClients((c) => c.get(first.id))
        assert.deepStrictEqual(got, first)
        const page = yield* withClients((c) => c.list({ limit: 3 }))
        assert.strictEqual(page.totalCount, 7)
        assert.deepStrictEqual(page.data.map((x) => x.id), emulator.clients.slice(0, 3).map((x) => x.id))
        const token = yield* emulator.mintToken(first.id)
        assert.strictEqual((yield* withClients((c) => c.verify({ token }))).id, first.id)
        const all = yield* withClients((c) => Stream.runCollect(c.stream({ pageSize: 2 })))
        assert.deepStrictEqual(Array.from(all, (x) => x.id), emulator.clients.map((x) => x.id))
      }).pipe(Effect.provide(served({ seedClients: 7 }))))

    it.live("an unknown id is ClerkErrors 404 with the emulator's trace id; a wrong key is 401", () =>
      Effect.gen(function*() {
        const missing = yield* Effect.flip(withClients((c) => c.get("client_missing")))
        assert.strictEqual(missing._tag, "ClerkErrors")
        if (missing._tag !== "ClerkErrors") return
        assert.strictEqual(missing.status, 404)
        assert.match(missing.clerkTraceId ?? "", /^trace_emulator_/)
        const emulator = yield* Emulator.Emulator
        const unauthorized = yield* Effect.flip(
          Effect.provide(
            Clients.Clients.use((c) => c.get("client_x")),
            Clients.layer({ secretKey: Server.secretRedacted, apiUrl: emulator.apiUrl }).pipe(Layer.provide(transport))
          )
        )
        assert.strictEqual(unauthorized._tag === "ClerkErrors" ? unauthorized.status : undefined, 401)
      }).pipe(Effect.provide(served({ seedClients: 2 }))))

    it.live("injected 503s are retried until the emulator answers", () =>
      Effect.gen(function*() {
        const emulator = yield* Emulator.Emulator
        yield* emulator.injectFaults({ operation: "get", status: 503, times: 2 })
        const got = yield* withClients((c) => c.get(emulator.clients[0]!.id), {
          retry: RetryPolicy.backoff({ initialInterval: "1 millis", jitter: 0 })
        })
        assert.strictEqual(got.id, emulator.clients[0]!.id)
        const stats = yield* emulator.stats
        assert.strictEqual(stats.get, 3)
        assert.strictEqual(stats.faultsInjected, 2)
      }).pipe(Effect.provide(served({ seedClients: 1 }))))
  })
}

describe("v4 ClientsTest", () => {
  it.effect("answers in memory with the emulator's clients", () =>
    Effect.gen(function*() {
      const test = yield* ClientsTest.ClientsTest
      const got = yield* Clients.Clients.use((c) => c.get(test.clients[1]!.id))
      assert.deepStrictEqual(got, test.clients[1])
      assert.strictEqual((yield* test.stats).get, 1)
    }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 3 }))))

  it.effect("the retry after an injected 503 waits on TestClock", () =>
    Effect.gen(function*() {
      const test = yield* ClientsTest.ClientsTest
      yield* test.injectFaults({ operation: "get", status: 503, times: 1 })
      const fiber = yield* Clients.Clients.use((c) => c.get(test.clients[0]!.id)).pipe(Effect.forkChild)
      yield* Server.eventuallyEffect(Effect.map(test.stats, (s) => s.get === 1), "the first attempt")
      yield* TestClock.adjust("499 millis")
      yield* Server.realSleep(20)
      assert.strictEqual((yield* test.stats).get, 1)
      yield* TestClock.adjust("1 millis")
      const got = yield* Fiber.join(fiber)
      assert.strictEqual(got.id, test.clients[0]!.id)
      assert.strictEqual((yield* test.stats).get, 2)
    }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 1, retry: RetryPolicy.backoff({ jitter: 0 }) }))))

  it.effect("a slow answer times out when the TestClock passes the attempt's limit, not before (its backend's time is virtual)", () =>
    Effect.gen(function*() {
      const test = yield* ClientsTest.ClientsTest
      yield* test.injectFaults({ latencyMs: 5_000, operation: "get" })
      const started = Date.now()
      const fiber = yield* Clients.Clients.use((c) => c.get(test.clients[0]!.id, { timeout: "2 seconds" })).pipe(
        Effect.flip,
        Effect.forkChild
      )
      yield* Server.eventuallyEffect(Effect.map(test.stats, (s) => s.get === 1), "the attempt")
      yield* TestClock.adjust("1999 millis")
      yield* Server.realSleep(20)
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      // Virtual time only: a real 2 s timer would still be pending.
      assert.isBelow(Date.now() - started, 1_500)
      assert.deepStrictEqual(error._tag === "SDKError" && [error.reason, error.description], [
        "Timeout",
        "attempt exceeded 2s"
      ])
    }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 1 }))))
})

describe("v4 Emulator.clientsFromJson", () => {
  it("reads an array, an envelope and NDJSON, and says what is wrong with anything else", () => {
    const wire = [client("client_a"), client("client_b")]
    const ids = (text: string) => Result.map(Emulator.clientsFromJson(text), (cs) => cs.map((c) => c.id))
    assert.deepStrictEqual(ids(JSON.stringify(wire)), Result.succeed(["client_a", "client_b"]))
    assert.deepStrictEqual(
      ids(JSON.stringify({ data: wire, total_count: 2 })),
      Result.succeed(["client_a", "client_b"])
    )
    assert.deepStrictEqual(ids(wire.map((c) => JSON.stringify(c)).join("\n")), Result.succeed(["client_a", "client_b"]))
    assert.match(Result.getFailure(ids("{nope")).pipe((f) => (f._tag === "Some" ? f.value : "")), /^invalid JSON: /)
    assert.isTrue(Result.isFailure(ids(JSON.stringify([{ object: "client" }]))))
  })
})

describe("v4 stream while the list grows", () => {
  it.live("clients created during the stream push the rest to later pages: none of them is lost", () =>
    Effect.gen(function*() {
      const emulator = yield* Emulator.Emulator
      const layer = Clients.layer({
        secretKey: emulator.secretKey,
        apiUrl: emulator.apiUrl,
        deprecationWarning: false,
        rateLimit: false
      }).pipe(Layer.provide(FetchHttpClient.layer))
      const before = emulator.clients.map((c) => c.id)
      let grown = false
      const ids = yield* Clients.Clients.use((c) =>
        c.stream({ pageSize: 10, prefetch: 0 }).pipe(
          Stream.tap(() =>
            grown ? Effect.void : Effect.map(emulator.createClients(5), () => {
              grown = true
            })
          ),
          Stream.map((x) => x.id),
          Stream.runCollect
        )
      ).pipe(Effect.provide(layer))
      const read = Array.from(ids)
      for (const id of before) assert.include(read, id)
      // The 5 that shifted past the first total were read on, page by page.
      assert.isAtLeast(read.length, before.length + 5)
    }).pipe(Effect.provide(served({ seedClients: 30 }))))
})
