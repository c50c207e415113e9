/**
 * The domain: Clerk's `Client` and the objects it reaches, as Schemas.
 *
 * TypeScript sees camelCase fields; the wire (and `Schema.encode`) uses Clerk's snake_case. Required, optional and
 * nullable follow Clerk's spec (bapi 2026-05-12) field by field. Unknown fields are dropped on decode rather than
 * rejected: Clerk adds fields over time and an SDK upgrade should never be required to keep reading clients. The
 * fields are described once, in the core, for both faces; these are the Effect 3 Schemas built from them.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import * as Wire from "./core/wire.js"
import { schemaOf } from "./internal/wireSchema.js"

/**
 * The session statuses Clerk documents today. Kept separate so `switch` statements get exhaustiveness help.
 *
 * @example
 * ```ts
 * import { Client } from "effect-clerk"
 * Client.KnownSessionStatus.literals.includes("active") // true
 * ```
 * @since 0.1.0
 * @category Schemas
 */
export const KnownSessionStatus = schemaOf(Wire.sessionStatus).members[0]

/**
 * A status Clerk added after this release. Branded so it never silently matches a known literal in user code.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk"
 * Schema.decodeUnknownSync(Client.SessionStatus)("hibernating") // typed as UnknownSessionStatus
 * ```
 * @since 0.1.0
 * @category Schemas
 */
export const UnknownSessionStatus = schemaOf(Wire.sessionStatus).members[1]

/**
 * `Session.status`: one of the eight known values, or any other string (Clerk grew this enum before — `pending`
 * arrived in 2025 — and a new value must not turn a whole list response into a decode error).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk"
 * Schema.decodeUnknownSync(Client.SessionStatus)("active") // "active"
 * ```
 * @since 0.1.0
 * @category Schemas
 */
export const SessionStatus = schemaOf(Wire.sessionStatus)

/**
 * @since 0.1.0
 * @category Models
 */
export type SessionStatus = typeof SessionStatus.Type

/**
 * The device and location of a session's latest activity (`SessionActivityResponse` in the spec).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk"
 * const activity = Schema.decodeUnknownSync(Client.SessionActivity)({ object: "session_activity", id: "sess_act_1", is_mobile: false })
 * activity.isMobile // false
 * ```
 * @since 0.1.0
 * @category Schemas
 */
export const SessionActivity = schemaOf(Wire.sessionActivity)

/**
 * @since 0.1.0
 * @category Models
 */
export interface SessionActivity extends Schema.Schema.Type<typeof SessionActivity> {}

/**
 * A task the user must complete before the session becomes active (e.g. choosing an organization).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk"
 * Schema.decodeUnknownSync(Client.SessionTask)({ key: "choose-organization" }).key
 * ```
 * @since 0.1.0
 * @category Schemas
 */
export const SessionTask = schemaOf(Wire.sessionTask)

/**
 * @since 0.1.0
 * @category Models
 */
export interface SessionTask extends Schema.Schema.Type<typeof SessionTask> {}

/**
 * A session on a client.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk"
 * const decode = Schema.decodeUnknownSync(Client.Session)
 * ```
 * @since 0.1.0
 * @category Schemas
 */
export const Session = schemaOf(Wire.session)

/**
 * @since 0.1.0
 * @category Models
 */
export interface Session extends Schema.Schema.Type<typeof Session> {}

/**
 * A Clerk client: one device's view of a user's sessions and in-flight sign-in / sign-up attempts.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk"
 * const fromClerk = (json: unknown): Client.Client => Schema.decodeUnknownSync(Client.Client)(json)
 * const lastSession = (client: Client.Client): string | null => client.lastActiveSessionId
 * ```
 * @since 0.1.0
 * @category Schemas
 */
export const Client = schemaOf(Wire.client)

/**
 * @since 0.1.0
 * @category Models
 */
export interface Client extends Schema.Schema.Type<typeof Client> {}

/**
 * One page of `GET /v1/clients`. `totalCount` is present when Clerk sent the paginated envelope (effect-clerk always
 * asks for it); it is absent only if a server answers with the bare array the spec documents.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Clients } from "effect-clerk"
 * Effect.flatMap(Clients.Clients, (clients) => clients.list({ limit: 20 })).pipe(
 *   Effect.map((page) => `${page.data.length} of ${page.totalCount ?? "?"}`)
 * )
 * ```
 * @since 0.1.0
 * @category Models
 */
export interface ClientList {
  readonly data: ReadonlyArray<Client>
  readonly totalCount?: number
}

/**
 * The body of `GET /v1/clients`: the `{ data, total_count }` envelope (sent for `paginated=true`) or a bare array.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk"
 * Schema.decodeUnknownSync(Client.ClientList)({ data: [], total_count: 0 }) // { data: [], totalCount: 0 }
 * ```
 * @since 0.1.0
 * @category Schemas
 */
export const ClientList = schemaOf(Wire.clientList)
