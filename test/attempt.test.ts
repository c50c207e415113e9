/**
 * The rules of one call's attempts (src/core/attempt.ts) that both faces' retry loops follow.
 */
import { describe, expect, it } from "vitest"
import { retryAnnouncement, retryDelay } from "../src/core/attempt.js"

describe("retryDelay", () => {
  it("waits what the policy planned, rounded up to a millisecond, never less than the server's Retry-After", () => {
    expect(retryDelay(499.2, 0, 1000, undefined)).toBe(500)
    expect(retryDelay(500, 2000, 1000, undefined)).toBe(2000)
    expect(retryDelay(-5, 0, 1000, undefined)).toBe(0)
  })

  it("gives no retry that would start at or after the deadline", () => {
    expect(retryDelay(500, 0, 1000, 1501)).toBe(500)
    expect(retryDelay(500, 0, 1000, 1500)).toBeUndefined()
    expect(retryDelay(100, 5000, 1000, 3000)).toBeUndefined()
  })
})

describe("retryAnnouncement", () => {
  it("names the operation, the retry and its delay, with the reason and status as attributes", () => {
    const sdk = { _tag: "SDKError", operation: "Clients.get", reason: "Transport" } as const
    expect(retryAnnouncement(sdk, 2, 750)).toEqual({
      message: "Clients.get: retry 2 in 750 ms",
      attributes: {
        "effect_clerk.retry": 2,
        "effect_clerk.delay_ms": 750,
        "effect_clerk.reason": "Transport",
        "http.response.status_code": 0
      }
    })
    const clerk = { _tag: "ClerkErrors", operation: "Clients.list", status: 429 } as const
    expect(retryAnnouncement(clerk, 1, 1000).attributes).toMatchObject({
      "effect_clerk.reason": "ClerkErrors",
      "http.response.status_code": 429
    })
  })
})
