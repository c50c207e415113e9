/**
 * `Clients.layerConfig` reading the environment: what a missing or malformed variable says, and `CLERK_TIMEOUT` in the
 * forms people type. Each layer is built against a real loopback server; timing runs on TestClock.
 */
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Effect, Either, Fiber, Layer, Option, TestClock } from "effect"
import { Clients, Exchange } from "../src/index.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

/** `layerConfig` over undici, reading only `variables`. */
/**
 * The platform's undici client, its attempts timed on the Effect clock: these cases check what CLERK_TIMEOUT is read
 * as, on TestClock (the stock timer, a real one, is tested on every transport in framing.test.ts).
 */
const virtualTimeTransport = Layer.merge(
  NodeHttpClient.layerUndici,
  Layer.effect(
    Exchange.Exchange,
    Effect.map(HttpClient.HttpClient, (client) => Exchange.fromHttpClient(client, { timer: "effect" }))
  ).pipe(Layer.provide(NodeHttpClient.layerUndici))
)

const build = (variables: Record<string, string>, options: Clients.ConfigOptions = {}) =>
  Layer.build(Clients.layerConfig(options).pipe(Layer.provide(virtualTimeTransport))).pipe(
    Effect.map(Context.get(Clients.Clients)),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(variables)))),
    Effect.either
  )

const refused = (variables: Record<string, string>) =>
  Effect.map(build(variables), (built) => {
    assert(Either.isLeft(built), "expected the layer to fail")
    return String(built.left)
  })

describe("layerConfig errors say what is missing and the form expected", () => {
  it.scoped("an unset or blank CLERK_SECRET_KEY names the variable and the form of a key; nothing is sent", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      for (const variables of [{}, { CLERK_SECRET_KEY: "  " }]) {
        const message = yield* refused({ ...variables, CLERK_API_URL: server.apiUrl })
        expect(message).toBe(
          "(Missing data at CLERK_SECRET_KEY: \"the Clerk secret key is not set (or is blank): expected your Clerk " +
            "instance's secret key, sk_live_… or sk_test_… (Clerk Dashboard, API keys; the local emulator's is " +
            "sk_test_effect_clerk_emulator)\")"
        )
        expect(message).not.toContain("<redacted>")
      }
      expect(server.received).toHaveLength(0)
    }))

  it.scoped("a malformed CLERK_TIMEOUT names the variable, the value and the accepted format", () =>
    Effect.gen(function*() {
      for (const value of ["abc", "0", "-5", "5 parsecs", "5000ms later"]) {
        const message = yield* refused({ CLERK_SECRET_KEY: TestServer.secret, CLERK_TIMEOUT: value })
        expect(message).toBe(
          `(Invalid data at CLERK_TIMEOUT: "expected a positive duration: milliseconds (5000) or a number and a unit ` +
            `(5 seconds, 500 millis, 2 minutes), or infinity for no limit; got ${JSON.stringify(value)}")`
        )
      }
    }))

  it.scoped("a malformed CLERK_API_URL or CLERK_API_VERSION is refused, naming the problem", () =>
    Effect.gen(function*() {
      expect(yield* refused({ CLERK_SECRET_KEY: TestServer.secret, CLERK_API_URL: "http://api.example.com" }))
        .toContain("the API URL must use https")
      expect(yield* refused({ CLERK_SECRET_KEY: TestServer.secret, CLERK_API_VERSION: "latest" }))
        .toContain("expected a Clerk-API-Version date such as 2026-05-12")
    }))
})

describe("layerConfig reads the environment", () => {
  it.scoped("the key, URL and version from CLERK_SECRET_KEY, CLERK_API_URL, CLERK_API_VERSION reach the wire", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.json(200, Fixtures.client("client_env")))
      const built = yield* build({
        CLERK_SECRET_KEY: TestServer.secret,
        CLERK_API_URL: server.origin,
        CLERK_API_VERSION: "2025-04-10"
      })
      assert(Either.isRight(built))
      expect((yield* built.right.get("client_env")).id).toBe("client_env")
      expect(server.received.map((r) => [r.url, r.headers.authorization, r.headers["clerk-api-version"]])).toEqual([
        ["/v1/clients/client_env", `Bearer ${TestServer.secret}`, "2025-04-10"]
      ])
    }))

  it.scoped("blank CLERK_API_URL and CLERK_API_VERSION read as unset (a .env template's `CLERK_API_URL=`)", () =>
    Effect.gen(function*() {
      const built = yield* build({ CLERK_SECRET_KEY: TestServer.secret, CLERK_API_URL: "", CLERK_API_VERSION: " " })
      expect(Either.isRight(built)).toBe(true)
    }))

  // Each form is checked by where the attempt times out on the TestClock: a stalled server, one attempt.
  for (
    const [value, millis] of [
      ["5000", 5000],
      ["5 seconds", 5000],
      ["5s", 5000],
      ["500 millis", 500],
      ["1.5 seconds", 1500]
    ] as const
  ) {
    it.scoped(`CLERK_TIMEOUT=${value} is a ${millis} ms attempt timeout`, () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        server.reply(TestServer.stall)
        const built = yield* build(
          { CLERK_SECRET_KEY: TestServer.secret, CLERK_API_URL: server.apiUrl, CLERK_TIMEOUT: value },
          { retry: false }
        )
        assert(Either.isRight(built))
        const fiber = yield* Effect.fork(Effect.either(built.right.get("client_x")))
        const elapsed = yield* TestServer.driveClockUntilDone(fiber)
        const outcome = yield* Fiber.join(fiber)
        assert(Either.isLeft(outcome) && outcome.left._tag === "SDKError")
        expect(outcome.left.reason).toBe("Timeout")
        expect(elapsed).toBeGreaterThanOrEqual(millis)
        expect(elapsed).toBeLessThan(millis + 100)
      }))
  }

  it.scoped("CLERK_TIMEOUT=infinity sets no attempt timeout: a slow answer still arrives", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.stall)
      const built = yield* build(
        { CLERK_SECRET_KEY: TestServer.secret, CLERK_API_URL: server.apiUrl, CLERK_TIMEOUT: "infinity" },
        { retry: false }
      )
      assert(Either.isRight(built))
      const fiber = yield* Effect.fork(built.right.get("client_x"))
      yield* server.awaitRequests(1)
      yield* TestClock.adjust("1 hour")
      yield* TestServer.settle
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* Fiber.interrupt(fiber)
    }))
})
