/**
 * The compiled decoder is an optimisation, never a second opinion: on generated clients it returns exactly what
 * Schema returns, and on mutated or random input it never accepts what Schema rejects.
 */
import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck, Schema } from "effect"
import { Client } from "../src/index.js"
import { compiledOnly as compiledOnlyWith, decoder } from "../src/internal/fastDecode.js"
import { generate } from "../src/internal/store.js"

const schemas = { Client: Client.Client, ClientList: Client.ClientList, Session: Client.Session } as const
const slow = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })

/** Valid wire values: arbitrary decoded values, encoded back to the wire. */
const wireClients = Arbitrary.make(Client.Client).map((client) => Schema.encodeSync(Client.Client)(client))

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** Replaces, deletes or adds one thing somewhere inside `value`, chosen by `seed`. */
const mutate = (value: Json, seed: number, replacement: Json): Json => {
  const paths: Array<ReadonlyArray<string | number>> = []
  const walk = (v: Json, path: ReadonlyArray<string | number>) => {
    paths.push(path)
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]))
    else if (v !== null && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) {
        walk(item, [...path, k])
      }
    }
  }
  walk(value, [])
  const target = paths[seed % paths.length]!
  const mode = Math.floor(seed / paths.length) % 3
  const rebuild = (v: Json, depth: number): Json => {
    if (depth === target.length) {
      return mode === 2 && v !== null && typeof v === "object" && !Array.isArray(v)
        ? { ...v, extra_key: replacement }
        : replacement
    }
    const key = target[depth]!
    if (Array.isArray(v)) return v.map((item, i) => (i === key ? rebuild(item, depth + 1) : item))
    if (v !== null && typeof v === "object") {
      const entries = Object.entries(v).flatMap(([k, item]): Array<[string, Json]> =>
        k !== key ? [[k, item]] : mode === 1 && depth === target.length - 1 ? [] : [[k, rebuild(item, depth + 1)]]
      )
      return Object.fromEntries(entries)
    }
    return v
  }
  return rebuild(value, 0)
}

for (const codegen of [true, false]) {
  describe(`compiled decoder (${codegen ? "generated code" : "closures, as where new Function is barred"})`, () => {
    const compiledOnly = (schema: Schema.Schema.AnyNoContext) => compiledOnlyWith(schema, { codegen })

    it("compiles every schema the client decodes with (none silently falls back)", () => {
      for (const schema of Object.values(schemas)) expect(compiledOnly(schema)).toBeDefined()
    })

    it("returns exactly Schema's output for generated clients", () => {
      const fast = compiledOnly(Client.Client)!
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
      const fast = compiledOnly(Client.Client)!
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
      const fast = compiledOnly(Client.ClientList)!
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
      const decode = decoder(Client.ClientList)
      const reference = slow(Client.ClientList)
      for (const body of [{ data: wire, total_count: 99 }, wire, { data: [], total_count: 0 }]) {
        expect(decode(body)).toStrictEqual(reference(body))
      }
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
