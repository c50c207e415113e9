/**
 * The domain (Effect 4 face): Clerk's `Client` and the objects it reaches, as Effect 4 Schemas with the same fields,
 * types and wire keys as the root's.
 *
 * TypeScript sees camelCase fields; the wire (and `Schema.encode`) uses Clerk's snake_case. Required, optional and
 * nullable follow Clerk's spec (bapi 2026-05-12) field by field. Unknown fields are dropped on decode rather than
 * rejected: Clerk adds fields over time and an SDK upgrade should never be required to keep reading clients.
 *
 * @since 0.3.0
 */
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { knownSessionStatuses } from "../core/wire.js"

/**
 * The session statuses Clerk documents today. Kept separate so `switch` statements get exhaustiveness help.
 *
 * @example
 * ```ts
 * import { Client } from "effect-clerk/v4"
 * Client.KnownSessionStatus.literals.includes("active") // true
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const KnownSessionStatus = Schema.Literals(knownSessionStatuses)

/**
 * A status Clerk added after this release. Branded so it never silently matches a known literal in user code.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk/v4"
 * Schema.decodeUnknownSync(Client.SessionStatus)("hibernating") // typed as UnknownSessionStatus
 * ```
 * @since 0.3.0
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
 * import { Client } from "effect-clerk/v4"
 * Schema.decodeUnknownSync(Client.SessionStatus)("active") // "active"
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const SessionStatus = Schema.Union([KnownSessionStatus, UnknownSessionStatus])

/**
 * @since 0.3.0
 * @category Models
 */
export type SessionStatus = typeof SessionStatus.Type

/**
 * The device and location of a session's latest activity (`SessionActivityResponse` in the spec).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk/v4"
 * const activity = Schema.decodeUnknownSync(Client.SessionActivity)({ object: "session_activity", id: "sess_act_1", is_mobile: false })
 * activity.isMobile // false
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const SessionActivity = Schema.Struct({
  object: Schema.String,
  id: Schema.String,
  isMobile: Schema.Boolean,
  deviceType: Schema.optionalKey(Schema.String),
  browserName: Schema.optionalKey(Schema.String),
  browserVersion: Schema.optionalKey(Schema.String),
  ipAddress: Schema.optionalKey(Schema.String),
  city: Schema.optionalKey(Schema.String),
  country: Schema.optionalKey(Schema.String)
}).pipe(
  Schema.encodeKeys({
    isMobile: "is_mobile",
    deviceType: "device_type",
    browserName: "browser_name",
    browserVersion: "browser_version",
    ipAddress: "ip_address"
  })
).annotate({ identifier: "SessionActivity" })

/**
 * @since 0.3.0
 * @category Models
 */
export interface SessionActivity extends Schema.Schema.Type<typeof SessionActivity> {}

/**
 * A task the user must complete before the session becomes active (e.g. choosing an organization).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk/v4"
 * Schema.decodeUnknownSync(Client.SessionTask)({ key: "choose-organization" }).key
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const SessionTask = Schema.Struct({
  key: Schema.String
}).annotate({ identifier: "SessionTask" })

/**
 * @since 0.3.0
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
 * import { Client } from "effect-clerk/v4"
 * const decode = Schema.decodeUnknownSync(Client.Session)
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const Session = Schema.Struct({
  object: Schema.Literal("session"),
  id: Schema.String,
  userId: Schema.String,
  clientId: Schema.String,
  /** The impersonator's JWT claims when this is an actor (impersonation) session. */
  actor: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  status: SessionStatus,
  lastActiveOrganizationId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  lastActiveAt: Timestamp,
  latestActivity: Schema.optionalKey(Schema.NullOr(SessionActivity)),
  expireAt: Timestamp,
  abandonAt: Timestamp,
  updatedAt: Timestamp,
  createdAt: Timestamp,
  tasks: Schema.optionalKey(Schema.NullOr(Schema.Array(SessionTask)))
}).pipe(
  Schema.encodeKeys({
    userId: "user_id",
    clientId: "client_id",
    lastActiveOrganizationId: "last_active_organization_id",
    lastActiveAt: "last_active_at",
    latestActivity: "latest_activity",
    expireAt: "expire_at",
    abandonAt: "abandon_at",
    updatedAt: "updated_at",
    createdAt: "created_at"
  })
).annotate({ identifier: "Session" })

/**
 * @since 0.3.0
 * @category Models
 */
export interface Session extends Schema.Schema.Type<typeof Session> {}

/**
 * A Clerk client: one device's view of a user's sessions and in-flight sign-in / sign-up attempts.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk/v4"
 * const fromClerk = (json: unknown): Client.Client => Schema.decodeUnknownSync(Client.Client)(json)
 * const lastSession = (client: Client.Client): string | null => client.lastActiveSessionId
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const Client = Schema.Struct({
  object: Schema.Literal("client"),
  id: Schema.String,
  sessionIds: Schema.Array(Schema.String),
  sessions: Schema.Array(Session),
  signInId: Schema.NullOr(Schema.String),
  signUpId: Schema.NullOr(Schema.String),
  lastActiveSessionId: Schema.NullOr(Schema.String),
  lastAuthenticationStrategy: Schema.NullOr(Schema.String),
  updatedAt: Timestamp,
  createdAt: Timestamp
}).pipe(
  Schema.encodeKeys({
    sessionIds: "session_ids",
    signInId: "sign_in_id",
    signUpId: "sign_up_id",
    lastActiveSessionId: "last_active_session_id",
    lastAuthenticationStrategy: "last_authentication_strategy",
    updatedAt: "updated_at",
    createdAt: "created_at"
  })
).annotate({ identifier: "Client" })

/**
 * @since 0.3.0
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
 * import { Clients } from "effect-clerk/v4"
 * Clients.Clients.use((clients) => clients.list({ limit: 20 })).pipe(
 *   Effect.map((page) => `${page.data.length} of ${page.totalCount ?? "?"}`)
 * )
 * ```
 * @since 0.3.0
 * @category Models
 */
export interface ClientList {
  readonly data: ReadonlyArray<Client>
  readonly totalCount?: number
}

const PaginatedClients = Schema.Struct({
  data: Schema.Array(Client),
  totalCount: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
}).pipe(Schema.encodeKeys({ totalCount: "total_count" }))

const BareClients = Schema.Array(Client).pipe(
  Schema.decodeTo(
    Schema.Struct({ data: Schema.Array(Schema.toType(Client)) }),
    SchemaTransformation.transform({
      decode: (data) => ({ data }),
      encode: ({ data }) => data
    })
  )
).annotate({ identifier: "ClientArray" })

/**
 * The body of `GET /v1/clients`: the `{ data, total_count }` envelope (sent for `paginated=true`) or a bare array.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "effect-clerk/v4"
 * Schema.decodeUnknownSync(Client.ClientList)({ data: [], total_count: 0 }) // { data: [], totalCount: 0 }
 * ```
 * @since 0.3.0
 * @category Schemas
 */
export const ClientList = Schema.Union([PaginatedClients, BareClients]).annotate({ identifier: "ClientList" })
