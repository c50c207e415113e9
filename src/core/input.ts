/**
 * Input checks, done before anything is sent. Each returns the encoded value or a description of what is wrong
 * (which never echoes more than the length of a string: it may be a token).
 */
import { type Check, fail, ok } from "./check.js"

/** Clerk's bounds on `GET /v1/clients`'s `limit`, and its default. */
export const listLimit = { min: 1, max: 500, default: 10 } as const

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max

export const show = (value: unknown): string => {
  if (typeof value === "string") return `a string of ${value.length} characters`
  if (typeof value === "number") return String(value)
  return typeof value
}

const integerIn = (name: string, value: unknown, min: number, max: number): Check<number> =>
  isIntegerIn(value, min, max)
    ? ok(value)
    : fail(
      max === Number.MAX_SAFE_INTEGER
        ? `${name} must be an integer of ${min} or more, got ${show(value)}`
        : `${name} must be an integer from ${min} to ${max}, got ${show(value)}`
    )

export type Query = ReadonlyArray<readonly [string, string]>

/** The `GET /v1/clients` query. `paginated=true` is always sent: it is the only way to learn the total count. */
export const listQuery = (
  params: {
    readonly limit?: number | undefined
    readonly offset?: number | undefined
  } | undefined
): Check<Query> => {
  const query: Array<readonly [string, string]> = [["paginated", "true"]]
  if (params?.limit !== undefined) {
    const limit = integerIn("limit", params.limit, listLimit.min, listLimit.max)
    if (!limit.ok) return limit
    query.push(["limit", String(limit.value)])
  }
  if (params?.offset !== undefined) {
    const offset = integerIn("offset", params.offset, 0, Number.MAX_SAFE_INTEGER)
    if (!offset.ok) return offset
    query.push(["offset", String(offset.value)])
  }
  return ok(query)
}

// Lone surrogates cannot be percent-encoded; control characters have no place in an id.
const forbiddenInId = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Clerk ids are short; anything this long is a bug in the caller, and would make an oversized URL. */
const maxIdLength = 1024

/**
 * One percent-encoded path segment. `.` and `..` are refused outright because URL parsers resolve them (even as
 * `%2e`), which would send the request to a different path.
 */
export const pathSegment = (name: string, id: unknown): Check<string> => {
  if (typeof id !== "string") return fail(`${name} must be a string, got ${show(id)}`)
  if (id.trim().length === 0) return fail(`${name} must not be empty`)
  if (id.length > maxIdLength) return fail(`${name} is longer than ${maxIdLength} characters`)
  if (id === "." || id === "..") return fail(`${name} must not be ${JSON.stringify(id)}`)
  if (forbiddenInId.test(id)) return fail(`${name} contains control characters or unpaired surrogates`)
  return ok(encodeURIComponent(id))
}

export const token = (params: unknown): Check<string> => {
  const value: unknown = typeof params === "object" && params !== null && "token" in params ? params.token : undefined
  if (typeof value !== "string") return fail(`token must be a string, got ${show(value)}`)
  if (value.trim().length === 0) return fail("token must not be empty")
  return ok(value)
}

export interface StreamPlan {
  readonly pageSize: number
  readonly offset: number
  readonly prefetch: number
}

export const streamPlan = (params: {
  readonly pageSize?: number | undefined
  readonly offset?: number | undefined
  readonly prefetch?: number | undefined
}): Check<StreamPlan> => {
  const pageSize = integerIn("pageSize", params.pageSize ?? listLimit.max, listLimit.min, listLimit.max)
  if (!pageSize.ok) return pageSize
  const offset = integerIn("offset", params.offset ?? 0, 0, Number.MAX_SAFE_INTEGER)
  if (!offset.ok) return offset
  const prefetch = integerIn("prefetch", params.prefetch ?? 1, 0, 16)
  if (!prefetch.ok) return prefetch
  return ok({ pageSize: pageSize.value, offset: offset.value, prefetch: prefetch.value })
}
