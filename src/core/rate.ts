/**
 * The pacing state of one secret key, without Effect: the gate, the documented window budget and the adaptive rate.
 * The Effect pacer (internal/rate.ts) sleeps where this says to.
 *
 * - **The gate.** A 429 or 503 with `Retry-After` closes it until then.
 * - **The documented budget** (default options only). Clerk counts requests per key in fixed windows: 1,000 per
 *   10 s for a production key (`sk_live_`), 100 per 10 s for a development key (`sk_test_`). Attempts go unpaced
 *   while the current window has room, so a burst that fits is never slowed; once it is full they wait for the next
 *   window. An attempt sent in the last {@link guard} ms of a window is counted in the next one too (it may arrive
 *   there). Windows are taken to start at multiples of their length (epoch time), as Clerk's do; a 429 whose
 *   `Retry-After` does not end where our window ends shows they do not, and the budget is dropped for the adaptive
 *   rate. A 429 that agrees closes the window; a second one in the next window shows the key is shared: the budget
 *   becomes what got through in that window. After {@link raiseAfter} full windows without a 429, one window probes
 *   one request more (a contract may raise the limit); each probe that holds doubles the step, a refuted one costs
 *   one rejection and doubles the wait before the next.
 * - **The adaptive rate** (a {@link Pace}). Until Clerk first throttles (outside the budget), nothing is paced. The
 *   first throttle that follows at least 10 successes sets the rate to what got through: successes since pacing
 *   began, over that time plus the `Retry-After` (the rest of Clerk's window). After that, the rate grows with time
 *   by 0.5 request/s per second up to 50/s, then by 1 % per second (additive increase; {@link rateAt}), and drops by
 *   15 % on each later 429 (multiplicative decrease); rejections that arrive while the gate is closed, or within
 *   {@link sameThrottleMillis} of a decrease, count as one throttle. Through a shared store the pace is the key's,
 *   not the process's: the first rate is read from what the store counted for every process, each decrease is
 *   written there (several processes that see one throttle lower it once), and every process paces by the store's.
 */

import { isBackpressure } from "./status.js"

/** A number of requests per fixed window of `millis`. */
export interface Window {
  readonly limit: number
  readonly millis: number
}

/** Clerk's documented limit for this kind of key, or `undefined` when the key does not say. */
export const documentedLimit = (secretKey: string): Window | undefined => {
  if (secretKey.startsWith("sk_live_")) return { limit: 1000, millis: 10_000 }
  if (secretKey.startsWith("sk_test_")) return { limit: 100, millis: 10_000 }
  return undefined
}

/** An attempt this close to its window's end may reach Clerk in the next window: it counts in both. */
export const guard = 250
/** Full windows without a throttle before the budget is probed upward (doubled after each refuted probe). */
export const raiseAfter = 6
/** However often probes are refuted, one is tried at least every this many full windows (10 min of 10 s windows). */
export const maxRaiseAfter = 60

/** Never slower than one request every two seconds, however hard Clerk throttles. */
const minRate = 0.5
/** Past this many requests per second a pace no longer holds anything back: growth stops there. */
const maxRate = 1_000_000
/** Rejections within this many milliseconds of a decrease were already on their way: they are the same throttle. */
export const sameThrottleMillis = 1000
/** How many requests must have got through before a throttle is read as the limit. */
const minSample = 10

/**
 * The adaptive rate of a key, as one record: what a shared store holds so that every process paces by one rate.
 * `rate` requests per second from `growsFrom` (the end of the gate the decrease came with), growing after that
 * ({@link rateAt}); `loweredAt` is when the throttle that set it was seen.
 */
export interface Pace {
  readonly rate: number
  readonly loweredAt: number
  readonly growsFrom: number
}

/**
 * A pace's rate at `now`: additive increase with time since it was set, 0.5 request/s per second while under 50/s,
 * then 1 % per second (so that a rate found far below a raised limit climbs back within minutes).
 */
export const rateAt = (pace: Pace, now: number): number => {
  const seconds = Math.max(0, now - pace.growsFrom) / 1000
  const toFifty = Math.max(0, (50 - pace.rate) / 0.5)
  if (seconds <= toFifty) return pace.rate + 0.5 * seconds
  return Math.min(maxRate, Math.max(pace.rate, 50) * Math.exp(0.01 * (seconds - toFifty)))
}

/**
 * A store's pace after a process offers `offered` (a decrease, or a first throttle without a rate yet: 0): a later
 * throttle's replaces it; one within {@link sameThrottleMillis} of the stored one is the same throttle seen elsewhere,
 * and the lower rate stays (a rate read for a first throttle replaces its 0); an older one is ignored. (The Redis
 * store's script applies the same rule: core/redisBudget.ts.)
 */
export const mergePace = (stored: Pace | undefined, offered: Pace): Pace => {
  if (stored === undefined || offered.loweredAt >= stored.loweredAt + sameThrottleMillis) return offered
  const same = offered.loweredAt > stored.loweredAt - sameThrottleMillis
  if (same && offered.rate > 0 && (stored.rate === 0 || offered.rate < stored.rate)) {
    return { ...stored, rate: offered.rate }
  }
  return stored
}

/** The successes every process reported to a shared store for a key since `since`: the first rate's sample. */
export interface Sample {
  readonly passed: number
  readonly since: number
}

/**
 * The window a shared store counts a pace in: `rate` a second, in one-second windows; under one a second, one
 * request per window of the slowest rate (two seconds), so that a store holds few distinct windows. These are the
 * pacer's own windows, not Clerk's: no guard applies.
 */
export const paceWindow = (rate: number): Window =>
  rate >= 1 ? { limit: Math.floor(rate), millis: 1000 } : { limit: 1, millis: 1000 / minRate }

/** A window that may let through `extra` requests more than the budget: the probe of a higher limit. */
interface Probe {
  readonly start: number
  readonly extra: number
}

/**
 * The documented budget of a key, counted per fixed window, and probed upward: after {@link raiseAfter} full windows
 * without a 429, one window may carry one request more. If all of them get through, the budget takes the step, and
 * the next window probes with twice the step (a contract may have raised the limit well above the documented one);
 * a 429 in the probe window refutes it: the budget falls back to what got through in that window (never below what
 * it was), the step back to one request, and the wait before the next probe doubles, up to {@link maxRaiseAfter}. A
 * key whose limit is the documented one so loses one request per probe.
 */
class WindowBudget {
  /** Start of the window being filled (epoch millis), its count, and what the guard carried into the next. */
  private start = Number.NEGATIVE_INFINITY
  private count = 0
  private carry = 0
  /** Successes whose answer came in the window that began at `passedStart`. */
  private passed = 0
  private passedStart = Number.NEGATIVE_INFINITY
  private fullWindows = 0
  private raiseEvery = raiseAfter
  /** The probe in flight, if any; the step the next one takes. */
  private probe: Probe | undefined = undefined
  private step = 1
  /** The window of the last 429 that agreed with ours. */
  private throttledStart = Number.NEGATIVE_INFINITY

  constructor(public limit: number, readonly millis: number) {}

  /** The time (≥ `at`) at which an attempt due at `at` (now: `now`) may go; takes its place in that window. */
  take(at: number, now: number): number {
    this.expire(now)
    const current = at - (at % this.millis)
    if (current > this.start) this.roll(current)
    if (this.count >= this.cap(this.start)) this.roll(this.start + this.millis)
    // The window being filled may be a later one: earlier ones are full.
    at = Math.max(at, this.start)
    this.count++
    if (at >= this.start + this.millis - guard) this.carry++
    return at
  }

  /** A success at `now`: counted toward what this window let through; a probe that all got through holds. */
  passedAt(now: number): void {
    this.expire(now)
    const start = now - (now % this.millis)
    if (start !== this.passedStart) {
      this.passedStart = start
      this.passed = 0
    }
    this.passed++
    const probe = this.probe
    if (probe !== undefined && start === probe.start && this.passed >= this.limit + probe.extra) this.held(probe)
  }

  /** Does a 429 at `now` whose `Retry-After` is `retryAfterMillis` end where our window ends? */
  agrees(now: number, retryAfterMillis: number): boolean {
    const end = now - (now % this.millis) + this.millis
    // Retry-After is whole seconds, rounded up: Clerk's window ends within the second before now + Retry-After.
    return end > now + retryAfterMillis - 1000 - guard && end <= now + retryAfterMillis + guard
  }

  /**
   * A 429 that agrees. In the probe window it refutes the probe. Otherwise the key is used elsewhere too, and this
   * window let through what it did. Counted across processes (a shared store), this process's successes are only
   * its share: the budget is lowered by 10 % instead.
   */
  throttled(now: number, alone: boolean): void {
    this.expire(now)
    const start = now - (now % this.millis)
    const passed = start === this.passedStart ? this.passed : 0
    const probe = this.probe
    this.probe = undefined
    this.step = 1
    this.fullWindows = 0
    // One agreeing 429 may be chance (a shorter window of Clerk's that happens to end near ours): the window is closed
    // and nothing learned. A second one in the next window shows the key really is shared.
    const confirmed = start === this.throttledStart + this.millis
    this.throttledStart = start
    if (probe !== undefined && start === probe.start) {
      // The limit lies between the budget and the probe: what got through shows where, when nobody else counts.
      if (alone) this.limit = Math.max(this.limit, Math.min(this.limit + probe.extra - 1, passed))
      this.backOff()
    } else if (confirmed) {
      this.limit = alone ? Math.max(1, Math.min(this.limit, passed)) : Math.max(1, Math.floor(this.limit * 0.9))
      this.backOff()
    }
    if (start >= this.start) this.count = Math.max(this.count, this.limit)
  }

  /** The most this window may carry: the budget, and the probe's extra in the probe window. */
  private cap(start: number): number {
    return this.probe !== undefined && this.probe.start === start ? this.limit + this.probe.extra : this.limit
  }

  /** Every request of the probe window got through: the budget takes the step, and the next window probes twice it. */
  private held(probe: Probe): void {
    this.limit += probe.extra
    this.step = probe.extra * 2
    this.probe = undefined
    // The window being filled already is a later one: it is the next probe. Otherwise the next window will be.
    if (this.start > probe.start) this.probe = { start: this.start, extra: this.step }
    else this.fullWindows = this.raiseEvery
  }

  /** A probe whose window ended without all of it getting through (the calls did not fill it) proves nothing. */
  private expire(now: number): void {
    if (this.probe !== undefined && now >= this.probe.start + this.millis) {
      this.probe = undefined
      this.step = 1
    }
  }

  private backOff(): void {
    this.raiseEvery = Math.min(maxRaiseAfter, this.raiseEvery * 2)
  }

  private roll(start: number): void {
    const next = start === this.start + this.millis
    if (next && this.count >= this.cap(this.start)) this.fullWindows++
    else this.fullWindows = 0
    this.count = next ? this.carry : 0
    this.carry = 0
    this.start = start
    if (this.probe === undefined && this.fullWindows >= this.raiseEvery) {
      this.probe = { start, extra: this.step }
      this.fullWindows = 0
    }
  }
}

/** The gate, budget and adaptive rate of one key: shared by the layers (and, through a store, processes) that share it. */
export class RateState {
  /** Epoch millis (Effect clock) before which nothing is sent. */
  private gateUntil = 0
  /** The adaptive rate, once Clerk has throttled; `undefined` until then. */
  private pace: Pace | undefined = undefined
  /** The next free slot at the current rate. */
  private nextSlot = 0
  /** When the current estimate window began, and how many attempts got through since. */
  private since: number | undefined = undefined
  private passed = 0
  /** What a shared store counted key-wide, as of its last answer (while it counts). */
  private fleet: Sample | undefined = undefined
  /** Successes not yet reported to the store (while the first rate may have to be read from them). */
  private unreported = 0
  /** A first throttle the store holds without a rate yet (see `shared`). */
  private pending: Pace | undefined = undefined
  /** When the rate or budget was last lowered. */
  private loweredAt = Number.NEGATIVE_INFINITY
  private budget: WindowBudget | undefined
  private fixedMillis: number | undefined = undefined
  /** Bumped when the pace is replaced (the documented budget dropped): waiters take their slot again. */
  version = 0
  /** Whether this process counts the window budget itself (false while a shared store counts it). */
  private localCount = true
  /** Told when a 429 or 503 closes the gate here, so that peers can follow (see SharedBudget). */
  onGate: ((until: number) => void) | undefined = undefined
  /**
   * Told when a throttle lowers the adaptive rate here, so that the store can carry it to peers; and, with no pace,
   * when successes wait to be reported to the store's sample (the first rate is read from it).
   */
  onPace: ((pace: Pace | undefined) => void) | undefined = undefined

  constructor(private readonly adaptive: boolean, documented?: Window) {
    this.budget = documented === undefined ? undefined : new WindowBudget(documented.limit, documented.millis)
  }

  /** Milliseconds this attempt must wait (taking its slot), or 0. */
  reserve(now: number): number {
    this.since ??= now
    let at = Math.max(now, this.gateUntil)
    if (this.budget !== undefined && this.localCount) at = this.budget.take(at, now)
    if (this.pace !== undefined) {
      at = Math.max(at, this.nextSlot)
      this.nextSlot = at + 1000 / rateAt(this.pace, at)
    }
    // Whole milliseconds: a slot is never early, and clocks sleep in whole units.
    return Math.ceil(at - now)
  }

  isOpen(now: number): boolean {
    return now >= this.gateUntil
  }

  countLocally(on: boolean): void {
    this.localCount = on
    if (on) {
      this.fleet = undefined
      this.unreported = 0
      this.pending = undefined
    }
  }

  /** The successes seen since the last call (for the store's sample, while it counts). */
  report(): number {
    const passed = this.unreported
    this.unreported = 0
    return passed
  }

  /**
   * What the store said at `now` about the key's pace, and the successes every process reported. A set rate paces
   * every process (unless this one's own decrease is newer and still on its way there). A first throttle is stored
   * without a rate (0), to be read from those successes once the gate opens: by then every answer of the throttled
   * window is in, where at the 429 itself many are still on their way; whichever process takes first then reads it,
   * and all read the same.
   */
  shared(now: number, pace: Pace | undefined, fleet: Sample | undefined): void {
    this.fleet = fleet
    if (pace === undefined || !this.adaptive || this.budget !== undefined) return
    const own = this.pace
    if (own !== undefined && pace.loweredAt <= own.loweredAt - sameThrottleMillis) return
    if (pace.rate === 0) {
      if (own !== undefined && own.loweredAt >= pace.loweredAt) return
      this.pending = pace
      if (now < pace.growsFrom || fleet === undefined) return
      this.pending = undefined
      // Too few requests got through to tell the limit (the key's budget may be spent by others): the gate is enough.
      if (fleet.passed < minSample) return
      // What got through key-wide since the store first counted, over that time and the rest of Clerk's window.
      this.lower({ ...pace, rate: (fleet.passed * 1000) / (pace.growsFrom - fleet.since) })
    } else if (own?.rate !== pace.rate || own.loweredAt !== pace.loweredAt || own.growsFrom !== pace.growsFrom) {
      this.setPace(pace)
    }
  }

  /**
   * The window this key's attempts are counted in by a shared store: the documented budget while it holds (Clerk's
   * window: `guarded`), else the adaptive rate's own ({@link paceWindow}); none while nothing is paced.
   */
  sharedWindow(now: number): { readonly window: Window; readonly guarded: boolean } | undefined {
    if (this.budget !== undefined) {
      return { window: { limit: this.budget.limit, millis: this.budget.millis }, guarded: true }
    }
    if (this.pace !== undefined) return { window: paceWindow(rateAt(this.pace, now)), guarded: false }
    // A first throttle whose rate is still to be read: one take goes, and its answer reads the rate for the rest.
    if (this.pending !== undefined) return { window: { limit: 1, millis: 1000 }, guarded: false }
    return undefined
  }

  /** A window the user's fixed `rateLimit` counts in (the pacer's), so that a 429 may be read against it too. */
  knownWindow(millis: number): void {
    this.fixedMillis = millis
  }

  /** The end of the window (the documented or the fixed one) that a 429's Retry-After agrees with, if any. */
  private windowEnd(now: number, retryAfterMillis: number): number | undefined {
    for (const millis of [this.budget?.millis, this.fixedMillis]) {
      if (millis === undefined) continue
      const end = now - (now % millis) + millis
      if (end > now + retryAfterMillis - 1000 - guard && end <= now + retryAfterMillis + guard) return end
    }
    return undefined
  }

  /** The gate's closing time (epoch millis), for peers. */
  gate(): number {
    return this.gateUntil
  }

  /** A peer's gate: hold until then too. */
  holdUntil(until: number): void {
    if (until <= this.gateUntil) return
    this.gateUntil = until
    this.nextSlot = Math.max(this.nextSlot, until)
  }

  observe(now: number, status: number | undefined, retryAfterMillis: number): void {
    if (status === undefined || !isBackpressure(status)) {
      this.passed++
      this.budget?.passedAt(now)
      // Reported as they come (one report carries all that came meanwhile): a process held at its gate takes no
      // place in the store, yet its successes belong to the sample the first rate is read from when the gate opens.
      if (this.fleet !== undefined && this.adaptive && this.pace === undefined && this.budget === undefined) {
        if (this.unreported++ === 0) this.onPace?.(undefined)
      }
      return
    }
    if (status === 503 && retryAfterMillis === 0) return // an outage, not a limit: the storm breaker handles it
    // Rejections of requests that were already on their way (before the gate, within a second) are one throttle.
    const sameThrottle = now < Math.max(this.gateUntil, this.loweredAt + sameThrottleMillis)
    // Retry-After is whole seconds, rounded up: when it agrees with a window we count in, that window's end is the
    // exact time (a 1 s window's 429 always says "1", which would hold every call through most of the next window).
    const until = status === 429
      ? this.windowEnd(now, retryAfterMillis) ?? now + retryAfterMillis
      : now + retryAfterMillis
    const closes = retryAfterMillis > 0 && until > this.gateUntil
    if (closes) {
      this.gateUntil = until
      this.nextSlot = Math.max(this.nextSlot, this.gateUntil)
    }
    if (status === 429) this.throttled(now, retryAfterMillis, sameThrottle)
    // Told after the pace, so that a peer that reads the gate from the store finds the first throttle there too.
    if (closes) this.onGate?.(this.gateUntil)
  }

  /** A 429: the budget or the adaptive rate learns from it, unless it is part of a throttle already counted. */
  private throttled(now: number, retryAfterMillis: number, sameThrottle: boolean): void {
    if (this.budget !== undefined) {
      if (this.budget.agrees(now, retryAfterMillis)) {
        if (!sameThrottle) this.budget.throttled(now, this.localCount)
        this.loweredAt = now
        return
      }
      // Clerk's windows are not the documented ones: learn the rate instead.
      this.budget = undefined
      this.version++
    }
    if (!this.adaptive || sameThrottle) return
    if (this.pace === undefined && this.fleet !== undefined) {
      // Read from every process's successes once the gate opens (see `shared`): what got through since the store
      // first counted, over that time plus the rest of Clerk's window.
      this.loweredAt = now
      const growsFrom = Math.max(now + Math.max(retryAfterMillis, 1000), this.gateUntil)
      this.pending = { rate: 0, loweredAt: now, growsFrom }
      this.onPace?.(this.pending)
      return
    }
    let rate: number
    if (this.pace === undefined) {
      // Too few requests got through to tell the limit (the key's budget may be spent by others): the gate is enough.
      if (this.passed < minSample) return
      // What got through since pacing began, over that time plus the rest of Clerk's window.
      rate = (this.passed * 1000) / (now - (this.since ?? now) + Math.max(retryAfterMillis, 1000))
    } else {
      rate = rateAt(this.pace, now) * 0.85
    }
    this.lower({ rate, loweredAt: now, growsFrom: Math.max(now, this.gateUntil) })
  }

  /** A decrease of the pace here, told to the store. */
  private lower(pace: Pace): void {
    const lowered = { ...pace, rate: Math.max(minRate, pace.rate) }
    this.setPace(lowered)
    this.onPace?.(lowered)
  }

  private setPace(pace: Pace): void {
    this.pace = pace
    this.pending = undefined
    this.loweredAt = Math.max(this.loweredAt, pace.loweredAt)
    this.since = pace.growsFrom
    this.passed = 0
  }
}

/** A short, non-reversible digest for in-process registries: they must not hold the key itself. */
export const digest = (key: string): string => {
  let h1 = 0x811c9dc5
  let h2 = 0x01000193
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 0x01000193)
    h2 = Math.imul(h2 ^ c, 0x5bd1e995)
  }
  return `${(h1 >>> 0).toString(36)}.${(h2 >>> 0).toString(36)}`
}
