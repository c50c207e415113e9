/**
 * Facts of Clerk's wire format that both faces' schemas share. (The field-by-field shapes are still declared by each
 * face's `Client` module; see the Effect 4 note for the plan to derive both from one description.)
 */

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
