/**
 * A {@link SharedBudget.Store} on Redis, through `ioredis` (Effect 4 face; an optional peer dependency: install it to
 * use this module). The keys, scripts and connection settings are the root face's (core/redisBudget.ts), so layers on
 * both faces that use the same Redis and the same secret key share one gate, one window budget and one circuit.
 *
 * Each layer holds one connection for its life (made again on the same client after an outage). A command that
 * fails or takes more than 1 s sends the layer to its process-local budget for a few seconds, with one warning log
 * line; no call fails because of Redis.
 *
 * Why not Effect 4's `RateLimiter` (`effect/persistence/RateLimiter` in effect 4.1.0, marked unstable) with its
 * `layerStoreRedis`: its `fixed-window` script is the one the root face's note describes (a key's time to live starts
 * at its first request and grows by `window / limit` per request, so its windows are not Clerk's), its adaptive state
 * cools down only after a 429 with `Retry-After` and holds no circuit, and the `Redis` service it runs on is, on
 * Node, `@effect/platform-node`'s `NodeRedis`, built on `redis` (node-redis) rather than the `ioredis` this store and
 * the root face's share.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as Core from "../core/redisBudget.js"
import * as SharedBudget from "./SharedBudget.js"

/**
 * Where Redis is, and how keys are named.
 *
 * @example
 * ```ts
 * import type * as RedisBudget from "effect-clerk/v4/RedisBudget"
 * const options: RedisBudget.Options = { url: "redis://127.0.0.1:6379", prefix: "effect-clerk:" }
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface Options extends Core.Options {}

/** A link operation as an Effect that fails with a `StoreError` (its message says what failed, never with what). */
const attempt = <A>(operation: () => Promise<A>): Effect.Effect<A, SharedBudget.StoreError> =>
  Effect.tryPromise({
    try: operation,
    catch: (cause) =>
      new SharedBudget.StoreError({ message: cause instanceof Error ? cause.message : String(cause), cause })
  })

/**
 * A store on Redis: one client, and one connection, per layer. Connecting starts when the layer is built, without
 * holding the build up; a Redis that is down then, or goes down later, is connected to again on the same client
 * when the layer next uses the store (after its fallback), never by a second client.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients } from "effect-clerk/v4"
 * import * as RedisBudget from "effect-clerk/v4/RedisBudget"
 * const layer = Clients.layer({
 *   secretKey: Redacted.make("sk_live_…"),
 *   sharedBudget: RedisBudget.store({ url: "redis://redis.internal:6379" })
 * })
 * ```
 * @since 0.3.0
 * @category Constructors
 */
export const store = (options: Options = {}): SharedBudget.Store => ({
  name: "redis",
  connect: (id) =>
    Effect.gen(function*() {
      const link = yield* Effect.acquireRelease(
        Effect.sync(() => Core.link(options, id)),
        (link) => Effect.sync(link.disconnect)
      )
      // Not waited for, and never a failure here: the first take waits for this attempt (or makes the next one) and
      // reports it. A failed `connect` would make the pacer call `connect` again, and so build a second client.
      yield* Effect.forkScoped(Effect.ignore(attempt(link.connect)))
      return {
        take: (take) => attempt(() => link.take(take)),
        closeGate: (until, now) => attempt(() => link.closeGate(until, now)),
        setCircuit: (openUntil, now) => attempt(() => link.setCircuit(openUntil, now)),
        sharePace: (pace, passed, now) => attempt(() => link.sharePace(pace, passed, now))
      }
    })
})
