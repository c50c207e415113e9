/**
 * effect-clerk for Effect 4: the same library as the root entry, on Effect 4's `effect` (its `effect/http`
 * `HttpClient`, `Context.Service`, `Result`, `Schedule`). Import from `effect-clerk/v4` or `effect-clerk/v4/<Module>`.
 *
 * @since 0.3.0
 */

/**
 * Clerk's `Client` and the objects it reaches, as Schemas.
 *
 * @since 0.3.0
 */
export * as Client from "./Client.js"

/**
 * The typed errors: `ClerkErrors` and `SDKError`.
 *
 * @since 0.3.0
 */
export * as ClerkError from "./ClerkError.js"

/**
 * The `Clients` service, its layers and options.
 *
 * @since 0.3.0
 */
export * as Clients from "./Clients.js"

/**
 * The metrics effect-clerk records.
 *
 * @since 0.3.0
 */
export * as ClerkMetrics from "./ClerkMetrics.js"

/**
 * Retry policies as `Schedule`s.
 *
 * @since 0.3.0
 */
export * as RetryPolicy from "./RetryPolicy.js"

/**
 * The contract between the pipeline and a transport.
 *
 * @since 0.3.0
 */
export * as Exchange from "./Exchange.js"

/**
 * A key's budget shared across processes: the store contract, and an in-memory store.
 *
 * @since 0.3.0
 */
export * as SharedBudget from "./SharedBudget.js"

/**
 * A local server that behaves like Clerk's Backend API for the Clients operations.
 *
 * @since 0.3.0
 */
export * as Emulator from "./Emulator.js"

/**
 * An in-memory `Clients` for unit tests, answered by the emulator.
 *
 * @since 0.3.0
 */
export * as ClientsTest from "./ClientsTest.js"

/**
 * The Clients operations as Promises, for code that does not use Effect.
 *
 * @since 0.3.0
 */
export * as ClerkClients from "./Promise.js"
