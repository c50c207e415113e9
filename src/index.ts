/**
 * effect-clerk: Clerk's Backend API Clients operations as an Effect service.
 *
 * @since 0.1.0
 */

/**
 * The domain schemas: `Client`, `Session`, `SessionActivity`, `SessionTask`, `ClientList`.
 *
 * @since 0.1.0
 */
export * as Client from "./Client.js"

/**
 * `ClerkErrors` and `SDKError`: every way a call fails.
 *
 * @since 0.1.0
 */
export * as ClerkError from "./ClerkError.js"

/**
 * The `Clients` service, its layers and per-call options.
 *
 * @since 0.1.0
 */
export * as Clients from "./Clients.js"

/**
 * The metrics every call records: requests by operation and status, retries, 429s, time waited, latency.
 *
 * @since 0.2.0
 */
export * as ClerkMetrics from "./ClerkMetrics.js"

/**
 * Retry policies as `Schedule`s.
 *
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.js"

/**
 * The contract between the `Clients` pipeline and a transport: one attempt, its limits as arguments.
 *
 * @since 0.3.0
 */
export * as Exchange from "./Exchange.js"

/**
 * A key's budget shared across processes: the store contract (Redis's is `effect-clerk/RedisBudget`).
 *
 * @since 0.3.0
 */
export * as SharedBudget from "./SharedBudget.js"

/**
 * A local Clerk-compatible Clients server, for development and tests.
 *
 * @since 0.1.0
 */
export * as Emulator from "./Emulator.js"

/**
 * An in-memory `Clients` layer for unit tests.
 *
 * @since 0.1.0
 */
export * as ClientsTest from "./ClientsTest.js"

/**
 * The Promise API, for callers outside Effect (module `effect-clerk/Promise`).
 *
 * @since 0.1.0
 */
export * as ClerkClients from "./Promise.js"
