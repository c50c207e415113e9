/**
 * The pacer's decisions (src/core/pacing.ts) and a layer's options (src/core/layer.ts), as both faces' pacers and
 * settings read them.
 */
import { describe, expect, it } from "vitest"
import type { Check } from "../src/core/check.js"
import * as Layer from "../src/core/layer.js"
import * as Pacing from "../src/core/pacing.js"

const millis = (name: string, input: unknown): Check<number> =>
  typeof input === "number" && input > 0 ? { ok: true, value: input } : { ok: false, error: `${name} is bad` }

const options = (overrides: Partial<Pacing.Options> = {}): Pacing.Options => ({
  adaptive: true,
  documented: false,
  scope: "layer",
  loadShedding: true,
  fixed: undefined,
  ...overrides
})

describe("Pacing", () => {
  it("lets an attempt go at once while nothing paces it; never at once with a fixed limit or a shared store", () => {
    expect(new Pacing.Pacing(options(), "sk_test_a", false).reserve(0)).toBe(0)
    const fixed = { limit: 2, intervalMillis: 1000, algorithm: "fixed-window" } as const
    expect(new Pacing.Pacing(options({ fixed }), "sk_test_a", false).reserve(0)).toBeGreaterThan(0)
    expect(new Pacing.Pacing(options(), "sk_test_a", true).reserve(0)).toBeGreaterThan(0)
  })

  it("gives the fixed limit's permits: two per window, then the next window's", () => {
    const fixed = { limit: 2, intervalMillis: 1000, algorithm: "fixed-window" } as const
    const pacing = new Pacing.Pacing(options({ fixed }), "sk_test_a", false)
    expect([pacing.fixedWait(0), pacing.fixedWait(10), pacing.fixedWait(20)]).toEqual([0, 0, 980])
  })

  it("sleeps a long wait a slice at a time, then goes once the gate is open", () => {
    const pacing = new Pacing.Pacing(options(), "sk_test_a", false)
    const version = pacing.version
    expect(pacing.next(2500, Pacing.sliceMillis, version, 1000)).toEqual({ _tag: "Sleep", millis: 1500, version })
    expect(pacing.next(500, 500, version, 3000)).toEqual({ _tag: "Go" })
  })

  it("sends a waiter back for a new place when the gate closed while it slept", () => {
    const pacing = new Pacing.Pacing(options(), "sk_test_a", false)
    pacing.observe(1000, 429, 5000)
    expect(pacing.next(500, 500, pacing.version, 1500)).toEqual({
      _tag: "Sleep",
      millis: 4500,
      version: pacing.version
    })
  })

  it("sends a waiter back for a new place when its pace was replaced while it slept", () => {
    const pacing = new Pacing.Pacing(options(), "sk_test_a", false)
    const taken = pacing.version
    pacing.state.rate.version++
    expect(pacing.next(5000, 1000, taken, 1000)).toEqual({ _tag: "Sleep", millis: 1, version: pacing.version })
  })

  it("sheds while the circuit is open, unless load shedding is off", () => {
    for (const loadShedding of [true, false]) {
      const pacing = new Pacing.Pacing(options({ loadShedding }), "sk_test_a", false)
      for (let at = 0; at < 2000; at += 100) pacing.observe(at, 503, 0)
      expect([loadShedding, pacing.shed(2000) !== undefined]).toEqual([loadShedding, loadShedding])
    }
  })

  it("shares one state per key across layers with rateScope process, none with layer", () => {
    const a = new Pacing.Pacing(options({ scope: "process" }), "sk_test_shared", false)
    const b = new Pacing.Pacing(options({ scope: "process" }), "sk_test_shared", false)
    const c = new Pacing.Pacing(options(), "sk_test_shared", false)
    expect(a.state).toBe(b.state)
    expect(c.state).not.toBe(a.state)
  })
})

describe("Pacing.resolve", () => {
  it("defaults to adaptive pacing from the key's documented limit, per layer, with load shedding", () => {
    expect(Pacing.resolve({}, millis)).toEqual({ ok: true, value: options({ documented: true }) })
  })

  it("takes a fixed limit (fixed-window unless told), adaptive below it only when asked", () => {
    expect(Pacing.resolve({ rateLimit: { limit: 5, interval: 1000 } }, millis)).toEqual({
      ok: true,
      value: options({
        adaptive: false,
        fixed: { limit: 5, intervalMillis: 1000, algorithm: "fixed-window" }
      })
    })
    const both = Pacing.resolve(
      { rateLimit: { limit: 5, interval: 1000, algorithm: "token-bucket", adaptive: true }, rateScope: "process" },
      millis
    )
    expect(both).toMatchObject({
      ok: true,
      value: { adaptive: true, scope: "process", fixed: { algorithm: "token-bucket" } }
    })
    expect(Pacing.resolve({ rateLimit: false, loadShedding: false }, millis)).toMatchObject({
      ok: true,
      value: { adaptive: false, fixed: undefined, loadShedding: false }
    })
  })

  it("names the option that is wrong", () => {
    expect(Pacing.resolve({ rateLimit: { limit: 0.5, interval: 1000 } }, millis)).toEqual({
      ok: false,
      path: ["rateLimit", "limit"],
      error: "the rate limit must be a positive integer"
    })
    expect(Pacing.resolve({ rateLimit: { limit: 5, interval: -1 } }, millis)).toEqual({
      ok: false,
      path: ["rateLimit", "interval"],
      error: "rateLimit.interval is bad"
    })
  })
})

describe("Layer.check", () => {
  const key = { redacted: true, value: "sk_test_layer" }

  it("resolves the defaults: Clerk's API, its version, no deadline, and the headers every request carries", () => {
    const checked = Layer.check({ secretKey: key }, millis)
    if (!checked.ok) throw new Error(checked.error)
    expect(checked.value).toMatchObject({
      secret: "sk_test_layer",
      baseUrl: "https://api.clerk.com/v1",
      basePath: "/v1",
      deadlineMillis: Number.POSITIVE_INFINITY
    })
    expect(checked.value.headers).toMatchObject({
      authorization: "Bearer sk_test_layer",
      "clerk-api-version": checked.value.apiVersion,
      accept: "application/json"
    })
    expect(checked.value.headers["user-agent"]).toMatch(/^effect-clerk\/\d+\.\d+\.\d+/)
  })

  it("names the first option that is wrong", () => {
    expect(Layer.check({ secretKey: { redacted: false, value: undefined } }, millis)).toMatchObject({
      ok: false,
      path: ["secretKey"]
    })
    expect(Layer.check({ secretKey: key, apiUrl: "http://clerk.example.com" }, millis)).toMatchObject({
      ok: false,
      path: ["apiUrl"]
    })
    expect(Layer.check({ secretKey: key, timeout: 0 }, millis)).toEqual({
      ok: false,
      path: ["timeout"],
      error: "timeout is bad"
    })
    expect(Layer.check({ secretKey: key, rateLimit: { limit: 0, interval: 1 } }, millis)).toMatchObject({
      ok: false,
      path: ["rateLimit", "limit"]
    })
  })
})
