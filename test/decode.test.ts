/**
 * The core's compiled decoder (core/decode.ts) is an optimisation, never a second opinion: on generated clients it
 * returns exactly what this face's Schema (built from the same wire description) returns, and on mutated or random
 * input it never accepts what the Schema rejects.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck, Schema } from "effect"
import * as Decode from "../src/core/decode.js"
import * as Wire from "../src/core/wire.js"
import { ClerkError, Client } from "../src/index.js"
import { generate } from "../src/internal/store.js"
import { decoderOf } from "../src/internal/wireSchema.js"
import { type Json, mutate } from "./support/mutate.js"

/** The compiled decoder alone (no Schema behind it), as `Either`: `Left` is a rejection. */
const compiledWith = (shape: Wire.Shape, codegen: boolean) => {
  const decode = Decode.compile(shape, { codegen })
  return (input: unknown): Either.Either<unknown, void> => {
    const value = decode(input)
    return value === Decode.rejected ? Either.left(undefined) : Either.right(value)
  }
}
const slow = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })

/** Valid wire values: arbitrary decoded values, encoded back to the wire. */
const wireClients = Arbitrary.make(Client.Client).map((client) => Schema.encodeSync(Client.Client)(client))

for (const codegen of [true, false]) {
  describe(`compiled decoder (${codegen ? "generated code" : "closures, as where new Function is barred"})`, () => {
    const compiled = (shape: Wire.Shape) => compiledWith(shape, codegen)

    it("decodes Clerk's error bodies exactly as the Schema does, and rejects what it rejects", () => {
      const fast = compiled(Wire.clerkErrorsBody)
      const reference = slow(ClerkError.ClerkErrorsBody)
      const bodies = [
        { errors: [{ code: "resource_not_found", message: "not found", long_message: "No client", meta: { a: 1 } }] },
        { errors: [], meta: { x: [1] }, clerk_trace_id: "t_1", extra: true },
        { errors: [{ code: "c", message: "m" }], clerk_trace_id: 7 },
        { errors: [{ code: "c" }] },
        { errors: "nope" },
        []
      ]
      for (const body of bodies) {
        const expected = reference(body)
        expect(Either.isRight(fast(body))).toBe(Either.isRight(expected))
        if (Either.isRight(expected)) expect(fast(body)).toStrictEqual(expected)
      }
    })

    it("returns exactly Schema's output for generated clients", () => {
      const fast = compiled(Wire.client)
      const reference = slow(Client.Client)
      FastCheck.assert(
        FastCheck.property(wireClients, (wire) => {
          const expected = reference(wire)
          expect(Either.isRight(expected)).toBe(true)
          expect(fast(wire)).toStrictEqual(expected)
          expect(JSON.stringify(Either.getOrThrow(fast(wire)))).toBe(JSON.stringify(Either.getOrThrow(expected)))
        }),
        { numRuns: 300 }
      )
    })

    it("never accepts a mutated client that Schema rejects, and agrees when Schema accepts", () => {
      const fast = compiled(Wire.client)
      const reference = slow(Client.Client)
      const replacements = FastCheck.oneof(
        FastCheck.constantFrom<Json>(null, 0, -1, 1.5, 2 ** 53 + 2, "", "active", true, [], {}, "client"),
        FastCheck.jsonValue().map((v): Json => JSON.parse(JSON.stringify(v)))
      )
      let rejectedBySchema = 0
      FastCheck.assert(
        FastCheck.property(wireClients, FastCheck.nat(), replacements, (wire, seed, replacement) => {
          const input = mutate(JSON.parse(JSON.stringify(wire)), seed, replacement)
          const expected = reference(input)
          const actual = fast(input)
          if (Either.isLeft(expected)) {
            rejectedBySchema++
            expect(Either.isLeft(actual)).toBe(true)
          } else if (Either.isRight(actual)) {
            expect(actual.right).toStrictEqual(expected.right)
          }
        }),
        { numRuns: 2000 }
      )
      expect(rejectedBySchema).toBeGreaterThan(500) // the mutations really do break things
    })

    it("on mutated list bodies (envelope and bare array), never accepts what Schema rejects and agrees otherwise", () => {
      const fast = compiled(Wire.clientList)
      const reference = slow(Client.ClientList)
      const replacements = FastCheck.constantFrom<Json>(null, 0, -1, 1.5, "", "active", true, [], {}, "client")
      const bodies = FastCheck.tuple(
        FastCheck.array(wireClients, { minLength: 1, maxLength: 3 }),
        FastCheck.boolean(),
        FastCheck.nat()
      )
        .map(([clients, envelope, total]): Json => {
          const data: Json = JSON.parse(JSON.stringify(clients))
          return envelope ? { data, total_count: total } : data
        })
      let accepted = 0
      let rejected = 0
      FastCheck.assert(
        FastCheck.property(bodies, FastCheck.nat(), replacements, (body, seed, replacement) => {
          const input = mutate(body, seed, replacement)
          const expected = reference(input)
          const actual = fast(input)
          if (Either.isLeft(expected)) {
            rejected++
            expect(Either.isLeft(actual)).toBe(true)
          } else {
            accepted++
            if (Either.isRight(actual)) expect(actual.right).toStrictEqual(expected.right)
          }
        }),
        { numRuns: 1000 }
      )
      // Both sides of the property were exercised, many times.
      expect(rejected).toBeGreaterThan(200)
      expect(accepted).toBeGreaterThan(100)
    })

    it("decodes both list shapes like Schema, and reports Schema's own error for bad input", () => {
      const wire = Schema.encodeSync(Schema.Array(Client.Client))(generate(20, 3))
      const decode = decoderOf(Wire.clientList)
      const reference = slow(Client.ClientList)
      for (const body of [{ data: wire, total_count: 99 }, wire, { data: [], total_count: 0 }]) {
        expect(decode(body)).toStrictEqual(reference(body))
      }
      for (const total of [-1, 1.5, "3", null, 2 ** 53]) {
        const body = { data: wire.slice(0, 2), total_count: total }
        expect(Either.isLeft(reference(body))).toBe(true)
        expect(Either.isLeft(compiledWith(Wire.clientList, codegen)(body))).toBe(true)
      }
      expect(Either.isLeft(compiledWith(Wire.clientList, codegen)({ data: wire.slice(0, 2) }))).toBe(true)
      const broken = { data: [...wire.slice(0, 3), { ...wire[3], sessions: "nope" }], total_count: 20 }
      const [actual, expected] = [decode(broken), reference(broken)]
      expect(Either.isLeft(actual) && Either.isLeft(expected)).toBe(true)
      expect(String(Either.flip(actual).pipe(Either.getOrThrow))).toBe(
        String(Either.flip(expected).pipe(Either.getOrThrow))
      )
      expect(String(Either.flip(actual).pipe(Either.getOrThrow))).toContain("sessions")
    })
  })
}
