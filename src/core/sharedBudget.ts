/**
 * What both faces' shared budgets decide, without Effect: the request a pacer takes from a store's window budget,
 * what it does with the store's answer, how it falls back to the process-local budget while the store is down, and
 * the in-memory store's bookkeeping. Each face's `SharedBudget` module wraps these in its own Effects.
 */
import type { Pace, RateState, Sample, Window } from "./rate.js"
import { guard, mergePace } from "./rate.js"
import type { Storm } from "./storm.js"

/**
 * One request taken from a window budget at `at` (epoch millis): window `index` (epoch millis over `millis`) admits
 * `limit` requests; `alsoNext` counts the request in the following window too (it is sent so close to the end of one
 * of Clerk's windows that it may arrive in the next one).
 */
export interface Take {
  readonly at: number
  readonly index: number
  readonly millis: number
  readonly limit: number
  readonly alsoNext: boolean
}

/**
 * What the store knows after a take: whether the request fit, the shared gate (epoch millis, 0 when open) and the
 * shared circuit (the next probe, epoch millis; 0 when closed). A store that shares the adaptive rate also gives the
 * key's pace, once a throttle has set one, and the requests it let through for the key since it first counted (the
 * first rate is read from them); a store without them leaves each process to learn the rate from its own share.
 */
export interface Taken {
  readonly fits: boolean
  readonly gateUntil: number
  readonly openUntil: number
  readonly pace?: Pace | undefined
  readonly sample?: Sample | undefined
}

/**
 * What a layer tells its store in the background: a gate it closed, its circuit, a decrease of its pace (or only
 * successes to report: `RateState.report`).
 */
export type Signal =
  | { readonly _tag: "Gate"; readonly until: number }
  | { readonly _tag: "Circuit"; readonly openUntil: number }
  | { readonly _tag: "Pace"; readonly pace: Pace | undefined }

/** A store call slower than this is a failed one: calls must not wait long on Redis (a loaded machine can take hundreds of ms). */
export const storeTimeoutMillis = 1000
/** How long a failed store is left alone before it is tried again. */
export const fallbackMillis = 5000

/** How long a store remembers a key's pace and sample after its last take: an idle fleet starts afresh. */
export const paceMemoryMillis = 600_000

/**
 * The take for an attempt at `now` under `window` (none: nothing paces the attempt; it is only counted, and the gate
 * and circuit are read). A `guarded` window is one of Clerk's: an attempt near its end counts in the next one too.
 */
export const takeFor = (now: number, window: Window | undefined, guarded: boolean): Take => {
  const millis = window?.millis ?? 1000
  const index = Math.floor(now / millis)
  return {
    at: now,
    index,
    millis,
    limit: window?.limit ?? Number.MAX_SAFE_INTEGER,
    alsoNext: window !== undefined && guarded && now >= (index + 1) * millis - guard
  }
}

/** What a key's store id is the SHA-256 digest of (the faces hash it with the runtime's Web Crypto). */
export const keyBytes = (key: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(key)

/** A key's id in the store, from its SHA-256 digest: 32 hex digits, so the store never holds the key. */
export const storeIdOf = (digest: ArrayBuffer): string =>
  Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")

/** The warning logged once per outage of the store. */
export const unavailable = (store: string, why: string): string =>
  `effect-clerk: the shared budget store (${store}) is unavailable (${why}); calls go on under the ` +
  `process-local budget until it answers again (this is logged once per outage)`

const sameWindow = (a: Take, b: Take): boolean => a.limit === b.limit && a.millis === b.millis

/**
 * One layer's view of its store: up, or down until a time (calls then pace under the process-local budget, and the
 * store is left alone for {@link fallbackMillis}).
 */
export class StoreHealth {
  private downUntil = 0

  /** `fixed`: the window of the layer's fixed `rateLimit`, if any (see `take`). */
  constructor(private readonly rate: RateState, private readonly storm: Storm, private readonly fixed?: Window) {
    rate.countLocally(false)
  }

  /**
   * The take for an attempt at `now`: the fixed `rateLimit`'s window (the user's, taken to be Clerk's), else the
   * key's own ({@link RateState.sharedWindow}: the documented budget or the adaptive pace).
   */
  take(now: number): Take {
    if (this.fixed !== undefined) return takeFor(now, this.fixed, true)
    const own = this.rate.sharedWindow(now)
    return takeFor(now, own?.window, own?.guarded ?? false)
  }

  /** Whether the store is being left alone at `now`. */
  isDown(now: number): boolean {
    return now < this.downUntil
  }

  /** The store failed at `now`: `true` when it had been up (the outage's first failure, to report). */
  failed(now: number): boolean {
    const wasUp = this.downUntil === 0
    this.downUntil = now + fallbackMillis
    this.rate.countLocally(true)
    return wasUp
  }

  /**
   * The store answered `taken` to `take` at `answeredAt`: its gate, circuit and pace join this layer's. The answer
   * says whether the shared gate closed this layer's, and what the attempt does: goes (`again` undefined), or takes
   * its place again after `again` milliseconds (0: at once), counted from when the answer came, not from when it was
   * asked for (a slow store must not add its delay to the wait).
   */
  answered(
    take: Take,
    taken: Taken,
    answeredAt: number
  ): { readonly again: number | undefined; readonly gateClosed: boolean } {
    if (this.downUntil !== 0) {
      this.downUntil = 0
      this.rate.countLocally(false)
    }
    const gateClosed = taken.gateUntil > this.rate.gate()
    if (gateClosed) this.rate.holdUntil(taken.gateUntil)
    this.storm.merge({ openUntil: taken.openUntil })
    this.rate.shared(take.at, taken.pace, taken.sample)
    // A take that did not fit under a window the answer has since replaced (a first rate just read) tries again at
    // once, under the new one, rather than waiting for a window it was never meant to count in.
    const retake = !taken.fits && this.fixed === undefined && !sameWindow(take, this.take(take.at))
    const until = Math.max(this.rate.gate(), taken.fits || retake ? 0 : (take.index + 1) * take.millis)
    if (until <= take.at && !retake) return { again: undefined, gateClosed }
    return { again: Math.max(0, until - answeredAt), gateClosed }
  }
}

/**
 * A store in this process's memory: window counts, gates, circuits, paces and samples by key id
 * (`SharedBudget.memory()`).
 */
export class MemoryBudget {
  private readonly windows = new Map<string, number>()
  private readonly gates = new Map<string, number>()
  private readonly circuits = new Map<string, number>()
  private readonly paces = new Map<string, Pace>()
  private readonly samples = new Map<string, Sample>()

  private readonly lastTakes = new Map<string, number>()

  take(id: string, { alsoNext, at, index, limit, millis }: Take): Taken {
    if (at - (this.lastTakes.get(id) ?? at) > paceMemoryMillis) {
      this.paces.delete(id)
      this.samples.delete(id)
    }
    this.lastTakes.set(id, at)
    const key = `${id}:${millis}:${index}`
    const count = (this.windows.get(key) ?? 0) + 1
    const fits = count <= limit
    const sample = this.samples.get(id) ?? { passed: 0, since: at }
    this.samples.set(id, sample)
    if (fits) {
      this.windows.set(key, count)
      this.windows.delete(`${id}:${millis}:${index - 2}`)
      const next = `${id}:${millis}:${index + 1}`
      if (alsoNext) this.windows.set(next, (this.windows.get(next) ?? 0) + 1)
    }
    return {
      fits,
      gateUntil: this.gates.get(id) ?? 0,
      openUntil: this.circuits.get(id) ?? 0,
      pace: this.paces.get(id),
      sample
    }
  }

  sharePace(id: string, pace: Pace | undefined, passed: number, now: number): void {
    const sample = this.samples.get(id)
    this.samples.set(id, { passed: (sample?.passed ?? 0) + passed, since: sample?.since ?? now })
    if (pace !== undefined) this.paces.set(id, mergePace(this.paces.get(id), pace))
  }

  closeGate(id: string, until: number): void {
    this.gates.set(id, Math.max(this.gates.get(id) ?? 0, until))
  }

  setCircuit(id: string, openUntil: number): void {
    this.circuits.set(id, openUntil)
  }
}
