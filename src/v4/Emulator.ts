/**
 * A local server that behaves like Clerk's Backend API for the three Clients operations, so you can run and test
 * without a Clerk account or a network. (Effect 4 face) It is built on `effect/http`'s `HttpServer` and shares the `Client`
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
 * @since 0.3.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServer from "effect/http/HttpServer"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Check } from "../core/check.js"
import * as Faults from "../core/emulator/faults.js"
import type { Reply } from "../core/emulator/replies.js"
import * as Server from "../core/emulator/server.js"
import * as Store from "../core/emulator/store.js"
import * as Token from "../core/emulator/token.js"
import * as Checks from "../core/emulatorOptions.js"
import type * as Endpoints from "../core/endpoints.js"
import * as Domain from "./Client.js"

/**
 * A fault to inject: which requests it matches (an operation, or all), what it does, and how many times.
 *
 * @example
 * ```ts
 * import type { Emulator } from "effect-clerk/v4"
 * const twice503: Emulator.Fault = { operation: "get", status: 503, times: 2 }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Fault extends Faults.Fault {}

/**
 * An operation's name, as the endpoint table names it (`list`, `get`, `verify`): what a fault's `operation` and the
 * stats count by.
 *
 * @example
 * ```ts
 * import type { Emulator } from "effect-clerk/v4"
 * const onlyGets: Emulator.Operation = "get"
 * ```
 * @since 0.3.0
 * @category Models
 */
export type Operation = Endpoints.Name

/**
 * @since 0.3.0
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
 * import type { Emulator } from "effect-clerk/v4"
 * const tight: Emulator.RateLimit = { limit: 50, window: "1 second" }
 * const likeClerk: Emulator.RateLimit = "production"
 * ```
 * @since 0.3.0
 * @category Models
 */
export type RateLimit = "production" | "development" | {
  readonly limit: number
  readonly window: Duration.Input
}

/**
 * Reads a rate limit as the CLI takes it: `production`, `development`, or `N/<interval>` such as `50/1s`,
 * `100/10s` or `1000/10 seconds`.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk/v4"
 * Emulator.parseRateLimit("50/1s") // Result.succeed({ limit: 50, window: Duration.seconds(1) })
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const parseRateLimit = (text: string): Result.Result<RateLimit, string> => {
  const parsed = Checks.parseRateLimit(text)
  if (!parsed.ok) return Result.fail(parsed.error)
  const value = parsed.value
  return Result.succeed(
    typeof value === "string" ? value : { limit: value.limit, window: Duration.millis(value.windowMillis) }
  )
}

/**
 * A running emulator.
 *
 * @since 0.3.0
 * @category Models
 */
export interface Service {
  /**
   * Where it listens, without a path: `http://127.0.0.1:PORT`. The base URL for Clerk's SDKs (`@clerk/backend`'s
   * `apiUrl`, `CLERK_API_URL`), which add `/v1` themselves; effect-clerk takes it too and adds `/v1`.
   */
  readonly origin: string
  /** `origin + "/v1"`, the base URL effect-clerk's `Clients.layer` uses. */
  readonly apiUrl: string
  /** The key requests must carry as `Authorization: Bearer …`. */
  readonly secretKey: Redacted.Redacted<string>
  /** A token `verify` accepts for this client (valid for `expiresIn`, default 1 hour; negative makes it expired). */
  readonly mintToken: (clientId: string, options?: { readonly expiresIn?: Duration.Input }) => Effect.Effect<string>
  /** Queues faults, applied in order to the requests they match (each `times` times). An invalid fault is a defect. */
  readonly injectFaults: (...faults: ReadonlyArray<Fault>) => Effect.Effect<void>
  /** Drops every queued fault; `faultRate` stays. */
  readonly clearFaults: Effect.Effect<void>
  /** Requests received so far, per operation (admin routes not counted). */
  readonly stats: Effect.Effect<Stats>
  /**
   * Simulates sign-ups: `count` new clients, created now (on the Effect clock), in front of the others, so every
   * offset shifts by `count`. Returns the new clients, newest first.
   */
  readonly createClients: (count: number) => Effect.Effect<ReadonlyArray<Domain.Client>>
  /** How many clients it serves now; the `total_count` of `GET /v1/clients`. */
  readonly size: number
  /** Every client it serves, newest first. */
  readonly clients: ReadonlyArray<Domain.Client>
}

/**
 * Requests received per operation, and what happened to them.
 *
 * @since 0.3.0
 * @category Models
 */
export interface Stats extends Server.Stats {}

/**
 * The running emulator, provided by {@link layer}.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk/v4"
 * const where = Emulator.Emulator.useSync((emulator) => emulator.apiUrl)
 * ```
 * @since 0.3.0
 * @category Services
 */
export class Emulator extends Context.Service<Emulator, Service>()("effect-clerk/Emulator") {}

/**
 * The key the emulator expects unless given another.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk/v4"
 * Emulator.defaultSecretKey // "sk_test_effect_clerk_emulator"
 * ```
 * @since 0.3.0
 * @category Constants
 */
export const defaultSecretKey: string = Checks.defaultSecretKey

const encodeClient = Schema.encodeSync(Domain.Client)
const decodeClients = Schema.decodeUnknownResult(Schema.Array(Domain.Client))

/**
 * Reads clients in Clerk's wire format — a JSON array, a `{ data: [...] }` envelope, or NDJSON (one client per line,
 * as `effect-clerk stream` prints) — validated by the same schema the client uses.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk/v4"
 * const clients = Emulator.clientsFromJson('[{"object":"client", …}]') // Result<ReadonlyArray<Client>, string>
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const clientsFromJson = (text: string): Result.Result<ReadonlyArray<Domain.Client>, string> => {
  const json = Checks.clientsJson(text)
  if (!json.ok) return Result.fail(json.error)
  return Result.mapError(decodeClients(json.value), (error) => error.message)
}

const orDie = <A>(check: Check<A>): Effect.Effect<A> =>
  check.ok ? Effect.succeed(check.value) : Effect.die(new Error(check.error))

/**
 * The emulator without a server: its request handler (`app`) and controls. {@link layer} serves it; `ClientsTest`
 * answers an in-memory `fetch` with it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Emulator } from "effect-clerk/v4"
 * const controls = Effect.map(Emulator.make({ seedClients: 3 }), (emulator) => emulator.size) // 3
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const secretKey = yield* orDie(Checks.secretKey(options.secretKey ?? defaultSecretKey))
    const seed = options.seed ?? 1
    const statuses = Domain.KnownSessionStatus.literals
    const store = Store.growing<Domain.Client, Domain.SessionStatus>(
      options.clients === undefined
        ? Store.generated(options.seedClients ?? 25, seed, statuses)
        : Store.fromClients(options.clients),
      seed,
      statuses
    )
    const limit = options.rateLimit
    const rateLimit = yield* orDie(Checks.rateLimit(
      limit === undefined || typeof limit === "string"
        ? limit
        : { limit: limit.limit, windowMillis: Duration.toMillis(limit.window) }
    ))
    const faultRate = yield* orDie(Checks.faultRate(options.faultRate))
    const signer = yield* Effect.promise(() => Token.makeSigner(options.signingKey ?? `emulator-signing:${secretKey}`))
    const faults = Faults.faultQueue(faultRate, Faults.seededRandom(seed))
    const emulator = Server.make({ secretKey, store, signer, faults, rateLimit, encode: encodeClient })
    return {
      app: handle(emulator),
      mintToken: (clientId: string, mintOptions: { readonly expiresIn?: Duration.Input } = {}) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const seconds = Duration.toSeconds(mintOptions.expiresIn ?? "1 hour")
          return Effect.promise(() => signer.sign(Token.claimsFor(clientId, now, seconds)))
        }),
      injectFaults: (...inputs: ReadonlyArray<Fault>) =>
        Effect.suspend(() => {
          // The same validation as the admin route and the header: a fault the emulator cannot apply is a bug.
          const parsed = Faults.parseFaults(inputs)
          if (parsed === undefined) return Effect.die(new Error(`invalid emulator fault in ${JSON.stringify(inputs)}`))
          faults.enqueue(parsed)
          return Effect.void
        }),
      clearFaults: Effect.sync(() => faults.clear()),
      stats: Effect.sync((): Stats => emulator.stats()),
      createClients: (count: number) => Effect.map(Clock.currentTimeMillis, (now) => store.create(count, now)),
      get clients() {
        return store.all()
      },
      get size() {
        return store.size
      },
      secretKey: Redacted.make(secretKey)
    }
  })

/**
 * Serves the emulator on the `HttpServer` you provide (for Node, `NodeHttpServer.layer` from
 * `@effect/platform-node` on port 0 picks a free port).
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk/v4"
 * const emulator = Emulator.layer({ seedClients: 50, faultRate: 0.1 }) // Layer<Emulator, never, HttpServer>
 * ```
 * @since 0.3.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<Emulator, never, HttpServer.HttpServer> =>
  Layer.effect(
    Emulator,
    Effect.gen(function*() {
      const emulator = yield* make(options)
      yield* HttpServer.serveEffect(emulator.app)
      const origin = yield* HttpServer.addressFormattedWith((address) =>
        Effect.succeed(address.replace(/^http:\/\/(0\.0\.0\.0|\[::\])(?=:)/, "http://127.0.0.1").replace(/\/+$/, ""))
      )
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

// ---------------------------------------------------------------------------------------------------------------
// Request handling: the core decides (src/core/emulator/server.ts); this face reads the request, sleeps a fault's
// latency on the Effect clock, and applies the faults that need the connection.
// ---------------------------------------------------------------------------------------------------------------

const readText = (request: HttpServerRequest.HttpServerRequest) => Effect.orElseSucceed(request.text, () => "")

const handle = (emulator: Server.Emulator) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const plan = emulator.plan(
      {
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization,
        faultHeader: request.headers["x-emulator-fault"]
      },
      yield* Clock.currentTimeMillis
    )
    switch (plan._tag) {
      case "Reply":
        return respond(plan.reply)
      case "Admin": {
        const body = yield* readText(request)
        const now = yield* Clock.currentTimeMillis
        return respond(yield* Effect.promise(() => emulator.admin(plan, body, now)))
      }
      case "Endpoint": {
        const real = Effect.gen(function*() {
          const body = plan.endpoint.method === "GET" ? "" : yield* readText(request)
          const now = yield* Clock.currentTimeMillis
          return yield* Effect.promise(() => emulator.answer(plan, body, now))
        })
        const fault = plan.fault
        if (fault === undefined) return respond(yield* real)
        if (fault.latencyMs !== undefined && fault.latencyMs > 0) yield* Effect.sleep(Duration.millis(fault.latencyMs))
        return yield* applyFault(fault, request, plan.traceId, real)
      }
    }
  })

/**
 * Every fault kind in one place: those that replace the answer (status, drop, html, malformed), those that spoil
 * the real one (truncate, reset), and latency alone, which keeps it.
 */
const applyFault = (
  fault: Fault,
  request: HttpServerRequest.HttpServerRequest,
  traceId: string,
  real: Effect.Effect<Reply>
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  switch (Faults.effectOf(fault)) {
    case "late":
      return Effect.map(real, respond)
    case "drop":
      return Effect.sync(() => {
        destroyConnection(request.source)
        return HttpServerResponse.empty({ status: 503 })
      })
    case "html":
      return Effect.succeed(respond(Faults.htmlReply(fault, traceId), "text/html"))
    case "malformed":
      return Effect.succeed(respond(Faults.malformedReply))
    case "truncate":
      return Effect.map(real, (reply) => respond(Faults.truncated(reply)))
    case "reset":
      return Effect.map(real, (reply) => {
        const bytes = new TextEncoder().encode(reply.body)
        const half = bytes.subarray(0, Math.floor(bytes.length / 2))
        return HttpServerResponse.stream(
          Stream.concat(
            Stream.make(half),
            Stream.fromEffect(Effect.sync(() => destroyConnection(request.source))).pipe(Stream.drain)
          ),
          { status: reply.status, contentType: "application/json", headers: { "content-length": String(bytes.length) } }
        )
      })
    case "status":
      return Effect.succeed(respond(Faults.statusReply(fault, traceId)))
  }
}

/** Closes the underlying socket where the platform exposes one (Node's `IncomingMessage.socket`). */
const destroyConnection = (source: unknown): void => {
  if (!Predicate.hasProperty(source, "socket")) return
  const socket = source.socket
  if (Predicate.hasProperty(socket, "destroy") && typeof socket.destroy === "function") socket.destroy()
}

const respond = (reply: Reply, contentType = "application/json"): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(reply.body, { status: reply.status, contentType, headers: reply.headers })
