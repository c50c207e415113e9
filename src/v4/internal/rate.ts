/**
 * The pacer every attempt of a `Clients` layer passes before it is sent (Effect 4 face): the core's `RateState` (the
 * gate after a 429 or 503 with `Retry-After`, the key's documented window budget, the adaptive rate) and `Storm` (the
 * circuit that sheds calls while Clerk is down) decide; this only sleeps where they say to, on the Effect clock.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Limiter from "../../core/limiter.js"
import { digest, documentedLimit, RateState, type Window } from "../../core/rate.js"
import { type Shed, Storm } from "../../core/storm.js"

export interface Pacer {
  /** Asked first: `undefined` when the attempt may go (perhaps as the circuit's probe), else why it is shed. */
  readonly shed: (now: number) => Shed | undefined
  /** Takes this attempt's turn at `now`: 0 when it may go at once, otherwise the milliseconds to wait, through `wait`. */
  readonly reserve: (now: number) => number
  /** Waits `millis` (and for the gate, if it closed meanwhile); succeeds with the time waited. */
  readonly wait: (millis: number) => Effect.Effect<number>
  /** Records how an attempt ended: its status (`undefined`: no answer) and the `Retry-After` it carried. */
  readonly observe: (now: number, status: number | undefined, retryAfterMillis: number) => void
}

export interface PacerOptions {
  readonly adaptive: boolean
  /** Start from the key's documented limit (only the default setting does). */
  readonly documented: boolean
  readonly scope: "layer" | "process"
  /** Shed calls while Clerk is plainly down (the circuit). */
  readonly loadShedding: boolean
  /** A fixed limit of the layer's own (`rateLimit: { limit, interval }`). */
  readonly fixed: Limiter.Limit | undefined
}

/** The state of one key: the gate and pace, and the circuit. */
interface KeyState {
  readonly rate: RateState
  readonly storm: Storm
}

/** `rateScope: "process"`: one state per key, shared by every layer of this process (weakly held). */
const shared = new Map<string, WeakRef<KeyState>>()

const stateFor = (
  adaptive: boolean,
  documented: Window | undefined,
  scope: "layer" | "process",
  key: string
): KeyState => {
  const fresh = (): KeyState => ({ rate: new RateState(adaptive, documented), storm: new Storm() })
  if (scope === "layer") return fresh()
  const id = `v4:${adaptive}:${documented === undefined ? "" : documented.limit}:${digest(key)}`
  const existing = shared.get(id)?.deref()
  if (existing !== undefined) return existing
  const state = fresh()
  shared.set(id, new WeakRef(state))
  return state
}

export const make = (options: PacerOptions, key: string): Pacer => {
  const state = stateFor(
    options.adaptive,
    options.documented ? documentedLimit(key) : undefined,
    options.scope,
    key
  )
  /** Sleeps to the slot taken; goes unless the gate closed meanwhile (then takes a new slot). */
  const sleepThenGo = (wait: number, waited: number): Effect.Effect<number> =>
    Effect.andThen(
      Effect.sleep(Duration.millis(wait)),
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        state.rate.isOpen(now) ? Effect.succeed(waited + wait) : sleepThenGo(state.rate.reserve(now), waited + wait))
    )
  const fixed = options.fixed === undefined ? undefined : Limiter.make(options.fixed)
  return {
    shed: options.loadShedding ? (now) => state.storm.admit(now) : () => undefined,
    // The fixed limit's permit is taken for the time the gate and pace let the attempt go.
    reserve: fixed === undefined
      ? (now) => state.rate.reserve(now)
      : (now) => {
        const paced = now + state.rate.reserve(now)
        return Math.ceil(fixed.take(paced) - now)
      },
    wait: (millis) => (millis >= 1 ? sleepThenGo(millis, 0) : Effect.succeed(0)),
    observe: (now, status, retryAfterMillis) => {
      state.rate.observe(now, status, retryAfterMillis)
      state.storm.observe(now, status, retryAfterMillis)
    }
  }
}
