/**
 * The text of every error a Clients call fails with, on either face: an error's `message`, and the `description` of
 * each way a call goes wrong. Durations come in already formatted (each face's `Duration.format`, which Effect 3 and
 * Effect 4 render alike: `1s 500ms`), so the text is the same whichever face built the error.
 */

/** Why an `SDKError` happened; each face's `SDKErrorReason` schema is made of these. */
export const sdkErrorReasons = ["InvalidRequest", "Transport", "Timeout", "StatusCode", "Decode", "Shed"] as const

export type SdkErrorReason = (typeof sdkErrorReasons)[number]

/** Where a failure happened, as both error classes carry it. */
export interface Where {
  readonly operation: string
  readonly method: string
  readonly path: string
  readonly attempts?: number | undefined
}

/** What of one entry of Clerk's `errors` array the message shows. */
export interface DetailText {
  readonly code: string
  readonly message: string
  readonly longMessage?: string | undefined
}

/** ` (after 3 attempts, retry after 2s)`, or nothing. */
export const suffix = (attempts: number | undefined, retryAfter: string | undefined): string => {
  const parts: Array<string> = []
  if (attempts !== undefined && attempts > 1) parts.push(`after ${attempts} attempts`)
  if (retryAfter !== undefined) parts.push(`retry after ${retryAfter}`)
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`
}

/** `Clients.get GET /v1/clients/x → 404 resource_not_found: … (+1 more)`. */
export const clerkErrorsMessage = (
  error: Where & { readonly status: number; readonly errors: ReadonlyArray<DetailText> },
  retryAfter: string | undefined
): string => {
  const first = error.errors[0]
  const detail = first === undefined
    ? "no error details"
    : `${first.code}: ${first.longMessage ?? first.message}${
      error.errors.length > 1 ? ` (+${error.errors.length - 1} more)` : ""
    }`
  return `${error.operation} ${error.method} ${error.path} → ${error.status} ${detail}${
    suffix(error.attempts, retryAfter)
  }`
}

/** `Clients.get GET /v1/clients/x → 502 StatusCode: unexpected status 502`. */
export const sdkErrorMessage = (
  error: Where & {
    readonly status?: number | undefined
    readonly reason: string
    readonly description: string
  },
  retryAfter: string | undefined
): string => {
  const status = error.status === undefined ? "" : ` → ${error.status}`
  return `${error.operation} ${error.method} ${error.path}${status} ${error.reason}: ${error.description}${
    suffix(error.attempts, retryAfter)
  }`
}

/**
 * The `description` of each failure the pipelines report that a reply does not explain (for those, see
 * `reply.ts`'s `meaning`).
 */
export const describe = {
  attemptTimeout: (limit: string) => `attempt exceeded ${limit}`,
  deadline: (deadline: string) => `call deadline of ${deadline} passed`,
  schemaMismatch: (details: string) => `response does not match the schema: ${details}`,
  unbuildable: (reason: string) => `request could not be built (${reason})`,
  noResponse: "no response"
} as const

/** A schema issue's path as the `schemaMismatch` details show it: `sessions[0].status`, or `(root)`. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0
    ? "(root)"
    : path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("")
