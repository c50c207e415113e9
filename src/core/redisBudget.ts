/**
 * The shared budget on Redis, without Effect: the connection's settings, the keys, the scripts that take from a
 * window budget and close the gate atomically, how their answers read, and how a failure is described. Each face's
 * `RedisBudget` module only runs a link's operations as its own Effects.
 */
import { Redis, type RedisOptions } from "ioredis"
import type { Pace } from "./rate.js"
import { sameThrottleMillis } from "./rate.js"
import { paceMemoryMillis, type Take, type Taken } from "./sharedBudget.js"

/** Where the store is, and how its keys are named. */
export interface Options {
  /** A `redis://` URL. Default `redis://127.0.0.1:6379`. */
  readonly url?: string
  /** Further `ioredis` options (TLS, password, database, …); effect-clerk's own settings below win. */
  readonly redis?: RedisOptions
  /** Prefix of every key. Default `effect-clerk:`. */
  readonly prefix?: string
}

/**
 * Take a place in window budget KEYS[1] (and KEYS[2], the next window, when ARGV[3] is 1), start the sample of pace
 * KEYS[5] at ARGV[4] unless it has begun (remembered ARGV[5] ms); read the gate, circuit and pace.
 */
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
redis.call("HSETNX", KEYS[5], "passed", 0)
redis.call("HSETNX", KEYS[5], "since", ARGV[4])
redis.call("PEXPIRE", KEYS[5], ARGV[5])
local pace = redis.call("HMGET", KEYS[5], "rate", "loweredAt", "growsFrom", "passed", "since")
return { fits, redis.call("GET", KEYS[3]) or "0", redis.call("GET", KEYS[4]) or "0",
  pace[1] or "", pace[2] or "", pace[3] or "", pace[4] or "", pace[5] or "" }
`

/**
 * Add ARGV[6] successes to the sample of pace KEYS[1] (begun at ARGV[7] unless it has), and, when ARGV[1] is not "",
 * offer a decrease: rate ARGV[1], seen at ARGV[2], growing from ARGV[3]. The rule of core/rate.ts
 * `mergePace`: a throttle ARGV[4] ms or more after the stored one replaces it; one closer is the same throttle, and
 * the lower rate stays (a rate read for a first throttle replaces its 0); an older one is ignored.
 */
const paceScript = `
redis.call("HINCRBY", KEYS[1], "passed", ARGV[6])
redis.call("HSETNX", KEYS[1], "since", ARGV[7])
redis.call("PEXPIRE", KEYS[1], ARGV[5])
if ARGV[1] == "" then
  return 1
end
local stored = tonumber(redis.call("HGET", KEYS[1], "loweredAt") or "")
local rate = tonumber(ARGV[1])
local at = tonumber(ARGV[2])
local same = tonumber(ARGV[4])
if stored == nil or at >= stored + same then
  redis.call("HSET", KEYS[1], "rate", ARGV[1], "loweredAt", ARGV[2], "growsFrom", ARGV[3])
elseif at > stored - same and rate > 0 then
  local storedRate = tonumber(redis.call("HGET", KEYS[1], "rate") or "0")
  if storedRate == 0 or rate < storedRate then
    redis.call("HSET", KEYS[1], "rate", ARGV[1])
  end
end
redis.call("PEXPIRE", KEYS[1], ARGV[5])
return 1
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

/** A failed command, described for the warning (never with the command's arguments). */
class RedisFailure extends Error {}

/** Runs `command`, rejecting with a {@link RedisFailure} that says `what` failed and why. */
const described = async <A>(what: string, command: () => Promise<A>): Promise<A> => {
  try {
    return await command()
  } catch (cause) {
    throw new RedisFailure(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

/**
 * One key's state on Redis (named by `id`, a digest of the secret key), over one connection for the link's life:
 * each operation one round trip, after connecting if the connection is not up.
 */
export interface Link {
  /**
   * Connects, unless connected: at most one attempt at a time (callers meanwhile share it), always on the link's one
   * client. A failed attempt leaves nothing behind; the next operation tries again.
   */
  readonly connect: () => Promise<void>
  readonly take: (take: Take) => Promise<Taken>
  readonly closeGate: (until: number, now: number) => Promise<void>
  readonly setCircuit: (openUntil: number, now: number) => Promise<void>
  readonly sharePace: (pace: Pace | undefined, passed: number, now: number) => Promise<void>
  readonly disconnect: () => void
}

/** A link to the store, not yet connected (its operations connect; `disconnect()` it when the layer ends). */
export const link = (options: Options, id: string): Link => {
  const redis = new Redis(options.url ?? "redis://127.0.0.1:6379", {
    ...options.redis,
    // Calls must never wait on Redis: no queue while disconnected, no retries of a command, a short connect.
    // No reconnecting on ioredis's own timer either (`retryStrategy` gives up at once): the link connects again
    // when next used, which the pacer does once its fallback is over, so a Redis that stays down costs one
    // connection attempt per fallback, on this one client.
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null
  })
  // A refused connection's reason comes as an 'error' event (the attempt itself only says the connection closed).
  // Without a listener, an 'error' event would end the process.
  let lastError: unknown
  redis.on("error", (error: unknown) => (lastError = error))
  let connecting: Promise<void> | undefined
  const attempt = async () => {
    lastError = undefined
    try {
      await redis.connect()
    } catch (cause) {
      throw lastError ?? cause
    }
  }
  const connect = (): Promise<void> => {
    // "ready": connected; "wait" (never tried) and "end" (the last attempt, or the connection, ended): not.
    if (redis.status === "ready") return Promise.resolve()
    connecting ??= described("could not connect to Redis", attempt).finally(() => (connecting = undefined))
    return connecting
  }
  /** Runs `command` once connected; a failed connect is its own failure (it says so). */
  const connected = async <A>(what: string, command: () => Promise<A>): Promise<A> => {
    await connect()
    return described(what, command)
  }
  const key = (name: string) => `${options.prefix ?? "effect-clerk:"}${id}:${name}`
  const gate = key("gate")
  const circuit = key("circuit")
  const pace = key("pace")
  return {
    connect,
    take: ({ alsoNext, at, index, limit, millis }) =>
      connected("Redis take failed", async () => {
        // EVAL caches the script on the server by its digest; the text is a few hundred bytes per call.
        const answer: unknown = await redis.eval(
          takeScript,
          5,
          key(`w${millis}:${index}`),
          key(`w${millis}:${index + 1}`),
          gate,
          circuit,
          pace,
          limit,
          2 * millis,
          alsoNext ? 1 : 0,
          at,
          paceMemoryMillis
        )
        const read = taken(answer)
        if (read === undefined) throw new Error("unexpected answer")
        return read
      }),
    closeGate: (until, now) =>
      connected("Redis gate update failed", async () => {
        await redis.eval(gateScript, 1, gate, until, now)
      }),
    setCircuit: (openUntil, now) =>
      connected("Redis circuit update failed", async () => {
        await (openUntil === 0
          ? redis.del(circuit)
          : redis.set(circuit, String(openUntil), "PX", Math.max(1, openUntil - now) + circuitMemoryMillis))
      }),
    sharePace: (offered, passed, now) =>
      connected("Redis pace update failed", async () => {
        await redis.eval(
          paceScript,
          1,
          pace,
          offered?.rate ?? "",
          offered?.loweredAt ?? "",
          offered?.growsFrom ?? "",
          sameThrottleMillis,
          paceMemoryMillis,
          passed,
          now
        )
      }),
    disconnect: () => redis.disconnect()
  }
}

/** A number the script read from a hash field ("" when the field is absent). */
const field = (text: string): number | undefined => (text === "" ? undefined : Number(text))

/** The take script's answer, read; `undefined` if it is not one. */
const taken = (answer: unknown): Taken | undefined => {
  if (!Array.isArray(answer) || answer.length !== 8 || typeof answer[0] !== "number") return undefined
  const texts = answer.slice(1)
  if (!texts.every((text): text is string => typeof text === "string")) return undefined
  const [gateUntil, openUntil, rate, loweredAt, growsFrom, passed, since] = texts.map(field)
  return {
    fits: answer[0] === 1,
    gateUntil: gateUntil ?? 0,
    openUntil: openUntil ?? 0,
    pace: rate === undefined || loweredAt === undefined || growsFrom === undefined
      ? undefined
      : { rate, loweredAt, growsFrom },
    sample: passed === undefined || since === undefined ? undefined : { passed, since }
  }
}
