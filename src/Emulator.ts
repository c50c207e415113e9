/**
 * A local server that behaves like Clerk's Backend API for the three Clients operations, so you can run and test
 * without a Clerk account or a network. It is built on `@effect/platform`'s `HttpServer` and shares the `Client`
 * schemas with the library (the wire format is `Schema.encode` of the same schema the client decodes with).
 *
 * - `GET /v1/clients` (newest first, `limit` 1–500, `offset` ≥ 0, `{ data, total_count }` for `paginated=true`, else a bare array)
 * - `POST /v1/clients/verify` (accepts only tokens this emulator minted)
 * - `GET /v1/clients/{client_id}`
 * - Clerk-shaped errors with `clerk_trace_id` and a `Clerk-Trace-Id` header; 401 without the configured secret key.
 * - Admin routes (same bearer key): `POST /__emulator/tokens` `{ client_id, expires_in_seconds? }` → `{ token }`;
 *   `POST /__emulator/faults` `{ faults: [Fault…] }`; `DELETE /__emulator/faults`; `GET /__emulator/stats`.
 * - Per-request faults: an `X-Emulator-Fault` header holding one `Fault` as JSON.
 *
 * @since 0.1.0
 */
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Domain from "./Client.js"
import { fromClients, generated, growing, type GrowingStore } from "./internal/store.js"
import { issuer, makeSigner, type Signer } from "./internal/token.js"

/**
 * A misbehaviour to inject. Without `kind`, a fault with `status` answers with that status and a Clerk error body.
 *
 * @example
 * ```ts
 * import { Emulator } from "effect-clerk"
 * const rateLimited: Emulator.Fault = { status: 429, retryAfter: "2", times: 3 }
 * const flaky: Emulator.Fault = { kind: "drop", operation: "get" }
 * ```
 * @since 0.1.0
 * @category Models
 */
export interface Fault {
  /** Only requests of this operation; default any. */
  readonly operation?: Operation
  /** How many matching requests it applies to (queued faults only). Default 1. */
  readonly times?: number
  /**
   * - `status` (default): answer `status` (default 503) with a Clerk error body.
   * - `drop`: close the connection before any response.
   * - `reset`: send headers and half the body, then close the connection.
   * - `truncate`: a complete response whose JSON body is cut in half.
   * - `malformed`: a 200 whose body is not JSON at all, labelled `application/json`.
   * - `html`: an HTML error page (status default 502), as a proxy in front of Clerk would send.
   */
  readonly kind?: "status" | "drop" | "reset" | "truncate" | "malformed" | "html"
  readonly status?: number
  /** Sent as the `Retry-After` header, verbatim (seconds or an HTTP-date). */
  readonly retryAfter?: string
  /** Milliseconds to wait before answering (on the Effect clock, so `TestClock` controls it in tests). */
  readonly latencyMs?: number
}

/**
 * @since 0.1.0
 * @category Models
 */
export type Operation = "list" | "get" | "verify"

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
  const trimmed = text.trim()
  if (trimmed === "production" || trimmed === "development") return Either.right(trimmed)
  const match = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*(ms|s|m|millis|seconds?|minutes?)?$/.exec(trimmed)
  const limit = Number(match?.[1])
  const amount = Number(match?.[2])
  if (match === null || !(limit >= 1) || !(amount > 0)) {
    return Either.left(`expected production, development or N/<interval> (e.g. 50/1s), got ${JSON.stringify(text)}`)
  }
  const unit = match[3] ?? "s"
  const millis = unit === "ms" || unit === "millis" ? amount : unit.startsWith("m") ? amount * 60_000 : amount * 1000
  return Either.right({ limit, window: Duration.millis(millis) })
}

const clerkRateLimits = {
  production: { limit: 1000, windowMillis: 10_000 },
  development: { limit: 100, windowMillis: 10_000 }
} as const

const resolveRateLimit = (
  rateLimit: RateLimit | undefined
): { readonly limit: number; readonly windowMillis: number } | undefined => {
  if (rateLimit === undefined) return undefined
  if (rateLimit === "production" || rateLimit === "development") return clerkRateLimits[rateLimit]
  const windowMillis = Duration.toMillis(rateLimit.window)
  if (!Number.isInteger(rateLimit.limit) || rateLimit.limit < 1 || !(windowMillis > 0)) return undefined
  return { limit: rateLimit.limit, windowMillis }
}

/**
 * A running emulator.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** The base URL to give `Clients.layer` as `apiUrl`: `origin + "/v1"`. */
  readonly apiUrl: string
  readonly secretKey: Redacted.Redacted<string>
  /** A token `verify` accepts for this client (valid for `expiresIn`, default 1 hour; negative makes it expired). */
  readonly mintToken: (
    clientId: string,
    options?: { readonly expiresIn?: Duration.DurationInput }
  ) => Effect.Effect<string>
  readonly injectFaults: (...faults: ReadonlyArray<Fault>) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /** Requests received so far, per operation (admin routes not counted). */
  readonly stats: Effect.Effect<Stats>
  /**
   * Simulates sign-ups: `count` new clients, created now, in front of the others (`GET /v1/clients` is newest
   * first), so every offset shifts by `count`, as it does on Clerk during a long export.
   */
  readonly createClients: (count: number) => Effect.Effect<ReadonlyArray<Domain.Client>>
  /** How many clients it serves. */
  readonly size: number
  /** Every client it serves, newest first (generated ones are materialised on first access). */
  readonly clients: ReadonlyArray<Domain.Client>
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Stats {
  readonly total: number
  readonly list: number
  readonly get: number
  readonly verify: number
  readonly faultsInjected: number
  /** Requests answered 429 because they were over `rateLimit`. */
  readonly rateLimited: number
}

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
 * ClerkClients.make({ secretKey: Emulator.defaultSecretKey, apiUrl: "http://127.0.0.1:4010/v1" })
 * ```
 * @since 0.1.0
 * @category Constants
 */
export const defaultSecretKey = "sk_test_effect_clerk_emulator"

interface Reply {
  readonly status: number
  readonly body: string
  readonly headers: Record<string, string>
}

interface State {
  readonly store: GrowingStore
  readonly secretKey: string
  readonly signer: Signer
  readonly queue: Array<{ fault: Fault; remaining: number }>
  readonly stats: {
    total: number
    list: number
    get: number
    verify: number
    faultsInjected: number
    rateLimited: number
  }
  readonly faultRate: number
  readonly random: () => number
  readonly rateLimit: { readonly limit: number; readonly windowMillis: number } | undefined
  /** The current rate-limit window (its start, epoch millis) and the requests counted in it. */
  readonly window: { start: number; count: number }
  /** Numbers the trace ids. */
  traces: number
}

const encodeClient = Schema.encodeSync(Domain.Client)
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
export const clientsFromJson = (text: string): Either.Either<ReadonlyArray<Domain.Client>, string> =>
  Either.try({ try: (): unknown => JSON.parse(text), catch: (e) => `invalid JSON: ${String(e)}` }).pipe(
    Either.orElse((whole) =>
      Either.try({
        try: (): unknown => text.split("\n").filter((line) => line.trim().length > 0).map((line) => JSON.parse(line)),
        catch: () => whole
      })
    ),
    Either.flatMap((json: unknown) =>
      decodeClients(Predicate.hasProperty(json, "data") ? json.data : json).pipe(Either.mapLeft((e) => e.message))
    )
  )

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
export const make = (options: Options = {}) =>
  Effect.gen(function*() {
    const secretKey = options.secretKey ?? defaultSecretKey
    if (!/^sk_(test|live)_\S+$/.test(secretKey)) {
      return yield* Effect.dieMessage("the emulator's secret key must look like sk_test_… or sk_live_…")
    }
    const store = growing(
      options.clients === undefined
        ? generated(options.seedClients ?? 25, options.seed ?? 1)
        : fromClients(options.clients),
      options.seed ?? 1
    )
    const signer = yield* makeSigner(options.signingKey ?? `emulator-signing:${secretKey}`)
    const rateLimit = resolveRateLimit(options.rateLimit)
    if (options.rateLimit !== undefined && rateLimit === undefined) {
      return yield* Effect.dieMessage("the emulator's rateLimit needs a positive integer limit and a positive window")
    }
    const faultRate = options.faultRate ?? 0
    if (!(faultRate >= 0 && faultRate <= 1)) {
      return yield* Effect.dieMessage("the emulator's faultRate must be from 0 to 1")
    }
    const state: State = {
      store,
      secretKey,
      signer,
      queue: [],
      stats: { total: 0, list: 0, get: 0, verify: 0, faultsInjected: 0, rateLimited: 0 },
      faultRate,
      random: seededRandom(options.seed ?? 1),
      rateLimit,
      window: { start: 0, count: 0 },
      traces: 0
    }
    return {
      app: handle(state),
      mintToken: (clientId: string, mintOptions: { readonly expiresIn?: Duration.DurationInput } = {}) =>
        mint(signer, clientId, mintOptions.expiresIn ?? "1 hour"),
      injectFaults: (...faults: ReadonlyArray<Fault>) =>
        Effect.suspend(() => {
          // The same validation as the admin route and the header: a fault the emulator cannot apply is a bug.
          const parsed = parseFaults(faults)
          if (parsed === undefined) return Effect.dieMessage(`invalid emulator fault in ${JSON.stringify(faults)}`)
          enqueue(state, parsed)
          return Effect.void
        }),
      clearFaults: Effect.sync(() => {
        state.queue.length = 0
      }),
      stats: Effect.sync((): Stats => ({
        total: state.stats.total,
        list: state.stats.list,
        get: state.stats.get,
        verify: state.stats.verify,
        faultsInjected: state.stats.faultsInjected,
        rateLimited: state.stats.rateLimited
      })),
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
      const emulator = yield* make(options)
      yield* HttpServer.serveEffect(emulator.app)
      const origin = yield* HttpServer.addressWith((address) =>
        Effect.succeed(
          address._tag === "TcpAddress"
            ? `http://${
              address.hostname === "0.0.0.0" || address.hostname === "::" ? "127.0.0.1" : address.hostname
            }:${address.port}`
            : `http://unix:${address.path}`
        )
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

/** A client token valid from now (on the Effect clock) for `expiresIn`; a negative duration makes it expired. */
const mint = (signer: Signer, clientId: string, expiresIn: Duration.DurationInput): Effect.Effect<string> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const iat = Math.floor(now / 1000)
    return signer.sign({
      iss: issuer,
      id: clientId,
      iat,
      exp: iat + Math.round(Duration.toSeconds(Duration.decode(expiresIn)))
    })
  })

const seededRandom = (seed: number) => {
  let state = (seed ^ 0x9e3779b9) >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Request handling
// ---------------------------------------------------------------------------------------------------------------

const handle = (state: State) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = new URL(request.url, "http://emulator.local")
    const traceId = `trace_emulator_${(++state.traces).toString(16).padStart(8, "0")}`
    const authorized = request.headers.authorization === `Bearer ${state.secretKey}`

    if (url.pathname.startsWith("/__emulator/")) {
      if (!authorized) return respond(unauthorized(traceId))
      return respond(yield* admin(state, request, url, traceId))
    }

    const route = matchRoute(request.method, url.pathname)
    if (route._tag === "NotFound") return respond(notFound(traceId, "route"))
    if (route._tag === "MethodNotAllowed") {
      return respond(
        clerkError(
          405,
          traceId,
          "method_not_allowed",
          "Method not allowed",
          `${request.method} is not allowed on ${url.pathname}`
        )
      )
    }
    if (!authorized) return respond(unauthorized(traceId))
    state.stats.total++
    state.stats[route.operation]++
    const limited = yield* overRateLimit(state, traceId)
    if (limited !== undefined) return respond(limited)

    const fault = pickFault(state, route.operation, request.headers["x-emulator-fault"])
    if (fault === undefined) return respond(yield* dispatch(state, request, route, url, traceId))
    state.stats.faultsInjected++
    if (fault.latencyMs !== undefined && fault.latencyMs > 0) yield* Effect.sleep(Duration.millis(fault.latencyMs))
    return yield* applyFault(fault, request, traceId, dispatch(state, request, route, url, traceId))
  })

/**
 * Every fault kind in one place: those that replace the answer (status, drop, html, malformed) and those that spoil
 * the real one (truncate, reset).
 */
const applyFault = (
  fault: Fault,
  request: HttpServerRequest.HttpServerRequest,
  traceId: string,
  real: Effect.Effect<Reply>
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  switch (fault.kind) {
    case "drop":
      return Effect.sync(() => {
        destroyConnection(request.source)
        return HttpServerResponse.empty({ status: 503 })
      })
    case "html": {
      const status = fault.status ?? 502
      return Effect.succeed(
        HttpServerResponse.text(`<html><head><title>${status}</title></head><body>Bad gateway</body></html>`, {
          status,
          contentType: "text/html",
          headers: { "clerk-trace-id": traceId }
        })
      )
    }
    case "malformed":
      return Effect.succeed(
        HttpServerResponse.text("{\"object\": client, oops", { status: 200, contentType: "application/json" })
      )
    case "truncate":
      return Effect.map(
        real,
        (reply) =>
          HttpServerResponse.text(reply.body.slice(0, Math.floor(reply.body.length / 2)), {
            status: reply.status,
            contentType: "application/json"
          })
      )
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
    default: // "status", the default kind
      return Effect.succeed(respond(faultStatus(fault, traceId)))
  }
}

/** Counts the request in its fixed window; over the limit, Clerk's 429 with the seconds left in the window. */
const overRateLimit = (state: State, traceId: string): Effect.Effect<Reply | undefined> => {
  const rateLimit = state.rateLimit
  if (rateLimit === undefined) return Effect.succeed(undefined)
  return Effect.map(Clock.currentTimeMillis, (now) => {
    const start = now - (now % rateLimit.windowMillis)
    if (start !== state.window.start) {
      state.window.start = start
      state.window.count = 0
    }
    if (++state.window.count <= rateLimit.limit) return undefined
    state.stats.rateLimited++
    const seconds = Math.max(1, Math.ceil((start + rateLimit.windowMillis - now) / 1000))
    const reply = clerkError(
      429,
      traceId,
      "too_many_requests",
      "Too many requests",
      "Too many requests, please try again later."
    )
    return { ...reply, headers: { ...reply.headers, "retry-after": String(seconds) } }
  })
}

type Route =
  | { readonly _tag: "Operation"; readonly operation: "list" | "verify" }
  | { readonly _tag: "Operation"; readonly operation: "get"; readonly segment: string }
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "MethodNotAllowed" }

const matchRoute = (method: string, path: string): Route => {
  if (path === "/v1/clients") {
    return method === "GET" ? { _tag: "Operation", operation: "list" } : { _tag: "MethodNotAllowed" }
  }
  if (path === "/v1/clients/verify") {
    return method === "POST" ? { _tag: "Operation", operation: "verify" } : { _tag: "MethodNotAllowed" }
  }
  if (path.startsWith("/v1/clients/")) {
    const segment = path.slice("/v1/clients/".length)
    if (segment.length === 0 || segment.includes("/")) return { _tag: "NotFound" }
    return method === "GET" ? { _tag: "Operation", operation: "get", segment } : { _tag: "MethodNotAllowed" }
  }
  return { _tag: "NotFound" }
}

const dispatch = (
  state: State,
  request: HttpServerRequest.HttpServerRequest,
  route: Extract<Route, { _tag: "Operation" }>,
  url: URL,
  traceId: string
): Effect.Effect<Reply> => {
  switch (route.operation) {
    case "list":
      return Effect.succeed(list(state, url, traceId))
    case "get": {
      const id = Either.try(() => decodeURIComponent(route.segment))
      if (Either.isLeft(id)) {
        return Effect.succeed(
          clerkError(
            400,
            traceId,
            "request_path_invalid",
            "Invalid path",
            "The client id is not valid percent-encoding."
          )
        )
      }
      const client = state.store.get(id.right)
      return Effect.succeed(client === undefined ? notFound(traceId, "client") : ok(encodeClient(client), traceId))
    }
    case "verify":
      return verify(state, request, traceId)
  }
}

const list = (state: State, url: URL, traceId: string): Reply => {
  const params = url.searchParams
  const invalid = (name: string, why: string) =>
    clerkError(422, traceId, "form_param_value_invalid", `${name} is invalid`, why, { param_name: name })
  const integer = (name: string, fallback: number, min: number, max: number): number | Reply => {
    const raw = params.get(name)
    if (raw === null) return fallback
    if (!/^\d{1,16}$/.test(raw)) {
      return invalid(name, `${name} must be an integer, got ${JSON.stringify(raw.slice(0, 32))}`)
    }
    const value = Number(raw)
    if (value < min || value > max) return invalid(name, `${name} must be between ${min} and ${max}`)
    return value
  }
  const limit = integer("limit", 10, 1, 500)
  if (typeof limit !== "number") return limit
  const offset = integer("offset", 0, 0, Number.MAX_SAFE_INTEGER)
  if (typeof offset !== "number") return offset
  const paginated = params.get("paginated")
  if (paginated !== null && paginated !== "true" && paginated !== "false") {
    return invalid("paginated", "paginated must be true or false")
  }
  const data = state.store.page(offset, limit).map((client) => encodeClient(client))
  return ok(paginated === "true" ? { data, total_count: state.store.size } : data, traceId)
}

const verify = (state: State, request: HttpServerRequest.HttpServerRequest, traceId: string): Effect.Effect<Reply> =>
  Effect.gen(function*() {
    const text = yield* Effect.orElseSucceed(request.text, () => "")
    const badBody = (code: string, message: string, long: string, param?: string) =>
      clerkError(400, traceId, code, message, long, param === undefined ? undefined : { param_name: param })
    const json = Either.try(() => JSON.parse(text))
    if (Either.isLeft(json)) {
      return badBody("request_body_invalid", "Invalid request body", "The request body is not valid JSON.")
    }
    const body: unknown = json.right
    if (!Predicate.isRecord(body) || Array.isArray(body)) {
      return badBody("request_body_invalid", "Invalid request body", "The request body must be a JSON object.")
    }
    const unknownField = Object.keys(body).find((key) => key !== "token")
    if (unknownField !== undefined) {
      return badBody(
        "form_param_unknown",
        "Unknown parameter",
        `${unknownField.slice(0, 64)} is not a valid parameter.`,
        unknownField.slice(0, 64)
      )
    }
    if (!("token" in body)) return badBody("form_param_missing", "token is missing", "token must be provided.", "token")
    const token = body.token
    if (typeof token !== "string") {
      return badBody("form_param_format_invalid", "token is invalid", "token must be a string.", "token")
    }
    const now = yield* Clock.currentTimeMillis
    const verified = yield* state.signer.verify(token, Math.floor(now / 1000))
    if (Either.isLeft(verified)) {
      return verified.left === "expired"
        ? badBody("token_expired", "Token expired", "The client token has expired.", "token")
        : badBody(
          "token_invalid",
          "Token invalid",
          "The client token is malformed or its signature does not match.",
          "token"
        )
    }
    const client = state.store.get(verified.right.id)
    return client === undefined ? notFound(traceId, "client") : ok(encodeClient(client), traceId)
  })

const admin = (
  state: State,
  request: HttpServerRequest.HttpServerRequest,
  url: URL,
  traceId: string
): Effect.Effect<Reply> =>
  Effect.gen(function*() {
    const route = `${request.method} ${url.pathname}`
    const body = yield* Effect.map(Effect.orElseSucceed(request.text, () => ""), (text) =>
      Either.getOrUndefined(Either.try((): unknown => JSON.parse(text))))
    switch (route) {
      case "POST /__emulator/tokens": {
        const clientId = Predicate.hasProperty(body, "client_id") ? body.client_id : undefined
        const expiresIn = Predicate.hasProperty(body, "expires_in_seconds") ? body.expires_in_seconds : 3600
        if (typeof clientId !== "string" || typeof expiresIn !== "number") {
          return clerkError(
            400,
            traceId,
            "request_body_invalid",
            "Invalid request body",
            "Expected { client_id: string, expires_in_seconds?: number }."
          )
        }
        return ok({ token: yield* mint(state.signer, clientId, Duration.seconds(expiresIn)) }, traceId)
      }
      case "POST /__emulator/faults": {
        const parsed = Predicate.hasProperty(body, "faults") && Array.isArray(body.faults)
          ? parseFaults(body.faults)
          : undefined
        if (parsed === undefined) {
          return clerkError(400, traceId, "request_body_invalid", "Invalid faults", "Expected { faults: Fault[] }.")
        }
        enqueue(state, parsed)
        return ok({ queued: state.queue.length }, traceId)
      }
      case "DELETE /__emulator/faults":
        state.queue.length = 0
        return ok({ queued: 0 }, traceId)
      case "GET /__emulator/stats":
        return ok({ ...state.stats, clients: state.store.size }, traceId)
      default:
        return notFound(traceId, "route")
    }
  })

type FaultKind = NonNullable<Fault["kind"]>
const faultKinds: ReadonlyArray<FaultKind> = ["status", "drop", "reset", "truncate", "malformed", "html"]
const operations: ReadonlyArray<Operation> = ["list", "get", "verify"]
const isFaultKind = (u: unknown): u is FaultKind => faultKinds.some((kind) => kind === u)
const isOperation = (u: unknown): u is Operation => operations.some((operation) => operation === u)

/** Every fault valid, or `undefined`: the one validation behind `injectFaults`, the admin route and the header. */
const parseFaults = (inputs: ReadonlyArray<unknown>): ReadonlyArray<Fault> | undefined => {
  const faults: Array<Fault> = []
  for (const input of inputs) {
    const fault = parseFault(input)
    if (fault === undefined) return undefined
    faults.push(fault)
  }
  return faults
}

const enqueue = (state: State, faults: ReadonlyArray<Fault>): void => {
  for (const fault of faults) state.queue.push({ fault, remaining: fault.times ?? 1 })
}

const parseFault = (input: unknown): Fault | undefined => {
  if (!Predicate.isRecord(input)) return undefined
  const fault: { -readonly [K in keyof Fault]: Fault[K] } = {}
  const { kind, status, retryAfter, latencyMs, times, operation } = input
  if (kind !== undefined) {
    if (!isFaultKind(kind)) return undefined
    fault.kind = kind
  }
  if (operation !== undefined) {
    if (!isOperation(operation)) return undefined
    fault.operation = operation
  }
  if (status !== undefined) {
    if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599) return undefined
    fault.status = status
  }
  if (retryAfter !== undefined) {
    if (typeof retryAfter !== "string" || /[\r\n]/.test(retryAfter)) return undefined
    fault.retryAfter = retryAfter
  }
  if (latencyMs !== undefined) {
    if (typeof latencyMs !== "number" || !(latencyMs >= 0) || latencyMs > 600_000) return undefined
    fault.latencyMs = latencyMs
  }
  if (times !== undefined) {
    if (typeof times !== "number" || !Number.isInteger(times) || times < 1) return undefined
    fault.times = times
  }
  return fault
}

const randomFaults: ReadonlyArray<Fault> = [
  { status: 503 },
  { status: 429, retryAfter: "1" },
  { status: 502, kind: "html" },
  { kind: "drop" },
  { status: 500 }
]

const pickFault = (state: State, operation: Operation, header: string | undefined): Fault | undefined => {
  if (header !== undefined) {
    const fromHeader = Either.getOrUndefined(Either.try((): unknown => JSON.parse(header)))
    const fault = parseFault(fromHeader)
    if (fault !== undefined) return fault
  }
  const index = state.queue.findIndex(({ fault }) => fault.operation === undefined || fault.operation === operation)
  if (index !== -1) {
    const entry = state.queue[index]!
    entry.remaining--
    if (entry.remaining <= 0) state.queue.splice(index, 1)
    return entry.fault
  }
  if (state.faultRate > 0 && state.random() < state.faultRate) {
    return randomFaults[Math.floor(state.random() * randomFaults.length)]
  }
  return undefined
}

/** Closes the underlying socket where the platform exposes one (Node's `IncomingMessage.socket`). */
const destroyConnection = (source: unknown): void => {
  if (!Predicate.hasProperty(source, "socket")) return
  const socket = source.socket
  if (Predicate.hasProperty(socket, "destroy") && typeof socket.destroy === "function") socket.destroy()
}

const statusTexts: Record<number, readonly [string, string]> = {
  429: ["too_many_requests", "Too many requests"],
  500: ["internal_clerk_error", "Something went wrong"],
  502: ["bad_gateway", "Bad gateway"],
  503: ["service_unavailable", "Service unavailable"],
  504: ["gateway_timeout", "Gateway timeout"]
}

const faultStatus = (fault: Fault, traceId: string): Reply => {
  const status = fault.status ?? 503
  const [code, message] = statusTexts[status] ?? [`status_${status}`, `Injected status ${status}`]
  const reply = clerkError(status, traceId, code, message, `${message} (injected by the emulator).`)
  return fault.retryAfter === undefined
    ? reply
    : { ...reply, headers: { ...reply.headers, "retry-after": fault.retryAfter } }
}

const ok = (body: unknown, traceId: string): Reply => ({
  status: 200,
  body: JSON.stringify(body),
  headers: { "clerk-trace-id": traceId }
})

const clerkError = (
  status: number,
  traceId: string,
  code: string,
  message: string,
  longMessage: string,
  meta?: Record<string, unknown>
): Reply => ({
  status,
  body: JSON.stringify({
    errors: [{ code, message, long_message: longMessage, ...(meta === undefined ? {} : { meta }) }],
    meta: {},
    clerk_trace_id: traceId
  }),
  headers: { "clerk-trace-id": traceId }
})

const unauthorized = (traceId: string): Reply =>
  clerkError(
    401,
    traceId,
    "authentication_invalid",
    "Invalid authentication",
    "Unable to authenticate the request, you need to supply an active API key."
  )

const notFound = (traceId: string, what: "client" | "route"): Reply =>
  clerkError(
    404,
    traceId,
    "resource_not_found",
    "not found",
    what === "client" ? "Client not found." : "No such route."
  )

const respond = (reply: Reply): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(reply.body, { status: reply.status, contentType: "application/json", headers: reply.headers })
