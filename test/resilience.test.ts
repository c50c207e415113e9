/**
 * Fault injection on the Effect 3 face: the suite both faces run (test/shared/resilience.ts), over this face's
 * transports, plus one case only this face can check (its fibers' children).
 */
import { FetchHttpClient, HttpClient, type HttpClientError } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import {
  Clock,
  Context,
  Duration,
  Effect,
  Either,
  Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Runtime,
  type Scope,
  TestClock,
  TestContext
} from "effect"
import { type ClerkError, Clients, RetryPolicy } from "../src/index.js"
import * as UndiciHttpClient from "../src/UndiciHttpClient.js"
import * as Shared from "./shared/resilience.js"
import * as TestServer from "./support/TestServer.js"

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

const build = ({ transport = "platform", retry, ...options }: Shared.Setup) =>
  Effect.gen(function*() {
    const layer = (extra: Partial<Clients.Options>) =>
      Clients.layer({ secretKey: Redacted.make(TestServer.secret), ...options, ...retryOption(retry), ...extra })
    const other = transport === "routed"
      ? Context.get(yield* Layer.build(NodeHttpClient.layerUndici), HttpClient.HttpClient)
      : undefined
    const live = transport === "platform"
      ? Layer.provide(layer({}), NodeHttpClient.layerUndici)
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

const session: Shared.Face["session"] = async (clock, body) => {
  const logs: Array<Shared.LogLine> = []
  const capture = Logger.make(({ annotations, logLevel, message }) => {
    logs.push({ level: logLevel.label, message: messageText(message), annotations: Object.fromEntries(annotations) })
  })
  const program = Effect.gen(function*() {
    // The suite's steps are Promises: each runs on this runtime, so all share the session's TestClock, loggers, scope.
    const runtime = yield* Effect.runtime<Scope.Scope>()
    const run = <A>(effect: Effect.Effect<A, never, Scope.Scope>) => Runtime.runPromise(runtime)(effect)
    const forks: Array<Fiber.RuntimeFiber<unknown>> = []
    const pending = <A>(effect: Effect.Effect<A>): Shared.Pending<A> => {
      const fiber = Runtime.runFork(runtime)(effect)
      forks.push(fiber)
      return {
        poll: () =>
          run(
            Effect.flatMap(Fiber.poll(fiber), (exit) => (Option.isSome(exit) ? exit.value : Effect.succeed(undefined)))
          ),
        join: () => run(Fiber.join(fiber)),
        interrupt: () => run(Effect.map(Fiber.interrupt(fiber), Exit.isFailure))
      }
    }
    const testClockOnly = <A>(effect: Effect.Effect<A>) =>
      clock === "test" ? run(effect) : Promise.reject(new Error("a live session has no TestClock"))
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
      adjust: (millis) => testClockOnly(TestClock.adjust(millis)),
      setTime: (epochMillis) => testClockOnly(TestClock.setTime(epochMillis)),
      sleeps: () => testClockOnly(Effect.map(TestClock.sleeps(), (sleeps) => Array.from(sleeps))),
      logs
    }
    return yield* Effect.either(Effect.tryPromise({ try: () => body(faceSession), catch: (error) => error })).pipe(
      Effect.ensuring(Fiber.interruptAll(forks))
    )
  }).pipe(
    Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
    Logger.withMinimumLogLevel(LogLevel.Debug),
    Effect.scoped
  )
  const result = await Effect.runPromise(clock === "test" ? Effect.provide(program, TestContext.TestContext) : program)
  if (Either.isLeft(result)) throw result.left
  return result.right
}

Shared.resilience({ describe, it, expect }, { name: "Effect 3 face", session })

describe("Effect 3 face only: the fibers of a call", () => {
  // Effect 3's RuntimeFiber lists its children (Effect 4's Fiber has no such API), so only here can the test see that
  // an interrupted call leaves none of the fibers it spawned running.
  it.scopedLive("interrupting the caller mid-attempt leaves none of the call's fibers running", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup({ timeout: "30 seconds" })
      server.reply(TestServer.stall)
      const fiber = yield* Effect.fork(clients.get("client_ok"))
      yield* server.awaitRequests(1)
      // The attempt runs in a child fiber: the adapter's timeout on the Effect clock races it against a sleep.
      const descendants = (
        f: Fiber.RuntimeFiber<unknown, unknown>
      ): Effect.Effect<Array<Fiber.RuntimeFiber<unknown, unknown>>> =>
        Effect.flatMap(
          f.children,
          (children) => Effect.map(Effect.forEach(children, descendants), (nested) => [...children, ...nested.flat()])
        )
      const spawned = yield* descendants(fiber)
      expect(spawned.length).toBeGreaterThan(0)
      yield* Fiber.interrupt(fiber)
      yield* TestServer.eventually(() => server.aborted.length === 1, "the server to see the connection close")
      expect(yield* Fiber.await(fiber)).toMatchObject({ _tag: "Failure" })
      const left = yield* Effect.filter(spawned, (f) => Effect.map(Fiber.poll(f), (exit) => exit._tag === "None"))
      expect(left).toEqual([])
    }))
})
