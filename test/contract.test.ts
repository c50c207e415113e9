/**
 * Contract tests driven by Clerk's OpenAPI spec (test/spec): the wire description against the spec's schemas, field by
 * field, and values generated from the spec decoded by this face (test/shared/specContract.ts, which the Effect 4
 * face's suite runs too); then the requests this face sends are the ones the spec describes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as Wire from "../src/core/wire.js"
import { Client, Clients } from "../src/index.js"
import { decoderOf } from "../src/internal/wireSchema.js"
import { spec, specContract, type SpecSchema } from "./shared/specContract.js"
import * as Fixtures from "./support/fixtures.js"
import * as TestServer from "./support/TestServer.js"

const decodeClient = decoderOf(Wire.client)
const decodeErrors = decoderOf(Wire.clerkErrorsBody)
const encodeClient = Schema.encodeSync(Client.Client)

specContract({ describe, it, expect }, {
  name: "Effect 3 face",
  knownStatuses: Client.KnownSessionStatus.literals,
  roundTripClient: (wire) => Either.match(decodeClient(wire), { onLeft: () => undefined, onRight: encodeClient }),
  firstSessionStatus: (wire) => Either.getOrUndefined(decodeClient(wire))?.sessions[0]?.status,
  decodesClerkErrors: (wire) => Either.isRight(decodeErrors(wire))
})

describe("requests match the spec", () => {
  const paths = spec.paths
  const parameters = (list: ReadonlyArray<{ $ref?: string; name?: string }>) =>
    list.map((p) => (p.$ref === undefined ? p : spec.components.parameters[p.$ref.split("/").pop()!]))

  it.scoped("list: GET /clients with only the spec's query parameters, typed as the spec says", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      server.reply(TestServer.json(200, { data: [], total_count: 0 }))
      yield* clients.list({ limit: 500, offset: 0 })
      yield* clients.list({ limit: 1, offset: 12345 })
      yield* clients.list()
      const operation = paths["/clients"].get
      const declared = new Map<string, SpecSchema>(
        parameters(operation.parameters).map((p: { name: string; schema: SpecSchema }) => [p.name, p.schema])
      )
      for (const request of server.received) {
        expect(request.method).toBe("GET")
        const url = new URL(request.url, server.origin)
        expect(url.pathname).toBe("/v1/clients")
        for (const [name, value] of url.searchParams) {
          const schema = declared.get(name)
          expect(schema, `query parameter ${name}`).toBeDefined()
          if (schema!.type === "boolean") expect(["true", "false"]).toContain(value)
          if (schema!.type === "integer") {
            expect(value).toMatch(/^\d+$/)
            if (schema!.minimum !== undefined) expect(Number(value)).toBeGreaterThanOrEqual(schema!.minimum)
            if (schema!.maximum !== undefined) expect(Number(value)).toBeLessThanOrEqual(schema!.maximum)
          }
        }
      }
    }))

  it.scoped("get: GET /clients/{client_id}, the id as one path segment", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      server.reply(TestServer.json(200, Fixtures.client()))
      yield* clients.get("client_2abc")
      expect(paths["/clients/{client_id}"].get).toBeDefined()
      expect(server.received[0]).toMatchObject({ method: "GET", url: "/v1/clients/client_2abc", body: "" })
    }))

  it.scoped("verify: POST /clients/verify with a body that satisfies the spec's schema (no extra properties)", () =>
    Effect.gen(function*() {
      const { server, clients } = yield* TestServer.setup()
      server.reply(TestServer.json(200, Fixtures.client()))
      yield* clients.verify({ token: "eyJ.a.b" })
      const bodySchema: SpecSchema = paths["/clients/verify"].post.requestBody.content["application/json"].schema
      const [request] = server.received
      expect(request?.method).toBe("POST")
      expect(request?.url).toBe("/v1/clients/verify")
      expect(request?.headers["content-type"]).toMatch(/^application\/json/)
      const body = JSON.parse(request!.body)
      expect(bodySchema.additionalProperties).toBe(false)
      expect(Object.keys(body).sort()).toEqual(Object.keys(bodySchema.properties!).sort())
      for (const key of bodySchema.required!) expect(typeof body[key]).toBe(bodySchema.properties![key]!.type)
    }))

  it("the default base URL is the spec's only server", () => {
    expect(spec.servers).toEqual([{ url: Clients.defaultApiUrl }])
  })
})
