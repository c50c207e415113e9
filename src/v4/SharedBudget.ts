/**
 * A key's budget shared across processes (Effect 4 face): what a store must offer so that every `Clients` layer using
 * the same secret key — in this process or any other, on either face — holds at one gate, counts requests in one
 * window budget, and sheds calls together when Clerk is down. Pass a store as `Clients.Options.sharedBudget`;
 * `effect-clerk/v4/RedisBudget` provides one on Redis. This module holds only the contract (and an in-memory store,
 * for tests): it needs no Redis client.
 *
 * A store never sees the secret key: it is given a SHA-256 digest of it. When the store fails or is slow, calls go
 * on under the process-local budget, and one warning is logged.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients, SharedBudget } from "effect-clerk/v4"
 * const store = SharedBudget.memory()
 * const a = Clients.layer({ secretKey: Redacted.make("sk_test_…"), sharedBudget: store })
 * const b = Clients.layer({ secretKey: Redacted.make("sk_test_…"), sharedBudget: store })
 * ```
 *
 * @since 0.3.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Pace as CorePace, Sample as CoreSample } from "../core/rate.js"
import * as Core from "../core/sharedBudget.js"

/**
 * One request taken from a window budget at `at` (epoch millis): window `index` (epoch millis over `millis`) admits
 * `limit` requests; `alsoNext` counts it in the following window too (sent so close to the end of one of Clerk's
 * windows that it may arrive in the next one).
 *
 * @example
 * ```ts
 * import type { SharedBudget } from "effect-clerk/v4"
 * const take: SharedBudget.Take = { at: 10_000, index: 1, millis: 10_000, limit: 100, alsoNext: false }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Take extends Core.Take {}

/**
 * What the store knows after a take: whether the request fit, the shared gate (epoch millis, 0 when open) and the
 * shared circuit (the next probe, epoch millis; 0 when closed). A store that shares the adaptive rate also gives the
 * key's `pace`, once a throttle has set one, and the `sample` it counted for the key (the first rate is read from
 * it); a store without them leaves each process to learn the rate from its own share.
 *
 * @example
 * ```ts
 * import type { SharedBudget } from "effect-clerk/v4"
 * const taken: SharedBudget.Taken = { fits: true, gateUntil: 0, openUntil: 0 }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Taken extends Core.Taken {}

/**
 * The key's adaptive rate, as a store holds it for every process: `rate` requests per second from `growsFrom`
 * (epoch millis), growing after that; `loweredAt` is when the throttle that set it was seen.
 *
 * @example
 * ```ts
 * import type { SharedBudget } from "effect-clerk/v4"
 * const pace: SharedBudget.Pace = { rate: 42.5, loweredAt: 1_000, growsFrom: 2_000 }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Pace extends CorePace {}

/**
 * The successes every process reported to a store for a key: `passed` since `since` (epoch millis).
 *
 * @example
 * ```ts
 * import type { SharedBudget } from "effect-clerk/v4"
 * const sample: SharedBudget.Sample = { passed: 120, since: 0 }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Sample extends CoreSample {}

/**
 * A store failed or did not answer in time. The pacer falls back to the process-local budget.
 *
 * @example
 * ```ts
 * import { SharedBudget } from "effect-clerk/v4"
 * const error = new SharedBudget.StoreError({ message: "connection refused" })
 * ```
 * @since 0.3.0
 * @category Errors
 */
export class StoreError
  extends Data.TaggedError("StoreError")<{ readonly message: string; readonly cause?: unknown }>
{}

/**
 * One key's shared state, as a store holds it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { SharedBudget } from "effect-clerk/v4"
 * const open: SharedBudget.Link = {
 *   take: () => Effect.succeed({ fits: true, gateUntil: 0, openUntil: 0 }),
 *   closeGate: () => Effect.void,
 *   setCircuit: () => Effect.void
 * }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Link {
  /** Takes one request from a window budget, and reads the shared gate and circuit. */
  readonly take: (take: Take) => Effect.Effect<Taken, StoreError>
  /** Closes the shared gate until `until` (epoch millis; a later close wins). */
  readonly closeGate: (until: number, now: number) => Effect.Effect<void, StoreError>
  /** Opens the shared circuit until the next probe (`openUntil`, epoch millis), or closes it (0). */
  readonly setCircuit: (openUntil: number, now: number) => Effect.Effect<void, StoreError>
  /**
   * Adds `passed` successes to the key's sample (begun at `now` if it has not), and offers a decrease of its
   * adaptive rate, if any: a later throttle's replaces the stored pace; one within a second of it is the same
   * throttle seen by another process, and the lower rate stays (a rate for a first throttle replaces its 0); an
   * older one is ignored. A store without it (and without `pace` and `sample` in its `Taken`) leaves each process to
   * learn the rate from its own share.
   */
  readonly sharePace?:
    | ((pace: Pace | undefined, passed: number, now: number) => Effect.Effect<void, StoreError>)
    | undefined
}

/**
 * A place to share budgets: connected once per layer, for the layer's life. A `connect` that fails (or takes over
 * 1 s) is tried again after the layer's fallback, one try at a time, and what a failed try acquired in its scope is
 * released at once; a store whose backend may be down when a layer starts does better to return a link that
 * connects when used, as the Redis store does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SharedBudget } from "effect-clerk/v4"
 * const broken: SharedBudget.Store = {
 *   name: "broken",
 *   connect: () => Effect.fail(new SharedBudget.StoreError({ message: "connection refused" }))
 * }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Store {
  /** A short name for logs, e.g. `redis`. */
  readonly name: string
  /** Connects the state of one key, named by `id` (a digest of the secret key, never the key). */
  readonly connect: (id: string) => Effect.Effect<Link, StoreError, Scope.Scope>
}

/**
 * A store in this process's memory: every layer given the same store shares one budget per key. Useful in tests;
 * across processes use `effect-clerk/v4/RedisBudget`.
 *
 * @example
 * ```ts
 * import { SharedBudget } from "effect-clerk/v4"
 * const store = SharedBudget.memory()
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const memory = (): Store => {
  const budget = new Core.MemoryBudget()
  return {
    name: "memory",
    connect: (id) =>
      Effect.succeed({
        take: (take) => Effect.sync(() => budget.take(id, take)),
        closeGate: (until) => Effect.sync(() => budget.closeGate(id, until)),
        setCircuit: (openUntil) => Effect.sync(() => budget.setCircuit(id, openUntil)),
        sharePace: (pace, passed, now) => Effect.sync(() => budget.sharePace(id, pace, passed, now))
      })
  }
}
