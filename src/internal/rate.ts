/**
 * The pacer every attempt of a `Clients` layer passes before it is sent: Clerk limits requests per secret key, and
 * a pipeline does not know how much of that limit other processes use, so the layer's calls hold back together.
 *
 * - **The gate.** A 429 or 503 with `Retry-After` closes it until then, for every call of the layer (or of every
 *   layer with the same key, with `rateScope: "process"`). Waiting there is not a retry.
 * - **The adaptive rate** (the default, `rateLimit: "adaptive"`). Until Clerk first throttles, nothing is paced.
 *   The first throttle that follows at least 10 successes sets the rate to what got through: successes since
 *   pacing began, over that time plus the `Retry-After` (the rest of Clerk's window). After that, the rate grows while calls succeed by 1 % (at least
 *   0.5 request/s) per second (additive increase) and drops by 15 % on each later 429 (multiplicative decrease);
 *   rejections that arrive while the gate is closed, or within a second of a decrease, count as one throttle.
 * - **A fixed limit** (`rateLimit: { limit, interval }`), on top of which `adaptive: true` adds the adaptive rate.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { identity } from "effect/Function"
import * as RateLimiter from "effect/RateLimiter"
import type * as Scope from "effect/Scope"
import type { Options } from "../Clients.js"
import { isBackpressure } from "./status.js"

export interface Pacer {
  /**
   * Takes this attempt's turn at `now`: 0 when it may go at once, otherwise the milliseconds to wait, through
   * `wait`. Two steps, so that the common case costs no Effect. With a fixed limit it is never 0 (every attempt
   * waits for a permit).
   */
  readonly reserve: (now: number) => number
  /** Waits `millis` (and for the gate, if it closed meanwhile, and for the fixed limit); succeeds with the time waited. */
  readonly wait: (millis: number) => Effect.Effect<number>
  /** Records how an attempt ended: its status (none for a transport failure) and the `Retry-After` it carried. */
  readonly observe: (now: number, status: number | undefined, retryAfterMillis: number) => void
}

/** The gate and adaptive rate of one key: shared by the layers that share it. */
class RateState {
  /** Epoch millis (Effect clock) before which nothing is sent. */
  private gateUntil = 0
  /** Requests per second, once Clerk has throttled; `undefined` until then. */
  private rate: number | undefined = undefined
  /** The next free slot at the current rate. */
  private nextSlot = 0
  /** When the current estimate window began, and how many attempts got through since. */
  private since: number | undefined = undefined
  private passed = 0
  /** When the rate was last lowered, and last raised. */
  private loweredAt = Number.NEGATIVE_INFINITY
  private raisedAt = 0

  constructor(private readonly adaptive: boolean) {}

  /** Milliseconds this attempt must wait (taking its slot), or 0. */
  reserve(now: number): number {
    this.since ??= now
    let at = Math.max(now, this.gateUntil)
    if (this.rate !== undefined) {
      at = Math.max(at, this.nextSlot)
      this.nextSlot = at + 1000 / this.rate
    }
    // Whole milliseconds: a slot is never early, and clocks sleep in whole units.
    return Math.ceil(at - now)
  }

  isOpen(now: number): boolean {
    return now >= this.gateUntil
  }

  observe(now: number, status: number | undefined, retryAfterMillis: number): void {
    if (status === undefined || !isBackpressure(status)) {
      this.passed++
      if (this.rate !== undefined && now > this.raisedAt) {
        // Additive increase, by time: 1 % of the rate (at least 0.5 request/s) per second of successes.
        this.rate += (Math.max(0.5, this.rate * 0.01) * (now - this.raisedAt)) / 1000
        this.raisedAt = now
      }
      return
    }
    if (status === 503 && retryAfterMillis === 0) return // an outage, not a limit: the retry policy handles it
    // Rejections of requests that were already on their way (before the gate, within a second) are one throttle.
    const sameThrottle = now < Math.max(this.gateUntil, this.loweredAt + 1000)
    if (retryAfterMillis > 0) {
      this.gateUntil = Math.max(this.gateUntil, now + retryAfterMillis)
      this.nextSlot = Math.max(this.nextSlot, this.gateUntil)
    }
    if (!this.adaptive || sameThrottle || status !== 429) return
    if (this.rate === undefined) {
      // Too few requests got through to tell the limit (the key's budget may be spent by others): the gate is enough.
      if (this.passed < minSample) return
      // What got through since pacing began, over that time plus the rest of Clerk's window.
      const window = now - (this.since ?? now) + Math.max(retryAfterMillis, 1000)
      this.rate = Math.max(minRate, (this.passed * 1000) / window)
    } else {
      this.rate = Math.max(minRate, this.rate * 0.85)
    }
    this.loweredAt = now
    this.raisedAt = Math.max(now, this.gateUntil)
    this.since = this.raisedAt
    this.passed = 0
  }
}

/** Never slower than one request every two seconds, however hard Clerk throttles. */
const minRate = 0.5

/** Below a millisecond: no sleep, only the fixed limit's permit (see `wait`). */
const permitOnly = 0.5

/** How many requests must have got through before a throttle is read as the limit. */
const minSample = 10

/** `rateScope: "process"`: one state per key, shared by every layer of this process (weakly held). */
const shared = new Map<string, WeakRef<RateState>>()

/** A short, non-reversible digest: the registry must not hold the key itself. Collisions only share a gate. */
const digest = (key: string): string => {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
  }
  return `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}`
}

const stateFor = (adaptive: boolean, scope: "layer" | "process", key: string): RateState => {
  if (scope === "layer") return new RateState(adaptive)
  const id = `${adaptive}:${digest(key)}`
  const existing = shared.get(id)?.deref()
  if (existing !== undefined) return existing
  const state = new RateState(adaptive)
  shared.set(id, new WeakRef(state))
  return state
}

export const make = (
  options: Pick<Options, "rateLimit" | "rateScope">,
  key: string
): Effect.Effect<Pacer, ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const setting = options.rateLimit ?? "adaptive"
    const fixed = typeof setting === "object" ? setting : undefined
    if (fixed !== undefined && (!Number.isInteger(fixed.limit) || fixed.limit < 1)) {
      return yield* Effect.fail(
        ConfigError.InvalidData(["rateLimit", "limit"], "the rate limit must be a positive integer")
      )
    }
    const adaptive = setting === "adaptive" || fixed?.adaptive === true
    const state = stateFor(adaptive, options.rateScope ?? "layer", key)
    const limiter = fixed === undefined ? identity : yield* RateLimiter.make({
      limit: fixed.limit,
      interval: Duration.decode(fixed.interval),
      algorithm: fixed.algorithm ?? "fixed-window"
    })

    /** Sleeps to the slot taken; goes unless the gate closed meanwhile (then takes a new slot). */
    const sleepThenGo = (wait: number, waited: number): Effect.Effect<number> =>
      Effect.zipRight(
        Effect.sleep(Duration.millis(wait)),
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (state.isOpen(now)) return Effect.succeed(waited + wait)
          return sleepThenGo(state.reserve(now), waited + wait)
        })
      )
    const withFixedLimit = (waiting: Effect.Effect<number>): Effect.Effect<number> =>
      fixed === undefined ?
        waiting :
        Effect.flatMap(
          Clock.currentTimeMillis,
          (start) => limiter(Effect.zipRight(waiting, Effect.map(Clock.currentTimeMillis, (now) => now - start)))
        )

    return {
      // With a fixed limit every attempt waits for its permit, so `reserve` never says "go at once" (0) there.
      reserve: fixed === undefined ? (now) => state.reserve(now) : (now) => Math.max(state.reserve(now), permitOnly),
      wait: (millis) => withFixedLimit(millis >= 1 ? sleepThenGo(millis, 0) : Effect.succeed(0)),
      observe: (now, status, retryAfterMillis) => state.observe(now, status, retryAfterMillis)
    }
  })
