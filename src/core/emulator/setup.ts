/**
 * An emulator made from its options, the same way on both faces: the defaults (the key, the seed, 25 generated
 * clients, the signing key), the checks, the store, the fault queue and the signer. A face passes its options with
 * Effect's types turned into plain values (a rate limit's window in millis, a token's lifetime in seconds) and wraps
 * what comes back in its own Effect API.
 */
import { type Check, fail, ok } from "../check.js"
import * as Checks from "../emulatorOptions.js"
import { faultQueue, parseFaults, seededRandom } from "./faults.js"
import * as Server from "./server.js"
import { fromClients, type Generated, generated, growing, type GrowingStore, type Stored } from "./store.js"
import { claimsFor, defaultLifetimeSeconds, makeSigner } from "./token.js"

export interface Input<C extends Stored, S extends string> {
  readonly secretKey?: string | undefined
  readonly seed?: number | undefined
  readonly clients?: Iterable<C> | undefined
  readonly seedClients?: number | undefined
  readonly rateLimit?: Parameters<typeof Checks.rateLimit>[0]
  readonly faultRate?: number | undefined
  readonly signingKey?: string | undefined
  /** The session statuses generated clients draw from: the face's `KnownSessionStatus`. */
  readonly statuses: ReadonlyArray<S>
  /** A client in Clerk's wire format (each face encodes with its own schema). */
  readonly encode: (client: C | Generated<S>) => unknown
}

export interface Setup<C extends Stored> {
  readonly secretKey: string
  readonly emulator: Server.Emulator
  readonly store: GrowingStore<C>
  /** A token for `clientId` issued at `now` (epoch millis), valid for `expiresInSeconds` (an hour if not given). */
  readonly mintToken: (clientId: string, now: number, expiresInSeconds: number | undefined) => Promise<string>
  /** Queues faults written as the admin route and the header take them; fails on one the emulator cannot apply. */
  readonly injectFaults: (inputs: ReadonlyArray<unknown>) => Check<void>
  readonly clearFaults: () => void
}

/** The emulator `input` describes, or why its options are wrong (a misconfigured test: each face dies with it). */
export const make = async <C extends Stored, S extends string>(
  input: Input<C, S>
): Promise<Check<Setup<C | Generated<S>>>> => {
  const secretKey = Checks.secretKey(input.secretKey ?? Checks.defaultSecretKey)
  if (!secretKey.ok) return secretKey
  const rateLimit = Checks.rateLimit(input.rateLimit)
  if (!rateLimit.ok) return rateLimit
  const faultRate = Checks.faultRate(input.faultRate)
  if (!faultRate.ok) return faultRate
  const seed = input.seed ?? 1
  const store = growing<C | Generated<S>, S>(
    input.clients === undefined ? generated(input.seedClients ?? 25, seed, input.statuses) : fromClients(input.clients),
    seed,
    input.statuses
  )
  const signer = await makeSigner(input.signingKey ?? `emulator-signing:${secretKey.value}`)
  const faults = faultQueue(faultRate.value, seededRandom(seed))
  const emulator = Server.make({
    secretKey: secretKey.value,
    store,
    signer,
    faults,
    rateLimit: rateLimit.value,
    encode: input.encode
  })
  return ok({
    secretKey: secretKey.value,
    emulator,
    store,
    mintToken: (clientId, now, expiresInSeconds) =>
      signer.sign(claimsFor(clientId, now, expiresInSeconds ?? defaultLifetimeSeconds)),
    injectFaults: (inputs) => {
      const parsed = parseFaults(inputs)
      if (parsed === undefined) return fail(`invalid emulator fault in ${JSON.stringify(inputs)}`)
      faults.enqueue(parsed)
      return ok(undefined)
    },
    clearFaults: () => faults.clear()
  })
}
