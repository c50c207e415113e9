/**
 * Every duration and size a layer or a call is given goes through one check, on every transport: a bad value is a
 * `ConfigError` for the layer or an `SDKError` `InvalidRequest` for the call (nothing sent); `Duration.infinity` is no
 * limit; a limit past what a JavaScript timer holds (about 24.8 days) is enforced, not fired after 1 ms.
 */
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Fiber, Layer, Redacted, TestClock } from "effect"
import { maxTimerMillis, startTimer } from "../src/core/timer.js"
import { Clients } from "../src/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["UndiciHttpClient", UndiciHttpClient.layer],
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["FetchHttpClient", FetchHttpClient.layer]
]

/** Answers every request after 50 ms, as a real server does. */
const slowServer = Effect.tap(TestServer.make, (server) =>
  server.reply((res, req) => {
    setTimeout(() => TestServer.json(200, Fixtures.client("client_ok"))(res, req), 50)
  }))

const build = (
  server: TestServer.TestServer,
  transport: Layer.Layer<HttpClient.HttpClient>,
  options: Partial<Clients.Options>
) =>
  Layer.build(
    Clients.layer({ secretKey: Redacted.make(TestServer.secret), apiUrl: server.apiUrl, retry: false, ...options })
      .pipe(
        Layer.provide(transport)
      )
  ).pipe(Effect.map((context) => Context.get(context, Clients.Clients)))

const bad: ReadonlyArray<readonly [string, Duration.DurationInput]> = [
  ["0", 0],
  ["-5", -5],
  ["NaN", Number.NaN],
  ["\"-5 seconds\"", "-5 seconds" as Duration.DurationInput],
  ["\"bogus\"", "bogus" as Duration.DurationInput]
]
const unlimited: ReadonlyArray<readonly [string, Duration.DurationInput]> = [
  ["Duration.infinity", Duration.infinity],
  ["\"30 days\"", "30 days"]
]

for (const [name, transport] of transports) {
  describe(`limits on ${name}`, () => {
    for (const [label, value] of unlimited) {
      it.scopedLive(`layer timeout and deadline ${label}: the call succeeds (no limit fires early)`, () =>
        Effect.gen(function*() {
          const server = yield* slowServer
          const clients = yield* Effect.orDie(build(server, transport, { timeout: value, deadline: value }))
          expect((yield* clients.get("client_ok")).id).toBe("client_ok")
        }))
      it.scopedLive(`per-call timeout and deadline ${label}: the call succeeds`, () =>
        Effect.gen(function*() {
          const server = yield* slowServer
          const clients = yield* Effect.orDie(build(server, transport, {}))
          expect((yield* clients.get("client_ok", { timeout: value, deadline: value })).id).toBe("client_ok")
        }))
    }
    for (const [label, value] of bad) {
      it.scopedLive(`per-call timeout ${label} and deadline ${label}: InvalidRequest, nothing sent`, () =>
        Effect.gen(function*() {
          const server = yield* slowServer
          const clients = yield* Effect.orDie(build(server, transport, {}))
          for (const option of ["timeout", "deadline"] as const) {
            const error = yield* Effect.flip(clients.get("client_ok", { [option]: value }))
            assert(error._tag === "SDKError")
            expect([option, error.reason]).toEqual([option, "InvalidRequest"])
            expect(error.description).toMatch(new RegExp(`^${option} must be`))
            expect(error.attempts).toBeUndefined()
          }
          expect(server.received).toHaveLength(0)
        }))
      it.scopedLive(`layer timeout ${label} and deadline ${label}: a ConfigError naming the option`, () =>
        Effect.gen(function*() {
          const server = yield* slowServer
          for (const option of ["timeout", "deadline"] as const) {
            const exit = yield* Effect.exit(build(server, transport, { [option]: value }))
            assert(Exit.isFailure(exit))
            expect(String(exit.cause)).toContain(`${option} must be`)
          }
          expect(server.received).toHaveLength(0)
        }))
    }
  })
}

describe("sizes", () => {
  it.scoped("maxResponseBytes that is not a positive integer is a ConfigError", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      for (const value of [0, -1, 1.5, Number.NaN]) {
        const exit = yield* Effect.exit(build(server, NodeHttpClient.layerUndici, { maxResponseBytes: value }))
        assert(Exit.isFailure(exit))
        expect(String(exit.cause)).toContain("maxResponseBytes must be a positive integer")
      }
    }))
})

describe("a limit longer than a timer holds is enforced, not fired at once", () => {
  it.scoped("on the Effect clock (the call's deadline): a 30-day deadline fires after 30 days of virtual time", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      server.reply(TestServer.stall)
      const clients = yield* Effect.orDie(
        build(server, NodeHttpClient.layerUndici, { deadline: "30 days", timeout: Duration.infinity, retry: false })
      )
      const fiber = yield* Effect.fork(Effect.flip(clients.get("client_ok")))
      yield* server.awaitRequests(1)
      yield* TestServer.awaitSleeps(1)
      yield* TestClock.adjust(Duration.subtract(Duration.days(30), Duration.seconds(1)))
      expect(yield* Fiber.poll(fiber)).toMatchObject({ _tag: "None" })
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag === "SDKError" && [error.reason, error.description]).toEqual([
        "Timeout",
        "call deadline of 30d passed"
      ])
    }))

  it.live("the real timer (every transport's attempt limit): a limit past one timer's reach is slept in steps, to the end", () =>
    Effect.gen(function*() {
      // The same code with a 30 ms step stands in for 2^31-1 ms: 100 ms are reached in four steps.
      expect(maxTimerMillis).toBe(2 ** 31 - 1)
      const started = Date.now()
      const firedAt = yield* Effect.async<number>((resume) => {
        const cancel = startTimer(100, () => resume(Effect.succeed(Date.now() - started)), 30)
        return Effect.sync(cancel)
      })
      expect(firedAt).toBeGreaterThanOrEqual(99)
      expect(firedAt).toBeLessThan(1000)
      let fired = false
      const cancel = startTimer(Number.POSITIVE_INFINITY, () => {
        fired = true
      })
      yield* Effect.sleep("50 millis")
      cancel()
      expect(fired).toBe(false)
    }))
})
