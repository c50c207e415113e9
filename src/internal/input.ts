/**
 * Input checks, done before anything is sent. Each returns the encoded value or a description of what is wrong
 * (which never echoes more than the length of a string: it may be a token).
 *
 * @internal
 */
import * as Either from "effect/Either"

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max

const show = (value: unknown): string => {
  if (typeof value === "string") return `a string of ${value.length} characters`
  if (typeof value === "number") return String(value)
  return typeof value
}

const integerIn = (name: string, value: unknown, min: number, max: number): Either.Either<number, string> =>
  isIntegerIn(value, min, max)
    ? Either.right(value)
    : Either.left(
      max === Number.MAX_SAFE_INTEGER
        ? `${name} must be an integer of ${min} or more, got ${show(value)}`
        : `${name} must be an integer from ${min} to ${max}, got ${show(value)}`
    )

/** The `GET /v1/clients` query. `paginated=true` is always sent: it is the only way to learn the total count. */
export const listQuery = (params: {
  readonly limit?: number | undefined
  readonly offset?: number | undefined
}): Either.Either<ReadonlyArray<readonly [string, string]>, string> =>
  Either.gen(function*() {
    const query: Array<readonly [string, string]> = [["paginated", "true"]]
    if (params.limit !== undefined) query.push(["limit", String(yield* integerIn("limit", params.limit, 1, 500))])
    if (params.offset !== undefined) {
      query.push(["offset", String(yield* integerIn("offset", params.offset, 0, Number.MAX_SAFE_INTEGER))])
    }
    return query
  })

// Lone surrogates cannot be percent-encoded; control characters have no place in an id.

const forbiddenInId = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Clerk ids are short; anything this long is a bug in the caller, and would make an oversized URL. */
const maxIdLength = 1024

/**
 * One percent-encoded path segment. `.` and `..` are refused outright because URL parsers resolve them (even as
 * `%2e`), which would send the request to a different path.
 */
export const pathSegment = (name: string, id: unknown): Either.Either<string, string> => {
  if (typeof id !== "string") return Either.left(`${name} must be a string, got ${show(id)}`)
  if (id.trim().length === 0) return Either.left(`${name} must not be empty`)
  if (id.length > maxIdLength) return Either.left(`${name} is longer than ${maxIdLength} characters`)
  if (id === "." || id === "..") return Either.left(`${name} must not be ${JSON.stringify(id)}`)
  if (forbiddenInId.test(id)) return Either.left(`${name} contains control characters or unpaired surrogates`)
  return Either.right(encodeURIComponent(id))
}

export const token = (params: unknown): Either.Either<string, string> => {
  const value: unknown = typeof params === "object" && params !== null && "token" in params ? params.token : undefined
  if (typeof value !== "string") return Either.left(`token must be a string, got ${show(value)}`)
  if (value.trim().length === 0) return Either.left("token must not be empty")
  return Either.right(value)
}

interface StreamPlan {
  readonly pageSize: number
  readonly offset: number
  readonly prefetch: number
}

export const streamPlan = (params: {
  readonly pageSize?: number | undefined
  readonly offset?: number | undefined
  readonly prefetch?: number | undefined
}): Either.Either<StreamPlan, string> =>
  Either.all({
    pageSize: integerIn("pageSize", params.pageSize ?? 500, 1, 500),
    offset: integerIn("offset", params.offset ?? 0, 0, Number.MAX_SAFE_INTEGER),
    prefetch: integerIn("prefetch", params.prefetch ?? 1, 0, 16)
  })
