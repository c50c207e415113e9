/**
 * The pacer every attempt of a `Clients` layer passes before it is sent (Effect 4 face): the core's `Pacing` (the
 * reserve, the slice-by-slice sleep, a fixed limit's permit) over its `RateState` (the gate after a 429 or 503 with
 * `Retry-After`, the key's documented window budget, the adaptive rate) and `Storm` (the circuit that sheds calls
 * while Clerk is down) decides; this only sleeps where it says to, on the Effect clock.
 * With a `sharedBudget`, each attempt also takes its place in the store's window budget and reads the store's gate,
 * circuit and pace, as on the root face (what to take and when to fall back: core/sharedBudget.ts).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Pacing from "../../core/pacing.js"
import {
  keyBytes,
  type Signal,
  StoreHealth,
  storeIdOf,
  storeTimeoutMillis,
  unavailable
} from "../../core/sharedBudget.js"
import type { Shed } from "../../core/storm.js"
import * as ClerkMetrics from "../ClerkMetrics.js"
import type * as SharedBudget from "../SharedBudget.js"

export interface Pacer {
  /** Asked first: `undefined` when the attempt may go (perhaps as the circuit's probe), else why it is shed. */
  readonly shed: (now: number) => Shed | undefined
  /** Takes this attempt's turn at `now`: 0 when it may go at once, otherwise the milliseconds to wait, through `wait`. */
  readonly reserve: (now: number) => number
  /** Waits `millis` (and for the gate, if it closed meanwhile, and for the fixed limit); succeeds with the time waited. */
  readonly wait: (millis: number) => Effect.Effect<number>
  /** Records how an attempt ended: its status (`undefined`: no answer) and the `Retry-After` it carried. */
  readonly observe: (now: number, status: number | undefined, retryAfterMillis: number) => void
}

export const make = (
  options: Pacing.Options,
  sharedBudget: SharedBudget.Store | undefined,
  key: string
): Effect.Effect<Pacer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pacing = new Pacing.Pacing(options, key, sharedBudget !== undefined)
    const link = sharedBudget === undefined ? undefined : yield* connect(sharedBudget, key, pacing)

    /** Sleeps a slice of `wait` at a time, taking its place again where the core says (core/pacing.ts `next`). */
    const sleepThenGo = (wait: number, waited: number, version: number): Effect.Effect<number> => {
      const slice = Math.min(wait, Pacing.sliceMillis)
      return Effect.andThen(
        Effect.sleep(Duration.millis(slice)),
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const next = pacing.next(wait, slice, version, now)
          return next._tag === "Go"
            ? Effect.succeed(waited + slice)
            : sleepThenGo(next.millis, waited + slice, next.version)
        })
      )
    }
    const local = (millis: number): Effect.Effect<number> =>
      millis >= 1 ? sleepThenGo(millis, 0, pacing.version) : Effect.succeed(0)
    /** The fixed limit's permit, taken once the gate and pace let the attempt go (nothing to take without one). */
    const fixedLimit: (waited: number) => Effect.Effect<number> = options.fixed === undefined
      ? Effect.succeed
      : (waited) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const more = pacing.fixedWait(now)
          return more > 0 ? Effect.as(Effect.sleep(Duration.millis(more)), waited + more) : Effect.succeed(waited)
        })

    return {
      shed: (now) => pacing.shed(now),
      reserve: (now) => pacing.reserve(now),
      // With the store's permit, the fixed limit is counted there (across processes); without it, here.
      wait: link === undefined
        ? (millis) => Effect.flatMap(local(millis), fixedLimit)
        : (millis) =>
          Effect.flatMap(Clock.currentTimeMillis, (start) =>
            Effect.flatMap(local(millis), (waited) =>
              Effect.flatMap(link.permit, (sharedOk) =>
                sharedOk
                  ? Effect.map(Clock.currentTimeMillis, (now) =>
                    now - start)
                  : fixedLimit(waited)))),
      observe: (now, status, retryAfterMillis) =>
        pacing.observe(now, status, retryAfterMillis)
    }
  })

/** The store's name for a key (core/sharedBudget.ts `storeId`), so that the store never holds the key. */
const storeId = (key: string): Effect.Effect<string> =>
  Effect.map(Effect.promise(() => globalThis.crypto.subtle.digest("SHA-256", keyBytes(key))), storeIdOf)

interface Connected {
  /**
   * Takes a place in the shared window budget (the fixed limit's window, else the key's: core/sharedBudget.ts
   * `StoreHealth.take`), sleeping while the shared gate is closed or the window is full. `false` when the store is down: the
   * caller paces locally.
   */
  readonly permit: Effect.Effect<boolean>
}

/** Connects the key's state to the store, for the layer's life. */
const connect = (
  store: SharedBudget.Store,
  key: string,
  pacing: Pacing.Pacing
): Effect.Effect<Connected, never, Scope.Scope> =>
  Effect.gen(function*() {
    const id = yield* storeId(key)
    const state = pacing.state
    const health = new StoreHealth(state.rate, state.storm, pacing.fixedWindow)
    let link: SharedBudget.Link | undefined
    const fail = (now: number, error: SharedBudget.StoreError | string): Effect.Effect<boolean> => {
      if (!health.failed(now)) return Effect.succeed(false)
      return Effect.as(
        Effect.andThen(
          Metric.update(ClerkMetrics.sharedFallbacks, 1),
          Effect.logWarning(unavailable(store.name, typeof error === "string" ? error : error.message))
        ),
        false
      )
    }
    const timed = <A>(effect: Effect.Effect<A, SharedBudget.StoreError>) =>
      Effect.timeoutOrElse(effect, {
        duration: Duration.millis(storeTimeoutMillis),
        orElse: () => Effect.fail(`no answer within ${storeTimeoutMillis} ms`)
      })
    const scope = yield* Effect.scope
    const oneTry = yield* Semaphore.make(1)
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
      Effect.flatMap(Scope.fork(scope, "sequential"), (attempt) =>
        Effect.onExit(
          Effect.matchEffect(timed(Scope.provide(attempt)(store.connect(id))), {
            onFailure: (error) => Effect.as(fail(now, error), undefined),
            onSuccess: (connected) => Effect.sync(() => (link = connected))
          }),
          (exit) => Exit.isSuccess(exit) && exit.value !== undefined ? Effect.void : Scope.close(attempt, exit)
        ))
    yield* linked(yield* Clock.currentTimeMillis)

    const signals = yield* Queue.unbounded<Signal>()
    state.rate.onGate = (until) => void Queue.offerUnsafe(signals, { _tag: "Gate", until })
    state.storm.onChange = ({ openUntil }) => void Queue.offerUnsafe(signals, { _tag: "Circuit", openUntil })
    state.rate.onPace = (pace) => void Queue.offerUnsafe(signals, { _tag: "Pace", pace })
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
              const counted = gateClosed ? Metric.update(ClerkMetrics.sharedGate, 1) : Effect.void
              if (again === undefined) {
                return Effect.as(counted, true)
              }
              return Effect.andThen(
                counted,
                again === 0 ? permit : Effect.andThen(Effect.sleep(Duration.millis(again)), permit)
              )
            })
          }
        })
      }))
    return { permit }
  })
