/**
 * The pacer every attempt of a `Clients` layer passes before it is sent (Effect 4 face): the core's `RateState` (the
 * gate after a 429 or 503 with `Retry-After`, the key's documented window budget, the adaptive rate) decides; this
 * only sleeps where it says to, on the Effect clock.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { digest, documentedLimit, RateState, type Window } from "../../core/rate.js"

export interface Pacer {
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
}

/** `rateScope: "process"`: one state per key, shared by every layer of this process (weakly held). */
const shared = new Map<string, WeakRef<RateState>>()

const stateFor = (adaptive: boolean, documented: Window | undefined, scope: "layer" | "process", key: string) => {
  if (scope === "layer") return new RateState(adaptive, documented)
  const id = `v4:${adaptive}:${documented === undefined ? "" : documented.limit}:${digest(key)}`
  const existing = shared.get(id)?.deref()
  if (existing !== undefined) return existing
  const state = new RateState(adaptive, documented)
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
        state.isOpen(now) ? Effect.succeed(waited + wait) : sleepThenGo(state.reserve(now), waited + wait))
    )
  return {
    reserve: (now) => state.reserve(now),
    wait: (millis) => (millis >= 1 ? sleepThenGo(millis, 0) : Effect.succeed(0)),
    observe: (now, status, retryAfterMillis) => state.observe(now, status, retryAfterMillis)
  }
}
