/**
 * A {@link SharedBudget.Store} on Redis, through `ioredis` (an optional peer dependency: install it to use this
 * module; nothing else in effect-clerk imports it). Every process whose layers use a store on the same Redis shares
 * one gate, one window budget and one circuit per secret key.
 *
 * ```ts
 * import { Redacted } from "effect"
 * import { Clients } from "effect-clerk"
 * import * as RedisBudget from "effect-clerk/RedisBudget"
 *
 * const live = Clients.layer({
 *   secretKey: Redacted.make(process.env.CLERK_SECRET_KEY ?? ""),
 *   sharedBudget: RedisBudget.store({ url: "redis://127.0.0.1:6379" })
 * })
 * ```
 *
 * Each layer holds one connection for its life (made again on the same client after an outage). Keys are
 * `<prefix><digest>:…` (a SHA-256 digest of the secret key, never the key), each with a time to live, so nothing
 * needs cleaning up. A command that fails or takes more than 1 s sends the layer to its process-local budget for a
 * few seconds, with one warning log line; no call fails because of Redis.
 *
 * Why not `@effect/experimental`'s `RateLimiter` with its Redis store: its `fixed-window` counter starts at a key's
 * first request and its time to live grows by `window / limit` per request, so a window ends when the requests stop
 * rather than where Clerk's ends; requests spread over a window let a counter expire early and restart mid-window,
 * admitting up to twice the limit in one of Clerk's windows. Its store holds only counters, not the gate and the
 * circuit that must travel with them. The same client (`ioredis`) is used, with one script per take that counts the
 * request in Clerk's window (epoch-aligned, as the emulator and Clerk count) and reads the gate and circuit in the
 * same round trip.
 *
 * @since 0.3.0
 */
import * as Effect from "effect/Effect"
import * as Core from "./core/redisBudget.js"
import * as SharedBudget from "./SharedBudget.js"

/**
 * Where Redis is, and how keys are named.
 *
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
 * import { Clients } from "effect-clerk"
 * import * as RedisBudget from "effect-clerk/RedisBudget"
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
