/**
 * Why an exchange ended without a reply, said the same way by every transport of both faces (their own undici
 * transport and the adapter over any `HttpClient`): each face's `ExchangeError` is made from these fields.
 */
import { isUndecodable } from "./body.js"
import { describe } from "./messages.js"
import { describeCause } from "./reply.js"

/** An exchange's failure, as each face's `ExchangeError` holds it. */
export interface ExchangeFailure {
  readonly reason: "Timeout" | "Transport" | "InvalidRequest" | "Undecodable"
  readonly description: string
  /** The reply's status, when the failure came after its headers (a body that could not be read). */
  readonly status?: number
  /** The low-level cause (a socket error); never an object that holds the request or its headers. */
  readonly cause?: unknown
}

/** The attempt's time limit passed before the reply was read whole. */
export const timedOut: ExchangeFailure = { reason: "Timeout", description: "the attempt's time limit passed" }

/** A request body no Clerk operation sends (a stream, form data), refused before anything is sent. */
export const unsupportedBody: ExchangeFailure = { reason: "InvalidRequest", description: "unsupported request body" }

/**
 * No reply came: the connection failed or closed first; `cause` is the socket-level error, if any. A client that
 * reads the body before it answers (the `HttpClient` of either face's `UndiciHttpClient`) reports a body it could not
 * inflate this way, so such a cause is `Undecodable`.
 */
export const noReply = (cause: unknown): ExchangeFailure => ({
  reason: isUndecodable(cause) ? "Undecodable" : "Transport",
  description: describeCause(cause) ?? describe.noResponse,
  ...(cause === null || cause === undefined ? {} : { cause })
})

/** The reply's headers came (`status`) but its body could not be read: cut off, or not the encoding it declared. */
export const unreadableBody = (status: number, cause: unknown): ExchangeFailure => ({
  reason: isUndecodable(cause) ? "Undecodable" : "Transport",
  status,
  description: `response body could not be read: ${describeCause(cause) ?? String(cause)}`,
  cause
})
