/**
 * @internal
 */
import * as Duration from "effect/Duration"
import type { ClientsError } from "../ClerkError.js"

/** Milliseconds the server asked us to wait (`Retry-After`), or 0. */
export const retryAfterMillis = (error: ClientsError): number =>
  error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)
