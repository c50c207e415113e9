/**
 * The pacer every attempt of a `Clients` layer passes before it is sent: Clerk limits requests per secret key, and
 * a pipeline does not know how much of that limit other processes use, so the layer's calls hold back together.
 * The state machines are Effect-free (core/rate.ts: the gate, the documented budget, the adaptive rate;
 * core/storm.ts: the circuit that sheds calls in an outage); this module sleeps where they say, applies a fixed
 * `rateLimit`, and, with a `sharedBudget`, shares all of it through a store.
 *
 * - **Scope.** `rateScope: "layer"` (default): the state belongs to the layer. `"process"`: one state per key for
 *   every layer of the process. `sharedBudget`: also every layer of every process that uses the store.
 * - **Shared.** Each attempt takes its place in the store's window budget (the documented one, the fixed limit, or
 *   the adaptive rate's one-second windows) and reads the store's gate, circuit and pace; a 429/503 gate, a circuit
 *   opened here and a decrease of the adaptive rate are written there, so that every process paces by one key-wide
 *   rate.
 * - **Store down.** A failed or slow store (over a second) is left for five (core/sharedBudget.ts): calls go
 *   under the process-local budget meanwhile, and one warning is logged per outage.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as RateLimiter from "effect/RateLimiter"
import * as Scope from "effect/Scope"
import * as ClerkMetrics from "../ClerkMetrics.js"
import type { Options } from "../Clients.js"
import { digest, documentedLimit, RateState, type Window } from "../core/rate.js"
import { keyBytes, type Signal, StoreHealth, storeIdOf, storeTimeoutMillis, unavailable } from "../core/sharedBudget.js"
import { type Shed, Storm } from "../core/storm.js"
import type * as SharedBudget from "../SharedBudget.js"

export type { Shed } from "../core/storm.js"

export interface Pacer {
  /**
   * Asked first, for every attempt: `undefined` when it may go (perhaps as the circuit's probe); otherwise the
   * circuit is open and the attempt is shed: nothing is sent, and the call fails with `SDKError` `Shed`.
   */
  readonly shed: (now: number) => Shed | undefined
  /**
   * Takes this attempt's turn at `now`: 0 when it may go at once, otherwise the milliseconds to wait, through
   * `wait`. Two steps, so that the common case costs no Effect. With a fixed limit or a shared budget it is never 0
   * (every attempt waits for a permit).
   */
  readonly reserve: (now: number) => number
  /** Waits `millis` (and for the gate, if it closed meanwhile, and for the fixed limit); succeeds with the time waited. */
  readonly wait: (millis: number) => Effect.Effect<number>
  /**
   * Records how an attempt ended: its status (`undefined` for a transport failure or a timeout: no answer) and the
   * `Retry-After` it carried.
   */
  readonly observe: (now: number, status: number | undefined, retryAfterMillis: number) => void
}

/** What the pacer reads of the layer's options. */
export interface PacerOptions extends Pick<Options, "rateLimit" | "rateScope"> {
  /** Share the key's gate, budget and circuit through this store (see SharedBudget). */
  readonly sharedBudget?: SharedBudget.Store | undefined
  /** Shed calls while Clerk is plainly down (the circuit). Default true. */
  readonly loadShedding?: boolean | undefined
}

/** The state of one key: the gate and pace, and the circuit. */
interface KeyState {
  readonly rate: RateState
  readonly storm: Storm
}

/** Below a millisecond: no sleep, only the permit (see `wait`). */
const permitOnly = 0.5

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
  const id = `${adaptive}:${documented === undefined ? "" : documented.limit}:${digest(key)}`
  const existing = shared.get(id)?.deref()
  if (existing !== undefined) return existing
  const state = fresh()
  shared.set(id, new WeakRef(state))
  return state
}

/** The store's name for a key (core/sharedBudget.ts `storeId`), so that the store never holds the key. */
const storeId = (key: string): Effect.Effect<string> =>
  Effect.map(Effect.promise(() => globalThis.crypto.subtle.digest("SHA-256", keyBytes(key))), storeIdOf)

export const make = (
  options: PacerOptions,
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
    // Only the defaults start from the key's documented limit: a `rateLimit` the user set wins.
    const documented = options.rateLimit === undefined ? documentedLimit(key) : undefined
    const state = stateFor(adaptive, documented, options.rateScope ?? "layer", key)
    const shedding = options.loadShedding !== false
    const limiter = fixed === undefined ? identity : yield* RateLimiter.make({
      limit: fixed.limit,
      interval: Duration.decode(fixed.interval),
      algorithm: fixed.algorithm ?? "fixed-window"
    })
    const fixedWindow: Window | undefined = fixed === undefined
      ? undefined
      : { limit: fixed.limit, millis: Duration.toMillis(Duration.decode(fixed.interval)) }

    if (fixedWindow !== undefined) state.rate.knownWindow(fixedWindow.millis)
    const link = options.sharedBudget === undefined
      ? undefined
      : yield* connect(options.sharedBudget, key, state, fixedWindow)

    /** Sleeps to the slot taken; goes unless the gate closed meanwhile (then takes a new slot). */
    /**
     * Sleeps to the slot taken; goes unless the gate closed meanwhile (then takes a new slot). A long wait is slept a
     * second at a time: if the pace was replaced meanwhile (the documented budget dropped for a learned rate), the
     * slot is taken again under the new one, rather than slept out in a later window that no longer applies.
     */
    const sleepThenGo = (wait: number, waited: number, version: number): Effect.Effect<number> => {
      const step = Math.min(wait, 1000)
      return Effect.zipRight(
        Effect.sleep(Duration.millis(step)),
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (wait > step) {
            if (state.rate.version === version) return sleepThenGo(wait - step, waited + step, version)
            return sleepThenGo(Math.max(1, state.rate.reserve(now)), waited + step, state.rate.version)
          }
          if (state.rate.isOpen(now)) return Effect.succeed(waited + step)
          return sleepThenGo(Math.max(1, state.rate.reserve(now)), waited + step, state.rate.version)
        })
      )
    }
    const local = (millis: number): Effect.Effect<number> =>
      millis >= 1 ? sleepThenGo(millis, 0, state.rate.version) : Effect.succeed(0)
    const withFixedLimit = (waiting: Effect.Effect<number>): Effect.Effect<number> =>
      fixed === undefined ?
        waiting :
        Effect.flatMap(
          Clock.currentTimeMillis,
          (start) => limiter(Effect.zipRight(waiting, Effect.map(Clock.currentTimeMillis, (now) => now - start)))
        )

    const wait: (millis: number) => Effect.Effect<number> = link === undefined
      ? (millis) => withFixedLimit(local(millis))
      : (millis) =>
        Effect.flatMap(Clock.currentTimeMillis, (start) =>
          Effect.flatMap(local(millis), (waited) =>
            Effect.flatMap(link.permit, (sharedOk) =>
              sharedOk ?
                Effect.map(Clock.currentTimeMillis, (now) =>
                  now - start) :
                Effect.map(withFixedLimit(Effect.succeed(waited)), (more) => Math.max(waited, more)))))

    return {
      shed: shedding
        ? (now) =>
          state.storm.admit(now)
        : () => undefined,
      // With a fixed limit or a store every attempt waits for its permit, so `reserve` never says "go at once" there.
      reserve: fixed === undefined && link === undefined ?
        (now) => state.rate.reserve(now) :
        (now) => Math.max(state.rate.reserve(now), permitOnly),
      wait,
      observe: (now, status, retryAfterMillis) => {
        state.rate.observe(now, status, retryAfterMillis)
        state.storm.observe(now, status, retryAfterMillis)
      }
    }
  })

interface Connected {
  /**
   * Takes a place in the shared window budget (the fixed limit's window, else the key's: core/sharedBudget.ts
   * `StoreHealth.take`), sleeping while the shared gate is closed or the window is full. `false` when the store is down: the
   * caller paces locally.
   */
  readonly permit: Effect.Effect<boolean>
}

/** Connects the key's state to the store, for the layer's life (what to take and when to fall back: core/sharedBudget.ts). */
const connect = (
  store: SharedBudget.Store,
  key: string,
  state: KeyState,
  fixed: Window | undefined
): Effect.Effect<Connected, never, Scope.Scope> =>
  Effect.gen(function*() {
    const id = yield* storeId(key)
    const health = new StoreHealth(state.rate, state.storm, fixed)
    let link: SharedBudget.Link | undefined
    const fail = (now: number, error: SharedBudget.StoreError | string): Effect.Effect<boolean> => {
      if (!health.failed(now)) return Effect.succeed(false)
      ClerkMetrics.sharedFallbacks.unsafeUpdate(1, [])
      return Effect.as(
        Effect.logWarning(unavailable(store.name, typeof error === "string" ? error : error.message)),
        false
      )
    }
    const timed = <A>(effect: Effect.Effect<A, SharedBudget.StoreError>) =>
      Effect.timeoutFail(effect, {
        duration: Duration.millis(storeTimeoutMillis),
        onTimeout: () => `no answer within ${storeTimeoutMillis} ms`
      })
    const scope = yield* Effect.scope
    const oneTry = yield* Effect.makeSemaphore(1)
    /**
     * The link, connected for the layer's life; a store that could not connect is tried again after the fallback.
     * Each try runs in a scope of its own, closed when the try fails or times out, so that a store that is down
     * costs no more than one try's resources, whatever the number of tries; and one try runs at a time (calls that
     * come meanwhile pace locally), so that calls arriving together do not each connect.
     */
    const linked = (now: number): Effect.Effect<SharedBudget.Link | undefined> =>
      link !== undefined ? Effect.succeed(link) : Effect.map(
        oneTry.withPermitsIfAvailable(1)(
          Effect.suspend(() => link !== undefined ? Effect.succeed(link) : tryLink(now))
        ),
        Option.getOrUndefined
      )
    const tryLink = (now: number): Effect.Effect<SharedBudget.Link | undefined> =>
      Effect.flatMap(Scope.fork(scope, ExecutionStrategy.sequential), (attempt) =>
        Effect.onExit(
          Effect.matchEffect(timed(Scope.extend(store.connect(id), attempt)), {
            onFailure: (error) => Effect.as(fail(now, error), undefined),
            onSuccess: (connected) => Effect.sync(() => (link = connected))
          }),
          (exit) => Exit.isSuccess(exit) && exit.value !== undefined ? Effect.void : Scope.close(attempt, exit)
        ))
    yield* linked(yield* Clock.currentTimeMillis)

    const signals = yield* Queue.unbounded<Signal>()
    state.rate.onGate = (until) => Queue.unsafeOffer(signals, { _tag: "Gate", until })
    state.storm.onChange = ({ openUntil }) => Queue.unsafeOffer(signals, { _tag: "Circuit", openUntil })
    state.rate.onPace = (pace) => Queue.unsafeOffer(signals, { _tag: "Pace", pace })
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(signals), (signal) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        link === undefined || health.isDown(now) ? Effect.void : Effect.ignore(
          timed(
            signal._tag === "Gate"
              ? link.closeGate(signal.until, now)
              : signal._tag === "Circuit"
              ? link.setCircuit(signal.openUntil, now)
              : link.sharePace?.(signal.pace, state.rate.report(), now) ?? Effect.void
          )
        )))))

    const permit: Effect.Effect<boolean> = Effect.flatMap(Clock.currentTimeMillis, (now) =>
      health.isDown(now) ? Effect.succeed(false) : Effect.flatMap(linked(now), (current) => {
        if (current === undefined) {
          return Effect.succeed(false)
        }
        const take = health.take(now)
        return Effect.matchEffect(timed(current.take(take)), {
          onFailure: (error) =>
            fail(now, error),
          onSuccess: (taken) => {
            return Effect.flatMap(Clock.currentTimeMillis, (answeredAt) => {
              const { again, gateClosed } = health.answered(take, taken, answeredAt)
              if (gateClosed) {
                ClerkMetrics.sharedGate.unsafeUpdate(1, [])
              }
              if (again === undefined) {
                return Effect.succeed(true)
              }
              return again === 0 ? permit : Effect.zipRight(Effect.sleep(Duration.millis(again)), permit)
            })
          }
        })
      }))
    return { permit }
  })
