import { assert, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schema } from "effect"
import { readFileSync } from "node:fs"
import YAML from "yaml"
import * as Endpoints from "../src/core/endpoints.js"
import { Client, Emulator } from "../src/index.js"
import { generate } from "../src/internal/store.js"
import { raw, start } from "./support/EmulatorFixture.js"

/** Clerk's spec: the 400/422 texts of the emulator are checked against its wording. */
const spec = YAML.parse(readFileSync(new URL("./spec/clerk-bapi-2026-05-12.yml", import.meta.url), "utf8"))
const parameters: Record<
  string,
  { description: string; schema: { type: string; minimum?: number; maximum?: number } }
> = spec.components.parameters
const verifyBody: { properties: { token: { type: string } }; required: Array<string>; additionalProperties: boolean } =
  spec.paths["/clients/verify"].post.requestBody.content["application/json"].schema

const errorOf = (json: unknown) =>
  Schema.decodeUnknownSync(Schema.Struct({
    errors: Schema.Tuple(Schema.Struct({
      code: Schema.String,
      long_message: Schema.String,
      meta: Schema.optional(Schema.Struct({ param_name: Schema.String }))
    }))
  }))(json).errors[0]

const clerkBody = (code: string) => ({
  errors: [expect.objectContaining({ code })],
  clerk_trace_id: expect.any(String)
})

describe("Emulator over HTTP", () => {
  it.scoped("lists newest first, pages with limit/offset, and reports total_count", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 30, seed: 7 })
      const first = yield* clients.list({ limit: 10 })
      const second = yield* clients.list({ limit: 10, offset: 10 })
      expect(first.totalCount).toBe(30)
      expect(first.data).toHaveLength(10)
      const all = [...first.data, ...second.data]
      expect(all.map((c) => c.id)).toEqual(emulator.clients.slice(0, 20).map((c) => c.id))
      const created = all.map((c) => c.createdAt)
      expect(created).toEqual([...created].sort((a, b) => b - a))
      const beyond = yield* clients.list({ limit: 10, offset: 30 })
      expect(beyond.data).toHaveLength(0)
    }))

  it.scoped("answers a bare array without paginated=true, and the envelope with it", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 3 })
      const bare = yield* raw(emulator, "/v1/clients?limit=2")
      expect(Array.isArray(bare.json)).toBe(true)
      expect(bare.json).toHaveLength(2)
      const paged = yield* raw(emulator, "/v1/clients?paginated=true")
      expect(paged.json).toMatchObject({ total_count: 3, data: expect.any(Array) })
      expect(bare.headers.get("clerk-trace-id")).toMatch(/^trace_emulator_/)
    }))

  it.scoped("validates limit, offset and paginated with a 422 Clerk error in the spec's words", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const limit = parameters.LimitParameter!.schema
      // "Needs to be an integer greater or equal to zero." in the spec, said of offset.
      const offsetRule = parameters.OffsetParameter!.description.split("\n").find((line) => line.startsWith("Needs"))!
      const texts = {
        limit: `limit must be an integer from ${limit.minimum} to ${limit.maximum}.`,
        offset: `offset ${offsetRule.charAt(0).toLowerCase()}${offsetRule.slice(1)}`,
        paginated: `paginated must be a ${parameters.Paginated!.schema.type}, true or false.`
      }
      expect(texts.offset).toBe("offset needs to be an integer greater or equal to zero.")
      const cases: Array<[string, keyof typeof texts]> = [
        ["limit=0", "limit"],
        ["limit=501", "limit"],
        ["limit=-1", "limit"],
        ["limit=abc", "limit"],
        ["limit=1.5", "limit"],
        ["offset=-1", "offset"],
        ["offset=x", "offset"],
        ["offset=1.5", "offset"],
        ["paginated=maybe", "paginated"]
      ]
      for (const [query, param] of cases) {
        const response = yield* raw(emulator, `/v1/clients?${query}`)
        expect(response.status, query).toBe(422)
        expect(response.json).toMatchObject(clerkBody("form_param_value_invalid"))
        const error = errorOf(response.json)
        expect([query, error.long_message, error.meta?.param_name]).toEqual([query, texts[param], param])
      }
      for (const query of ["limit=1", "limit=500", "offset=0", "offset=9999999", "paginated=false"]) {
        expect((yield* raw(emulator, `/v1/clients?${query}`)).status, query).toBe(200)
      }
    }))

  it.scoped("requires the configured secret key", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const missing = yield* raw(emulator, "/v1/clients", { auth: false })
      expect(missing.status).toBe(401)
      expect(missing.json).toMatchObject(clerkBody("authentication_invalid"))
      const wrong = yield* raw(emulator, "/v1/clients/x", { headers: { authorization: "Bearer sk_test_wrong" } })
      expect(wrong.status).toBe(401)
    }))

  it.scoped("gets a client by id and 404s an unknown one", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 5 })
      const target = emulator.clients[3]!
      const client = yield* clients.get(target.id)
      expect(client).toEqual(target)
      const error = yield* Effect.flip(clients.get("client_missing"))
      assert(error._tag === "ClerkErrors")
      expect(error.status).toBe(404)
      expect(error.errors[0]?.code).toBe("resource_not_found")
      expect(error.clerkTraceId).toMatch(/^trace_emulator_/)
    }))

  it.scoped("verifies minted tokens, and rejects tampered, expired and unknown-client tokens", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 5 })
      const target = emulator.clients[1]!
      const token = yield* emulator.mintToken(target.id)
      expect((yield* clients.verify({ token })).id).toBe(target.id)

      const [h, p, s] = token.split(".")
      const forged = Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), id: emulator.clients[0]!.id })
      ).toString("base64url")
      const tampered = yield* Effect.flip(clients.verify({ token: `${h}.${forged}.${s}` }))
      assert(tampered._tag === "ClerkErrors")
      expect([tampered.status, tampered.errors[0]?.code]).toEqual([400, "token_invalid"])

      const expired = yield* Effect.flip(
        clients.verify({ token: yield* emulator.mintToken(target.id, { expiresIn: "-1 minute" }) })
      )
      assert(expired._tag === "ClerkErrors")
      expect([expired.status, expired.errors[0]?.code]).toEqual([400, "token_expired"])

      const unknown = yield* Effect.flip(clients.verify({ token: yield* emulator.mintToken("client_gone") }))
      assert(unknown._tag === "ClerkErrors")
      expect([unknown.status, unknown.errors[0]?.code]).toEqual([404, "resource_not_found"])

      const garbage = yield* Effect.flip(clients.verify({ token: "not-a-jwt" }))
      expect(garbage._tag === "ClerkErrors" && garbage.status).toBe(400)
    }))

  it.scoped("mints tokens over the admin route too", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 2 })
      const minted = yield* raw(emulator, "/__emulator/tokens", {
        method: "POST",
        body: JSON.stringify({ client_id: emulator.clients[0]!.id })
      })
      expect(minted.status).toBe(200)
      assert(Schema.is(Schema.Struct({ token: Schema.String }))(minted.json))
      expect((yield* clients.verify({ token: minted.json.token })).id).toBe(emulator.clients[0]!.id)
      const anonymous = yield* raw(emulator, "/__emulator/tokens", { method: "POST", auth: false, body: "{}" })
      expect(anonymous.status).toBe(401)
    }))

  it.scoped("answers bad requests with Clerk error bodies and keeps serving", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 2 })
      const verify = (body: string) =>
        raw(emulator, "/v1/clients/verify", { method: "POST", body, headers: { "content-type": "application/json" } })
      const cases: Array<[string, number, string]> = [
        ["{not json", 400, "request_body_invalid"],
        ["[]", 400, "request_body_invalid"],
        ["\"token\"", 400, "request_body_invalid"],
        ["{}", 400, "form_param_missing"],
        ["{\"token\":\"x\",\"admin\":true}", 400, "form_param_unknown"],
        ["{\"token\":42}", 400, "form_param_format_invalid"],
        ["{\"token\":null}", 400, "form_param_format_invalid"]
      ]
      for (const [body, status, code] of cases) {
        const response = yield* verify(body)
        expect([response.status, response.json], body).toMatchObject([status, clerkBody(code)])
      }
      // The texts follow the spec's body schema: an object, only `token` (additionalProperties: false), required, a string.
      const [required] = verifyBody.required
      expect([required, verifyBody.additionalProperties, verifyBody.properties.token.type]).toEqual([
        "token",
        false,
        "string"
      ])
      const texts: Array<[string, string]> = [
        ["{not json", "The request body is not valid JSON."],
        ["[]", "The request body must be a JSON object."],
        ["{}", `${required} must be provided.`],
        ["", `${required} must be provided.`],
        ["{\"token\":\"x\",\"admin\":true}", "admin is not a valid parameter."],
        ["{\"token\":42}", `token must be a ${verifyBody.properties.token.type}.`],
        ["{\"token\":\"not-a-jwt\"}", "The client token is malformed or its signature does not match."]
      ]
      for (const [body, text] of texts) {
        const response = yield* verify(body)
        expect([body, response.status, errorOf(response.json).long_message]).toEqual([body, 400, text])
      }
      const paths: Array<[string, number]> = [
        ["/v1/clients/a/b", 404],
        ["/v1/clients/", 404],
        ["/v1//clients", 404],
        ["/v1/clients/%E0%A4%A", 400],
        ["/v1/clients/..%2F..%2Fetc", 404],
        ["/v1/users", 404],
        ["/", 404]
      ]
      for (const [path, status] of paths) {
        const response = yield* raw(emulator, path)
        expect(response.status, path).toBe(status)
        expect(response.json).toMatchObject({ errors: expect.any(Array) })
      }
      const wrongMethod = yield* raw(emulator, "/v1/clients", { method: "DELETE" })
      expect(wrongMethod.status).toBe(405)
      expect((yield* clients.list({ limit: 1 })).data).toHaveLength(1)
    }))

  it.scoped("injects faults: status with Retry-After, HTML, malformed, truncated, dropped", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 3 })
      const id = emulator.clients[0]!.id
      yield* emulator.injectFaults({ status: 429, retryAfter: "3", operation: "get" })
      const limited = yield* raw(emulator, `/v1/clients/${id}`)
      expect(limited.status).toBe(429)
      expect(limited.headers.get("retry-after")).toBe("3")
      expect(limited.json).toMatchObject(clerkBody("too_many_requests"))
      expect((yield* raw(emulator, `/v1/clients/${id}`)).status).toBe(200)

      const once = { retry: false as const }
      yield* emulator.injectFaults({ kind: "html" }, { kind: "malformed" }, { kind: "truncate" }, { kind: "drop" })
      const html = yield* Effect.flip(clients.get(id, once))
      expect(html._tag === "SDKError" && [html.reason, html.status]).toEqual(["StatusCode", 502])
      const malformed = yield* Effect.flip(clients.get(id, once))
      expect(malformed._tag === "SDKError" && malformed.reason).toBe("Decode")
      const truncated = yield* Effect.flip(clients.get(id, once))
      expect(truncated._tag === "SDKError" && truncated.description).toContain("invalid JSON")
      const dropped = yield* Effect.flip(clients.get(id, once))
      expect(dropped._tag === "SDKError" && dropped.reason).toBe("Transport")

      const viaHeader = yield* raw(emulator, `/v1/clients/${id}`, {
        headers: { "x-emulator-fault": "{\"status\":503}" }
      })
      expect(viaHeader.status).toBe(503)
      const stats = yield* emulator.stats
      expect(stats.faultsInjected).toBe(6)
      expect(stats.get).toBe(7)
    }))

  it.scoped("queues faults over the admin route, refuses malformed ones, and clears them", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2 })
      const id = emulator.clients[0]!.id
      const queue = (faults: unknown) =>
        raw(emulator, "/__emulator/faults", { method: "POST", body: JSON.stringify({ faults }) })
      for (
        const bad of [
          [{ kind: "explode" }],
          [{ status: 99 }],
          [{ operation: "delete" }],
          [{ retryAfter: "1\r\nX: y" }],
          "nope"
        ]
      ) {
        expect((yield* queue(bad)).status).toBe(400)
      }
      expect(
        (yield* queue([{ kind: "html", operation: "get" }, { status: 429, retryAfter: "5", operation: "get" }])).status
      ).toBe(200)
      expect((yield* raw(emulator, "/v1/clients")).status).toBe(200) // faults for get only
      const html = yield* raw(emulator, `/v1/clients/${id}`)
      expect([html.status, html.headers.get("content-type")]).toEqual([502, "text/html"])
      const limited = yield* raw(emulator, `/v1/clients/${id}`)
      expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "5"])
      yield* queue([{ status: 500 }])
      expect((yield* raw(emulator, "/__emulator/faults", { method: "DELETE" })).status).toBe(200)
      expect((yield* raw(emulator, `/v1/clients/${id}`)).status).toBe(200)
    }))

  it.scoped("GET /v1/clients/verify is get of the id verify (404), as the spec's routes read; other methods 405", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2 })
      const before = yield* emulator.stats
      const got = yield* raw(emulator, "/v1/clients/verify")
      expect([got.status, errorOf(got.json).code, errorOf(got.json).long_message]).toEqual([
        404,
        "resource_not_found",
        "Client not found."
      ])
      expect((yield* emulator.stats).get).toBe(before.get + 1)
      const put = yield* raw(emulator, "/v1/clients/verify", { method: "PUT" })
      expect([put.status, errorOf(put.json).code, put.headers.get("allow")]).toEqual([
        405,
        "method_not_allowed",
        "POST, GET"
      ])
      expect(errorOf(put.json).long_message).toBe("PUT is not allowed on /v1/clients/verify; it takes POST, GET.")
      const post = yield* raw(emulator, "/v1/clients", { method: "POST", body: "{}" })
      expect([post.status, errorOf(post.json).long_message]).toEqual([
        405,
        "POST is not allowed on /v1/clients; it takes GET."
      ])
    }))

  it.scoped("a doubled /v1 answers 404 saying the base URL already ends in /v1; a missing /v1 says where the API is", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2 })
      for (const path of ["/v1/v1/clients", "/v1/v1/clients/verify", "/v1/v1"]) {
        const response = yield* raw(emulator, path)
        expect([path, response.status]).toEqual([path, 404])
        expect(response.json).toMatchObject(clerkBody("resource_not_found"))
        expect(errorOf(response.json).long_message).toContain("The base URL already ends in /v1")
        expect(errorOf(response.json).long_message).toContain("Clerk's SDKs add /v1 themselves")
      }
      const unversioned = yield* raw(emulator, "/clients")
      expect([unversioned.status, errorOf(unversioned.json).long_message]).toEqual([
        404,
        "No such route: Clerk's API is below /v1 (/v1/clients)."
      ])
      expect(errorOf((yield* raw(emulator, "/v2/clients")).json).long_message).toBe("No such route.")
    }))

  // Live: the latency is slept on the Effect clock, which it.scoped would hand to TestClock.
  it.scopedLive("a fault with only latencyMs answers normally, late; a status fault with latency still answers its status", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 3 })
      const id = emulator.clients[0]!.id
      yield* emulator.injectFaults({ latencyMs: 300, operation: "get" })
      const [elapsed, client] = yield* Effect.timed(clients.get(id, { retry: false }))
      expect(client.id).toBe(id)
      expect(Duration.toMillis(elapsed)).toBeGreaterThanOrEqual(290)
      const viaHeader = yield* raw(emulator, `/v1/clients/${id}`, {
        headers: { "x-emulator-fault": "{\"latencyMs\":50}" }
      })
      expect(viaHeader.status).toBe(200)
      expect(viaHeader.json).toMatchObject({ id })
      yield* emulator.injectFaults({ status: 503, latencyMs: 50 }, { retryAfter: "1", latencyMs: 10 })
      expect((yield* raw(emulator, `/v1/clients/${id}`)).status).toBe(503)
      const limited = yield* raw(emulator, `/v1/clients/${id}`)
      expect([limited.status, limited.headers.get("retry-after")]).toEqual([503, "1"])
      expect((yield* emulator.stats).faultsInjected).toBe(4)
    }))

  it.scoped("a misspelt fault field is refused rather than ignored", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 1 })
      const queued = yield* raw(emulator, "/__emulator/faults", {
        method: "POST",
        body: JSON.stringify({ faults: [{ latency: 100 }] })
      })
      expect(queued.status).toBe(400)
    }))

  it.scoped("every endpoint of the table is routed, counted in stats by its name, and can be faulted by it", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ seedClients: 2 })
      for (const endpoint of Endpoints.all) {
        const path = `/v1${Endpoints.fill(endpoint.path, { client_id: "client_x" })}`
        const init = endpoint.method === "GET" ? {} : { method: endpoint.method, body: "{}" }
        const before = yield* emulator.stats
        const answered = yield* raw(emulator, path, init)
        expect([endpoint.name, answered.status === 404 && errorOf(answered.json).long_message]).not.toEqual([
          endpoint.name,
          "No such route."
        ])
        expect([endpoint.name, answered.status]).not.toEqual([endpoint.name, 405])
        const after = yield* emulator.stats
        expect([endpoint.name, after[endpoint.name], after.total]).toEqual([
          endpoint.name,
          before[endpoint.name] + 1,
          before.total + 1
        ])
        yield* emulator.injectFaults({ status: 418, operation: endpoint.name })
        expect([endpoint.name, (yield* raw(emulator, path, init)).status]).toEqual([endpoint.name, 418])
      }
    }))

  it.scoped("a reset mid-body is a Transport error", () =>
    Effect.gen(function*() {
      const { clients, emulator } = yield* start({ seedClients: 600 })
      yield* emulator.injectFaults({ kind: "reset" })
      const error = yield* Effect.flip(clients.list({ limit: 500 }, { retry: false }))
      assert(error._tag === "SDKError")
      expect(error.reason).toBe("Transport")
    }))
})

describe("seeded data", () => {
  it("is deterministic per seed and covers every status and optional-field variant", () => {
    const a = generate(40, 3)
    expect(generate(40, 3)).toEqual(a)
    expect(generate(40, 4)[0]!.id).not.toBe(a[0]!.id)
    const sessions = a.flatMap((c) => c.sessions)
    expect(new Set(sessions.map((s) => s.status))).toEqual(new Set(Client.KnownSessionStatus.literals))
    expect(sessions.some((s) => s.latestActivity !== undefined && s.latestActivity !== null)).toBe(true)
    expect(sessions.some((s) => s.latestActivity === null)).toBe(true)
    expect(sessions.some((s) => !("latestActivity" in s))).toBe(true)
    expect(a.some((c) => c.sessions.length === 0)).toBe(true)
    // Every generated client survives an encode/decode round trip through the shared schema.
    const wire = Schema.encodeSync(Schema.Array(Client.Client))(a)
    expect(Schema.decodeUnknownSync(Schema.Array(Client.Client))(JSON.parse(JSON.stringify(wire)))).toEqual(a)
  })

  it("loads clients from Clerk-format JSON, validated by the schema", () => {
    const wire = Schema.encodeSync(Schema.Array(Client.Client))(generate(3, 1))
    const loaded = Emulator.clientsFromJson(JSON.stringify({ data: wire }))
    expect(loaded._tag).toBe("Right")
    const broken = Emulator.clientsFromJson(JSON.stringify([{ object: "client" }]))
    expect(broken._tag).toBe("Left")
  })
})

describe("generated store", () => {
  it("pages and gets without holding clients, and agrees with the materialised list", async () => {
    const { generated } = await import("../src/internal/store.js")
    const store = generated(1000, 11)
    const all = generate(1000, 11)
    expect(store.size).toBe(1000)
    expect(store.page(990, 50)).toEqual(all.slice(990))
    for (const i of [0, 1, 499, 999]) expect(store.get(all[i]!.id)).toEqual(all[i])
    const id = all[5]!.id
    expect(store.get(id.slice(0, -1) + (id.endsWith("A") ? "B" : "A"))).toBeUndefined() // right index, wrong id
    expect(store.get("client_zzzzz" + id.slice(12))).toBeUndefined() // index out of range
    expect(store.get("client_short")).toBeUndefined()
    const created = all.map((c) => c.createdAt)
    expect(created).toEqual([...created].sort((a, b) => b - a))
    expect(new Set(all.map((c) => c.id)).size).toBe(1000)
  })
})
