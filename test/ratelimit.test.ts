/**
 * Rate limits on `TestClock` through the Effect 3 face: the suite both faces run (test/shared/ratelimit.ts), over
 * `ClientsTest` and over undici to a loopback server.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Clock,
  ConfigError,
  Context,
  Duration,
  Effect,
  Fiber,
  Layer,
  Metric,
  Redacted,
  Runtime,
  type Scope,
  TestClock,
  TestContext
} from "effect"
import { type ClerkError, ClerkMetrics, Clients, ClientsTest, RetryPolicy } from "../src/index.js"
import * as Shared from "./shared/ratelimit.js"
import * as Server from "./shared/server.js"

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
  (runtime: Runtime.Runtime<never>, clients: Clients.Service) =>
  (calls: ReadonlyArray<Shared.Call>, concurrency: number): Shared.Running => {
    const fiber = Runtime.runFork(runtime)(
      Effect.forEach(calls, (c) => outcome(c.op === "get" ? clients.get(c.id, c.options) : clients.verify(c)), {
        concurrency
      })
    )
    return {
      outcomes: Runtime.runPromise(runtime)(Fiber.join(fiber)),
      interrupt: () => Runtime.runPromise(runtime)(Effect.asVoid(Fiber.interrupt(fiber)))
    }
  }

const tagged = <T, I, O>(metric: Metric.Metric<T, I, O>, attributes: Record<string, string>) =>
  Object.entries(attributes).reduce((m, [key, value]) => Metric.tagged(m, key, value), metric)

const clockOf = (runtime: Runtime.Runtime<never>): Shared.Clock => {
  const run = Runtime.runPromise(runtime)
  return {
    adjust: (millis) => run(TestClock.adjust(millis)),
    now: () => run(Clock.currentTimeMillis),
    sleeps: () => run(Effect.map(TestClock.sleeps(), Chunk.toReadonlyArray)),
    counter: (name, attributes) =>
      run(Effect.map(Metric.value(tagged(ClerkMetrics[name], attributes)), (s) => s.count)),
    latency: (attributes) => run(Metric.value(tagged(ClerkMetrics.requestDuration, attributes)))
  }
}

/** Runs `body` in a fresh TestContext (so on its own TestClock) and scope. */
const inTestClock = <A>(body: (runtime: Runtime.Runtime<never>) => Effect.Effect<A, never, Scope.Scope>) =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(Effect.runtime<never>(), body)).pipe(Effect.provide(TestContext.TestContext))
  )

Shared.ratelimit({ describe, it, expect }, {
  name: "Effect 3 face",
  inMemory: ({ emulatorRateLimit, rateLimit, seedClients, ...options }, script) =>
    inTestClock((runtime) =>
      Effect.gen(function*() {
        const context = yield* Layer.build(ClientsTest.layer({
          seedClients,
          ...optionsOf(options),
          ...(rateLimit === undefined ? {} : { clientRateLimit: rateLimit }),
          ...(emulatorRateLimit === undefined ? {} : { rateLimit: emulatorRateLimit })
        }))
        const backend = Context.get(context, ClientsTest.ClientsTest)
        const run = Runtime.runPromise(runtime)
        return yield* Effect.promise(() =>
          script({
            ...clockOf(runtime),
            ids: backend.clients.map((c) => c.id),
            run: runner(runtime, Context.get(context, Clients.Clients)),
            injectFaults: (...faults) => run(backend.injectFaults(...faults)),
            stats: () => run(backend.stats),
            mintToken: (id) => run(backend.mintToken(id))
          })
        )
      })
    ),
  overHttp: (script) =>
    inTestClock((runtime) =>
      Effect.gen(function*() {
        const scope = yield* Effect.scope
        const build = (apiUrl: string, options: Shared.ClientOptions) =>
          Runtime.runPromise(runtime)(Effect.match(
            Layer.buildWithScope(
              Clients.layer({ secretKey: Redacted.make(Server.secret), apiUrl, ...optionsOf(options) }).pipe(
                Layer.provide(NodeHttpClient.layerUndici)
              ),
              scope
            ),
            {
              onSuccess: (context): Shared.Built => ({
                ok: true,
                run: runner(runtime, Context.get(context, Clients.Clients))
              }),
              onFailure: (e): Shared.Built => ({
                ok: false,
                isConfigError: ConfigError.isConfigError(e),
                text: String(e)
              })
            }
          ))
        return yield* Effect.promise(() => script({ ...clockOf(runtime), build }))
      })
    )
})
