/**
 * The emulator's Effect-free core (src/core/emulator), on its own: what both faces share.
 */
import { describe, expect, it } from "vitest"
import * as Base64Url from "../src/core/emulator/base64url.js"
import * as Faults from "../src/core/emulator/faults.js"
import { route } from "../src/core/emulator/routes.js"
import * as Setup from "../src/core/emulator/setup.js"
import * as Token from "../src/core/emulator/token.js"
import * as Checks from "../src/core/emulatorOptions.js"

describe("base64url", () => {
  it("round-trips bytes and text without padding, as Node's encoder does", () => {
    for (const text of ["", "f", "fo", "foo", "foob", "{\"id\":\"client_ü\"}", "\u{1f600}?>>"]) {
      const encoded = Base64Url.encode(text)
      expect(encoded).toBe(Buffer.from(text).toString("base64url"))
      expect(Base64Url.decodeText(encoded)).toBe(text)
    }
    const bytes = new Uint8Array([0, 255, 250, 251, 62, 63])
    expect(Base64Url.decode(Base64Url.encode(bytes))).toEqual(bytes)
  })

  it("refuses what is not base64url: other alphabets, a lone last character, bytes that are not UTF-8", () => {
    for (const bad of ["a+b", "a/b", "abcde", "a b", "ab==="]) {
      expect([bad, Base64Url.decode(bad)]).toEqual([bad, undefined])
    }
    expect(Base64Url.decodeText(Base64Url.encode(new Uint8Array([0xff, 0xfe])))).toBeUndefined()
  })
})

describe("tokens", () => {
  it("verifies what it signed until exp, and tells a bad signature from a malformed token", async () => {
    const signer = await Token.makeSigner("secret")
    const token = await signer.sign(Token.claimsFor("client_1", 1_000_000, 60))
    expect(await signer.verify(token, 1000)).toEqual({
      ok: true,
      claims: { iss: Token.issuer, id: "client_1", iat: 1000, exp: 1060 }
    })
    expect(await signer.verify(token, 1060)).toEqual({ ok: false, problem: "expired" })
    const other = await Token.makeSigner("another secret")
    expect(await other.verify(token, 1000)).toEqual({ ok: false, problem: "signature" })
    for (const malformed of ["", "a.b", `${token}.x`, token.replace(/\.[^.]+\./, ".%%%."), `x${token}`]) {
      expect(await signer.verify(malformed, 1000)).toEqual({ ok: false, problem: "malformed" })
    }
  })
})

describe("faults", () => {
  it("say what they do: a kind, a status (with status or retryAfter), or only lateness", () => {
    expect(Faults.effectOf({ latencyMs: 100 })).toBe("late")
    expect(Faults.effectOf({})).toBe("late")
    expect(Faults.effectOf({ status: 429 })).toBe("status")
    expect(Faults.effectOf({ retryAfter: "1" })).toBe("status")
    expect(Faults.effectOf({ kind: "drop", latencyMs: 5 })).toBe("drop")
  })

  it("replace the answer (status, drop, html, malformed), or keep it (latency) or spoil it (truncate, reset)", () => {
    const answer = { status: 200, body: "{\"id\":\"client_é\"}", headers: { "clerk-trace-id": "t" } }
    const on = (fault: Faults.Fault) => {
      const applied = Faults.application(fault, "trace_1")
      return applied._tag === "Instead" ? { instead: applied.outcome } : { onAnswer: applied.outcome(answer) }
    }
    expect(on({ latencyMs: 5 })).toEqual({ onAnswer: { _tag: "Send", reply: answer, contentType: "application/json" } })
    expect(on({ kind: "truncate" })).toEqual({
      onAnswer: {
        _tag: "Send",
        reply: { ...answer, body: answer.body.slice(0, Math.floor(answer.body.length / 2)) },
        contentType: "application/json"
      }
    })
    const bytes = new TextEncoder().encode(answer.body)
    expect(on({ kind: "reset" })).toEqual({
      onAnswer: {
        _tag: "Reset",
        status: 200,
        contentType: "application/json",
        head: bytes.subarray(0, Math.floor(bytes.length / 2)),
        length: bytes.length
      }
    })
    expect(on({ kind: "drop" })).toEqual({ instead: { _tag: "Drop" } })
    expect(on({ kind: "malformed" })).toEqual({
      instead: { _tag: "Send", reply: Faults.malformedReply, contentType: "application/json" }
    })
    expect(on({ kind: "html" })).toEqual({
      instead: { _tag: "Send", reply: Faults.htmlReply({ kind: "html" }, "trace_1"), contentType: "text/html" }
    })
    const limited = on({ status: 429, retryAfter: "2" })
    expect(limited).toEqual({
      instead: {
        _tag: "Send",
        reply: Faults.statusReply({ status: 429, retryAfter: "2" }, "trace_1"),
        contentType: "application/json"
      }
    })
    expect("instead" in limited && limited.instead._tag === "Send" && limited.instead.reply.status).toBe(429)
  })

  it("are parsed by one validation that refuses unknown fields and out-of-range values", () => {
    expect(Faults.parseFault({ latencyMs: 0, operation: "verify", times: 2 })).toEqual({
      latencyMs: 0,
      operation: "verify",
      times: 2
    })
    for (
      const bad of [
        { latency: 5 },
        { latencyMs: Faults.maxLatencyMs + 1 },
        { latencyMs: -1 },
        { operation: "delete" },
        { times: 0 },
        [],
        null
      ]
    ) {
      expect([bad, Faults.parseFault(bad)]).toEqual([bad, undefined])
    }
  })

  it("wait in a queue, taken in order by the requests they match, the header's first", () => {
    const queue = Faults.faultQueue(0, () => 0)
    queue.enqueue([{ status: 500, operation: "get", times: 2 }, { status: 502 }])
    expect(queue.pick("list", undefined)).toEqual({ status: 502 })
    expect(queue.pick("get", "{\"status\":418}")).toEqual({ status: 418 })
    expect(queue.pick("get", undefined)).toEqual({ status: 500, operation: "get", times: 2 })
    expect(queue.pick("get", undefined)).toEqual({ status: 500, operation: "get", times: 2 })
    expect(queue.pick("get", undefined)).toBeUndefined()
    expect(queue.size()).toBe(0)
  })
})

describe("routes", () => {
  it("come from the endpoint table below /v1, with a hint for a doubled or missing /v1", () => {
    expect(route("GET", "/v1/clients")).toMatchObject({ _tag: "Endpoint", endpoint: { name: "list" } })
    expect(route("POST", "/v1/clients/verify")).toMatchObject({ _tag: "Endpoint", endpoint: { name: "verify" } })
    expect(route("GET", "/v1/clients/verify")).toMatchObject({
      _tag: "Endpoint",
      endpoint: { name: "get" },
      params: { client_id: "verify" }
    })
    expect(route("GET", "/v1/clients/a%2Fb")).toMatchObject({ params: { client_id: "a/b" } })
    expect(route("DELETE", "/v1/clients")).toEqual({ _tag: "MethodNotAllowed", allowed: ["GET"] })
    expect(route("GET", "/v1/v1/clients")).toMatchObject({ _tag: "NotFound" })
    expect(route("GET", "/clients")).toEqual({
      _tag: "NotFound",
      longMessage: "No such route: Clerk's API is below /v1 (/v1/clients)."
    })
    expect(route("GET", "/v1/clients/%E0%A4%A")).toEqual({ _tag: "BadPath" })
    expect(route("GET", "/__emulator/stats")).toEqual({ _tag: "Admin" })
  })
})

describe("setup", () => {
  const statuses = ["active", "ended"] as const
  const encode = (client: unknown) => client
  const plan = (emulator: Setup.Setup<never>["emulator"], faultHeader?: string) =>
    emulator.plan({
      method: "GET",
      url: "/v1/clients",
      authorization: `Bearer ${Checks.defaultSecretKey}`,
      faultHeader
    }, 0)

  it("defaults to the emulator's key, 25 generated clients and no fault, and answers with the key it checked", async () => {
    const made = await Setup.make({ statuses, encode })
    if (!made.ok) throw new Error(made.error)
    expect(made.value.secretKey).toBe(Checks.defaultSecretKey)
    expect(made.value.store.size).toBe(25)
    const found = plan(made.value.emulator)
    expect(found).toMatchObject({ _tag: "Endpoint", readsBody: false, latencyMs: 0, application: Faults.passThrough })
  })

  it("refuses options it cannot honour, with the check's words", async () => {
    expect(await Setup.make({ statuses, encode, secretKey: "pk_test_x" })).toEqual({
      ok: false,
      error: "the emulator's secret key must look like sk_test_… or sk_live_…"
    })
    expect(await Setup.make({ statuses, encode, faultRate: 2 })).toMatchObject({ ok: false })
    expect(await Setup.make({ statuses, encode, rateLimit: { limit: 0, windowMillis: 1000 } })).toMatchObject({
      ok: false
    })
  })

  it("plans a request's fault as its latency and what it does to the answer", async () => {
    const made = await Setup.make({ statuses, encode })
    if (!made.ok) throw new Error(made.error)
    expect(made.value.injectFaults([{ kind: "drop", latencyMs: 250 }])).toEqual({ ok: true, value: undefined })
    expect(plan(made.value.emulator)).toMatchObject({
      latencyMs: 250,
      application: { _tag: "Instead", outcome: { _tag: "Drop" } }
    })
    expect(made.value.injectFaults([{ kind: "teleport" }])).toEqual({
      ok: false,
      error: "invalid emulator fault in [{\"kind\":\"teleport\"}]"
    })
    expect(plan(made.value.emulator)).toMatchObject({ latencyMs: 0, application: Faults.passThrough })
  })

  it("mints tokens for an hour unless told otherwise, that the emulator's signer verifies", async () => {
    const made = await Setup.make({ statuses, encode, signingKey: "signing" })
    if (!made.ok) throw new Error(made.error)
    const signer = await Token.makeSigner("signing")
    const hour = await signer.verify(await made.value.mintToken("client_1", 1_000_000, undefined), 1000)
    expect(hour).toMatchObject({ ok: true, claims: { id: "client_1", iat: 1000, exp: 1000 + 3600 } })
    const minute = await signer.verify(await made.value.mintToken("client_1", 1_000_000, 60), 1000)
    expect(minute).toMatchObject({ ok: true, claims: { exp: 1060 } })
  })
})
