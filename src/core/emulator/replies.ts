/**
 * The emulator's answers, as Clerk shapes them: a JSON body, a status, and a `Clerk-Trace-Id` header; errors are
 * `{ errors: [{ code, message, long_message, meta? }], meta, clerk_trace_id }`.
 */

export interface Reply {
  readonly status: number
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
}

export const ok = (body: unknown, traceId: string): Reply => ({
  status: 200,
  body: JSON.stringify(body),
  headers: { "clerk-trace-id": traceId }
})

export const clerkError = (
  status: number,
  traceId: string,
  code: string,
  message: string,
  longMessage: string,
  meta?: Record<string, unknown>
): Reply => ({
  status,
  body: JSON.stringify({
    errors: [{ code, message, long_message: longMessage, ...(meta === undefined ? {} : { meta }) }],
    meta: {},
    clerk_trace_id: traceId
  }),
  headers: { "clerk-trace-id": traceId }
})

export const withHeader = (reply: Reply, name: string, value: string): Reply => ({
  ...reply,
  headers: { ...reply.headers, [name]: value }
})

export const unauthorized = (traceId: string): Reply =>
  clerkError(
    401,
    traceId,
    "authentication_invalid",
    "Invalid authentication",
    "Unable to authenticate the request, you need to supply an active API key."
  )

export const notFound = (traceId: string, longMessage: string): Reply =>
  clerkError(404, traceId, "resource_not_found", "not found", longMessage)

export const clientNotFound = (traceId: string): Reply => notFound(traceId, "Client not found.")

export const tooManyRequests = (traceId: string, retryAfterSeconds: number): Reply =>
  withHeader(
    clerkError(429, traceId, "too_many_requests", "Too many requests", "Too many requests, please try again later."),
    "retry-after",
    String(retryAfterSeconds)
  )

/** A 400 about the request body, naming the parameter when there is one. */
export const badBody = (traceId: string, code: string, message: string, longMessage: string, param?: string): Reply =>
  clerkError(400, traceId, code, message, longMessage, param === undefined ? undefined : { param_name: param })

/** A 422 about a query parameter. */
export const invalidParam = (traceId: string, name: string, longMessage: string): Reply =>
  clerkError(422, traceId, "form_param_value_invalid", `${name} is invalid`, longMessage, { param_name: name })
