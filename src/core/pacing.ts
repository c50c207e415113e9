/**
 * The decisions of one `Clients` layer's pacer, without Effect, for both faces: which state it paces by (the layer's
 * own, or the process's for the key), how long an attempt waits for the gate and the pace, what a waiter does after
 * each slice of its sleep, the fixed `rateLimit`'s permit, whether the circuit sheds an attempt, and what an answer
 * teaches. A face's pacer sleeps where this says, on its own clock, and links the state to a shared store
 * (core/sharedBudget.ts).
 */
import type { Check, Invalid } from "./check.js"
import * as Limiter from "./limiter.js"
import type { RateLimit } from "./options.js"
import { digest, documentedLimit, RateState, type Window } from "./rate.js"
import { rateLimitNotPositive } from "./settings.js"
import { type Shed, Storm } from "./storm.js"

/** The pacer's options, resolved from a layer's (`rateLimit`, `rateScope`, `loadShedding`, `sharedBudget`). */
export interface Options {
  readonly adaptive: boolean
  /** Start from the key's documented limit (only the default setting does: a `rateLimit` the user set wins). */
  readonly documented: boolean
  readonly scope: "layer" | "process"
  /** Shed calls while Clerk is plainly down (the circuit). */
  readonly loadShedding: boolean
  /** A fixed limit of the layer's own (`rateLimit: { limit, interval }`). */
  readonly fixed: Limiter.Limit | undefined
}

/** The state of one key: the gate and pace, and the circuit. */
export interface KeyState {
  readonly rate: RateState
  readonly storm: Storm
}

/**
 * The longest sleep between two looks at the pace: a waiter whose pace was replaced meanwhile (the documented budget
 * dropped for a learned rate) takes its place again under the new one, rather than sleep out a slot that no longer
 * applies.
 */
export const sliceMillis = 1000

/** Below a millisecond: no sleep, only the permit (a fixed limit's, or the store's). */
const permitOnly = 0.5

/** `rateScope: "process"`: one state per key, shared by every layer of this process (weakly held). */
const processStates = new Map<string, WeakRef<KeyState>>()

const stateFor = (adaptive: boolean, documented: Window | undefined, scope: "layer" | "process", key: string) => {
  const fresh = (): KeyState => ({ rate: new RateState(adaptive, documented), storm: new Storm() })
  if (scope === "layer") return fresh()
  const id = `${adaptive}:${documented === undefined ? "" : documented.limit}:${digest(key)}`
  const existing = processStates.get(id)?.deref()
  if (existing !== undefined) return existing
  const state = fresh()
  processStates.set(id, new WeakRef(state))
  return state
}

/** What a waiter does after a slice of its sleep: go, or sleep `millis` more (its place taken under `version`). */
export type Next =
  | { readonly _tag: "Go" }
  | { readonly _tag: "Sleep"; readonly millis: number; readonly version: number }

export class Pacing {
  readonly state: KeyState
  /** The fixed limit's window, which the shared store counts in when there is one. */
  readonly fixedWindow: Window | undefined
  private readonly limiter: Limiter.Limiter | undefined

  /** `shared`: attempts also take their place in a shared store's window budget (a `sharedBudget` was given). */
  constructor(private readonly options: Options, key: string, private readonly shared: boolean) {
    this.state = stateFor(
      options.adaptive,
      options.documented ? documentedLimit(key) : undefined,
      options.scope,
      key
    )
    const fixed = options.fixed
    this.fixedWindow = fixed === undefined ? undefined : { limit: fixed.limit, millis: fixed.intervalMillis }
    this.limiter = fixed === undefined ? undefined : Limiter.make(fixed)
    if (this.fixedWindow !== undefined) this.state.rate.knownWindow(this.fixedWindow.millis)
  }

  /** `undefined` when the attempt may go (perhaps as the circuit's probe), else why it is shed. */
  shed(now: number): Shed | undefined {
    return this.options.loadShedding ? this.state.storm.admit(now) : undefined
  }

  /**
   * The attempt's place at `now` under the gate and the pace: 0 to go at once, else the milliseconds to wait. Never
   * 0 with a fixed limit or a shared store, since every attempt then waits for a permit.
   */
  reserve(now: number): number {
    const wait = this.state.rate.reserve(now)
    return this.limiter === undefined && !this.shared ? wait : Math.max(wait, permitOnly)
  }

  /** The version of the pace a place is taken under (see {@link sliceMillis}). */
  get version(): number {
    return this.state.rate.version
  }

  /** After sleeping `slept` of a `wait` taken under `version`, at `now`: go, or how long to sleep next. */
  next(wait: number, slept: number, version: number, now: number): Next {
    const rate = this.state.rate
    if (wait > slept && rate.version === version) return { _tag: "Sleep", millis: wait - slept, version }
    if (wait <= slept && rate.isOpen(now)) return { _tag: "Go" }
    return { _tag: "Sleep", millis: Math.max(1, rate.reserve(now)), version: rate.version }
  }

  /** The fixed limit's permit for an attempt the gate and pace let go at `now`: the milliseconds until it may go. */
  fixedWait(now: number): number {
    return this.limiter === undefined ? 0 : Math.max(0, Math.ceil(this.limiter.take(now) - now))
  }

  /** Records how an attempt ended: its status (`undefined`: no answer) and the `Retry-After` it carried. */
  observe(now: number, status: number | undefined, retryAfterMillis: number): void {
    this.state.rate.observe(now, status, retryAfterMillis)
    this.state.storm.observe(now, status, retryAfterMillis)
  }
}

/** A layer's pacing options, as both faces' `Clients.Options` have them; `D` is the face's duration input. */
export interface LayerOptions<D> {
  readonly rateLimit?:
    | "adaptive"
    | false
    | {
      readonly limit: number
      readonly interval: D
      readonly algorithm?: RateLimit<D>["algorithm"] | undefined
      readonly adaptive?: boolean | undefined
    }
    | undefined
  readonly rateScope?: "layer" | "process" | undefined
  readonly loadShedding?: boolean | undefined
}

/**
 * The pacer's options from a layer's, with their defaults (`rateLimit: "adaptive"` from the key's documented limit,
 * `rateScope: "layer"`, load shedding on, a fixed limit's `fixed-window`), or the option that is wrong.
 */
export const resolve = <D>(
  layer: LayerOptions<D>,
  durationMillis: (name: string, input: D) => Check<number>
): { readonly ok: true; readonly value: Options } | Invalid => {
  const setting = layer.rateLimit ?? "adaptive"
  const given = typeof setting === "object" ? setting : undefined
  let fixed: Limiter.Limit | undefined
  if (given !== undefined) {
    if (!Limiter.validLimit(given.limit)) {
      return { ok: false, path: ["rateLimit", "limit"], error: rateLimitNotPositive }
    }
    const interval = durationMillis("rateLimit.interval", given.interval)
    if (!interval.ok) return { ok: false, path: ["rateLimit", "interval"], error: interval.error }
    fixed = { limit: given.limit, intervalMillis: interval.value, algorithm: given.algorithm ?? "fixed-window" }
  }
  return {
    ok: true,
    value: {
      adaptive: setting === "adaptive" || given?.adaptive === true,
      documented: layer.rateLimit === undefined,
      scope: layer.rateScope ?? "layer",
      loadShedding: layer.loadShedding !== false,
      fixed
    }
  }
}
