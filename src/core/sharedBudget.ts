/**
 * What both faces' shared budgets decide, without Effect: the request a pacer takes from a store's window budget,
 * what it does with the store's answer, how it falls back to the process-local budget while the store is down, and
 * the in-memory store's bookkeeping. Each face's `SharedBudget` module wraps these in its own Effects.
 */
import type { RateState, Window } from "./rate.js"
import { guard } from "./rate.js"
import type { Storm } from "./storm.js"

/**
 * One request taken from a window budget: window `index` (epoch millis over `millis`) admits `limit` requests;
 * `alsoNext` counts the request in the following window too (it is sent so close to the window's end that it may
 * arrive in the next one).
 */
export interface Take {
  readonly index: number
  readonly millis: number
  readonly limit: number
  readonly alsoNext: boolean
}

/**
 * What the store knows after a take: whether the request fit, the shared gate (epoch millis, 0 when open) and the
 * shared circuit (the next probe, epoch millis; 0 when closed).
 */
export interface Taken {
  readonly fits: boolean
  readonly gateUntil: number
  readonly openUntil: number
}

/** A store call slower than this is a failed one: calls must not wait long on Redis (a loaded machine can take hundreds of ms). */
export const storeTimeoutMillis = 1000
/** How long a failed store is left alone before it is tried again. */
export const fallbackMillis = 5000

/** The take for an attempt at `now` under `window` (none: the adaptive rate; only the gate and circuit are read). */
export const takeFor = (now: number, window: Window | undefined): Take => {
  const millis = window?.millis ?? 1000
  const index = Math.floor(now / millis)
  return {
    index,
    millis,
    limit: window?.limit ?? Number.MAX_SAFE_INTEGER,
    alsoNext: window !== undefined && now >= (index + 1) * millis - guard
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

/**
 * One layer's view of its store: up, or down until a time (calls then pace under the process-local budget, and the
 * store is left alone for {@link fallbackMillis}).
 */
export class StoreHealth {
  private downUntil = 0

  constructor(private readonly rate: RateState, private readonly storm: Storm) {
    rate.countLocally(false)
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
   * The store answered `taken` to `take`: its gate and circuit join this layer's. The answer says until when the
   * attempt waits (at or before now: it goes) and whether the shared gate closed this layer's.
   */
  answered(take: Take, taken: Taken): { readonly until: number; readonly gateClosed: boolean } {
    if (this.downUntil !== 0) {
      this.downUntil = 0
      this.rate.countLocally(false)
    }
    const gateClosed = taken.gateUntil > this.rate.gate()
    if (gateClosed) this.rate.holdUntil(taken.gateUntil)
    this.storm.merge({ openUntil: taken.openUntil })
    return { until: Math.max(this.rate.gate(), taken.fits ? 0 : (take.index + 1) * take.millis), gateClosed }
  }
}

/** A store in this process's memory: window counts, gates and circuits by key id (`SharedBudget.memory()`). */
export class MemoryBudget {
  private readonly windows = new Map<string, number>()
  private readonly gates = new Map<string, number>()
  private readonly circuits = new Map<string, number>()

  take(id: string, { alsoNext, index, limit }: Take): Taken {
    const key = `${id}:${index}`
    const count = (this.windows.get(key) ?? 0) + 1
    const fits = count <= limit
    if (fits) {
      this.windows.set(key, count)
      this.windows.delete(`${id}:${index - 2}`)
      if (alsoNext) this.windows.set(`${id}:${index + 1}`, (this.windows.get(`${id}:${index + 1}`) ?? 0) + 1)
    }
    return { fits, gateUntil: this.gates.get(id) ?? 0, openUntil: this.circuits.get(id) ?? 0 }
  }

  closeGate(id: string, until: number): void {
    this.gates.set(id, Math.max(this.gates.get(id) ?? 0, until))
  }

  setCircuit(id: string, openUntil: number): void {
    this.circuits.set(id, openUntil)
  }
}
