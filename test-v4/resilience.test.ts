/**
 * Fault injection on the Effect 4 face: the suite both faces run (test/shared/resilience.ts), over this face's
 * transports (@effect/platform-node's node:http client, `effect/http`'s fetch, effect-clerk's UndiciHttpClient).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Context, Duration, Effect, Exit, Fiber, Layer, Logger, Redacted, References, type Scope } from "effect"
import { type ClerkError, Clients, RetryPolicy } from "effect-clerk/v4"
import * as UndiciHttpClient from "effect-clerk/v4/UndiciHttpClient"
import { FetchHttpClient, HttpClient, type HttpClientError } from "effect/http"
import { TestClock } from "effect/testing"
import * as Shared from "../test/shared/resilience.js"
import * as Server from "./support/server.js"

const policy = (p: Shared.Policy): RetryPolicy.RetryPolicy =>
  p === "standard" ? RetryPolicy.standard : p === "speakeasy" ? RetryPolicy.speakeasy : RetryPolicy.backoff(p.backoff)

const retryOption = (p: Shared.Policy | false | undefined) =>
  p === undefined ? {} : { retry: p === false ? false as const : policy(p) }

/** Sends requests for `client_elsewhere` through `other`, the rest through the layer's own client. */
const routeElsewhere = (other: HttpClient.HttpClient) => (own: HttpClient.HttpClient) =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (request) => Effect.flatMap(request, (r) => (r.url.includes("client_elsewhere") ? other : own).execute(r)),
    Effect.succeed
  )

/**
 * The suite's `platform` transport. Not `NodeHttpClient.layerUndici`: @effect/platform-node 4 brings undici 8, which
 * needs Node ≥ 22.19 and fails to load on the Node 20 these suites run on.
 */
const platform = NodeHttpClient.layerNodeHttp

const build = ({ transport = "platform", retry, ...options }: Shared.Setup) =>
  Effect.gen(function*() {
    const layer = (extra: Partial<Clients.Options>) =>
      Clients.layer({ secretKey: Redacted.make(Server.secret), ...options, ...retryOption(retry), ...extra })
    const other = transport === "routed"
      ? Context.get(yield* Layer.build(platform), HttpClient.HttpClient)
      : undefined
    const live = transport === "platform"
      ? Layer.provide(layer({}), platform)
      : transport === "fetch"
      ? Layer.provide(layer({}), FetchHttpClient.layer)
      : Layer.provide(
        layer(other === undefined ? {} : { transformClient: routeElsewhere(other) }),
        UndiciHttpClient.layer
      )
    return Context.get(yield* Layer.build(Layer.orDie(live)), Clients.Clients)
  })

const outcome = <A extends Parameters<typeof Shared.success>[0]>(call: Effect.Effect<A, ClerkError.ClientsError>) =>
  Effect.match(call, {
    onSuccess: Shared.success,
    onFailure: (error) => Shared.failure(error, Duration.toMillis)
  })

const outcomeOf = (clients: Clients.Service, call: Shared.Call) => {
  const { retry, ...rest } = call.options ?? {}
  const options = { ...rest, ...retryOption(retry) }
  return call.op === "get" ? outcome(clients.get(call.id, options)) : outcome(clients.list({}, options))
}

const messageText = (message: unknown) => (Array.isArray(message) ? message.map(String).join(" ") : String(message))

/**
 * Effect 4's TestClock does not list its sleeps, and forgets an interrupted one: this clock passes every sleep on to
 * it and keeps the wake-up times of those the clock has not woken, as Effect 3's `TestClock.sleeps()` reports them.
 */
const recordingSleeps = (inner: TestClock.TestClock, sleeps: Array<number>): Clock.Clock => ({
  currentTimeMillisUnsafe: () => inner.currentTimeMillisUnsafe(),
  currentTimeMillis: inner.currentTimeMillis,
  currentTimeNanosUnsafe: () => inner.currentTimeNanosUnsafe(),
  currentTimeNanos: inner.currentTimeNanos,
  monotonicTimeNanosUnsafe: () => inner.monotonicTimeNanosUnsafe(),
  monotonicTimeNanos: inner.monotonicTimeNanos,
  sleep: (duration) => {
    const at = inner.currentTimeMillisUnsafe() + Duration.toMillis(duration)
    if (at <= inner.currentTimeMillisUnsafe()) return inner.sleep(duration)
    sleeps.push(at)
    return Effect.tap(inner.sleep(duration), () => Effect.sync(() => sleeps.splice(sleeps.indexOf(at), 1)))
  }
})

const session: Shared.Face["session"] = async (clock, body) => {
  const logs: Array<Shared.LogLine> = []
  const capture = Logger.make(({ fiber, logLevel, message }) => {
    logs.push({
      level: logLevel,
      message: messageText(message),
      annotations: fiber.getRef(References.CurrentLogAnnotations)
    })
  })
  const program = (testClock: TestClock.TestClock | undefined, sleeps: Array<number>) =>
    Effect.gen(function*() {
      // The suite's steps are Promises: each runs in this context, so all share the session's clock, loggers, scope.
      const context = yield* Effect.context<Scope.Scope>()
      const run = <A>(effect: Effect.Effect<A, never, Scope.Scope>) => Effect.runPromiseWith(context)(effect)
      const forks: Array<Fiber.Fiber<unknown>> = []
      const pending = <A>(effect: Effect.Effect<A>): Shared.Pending<A> => {
        const fiber = Effect.runForkWith(context)(effect)
        forks.push(fiber)
        return {
          poll: () => Promise.resolve(fiber.pollUnsafe()).then((exit) => (exit === undefined ? undefined : run(exit))),
          join: () => run(Fiber.join(fiber)),
          interrupt: () =>
            run(Effect.map(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))), Exit.isFailure))
        }
      }
      const testClockOnly = <A>(f: (testClock: TestClock.TestClock) => Effect.Effect<A>) =>
        testClock === undefined ? Promise.reject(new Error("a live session has no TestClock")) : run(f(testClock))
      const faceSession: Shared.Session = {
        clients: async (setup) => {
          const clients = await run(build(setup))
          return {
            call: (call) => run(outcomeOf(clients, call)),
            fork: (call) => pending(outcomeOf(clients, call)),
            forkAll: (calls, concurrency) =>
              pending(Effect.forEach(calls, (call) => outcomeOf(clients, call), { concurrency }))
          }
        },
        now: () => run(Clock.currentTimeMillis),
        adjust: (millis) => testClockOnly((testClock) => testClock.adjust(millis)),
        setTime: (epochMillis) => testClockOnly((testClock) => testClock.setTime(epochMillis)),
        sleeps: () => testClockOnly(() => Effect.succeed([...sleeps])),
        logs
      }
      return yield* Effect.result(Effect.tryPromise({ try: () => body(faceSession), catch: (error) => error })).pipe(
        Effect.ensuring(Fiber.interruptAll(forks))
      )
    }).pipe(
      Effect.provideService(References.CurrentLoggers, new Set([capture])),
      Effect.provideService(References.MinimumLogLevel, "Debug"),
      Effect.scoped
    )
  const onClock = clock === "live"
    ? program(undefined, [])
    : Effect.gen(function*() {
      const testClock = yield* TestClock.testClockWith(Effect.succeed)
      const sleeps: Array<number> = []
      return yield* Effect.provideService(program(testClock, sleeps), Clock.Clock, recordingSleeps(testClock, sleeps))
    }).pipe(Effect.provide(TestClock.layer()))
  const result = await Effect.runPromise(onClock)
  if (result._tag === "Failure") throw result.failure
  return result.success
}

Shared.resilience({ describe, it, expect }, { name: "Effect 4 face", session })
