/**
 * A {@link SharedBudget.Store} on Redis, through `ioredis` (an optional peer dependency: install it to use this
 * module; nothing else in effect-clerk imports it). Every process whose layers use a store on the same Redis shares
 * one gate, one window budget and one circuit per secret key.
 *
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients } from "effect-clerk"
 * import * as RedisBudget from "effect-clerk/RedisBudget"
 *
 * const live = Clients.layer({
 *   secretKey: Redacted.make(process.env.CLERK_SECRET_KEY ?? ""),
 *   sharedBudget: RedisBudget.store({ url: "redis://127.0.0.1:6379" })
 * })
 * ```
 *
 * Each layer opens one connection for its life. Keys are `<prefix><digest>:…` (a SHA-256 digest of the secret key,
 * never the key), each with a time to live, so nothing needs cleaning up. A command that fails or takes more than
 * 1 s sends the layer to its process-local budget for a few seconds, with one warning log line; no call fails
 * because of Redis.
 *
 * Why not `@effect/experimental`'s `RateLimiter` with its Redis store: its `fixed-window` counter starts at a key's
 * first request and its time to live grows by `window / limit` per request, so a window ends when the requests stop
 * rather than where Clerk's ends; requests spread over a window let a counter expire early and restart mid-window,
 * admitting up to twice the limit in one of Clerk's windows. Its store holds only counters, not the gate and the
 * circuit that must travel with them. The same client (`ioredis`) is used, with one script per take that counts the
 * request in Clerk's window (epoch-aligned, as the emulator and Clerk count) and reads the gate and circuit in the
 * same round trip.
 *
 * @since 0.3.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { Redis, type RedisOptions } from "ioredis"
import * as SharedBudget from "./SharedBudget.js"

/**
 * Where Redis is, and how keys are named.
 *
 * @since 0.3.0
 * @category Models
 */
export interface Options {
  /** A `redis://` URL. Default `redis://127.0.0.1:6379`. */
  readonly url?: string
  /** Further `ioredis` options (TLS, password, database, …); effect-clerk's own settings below win. */
  readonly redis?: RedisOptions
  /** Prefix of every key. Default `effect-clerk:`. */
  readonly prefix?: string
}

/** Take a place in window budget KEYS[1] (and KEYS[2], the next window, when ARGV[3] is 1); read the gate and circuit. */
const takeScript = `
local count = tonumber(redis.call("GET", KEYS[1]) or "0")
local fits = 0
if count < tonumber(ARGV[1]) then
  fits = 1
  redis.call("INCR", KEYS[1])
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  if ARGV[3] == "1" then
    redis.call("INCR", KEYS[2])
    redis.call("PEXPIRE", KEYS[2], ARGV[2])
  end
end
return { fits, redis.call("GET", KEYS[3]) or "0", redis.call("GET", KEYS[4]) or "0" }
`

/** Close the gate KEYS[1] until ARGV[1] (epoch millis), unless it is closed longer already; it expires when it opens. */
const gateScript = `
local current = tonumber(redis.call("GET", KEYS[1]) or "0")
local untilAt = tonumber(ARGV[1])
if untilAt > current then
  redis.call("SET", KEYS[1], ARGV[1], "PX", math.max(1, untilAt - tonumber(ARGV[2])))
end
return 1
`

/** The take script's answer: `[fits, gate, circuit]`. */
const isTaken = (u: unknown): u is [number, string, string] =>
  Array.isArray(u) && u.length === 3 && typeof u[0] === "number" && typeof u[1] === "string" &&
  typeof u[2] === "string"

const storeError = (message: string) => (cause: unknown) =>
  new SharedBudget.StoreError({
    message: `${message}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

/**
 * A store on Redis. Connecting happens when a layer is built; a Redis that is down then is tried again later.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients } from "effect-clerk"
 * import * as RedisBudget from "effect-clerk/RedisBudget"
 * const layer = Clients.layer({
 *   secretKey: Redacted.make("sk_live_…"),
 *   sharedBudget: RedisBudget.store({ url: "redis://redis.internal:6379" })
 * })
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const store = (options: Options = {}): SharedBudget.Store => {
  const prefix = options.prefix ?? "effect-clerk:"
  return {
    name: "redis",
    connect: (id) =>
      Effect.gen(function*() {
        const redis = yield* Effect.acquireRelease(
          Effect.sync(() =>
            new Redis(options.url ?? "redis://127.0.0.1:6379", {
              ...options.redis,
              // Calls must never wait on Redis: no queue while disconnected, no retries of a command, a short
              // connect; reconnecting goes on in the background, once a second.
              lazyConnect: true,
              enableOfflineQueue: false,
              maxRetriesPerRequest: 0,
              connectTimeout: 1000,
              retryStrategy: () => 1000
            })
          ),
          (redis) => Effect.sync(() => redis.disconnect())
        )
        // Connection errors surface as failed commands; an 'error' event without a listener would end the process.
        redis.on("error", () => {})
        yield* Effect.tryPromise({ try: () => redis.connect(), catch: storeError("could not connect to Redis") })
        const key = (name: string) => `${prefix}${id}:${name}`
        const gate = key("gate")
        const circuit = key("circuit")
        const link: SharedBudget.Link = {
          take: ({ alsoNext, index, limit, millis }) =>
            Effect.flatMap(
              Effect.tryPromise({
                // EVAL caches the script on the server by its digest; the text is a few hundred bytes per call.
                try: () =>
                  redis.eval(
                    takeScript,
                    4,
                    key(`w${millis}:${index}`),
                    key(`w${millis}:${index + 1}`),
                    gate,
                    circuit,
                    limit,
                    2 * millis,
                    alsoNext ? 1 : 0
                  ),
                catch: storeError("Redis take failed")
              }),
              (answer) =>
                isTaken(answer) ?
                  Effect.succeed({
                    fits: answer[0] === 1,
                    gateUntil: Number(answer[1]),
                    openUntil: Number(answer[2])
                  }) :
                  Effect.fail(new SharedBudget.StoreError({ message: "Redis take: unexpected answer" }))
            ),
          closeGate: (until, now) =>
            Effect.asVoid(Effect.tryPromise({
              try: () => redis.eval(gateScript, 1, gate, until, now),
              catch: storeError("Redis gate update failed")
            })),
          setCircuit: (openUntil, now) =>
            Effect.asVoid(Effect.tryPromise<unknown, SharedBudget.StoreError>({
              try: () =>
                openUntil === 0 ?
                  redis.del(circuit) :
                  redis.set(circuit, String(openUntil), "PX", Math.max(1, openUntil - now) + circuitMemory),
              catch: storeError("Redis circuit update failed")
            }))
        }
        return link
      })
  }
}

/** How long an open circuit is remembered past its probe time (then the key expires). */
const circuitMemory = Duration.toMillis(Duration.minutes(1))
