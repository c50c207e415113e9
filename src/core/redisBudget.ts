/**
 * The shared budget on Redis, without Effect: the connection's settings, the keys, the scripts that take from a
 * window budget and close the gate atomically, and how their answers read. Each face's `RedisBudget` module runs
 * these commands as its own Effects.
 */
import { Redis, type RedisOptions } from "ioredis"
import type { Take, Taken } from "./sharedBudget.js"

/** Where the store is, and how its keys are named. */
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

/** How long an open circuit is remembered past its probe time (then the key expires). */
const circuitMemoryMillis = 60_000

/** A client for the store, not yet connected (`connect()` it; `disconnect()` it when the layer ends). */
export const client = (options: Options): Redis => {
  const redis = new Redis(options.url ?? "redis://127.0.0.1:6379", {
    ...options.redis,
    // Calls must never wait on Redis: no queue while disconnected, no retries of a command, a short connect;
    // reconnecting goes on in the background, once a second.
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => 1000
  })
  // Connection errors surface as failed commands; an 'error' event without a listener would end the process.
  redis.on("error", () => {})
  return redis
}

/** The commands of one key's state (named by `id`, a digest of the secret key), each one round trip. */
export const commands = (redis: Redis, options: Options, id: string) => {
  const key = (name: string) => `${options.prefix ?? "effect-clerk:"}${id}:${name}`
  const gate = key("gate")
  const circuit = key("circuit")
  return {
    // EVAL caches the script on the server by its digest; the text is a few hundred bytes per call.
    take: ({ alsoNext, index, limit, millis }: Take): Promise<unknown> =>
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
    closeGate: (until: number, now: number): Promise<unknown> => redis.eval(gateScript, 1, gate, until, now),
    setCircuit: (openUntil: number, now: number): Promise<unknown> =>
      openUntil === 0
        ? redis.del(circuit)
        : redis.set(circuit, String(openUntil), "PX", Math.max(1, openUntil - now) + circuitMemoryMillis)
  }
}

/** The take script's answer, read; `undefined` if it is not one. */
export const taken = (answer: unknown): Taken | undefined =>
  Array.isArray(answer) && answer.length === 3 && typeof answer[0] === "number" && typeof answer[1] === "string" &&
    typeof answer[2] === "string"
    ? { fits: answer[0] === 1, gateUntil: Number(answer[1]), openUntil: Number(answer[2]) }
    : undefined

/** A failed command, described for the warning (never with the command's arguments). */
export const failure = (what: string, cause: unknown): string =>
  `${what}: ${cause instanceof Error ? cause.message : String(cause)}`
