/**
 * Clerk's wire format, described once: every shape the library decodes (the `Client`, its sessions, a page of the
 * list, Clerk's error body), field by field, with the wire key of each renamed field and which fields are optional.
 *
 * Each face builds its Schemas from these descriptions (`internal/wireSchema.ts` in each), and `core/decode.ts`
 * compiles them into the decoder both faces run on the success path. Required, optional and nullable follow Clerk's
 * spec (bapi 2026-05-12) field by field; unknown wire fields are dropped, never rejected: Clerk adds fields over time
 * and an SDK upgrade should never be required to keep reading clients.
 */

/** A string. */
export interface StringShape {
  readonly _tag: "String"
}
/** A boolean. */
export interface BooleanShape {
  readonly _tag: "Boolean"
}
/** An integer JavaScript holds exactly (a value past 2^53 would silently lose precision). */
export interface IntShape {
  readonly _tag: "Int"
}
/** An `IntShape` that is zero or more. */
export interface CountShape {
  readonly _tag: "Count"
}
/** Any JSON value, kept as it is. */
export interface UnknownShape {
  readonly _tag: "Unknown"
}
/** Exactly `value`. */
export interface LiteralShape<V extends string = string> {
  readonly _tag: "Literal"
  readonly value: V
}
/** The brand of a session status Clerk added after this release. */
export const unknownSessionStatusBrand = "effect-clerk/UnknownSessionStatus"

/** The brands the descriptions use (Effect 4's `Schema.brand` takes a literal name, so each face lists them). */
export type BrandName = typeof unknownSessionStatusBrand

/** One of `known`, or any other string: a value Clerk added later, branded `brand` so it never passes for a known one. */
export interface OpenEnumShape<
  K extends readonly [string, ...Array<string>] = readonly [string, ...Array<string>],
  B extends BrandName = BrandName
> {
  readonly _tag: "OpenEnum"
  readonly known: K
  readonly brand: B
}
/** `of`, or `null`. */
export interface NullOrShape<S extends Shape = Shape> {
  readonly _tag: "NullOr"
  readonly of: S
}
/** An array of `of`. */
export interface ArrayShape<S extends Shape = Shape> {
  readonly _tag: "Array"
  readonly of: S
}
/** An object with any string keys, each value an `of`. */
export interface RecordShape<S extends Shape = Shape> {
  readonly _tag: "Record"
  readonly of: S
}
/** An object with these fields, named `identifier` in errors and documentation. */
export interface StructShape<F extends Fields = Fields> {
  readonly _tag: "Struct"
  readonly identifier: string
  readonly fields: F
}
/**
 * A page of the list: the `{ data, total_count }` envelope (sent for `paginated=true`), or the bare array the spec
 * also documents, which decodes to `{ data }`.
 */
export interface PageShape<S extends StructShape = StructShape> {
  readonly _tag: "Page"
  readonly identifier: string
  readonly item: S
}

export type Shape =
  | StringShape
  | BooleanShape
  | IntShape
  | CountShape
  | UnknownShape
  | LiteralShape
  | OpenEnumShape
  | NullOrShape
  | ArrayShape
  | RecordShape
  | StructShape
  | PageShape

/** A struct field: its shape, its wire key when that differs from the field's name, and whether it may be absent. */
export interface Field<
  S extends Shape = Shape,
  K extends string | undefined = string | undefined,
  O extends boolean = boolean
> {
  readonly shape: S
  readonly key: K
  readonly optional: O
}

export type Fields = { readonly [name: string]: Field }

export const string: StringShape = { _tag: "String" }
export const boolean: BooleanShape = { _tag: "Boolean" }
export const int: IntShape = { _tag: "Int" }
export const count: CountShape = { _tag: "Count" }
export const unknown: UnknownShape = { _tag: "Unknown" }
export const literal = <const V extends string>(value: V): LiteralShape<V> => ({ _tag: "Literal", value })
export const openEnum = <const K extends readonly [string, ...Array<string>], const B extends BrandName>(
  known: K,
  brand: B
): OpenEnumShape<K, B> => ({ _tag: "OpenEnum", known, brand })
export const nullOr = <S extends Shape>(of: S): NullOrShape<S> => ({ _tag: "NullOr", of })
export const array = <S extends Shape>(of: S): ArrayShape<S> => ({ _tag: "Array", of })
export const record = <S extends Shape>(of: S): RecordShape<S> => ({ _tag: "Record", of })
export const struct = <const F extends Fields>(identifier: string, fields: F): StructShape<F> => ({
  _tag: "Struct",
  identifier,
  fields
})
export const page = <S extends StructShape>(identifier: string, item: S): PageShape<S> => ({
  _tag: "Page",
  identifier,
  item
})

/** A field that is always present, under its own name or under the wire key `key`. */
export function required<S extends Shape>(shape: S): Field<S, undefined, false>
export function required<S extends Shape, const K extends string>(shape: S, key: K): Field<S, K, false>
export function required(shape: Shape, key?: string): Field {
  return { shape, key, optional: false }
}

/** A field that may be absent (never `undefined`: absent), under its own name or under the wire key `key`. */
export function optional<S extends Shape>(shape: S): Field<S, undefined, true>
export function optional<S extends Shape, const K extends string>(shape: S, key: K): Field<S, K, true>
export function optional(shape: Shape, key?: string): Field {
  return { shape, key, optional: true }
}

/** `build`, computed once per description: the same shape gets the same result (a face's Schema, say). */
export const perShape = <A>(build: (shape: Shape) => A): (shape: Shape) => A => {
  const built = new WeakMap<Shape, A>()
  return (shape) => {
    const known = built.get(shape)
    if (known !== undefined) return known
    const value = build(shape)
    built.set(shape, value)
    return value
  }
}

/** What an unknown value of each brand is, by brand name. */
export type BrandTypes = { readonly [B in BrandName]: unknown }

/** Every brand as a plain string. */
export type PlainBrands = { readonly [B in BrandName]: string }

/**
 * The decoded type of shape `S`: camelCase fields, optional ones absent rather than `undefined`. `Brands` says what an
 * unknown value of each open enum is (each face's branded string; plain `string` by default).
 */
export type TypeOf<S, Brands extends BrandTypes = PlainBrands> = S extends StringShape ? string
  : S extends BooleanShape ? boolean
  : S extends IntShape | CountShape ? number
  : S extends UnknownShape ? unknown
  : S extends LiteralShape<infer V> ? V
  : S extends OpenEnumShape<infer K, infer B> ? K[number] | Brands[B]
  : S extends NullOrShape<infer T> ? TypeOf<T, Brands> | null
  : S extends ArrayShape<infer T> ? ReadonlyArray<TypeOf<T, Brands>>
  : S extends RecordShape<infer T> ? { readonly [key: string]: TypeOf<T, Brands> }
  : S extends StructShape<infer F> ? Simplify<
      & {
        readonly [N in keyof F as F[N] extends Field<Shape, string | undefined, false> ? N : never]: TypeOf<
          F[N]["shape"],
          Brands
        >
      }
      & {
        readonly [N in keyof F as F[N] extends Field<Shape, string | undefined, true> ? N : never]?: TypeOf<
          F[N]["shape"],
          Brands
        >
      }
    >
  : S extends PageShape<infer I> ?
      | { readonly data: ReadonlyArray<TypeOf<I, Brands>>; readonly totalCount: number }
      | { readonly data: ReadonlyArray<TypeOf<I, Brands>> }
  : never

/** The wire type of shape `S`: snake_case keys where the wire renames them. */
export type EncodedOf<S> = S extends NullOrShape<infer T> ? EncodedOf<T> | null
  : S extends ArrayShape<infer T> ? ReadonlyArray<EncodedOf<T>>
  : S extends RecordShape<infer T> ? { readonly [key: string]: EncodedOf<T> }
  : S extends OpenEnumShape ? string
  : S extends StructShape<infer F> ? Simplify<
      & {
        readonly [N in keyof F as F[N] extends Field<Shape, infer K, false> ? WireName<N, K> : never]: EncodedOf<
          F[N]["shape"]
        >
      }
      & {
        readonly [N in keyof F as F[N] extends Field<Shape, infer K, true> ? WireName<N, K> : never]?: EncodedOf<
          F[N]["shape"]
        >
      }
    >
  : S extends PageShape<infer I> ?
      | { readonly data: ReadonlyArray<EncodedOf<I>>; readonly total_count: number }
      | ReadonlyArray<EncodedOf<I>>
  : TypeOf<S, PlainBrands>

type WireName<N, K> = K extends string ? K : N

type Simplify<A> = { [K in keyof A]: A[K] } extends infer B ? B : never

/** The wire key of field `name`. */
export const wireKey = (name: string, field: Field): string => field.key ?? name

/** The session statuses Clerk documents today (bapi 2026-05-12); any other string is an unknown, newer one. */
export const knownSessionStatuses = [
  "active",
  "revoked",
  "ended",
  "expired",
  "removed",
  "abandoned",
  "replaced",
  "pending"
] as const

/** `Session.status`: Clerk grew this enum before (`pending` arrived in 2025); a new value must not fail a whole page. */
export const sessionStatus = openEnum(knownSessionStatuses, unknownSessionStatusBrand)

/** The device and location of a session's latest activity (`SessionActivityResponse` in the spec). */
export const sessionActivity = struct("SessionActivity", {
  object: required(string),
  id: required(string),
  isMobile: required(boolean, "is_mobile"),
  deviceType: optional(string, "device_type"),
  browserName: optional(string, "browser_name"),
  browserVersion: optional(string, "browser_version"),
  ipAddress: optional(string, "ip_address"),
  city: optional(string),
  country: optional(string)
})

/** A task the user must complete before the session becomes active (e.g. choosing an organization). */
export const sessionTask = struct("SessionTask", { key: required(string) })

/**
 * Unix timestamps. The spec does not say seconds or milliseconds, so no unit is assumed; the check is that the value
 * is an integer JavaScript can hold exactly.
 */
const timestamp = int

/** A session on a client. `actor` holds the impersonator's JWT claims when this is an actor (impersonation) session. */
export const session = struct("Session", {
  object: required(literal("session")),
  id: required(string),
  userId: required(string, "user_id"),
  clientId: required(string, "client_id"),
  actor: optional(nullOr(record(unknown))),
  status: required(sessionStatus),
  lastActiveOrganizationId: optional(nullOr(string), "last_active_organization_id"),
  lastActiveAt: required(timestamp, "last_active_at"),
  latestActivity: optional(nullOr(sessionActivity), "latest_activity"),
  expireAt: required(timestamp, "expire_at"),
  abandonAt: required(timestamp, "abandon_at"),
  updatedAt: required(timestamp, "updated_at"),
  createdAt: required(timestamp, "created_at"),
  tasks: optional(nullOr(array(sessionTask)))
})

/** A Clerk client: one device's view of a user's sessions and in-flight sign-in / sign-up attempts. */
export const client = struct("Client", {
  object: required(literal("client")),
  id: required(string),
  sessionIds: required(array(string), "session_ids"),
  sessions: required(array(session)),
  signInId: required(nullOr(string), "sign_in_id"),
  signUpId: required(nullOr(string), "sign_up_id"),
  lastActiveSessionId: required(nullOr(string), "last_active_session_id"),
  lastAuthenticationStrategy: required(nullOr(string), "last_authentication_strategy"),
  updatedAt: required(timestamp, "updated_at"),
  createdAt: required(timestamp, "created_at")
})

/** The body of `GET /v1/clients`. */
export const clientList = page("ClientList", client)

/**
 * One entry of Clerk's `errors` array. `long_message` is required by the spec, but real responses and Clerk's JS SDK
 * treat it as optional; a missing one must not hide the error.
 */
export const clerkErrorDetail = struct("ClerkErrorDetail", {
  code: required(string),
  message: required(string),
  longMessage: optional(string, "long_message"),
  meta: optional(record(unknown))
})

/** Clerk's error body (`ClerkErrors` in the spec). */
export const clerkErrorsBody = struct("ClerkErrorsBody", {
  errors: required(array(clerkErrorDetail)),
  meta: optional(record(unknown)),
  clerkTraceId: optional(string, "clerk_trace_id")
})
