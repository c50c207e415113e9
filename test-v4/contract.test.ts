/**
 * The contract against Clerk's OpenAPI spec, on the Effect 4 face: the same suite as the root face's
 * (test/shared/specContract.ts), with this face's Schemas decoding and encoding the values generated from the spec.
 */
import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { ClerkError, Client } from "effect-clerk/v4"
import { specContract } from "../test/shared/specContract.js"

const decodeClient = Schema.decodeUnknownResult(Client.Client)
const decodeErrors = Schema.decodeUnknownResult(ClerkError.ClerkErrorsBody)
const encodeClient = Schema.encodeSync(Client.Client)

specContract({ describe, it, expect }, {
  name: "Effect 4 face",
  knownStatuses: Client.KnownSessionStatus.literals,
  roundTripClient: (wire) => Result.match(decodeClient(wire), { onFailure: () => undefined, onSuccess: encodeClient }),
  firstSessionStatus: (wire) => Result.getOrUndefined(decodeClient(wire))?.sessions[0]?.status,
  decodesClerkErrors: (wire) => Result.isSuccess(decodeErrors(wire))
})
