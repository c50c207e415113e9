/**
 * The domain: Clerk's `Client` and the objects it reaches, as Schemas.
 *
 * TypeScript sees camelCase fields; the wire (and `Schema.encode`) uses Clerk's snake_case. Required, optional and
 * nullable follow Clerk's spec (bapi 2026-05-12) field by field. Unknown fields are dropped on decode rather than
 * rejected: Clerk adds fields over time and an SDK upgrade should never be required to keep reading clients.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { knownSessionStatuses } from "./core/wire.js"

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
export const KnownSessionStatus = Schema.Literal(...knownSessionStatuses)

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
export const UnknownSessionStatus = Schema.String.pipe(Schema.brand("effect-clerk/UnknownSessionStatus"))

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
export const SessionStatus = Schema.Union(KnownSessionStatus, UnknownSessionStatus)

/**
 * @since 0.1.0
 * @category Models
 */
export type SessionStatus = typeof SessionStatus.Type

// The wire key stays a literal type, so the declarations we publish name it (a `string` key would print as an index
// signature that strict type-checking of the .d.ts rejects).
const optionalExact = <S extends Schema.Schema.Any, const K extends string>(schema: S, key: K) =>
  Schema.optionalWith(schema, { exact: true }).pipe(Schema.fromKey(key))

const renamed = <S extends Schema.Schema.Any, const K extends string>(schema: S, key: K) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))

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
export const SessionActivity = Schema.Struct({
  object: Schema.String,
  id: Schema.String,
  isMobile: renamed(Schema.Boolean, "is_mobile"),
  deviceType: optionalExact(Schema.String, "device_type"),
  browserName: optionalExact(Schema.String, "browser_name"),
  browserVersion: optionalExact(Schema.String, "browser_version"),
  ipAddress: optionalExact(Schema.String, "ip_address"),
  city: Schema.optionalWith(Schema.String, { exact: true }),
  country: Schema.optionalWith(Schema.String, { exact: true })
}).annotations({ identifier: "SessionActivity" })

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
export const SessionTask = Schema.Struct({
  key: Schema.String
}).annotations({ identifier: "SessionTask" })

/**
 * @since 0.1.0
 * @category Models
 */
export interface SessionTask extends Schema.Schema.Type<typeof SessionTask> {}

/**
 * Unix timestamps. The spec does not say seconds or milliseconds, so no unit is assumed; the check is that the value
 * is an integer JavaScript can hold exactly (a value past 2^53 would silently lose precision).
 */
const Timestamp = Schema.Int

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
export const Session = Schema.Struct({
  object: Schema.Literal("session"),
  id: Schema.String,
  userId: renamed(Schema.String, "user_id"),
  clientId: renamed(Schema.String, "client_id"),
  /** The impersonator's JWT claims when this is an actor (impersonation) session. */
  actor: Schema.optionalWith(Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })), {
    exact: true
  }),
  status: SessionStatus,
  lastActiveOrganizationId: optionalExact(Schema.NullOr(Schema.String), "last_active_organization_id"),
  lastActiveAt: renamed(Timestamp, "last_active_at"),
  latestActivity: optionalExact(Schema.NullOr(SessionActivity), "latest_activity"),
  expireAt: renamed(Timestamp, "expire_at"),
  abandonAt: renamed(Timestamp, "abandon_at"),
  updatedAt: renamed(Timestamp, "updated_at"),
  createdAt: renamed(Timestamp, "created_at"),
  tasks: Schema.optionalWith(Schema.NullOr(Schema.Array(SessionTask)), { exact: true })
}).annotations({ identifier: "Session" })

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
export const Client = Schema.Struct({
  object: Schema.Literal("client"),
  id: Schema.String,
  sessionIds: renamed(Schema.Array(Schema.String), "session_ids"),
  sessions: Schema.Array(Session),
  signInId: renamed(Schema.NullOr(Schema.String), "sign_in_id"),
  signUpId: renamed(Schema.NullOr(Schema.String), "sign_up_id"),
  lastActiveSessionId: renamed(Schema.NullOr(Schema.String), "last_active_session_id"),
  lastAuthenticationStrategy: renamed(Schema.NullOr(Schema.String), "last_authentication_strategy"),
  updatedAt: renamed(Timestamp, "updated_at"),
  createdAt: renamed(Timestamp, "created_at")
}).annotations({ identifier: "Client" })

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

const PaginatedClients = Schema.Struct({
  data: Schema.Array(Client),
  totalCount: renamed(Schema.NonNegativeInt, "total_count")
})

const BareClients = Schema.transform(
  Schema.Array(Client),
  Schema.Struct({ data: Schema.Array(Schema.typeSchema(Client)) }),
  {
    strict: true,
    decode: (data) => ({ data }),
    encode: ({ data }) => data
  }
).annotations({ identifier: "ClientArray" })

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
export const ClientList = Schema.Union(PaginatedClients, BareClients).annotations({
  identifier: "ClientList"
})
