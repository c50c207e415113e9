/**
 * An in-memory `Clients` for your unit tests (Effect 4 face): no sockets, no ports, no Clerk account.
 *
 * It is not a second implementation. Requests go through the real `Clients` pipeline (validation, status mapping,
 * decoding, retries) over `effect/http`'s `FetchHttpClient`, and are answered by the emulator's request handler,
 * called directly in memory. The handler runs with the context that built the layer, so it shares the test's clock:
 * under `TestClock`, injected latency, retries and token expiry follow `TestClock.adjust`.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { it } from "@effect/vitest"
 * import { Clients, ClientsTest } from "effect-clerk/v4"
 *
 * it.effect("finds the client", () =>
 *   Effect.gen(function*() {
 *     const { clients: [first] } = yield* ClientsTest.ClientsTest
 *     const client = yield* Clients.Clients.use((c) => c.get(first!.id))
 *   }).pipe(Effect.provide(ClientsTest.layer({ seedClients: 3 }))))
 * ```
 *
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpEffect from "effect/http/HttpEffect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Clients from "./Clients.js"
import * as Emulator from "./Emulator.js"
import * as Exchange from "./Exchange.js"

/**
 * Controls of the in-memory backend: its data, token minting, fault injection, request counts.
 *
 * @since 0.3.0
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
 * The controls, provided by {@link layer} beside `Clients`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ClientsTest } from "effect-clerk/v4"
 * const firstId = ClientsTest.ClientsTest.useSync((test) => test.clients[0]?.id)
 * ```
 * @since 0.3.0
 * @category Services
 */
export class ClientsTest extends Context.Service<ClientsTest, Controls>()("effect-clerk/ClientsTest") {}

/**
 * Options of {@link layer}: the emulator's, and the `Clients` layer's (except the key and URL, which are the
 * emulator's).
 *
 * @since 0.3.0
 * @category Models
 */
export interface Options
  extends Omit<Emulator.Options, "secretKey">, Omit<Partial<Clients.Options>, "secretKey" | "apiUrl" | "rateLimit">
{
  /** The `Clients` layer's `rateLimit` (its own pacing). Default: adaptive, as in production. */
  readonly clientRateLimit?: Clients.Options["rateLimit"]
}

/**
 * `effect/http`'s `HttpEffect` (the server side), loaded when a layer is built rather than with this module, so a
 * client-only import of `effect-clerk/v4` does not pay for it.
 */
const httpEffect: Effect.Effect<typeof HttpEffect> = Effect.promise(() => import("effect/http/HttpEffect"))

/** Never dialled: the in-memory fetch answers every request. */
const origin = "https://clients-test.invalid"

/** The backend's latency sleeps on the test's clock (`TestClock` included), so attempts' time limits follow it too. */
const virtualTimeLimits = Layer.effect(
  Exchange.Exchange,
  HttpClient.HttpClient.useSync((client) => Exchange.fromHttpClient(client, { timer: "effect" }))
)

/**
 * `Clients` answered in memory by an emulator, and its {@link ClientsTest} controls. Retries are off and the
 * deprecation warning is silent unless you set them.
 *
 * @example
 * ```ts
 * import { ClientsTest, RetryPolicy } from "effect-clerk/v4"
 * const withRetries = ClientsTest.layer({ seedClients: 5, retry: RetryPolicy.standard })
 * ```
 * @since 0.3.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<Clients.Clients | ClientsTest> =>
  Layer.unwrap(Effect.gen(function*() {
    const emulator = yield* Emulator.make(options)
    const { toWebHandlerWith } = yield* httpEffect
    const handler = toWebHandlerWith<never, HttpServerRequest.HttpServerRequest>(
      yield* Effect.context<never>()
    )(
      emulator.app
    )
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
