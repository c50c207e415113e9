/**
 * An in-memory `Clients` for your unit tests: no sockets, no ports, no Clerk account.
 *
 * It is not a second implementation. Requests go through the real `Clients` pipeline (validation, status mapping,
 * decoding, retries) and are answered by the emulator's request handler, called directly in memory. So a test
 * written against `ClientsTest.layer` sees exactly the values and typed errors production code sees.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { it } from "@effect/vitest"
 * import { Clients, ClientsTest } from "effect-clerk"
 *
 * it.effect("finds the client", () =>
 *   Effect.gen(function* () {
 *     const { clients: [first] } = yield* ClientsTest.ClientsTest
 *     const client = yield* Effect.flatMap(Clients.Clients, (c) => c.get(first!.id))
 *   }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 3 }))))
 * ```
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Clients from "./Clients.js"
import * as Emulator from "./Emulator.js"
import * as Exchange from "./Exchange.js"

/**
 * Controls of the in-memory backend: its data, token minting, fault injection, request counts.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Controls {
  readonly clients: Emulator.Service["clients"]
  readonly mintToken: Emulator.Service["mintToken"]
  readonly injectFaults: Emulator.Service["injectFaults"]
  readonly clearFaults: Emulator.Service["clearFaults"]
  readonly stats: Emulator.Service["stats"]
  readonly createClients: Emulator.Service["createClients"]
}

/**
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ClientsTest } from "effect-clerk"
 * Effect.flatMap(ClientsTest.ClientsTest, (backend) => backend.injectFaults({ status: 503 }))
 * ```
 * @since 0.1.0
 * @category Tags
 */
export class ClientsTest extends Context.Tag("effect-clerk/ClientsTest")<ClientsTest, Controls>() {}

/**
 * Options: the emulator's (its data, faults, and `rateLimit`: Clerk's limit to rehearse against), plus `Clients`
 * options, with the client's own pacing as `clientRateLimit`. Retries default to none here, so a test that injects a
 * 503 sees it at once instead of sleeping through backoff (pass `retry` to test your policy), and the deprecation
 * warning of `list` is off (pass `deprecationWarning: true` to see it).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options
  extends Omit<Emulator.Options, "secretKey">, Omit<Partial<Clients.Options>, "secretKey" | "apiUrl" | "rateLimit">
{
  /** The `Clients` layer's `rateLimit` (its own pacing). Default: adaptive, as in production. */
  readonly clientRateLimit?: Clients.Options["rateLimit"]
}

/**
 * `@effect/platform`'s `HttpApp` (the server side), loaded when a layer is built rather than with this module, so a
 * client-only import of `effect-clerk` does not pay for it.
 */
const httpApp: Effect.Effect<typeof HttpApp> = Effect.promise(() => import("@effect/platform/HttpApp"))

/** Never dialled: the in-memory fetch answers every request. */
const origin = "https://clients-test.invalid"

/** The backend's latency sleeps on the test's clock (`TestClock` included), so attempts' time limits follow it too. */
const virtualTimeLimits = Layer.effect(
  Exchange.Exchange,
  Effect.map(HttpClient.HttpClient, (client) => Exchange.fromHttpClient(client, { timer: "effect" }))
)

/**
 * Provides `Clients` and `ClientsTest` with an in-memory backend.
 *
 * @example
 * ```ts
 * import { ClientsTest } from "effect-clerk"
 * const TestClients = ClientsTest.layer({ seedClients: 10, seed: 42 })
 * ```
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<Clients.Clients | ClientsTest> =>
  Layer.unwrapScoped(Effect.gen(function*() {
    const emulator = yield* Emulator.make(options)
    // The backend runs on the runtime that built the layer, so it shares the test's Clock (TestClock included):
    // tokens minted and verified agree on the time, and injected latency follows TestClock.adjust.
    const { toWebHandlerRuntime } = yield* httpApp
    const handler = toWebHandlerRuntime(yield* Effect.runtime<never>())(emulator.app)
    const inMemoryFetch: typeof globalThis.fetch = (input, init) => handler(new Request(input, init))
    const controls = Layer.succeed(ClientsTest, {
      get clients() {
        return emulator.clients
      },
      mintToken: emulator.mintToken,
      injectFaults: emulator.injectFaults,
      clearFaults: emulator.clearFaults,
      stats: emulator.stats,
      createClients: emulator.createClients
    })
    const { clientRateLimit, rateLimit: _serverRateLimit, ...rest } = options
    const inMemory = Layer.provide(FetchHttpClient.layer, Layer.succeed(FetchHttpClient.Fetch, inMemoryFetch))
    const clients = Clients.layer({
      retry: false,
      deprecationWarning: false,
      ...rest,
      ...(clientRateLimit === undefined ? {} : { rateLimit: clientRateLimit }),
      secretKey: Redacted.make(Emulator.defaultSecretKey),
      apiUrl: `${origin}/v1`
    }).pipe(
      Layer.provide(Layer.merge(inMemory, Layer.provide(virtualTimeLimits, inMemory))),
      Layer.orDie
    )
    return Layer.merge(clients, controls)
  }))
