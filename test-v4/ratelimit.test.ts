/**
 * Rate limits on `TestClock` through the Effect 4 face: the suite both faces run (test/shared/ratelimit.ts), over
 * `ClientsTest` and over `effect/http`'s fetch to a loopback server.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Config, Context, Duration, Effect, Fiber, Layer, Metric, Redacted, type Scope } from "effect"
import { type ClerkError, ClerkMetrics, Clients, ClientsTest, RetryPolicy } from "effect-clerk/v4"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import * as Shared from "../test/shared/ratelimit.js"
import * as Server from "../test/shared/server.js"

const optionsOf = <O extends Shared.ClientOptions>({ retry, ...rest }: O) => ({
  ...rest,
  ...(retry === undefined ? {} : { retry: retry && RetryPolicy.standard })
})

const outcome = (effect: Effect.Effect<unknown, ClerkError.ClientsError>) =>
  Effect.match(effect, {
    onSuccess: (value): Shared.Outcome => ({ ok: true, value }),
    onFailure: (e): Shared.Outcome => ({
      ok: false,
      error: Shared.failureOf(e, e.retryAfter === undefined ? undefined : Duration.toMillis(e.retryAfter))
    })
  })

const runner =
  (context: Context.Context<never>, clients: Clients.Service) =>
  (calls: ReadonlyArray<Shared.Call>, concurrency: number): Shared.Running => {
    const fiber = Effect.runForkWith(context)(
      Effect.forEach(calls, (c) => outcome(c.op === "get" ? clients.get(c.id, c.options) : clients.verify(c)), {
        concurrency
      })
    )
    return {
      outcomes: Effect.runPromise(Fiber.join(fiber)),
      interrupt: () => Effect.runPromise(Fiber.interrupt(fiber))
    }
  }

const clockOf = (context: Context.Context<never>, sleeps: () => ReadonlyArray<number>): Shared.Clock => {
  const run = Effect.runPromiseWith(context)
  return {
    adjust: (millis) => run(TestClock.adjust(millis)),
    now: () => run(Clock.currentTimeMillis),
    sleeps: () => Promise.resolve(sleeps()),
    counter: (name, attributes) =>
      run(Effect.map(Metric.value(Metric.withAttributes(ClerkMetrics[name], attributes)), (s) => s.count)),
    latency: (attributes) => run(Metric.value(Metric.withAttributes(ClerkMetrics.requestDuration, attributes)))
  }
}

/**
 * Runs `body` on a fresh `TestClock` and scope. Effect 4's TestClock does not list its sleeps, so the clock `body`
 * runs on is that TestClock, noting when each sleep wakes: the suite's driver steps from one to the next.
 */
const inTestClock = <A>(
  body: (context: Context.Context<never>, sleeps: () => ReadonlyArray<number>) => Effect.Effect<A, never, Scope.Scope>
) =>
  Effect.gen(function*() {
    const testClock = yield* TestClock.testClockWith(Effect.succeed)
    const pending: Array<number> = []
    const noting: TestClock.TestClock = {
      ...testClock,
      sleep: (duration) =>
        Effect.suspend(() => {
          const at = testClock.currentTimeMillisUnsafe() + Duration.toMillis(duration)
          pending.push(at)
          return Effect.ensuring(testClock.sleep(duration), Effect.sync(() => pending.splice(pending.indexOf(at), 1)))
        })
    }
    return yield* Effect.flatMap(Effect.context<never>(), (context) => body(context, () => [...pending])).pipe(
      Effect.provideService(Clock.Clock, noting)
    )
  }).pipe(Effect.scoped, Effect.provide(TestClock.layer()), Effect.runPromise)

Shared.ratelimit({ describe, it, expect }, {
  name: "Effect 4 face",
  inMemory: ({ emulatorRateLimit, rateLimit, seedClients, ...options }, script) =>
    inTestClock((context, sleeps) =>
      Effect.gen(function*() {
        const built = yield* Layer.build(ClientsTest.layer({
          seedClients,
          ...optionsOf(options),
          ...(rateLimit === undefined ? {} : { clientRateLimit: rateLimit }),
          ...(emulatorRateLimit === undefined ? {} : { rateLimit: emulatorRateLimit })
        }))
        const backend = Context.get(built, ClientsTest.ClientsTest)
        const run = Effect.runPromiseWith(context)
        return yield* Effect.promise(() =>
          script({
            ...clockOf(context, sleeps),
            ids: backend.clients.map((c) => c.id),
            run: runner(context, Context.get(built, Clients.Clients)),
            injectFaults: (...faults) => run(backend.injectFaults(...faults)),
            stats: () => run(backend.stats),
            mintToken: (id) => run(backend.mintToken(id))
          })
        )
      })
    ),
  overHttp: (script) =>
    inTestClock((context, sleeps) =>
      Effect.gen(function*() {
        const scope = yield* Effect.scope
        const build = (apiUrl: string, options: Shared.ClientOptions) =>
          Effect.runPromiseWith(context)(Effect.match(
            Layer.buildWithScope(
              Clients.layer({ secretKey: Redacted.make(Server.secret), apiUrl, ...optionsOf(options) }).pipe(
                Layer.provide(FetchHttpClient.layer)
              ),
              scope
            ),
            {
              onSuccess: (built): Shared.Built => ({
                ok: true,
                run: runner(context, Context.get(built, Clients.Clients))
              }),
              onFailure: (e): Shared.Built => ({
                ok: false,
                isConfigError: e instanceof Config.ConfigError,
                text: String(e)
              })
            }
          ))
        return yield* Effect.promise(() => script({ ...clockOf(context, sleeps), build }))
      })
    )
})
