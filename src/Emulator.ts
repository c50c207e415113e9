/**
 * A local server that behaves like Clerk's Backend API for the three Clients operations, so you can run and test
 * without a Clerk account or a network. It is built on `@effect/platform`'s `HttpServer` and shares the `Client`
 * schemas with the library (the wire format is `Schema.encode` of the same schema the client decodes with).
 *
 * - The routes of the endpoint table (src/core/endpoints.ts), below `/v1`: `GET /v1/clients` (newest first, `limit`
 *   1–500, `offset` ≥ 0, `{ data, total_count }` for `paginated=true`, else a bare array), `POST /v1/clients/verify`
 *   (accepts only tokens this emulator minted), `GET /v1/clients/{client_id}` (so `GET /v1/clients/verify` is `get`
 *   of the id `verify`: 404). Another method on a route is a 405; `/v1/v1/…` is a 404 that says the base URL
 *   already ends in `/v1`.
 * - Clerk-shaped errors with `clerk_trace_id` and a `Clerk-Trace-Id` header; 401 without the configured secret key.
 * - Admin routes (same bearer key): `POST /__emulator/tokens` `{ client_id, expires_in_seconds? }` → `{ token }`;
 *   `POST /__emulator/faults` `{ faults: [Fault…] }`; `DELETE /__emulator/faults`; `GET /__emulator/stats`.
 * - Per-request faults: an `X-Emulator-Fault` header holding one `Fault` as JSON.
 *
 * @since 0.1.0
 */
import type * as HttpServer from "@effect/platform/HttpServer"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Domain from "./Client.js"
import type * as Faults from "./core/emulator/faults.js"
import type * as Server from "./core/emulator/server.js"
import * as Checks from "./core/emulatorOptions.js"
import type * as Endpoints from "./core/endpoints.js"
import type * as Body from "./internal/emulator.js"

/**
 * A misbehaviour to inject. Without `kind`, a fault with `status` (or `retryAfter`) answers that status (default
 * 503) with a Clerk error body, and a fault with only `latencyMs` answers normally, that late: a slow but successful
 * request, for timeout tests.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk"
 * const rateLimited: Emulator.Fault = { status: 429, retryAfter: "2", times: 3 }
 * const flaky: Emulator.Fault = { kind: "drop", operation: "get" }
 * const slow: Emulator.Fault = { latencyMs: 2000, operation: "get" } // a 200, two seconds late
 * ```
 * @since 0.1.0
 * @category Models
 */
export interface Fault extends Faults.Fault {}

/**
 * An operation's name, as the endpoint table names it (`list`, `get`, `verify`): what a fault's `operation` and the
 * stats count by.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk"
 * const onlyGets: Emulator.Operation = "get"
 * ```
 * @since 0.1.0
 * @category Models
 */
export type Operation = Endpoints.Name

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The secret key requests must carry. Default `sk_test_effect_clerk_emulator`. */
  readonly secretKey?: string
  /** How many clients to generate. Default 25. Ignored when `clients` is given. */
  readonly seedClients?: number
  /** Seed of the generator: the same seed gives the same clients. Default 1. */
  readonly seed?: number
  /** Serve exactly these clients instead of generated ones. */
  readonly clients?: ReadonlyArray<Domain.Client>
  /** Random transient faults on this fraction of Clients requests (0 to 1), for resilience drills. Default 0. */
  readonly faultRate?: number
  /** Key that signs client tokens. Default: derived from the secret key. */
  readonly signingKey?: string
  /**
   * Enforce Clerk's rate limit on the Clients routes: `"production"` (1000 requests per 10 s), `"development"` (100
   * per 10 s), or your own. Over the limit the answer is Clerk's: 429 `too_many_requests` with `Retry-After` in
   * whole seconds until the window ends. Windows follow the Effect clock, so `TestClock` drives them. Default: none.
   */
  readonly rateLimit?: RateLimit
}

/**
 * A rate limit for the emulator: Clerk's, by the kind of key, or `limit` requests per fixed `window`.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk"
 * const tight: Emulator.RateLimit = { limit: 50, window: "1 second" }
 * const likeClerk: Emulator.RateLimit = "production"
 * ```
 * @since 0.2.0
 * @category Models
 */
export type RateLimit = "production" | "development" | {
  readonly limit: number
  readonly window: Duration.DurationInput
}

/**
 * Reads a rate limit as the CLI takes it: `production`, `development`, or `N/<interval>` such as `50/1s`,
 * `100/10s` or `1000/10 seconds`.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk"
 * Emulator.parseRateLimit("50/1s") // Either.right({ limit: 50, window: Duration.seconds(1) })
 * ```
 * @since 0.2.0
 * @category Constructors
 */
export const parseRateLimit = (text: string): Either.Either<RateLimit, string> => {
  const parsed = Checks.parseRateLimit(text)
  if (!parsed.ok) return Either.left(parsed.error)
  const value = parsed.value
  return Either.right(
    typeof value === "string" ? value : { limit: value.limit, window: Duration.millis(value.windowMillis) }
  )
}

/**
 * A running emulator.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /**
   * Where it listens, without a path: `http://127.0.0.1:PORT`. The base URL for Clerk's SDKs (`@clerk/backend`'s
   * `apiUrl`, `CLERK_API_URL`), which add `/v1` themselves; effect-clerk takes it too and adds `/v1`.
   */
  readonly origin: string
  /**
   * `origin + "/v1"`, the base URL effect-clerk's `Clients.layer` uses. Do not give it to Clerk's SDKs: they add
   * `/v1` again, and the emulator answers `/v1/v1/…` with a 404 that says so.
   */
  readonly apiUrl: string
  /** The key requests must carry as `Authorization: Bearer …`. */
  readonly secretKey: Redacted.Redacted<string>
  /** A token `verify` accepts for this client (valid for `expiresIn`, default 1 hour; negative makes it expired). */
  readonly mintToken: (
    clientId: string,
    options?: { readonly expiresIn?: Duration.DurationInput }
  ) => Effect.Effect<string>
  /** Queues faults, applied in order to the requests they match (each `times` times). An invalid fault is a defect. */
  readonly injectFaults: (...faults: ReadonlyArray<Fault>) => Effect.Effect<void>
  /** Drops every queued fault (the ones `injectFaults` and `POST /__emulator/faults` queued); `faultRate` stays. */
  readonly clearFaults: Effect.Effect<void>
  /** Requests received so far, per operation (admin routes not counted). */
  readonly stats: Effect.Effect<Stats>
  /**
   * Simulates sign-ups: `count` new clients, created now (on the Effect clock), in front of the others
   * (`GET /v1/clients` is newest first), so every offset shifts by `count`, as it does on Clerk during a long export.
   * Returns the new clients, newest first.
   */
  readonly createClients: (count: number) => Effect.Effect<ReadonlyArray<Domain.Client>>
  /** How many clients it serves now (`createClients` adds to it); the `total_count` of `GET /v1/clients`. */
  readonly size: number
  /** Every client it serves, newest first (generated ones are materialised on first access). */
  readonly clients: ReadonlyArray<Domain.Client>
}

/**
 * Requests received per operation (`list`, `get`, `verify`: one field per endpoint), and in all.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Stats extends Server.Stats {}

/**
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Emulator } from "effect-clerk"
 * Effect.map(Emulator.Emulator, (emulator) => emulator.apiUrl)
 * ```
 * @since 0.1.0
 * @category Tags
 */
export class Emulator extends Context.Tag("effect-clerk/Emulator")<Emulator, Service>() {}

/**
 * The default secret key the emulator accepts.
 *
 * @example
 * ```ts
 * import { ClerkClients, Emulator } from "effect-clerk"
 * ClerkClients.make({ secretKey: Emulator.defaultSecretKey, apiUrl: "http://127.0.0.1:4010" })
 * ```
 * @since 0.1.0
 * @category Constants
 */
export const defaultSecretKey: typeof Checks.defaultSecretKey = Checks.defaultSecretKey

const decodeClients = Schema.decodeUnknownEither(Schema.Array(Domain.Client))

/**
 * Reads clients in Clerk's wire format — a JSON array, a `{ data: [...] }` envelope, or NDJSON (one client per line,
 * as `effect-clerk stream` prints) — validated by the same schema the client uses.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk"
 * const clients = Emulator.clientsFromJson('[{"object":"client", …}]')
 * ```
 * @since 0.1.0
 * @category Constructors
 */
export const clientsFromJson = (text: string): Either.Either<ReadonlyArray<Domain.Client>, string> => {
  const json = Checks.clientsJson(text)
  if (!json.ok) return Either.left(json.error)
  return Either.mapLeft(decodeClients(json.value), (error) => error.message)
}

/**
 * The emulator's body (`internal/emulator.ts`: the core's emulator and `@effect/platform`'s server side), loaded when
 * an emulator is made rather than with this module, so a client-only import of `effect-clerk` does not pay for it.
 */
const body: Effect.Effect<typeof Body> = Effect.promise(() => import("./internal/emulator.js"))

/**
 * The emulator as an `HttpApp` plus its controls, without serving it. Use {@link layer} to serve it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Emulator } from "effect-clerk"
 * const program = Effect.map(Emulator.make({ seedClients: 3 }), ({ app }) => app)
 * ```
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}) => Effect.flatMap(body, (emulator) => emulator.make(options))

/**
 * Serves the emulator on the `HttpServer` you provide and exposes it as the `Emulator` service.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { NodeHttpServer } from "@effect/platform-node"
 * import { createServer } from "node:http"
 * import { Emulator } from "effect-clerk"
 * const emulator = Emulator.layer({ seedClients: 100 }).pipe(
 *   Layer.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
 * )
 * ```
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator, never, HttpServer.HttpServer> =>
  Layer.scoped(
    Emulator,
    Effect.gen(function*() {
      const loaded = yield* body
      const emulator = yield* loaded.make(options)
      const origin = yield* loaded.serve(emulator.app)
      return Emulator.of({
        origin,
        apiUrl: `${origin}/v1`,
        secretKey: emulator.secretKey,
        mintToken: emulator.mintToken,
        injectFaults: emulator.injectFaults,
        clearFaults: emulator.clearFaults,
        stats: emulator.stats,
        createClients: emulator.createClients,
        get size() {
          return emulator.size
        },
        get clients() {
          return emulator.clients
        }
      })
    })
  )
