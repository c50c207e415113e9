/**
 * The core's compiled decoder (core/decode.ts) against the Effect 4 face's Schemas, built from the same wire
 * descriptions: on generated clients it returns exactly what the Schema returns, on mutated ones it never accepts
 * what the Schema rejects, and through `decoderOf` a rejected body fails with the Schema's own error.
 */
import { describe, expect, it } from "@effect/vitest"
import { Result, Schema } from "effect"
import { ClerkError, Client } from "effect-clerk/v4"
import * as Decode from "../src/core/decode.js"
import { generate } from "../src/core/emulator/store.js"
import * as Wire from "../src/core/wire.js"
import { decoderOf } from "../src/v4/internal/wireSchema.js"
import { type Json, mutate } from "../test/support/mutate.js"

const encodeClients = Schema.encodeSync(Schema.Array(Client.Client))
const wireClients: ReadonlyArray<Json> = JSON.parse(
  JSON.stringify(encodeClients(generate(40, 11, Wire.knownSessionStatuses)))
)
const replacements: ReadonlyArray<Json> = [null, 0, -1, 1.5, 2 ** 53 + 2, "", "active", true, [], {}, "client"]

const compiled = (shape: Wire.Shape, codegen: boolean) => {
  const decode = Decode.compile(shape, { codegen })
  return (input: unknown): Result.Result<unknown, void> => {
    const value = decode(input)
    return value === Decode.rejected ? Result.fail(undefined) : Result.succeed(value)
  }
}

for (const codegen of [true, false]) {
  describe(`compiled decoder on the v4 Schemas (${codegen ? "generated code" : "closures"})`, () => {
    it("returns exactly the Schema's output for generated clients, and for both list shapes", () => {
      const fast = compiled(Wire.client, codegen)
      const reference = Schema.decodeUnknownResult(Client.Client)
      for (const wire of wireClients) {
        const expected = reference(wire)
        expect(Result.isSuccess(expected)).toBe(true)
        expect(fast(wire)).toStrictEqual(expected)
      }
      const list = compiled(Wire.clientList, codegen)
      const listReference = Schema.decodeUnknownResult(Client.ClientList)
      for (const body of [{ data: wireClients, total_count: 99 }, wireClients, { data: [], total_count: 0 }]) {
        expect(list(body)).toStrictEqual(listReference(body))
      }
      for (const total of [-1, 1.5, "3", null, 2 ** 53]) {
        const body = { data: wireClients.slice(0, 2), total_count: total }
        expect(Result.isFailure(listReference(body))).toBe(true)
        expect(Result.isFailure(list(body))).toBe(true)
      }
      expect(Result.isFailure(list({ data: wireClients.slice(0, 2) }))).toBe(true)
    })

    it("never accepts a mutated client or list body that the Schema rejects, and agrees when the Schema accepts", () => {
      const cases: ReadonlyArray<readonly [Wire.Shape, Schema.Codec<unknown, unknown>, (i: number) => Json]> = [
        [Wire.client, Client.Client, (i) => wireClients[i % wireClients.length]!],
        [Wire.clientList, Client.ClientList, (i) =>
          i % 2 === 0
            ? { data: wireClients.slice(i % 5, (i % 5) + 2), total_count: i }
            : wireClients.slice(i % 5, (i % 5) + 2)]
      ]
      for (const [shape, schema, input] of cases) {
        const fast = compiled(shape, codegen)
        const reference = Schema.decodeUnknownResult(schema)
        let rejectedBySchema = 0
        for (let seed = 0; seed < 1500; seed++) {
          const mutated = mutate(input(seed), seed * 7919, replacements[seed % replacements.length]!)
          const expected = reference(mutated)
          const actual = fast(mutated)
          if (Result.isFailure(expected)) {
            rejectedBySchema++
            expect(Result.isFailure(actual)).toBe(true)
          } else if (Result.isSuccess(actual)) {
            expect(actual.success).toStrictEqual(expected.success)
          }
        }
        expect(rejectedBySchema).toBeGreaterThan(300) // the mutations really do break things
      }
    })

    it("decodes Clerk's error bodies as the Schema does", () => {
      const fast = compiled(Wire.clerkErrorsBody, codegen)
      const reference = Schema.decodeUnknownResult(ClerkError.ClerkErrorsBody)
      const bodies = [
        { errors: [{ code: "resource_not_found", message: "not found", long_message: "No client", meta: { a: 1 } }] },
        { errors: [], meta: { x: [1] }, clerk_trace_id: "t_1", extra: true },
        { errors: [{ code: "c", message: "m" }], clerk_trace_id: 7 },
        { errors: "nope" }
      ]
      for (const body of bodies) {
        const expected = reference(body)
        expect(Result.isSuccess(fast(body))).toBe(Result.isSuccess(expected))
        if (Result.isSuccess(expected)) expect(fast(body)).toStrictEqual(expected)
      }
    })
  })
}

describe("decoderOf (v4)", () => {
  it("fails a rejected body with the Schema's own error, path included", () => {
    const decode = decoderOf(Wire.clientList)
    const broken = { data: [wireClients[0], { ...Object(wireClients[1]), sessions: "nope" }], total_count: 2 }
    const actual = decode(broken)
    const expected = Schema.decodeUnknownResult(Client.ClientList)(broken)
    expect(Result.isFailure(actual) && Result.isFailure(expected)).toBe(true)
    expect(String(Result.merge(actual))).toBe(String(Result.merge(expected)))
    expect(String(Result.merge(actual))).toContain("sessions")
  })
})
