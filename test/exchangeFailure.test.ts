/**
 * Why an exchange ended without a reply (src/core/exchangeFailure.ts), as every transport of both faces says it.
 */
import { gunzipSync } from "node:zlib"
import { describe, expect, it } from "vitest"
import * as Failures from "../src/core/exchangeFailure.js"

const zlibError = (): unknown => {
  try {
    gunzipSync(Buffer.from("not gzip"))
  } catch (error) {
    return error
  }
  throw new Error("gunzip accepted bytes that are not gzip")
}

describe("exchange failures", () => {
  it("no reply: the socket error in one line, or 'no response' and no cause when there is none", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
    expect(Failures.noReply(reset)).toEqual({
      reason: "Transport",
      description: "socket hang up [ECONNRESET]",
      cause: reset
    })
    expect(Failures.noReply(null)).toEqual({ reason: "Transport", description: "no response" })
    expect(Failures.noReply(undefined)).toEqual({ reason: "Transport", description: "no response" })
  })

  it("a body that does not inflate is Undecodable, whether it fails the reply or only its body", () => {
    const corrupt = new TypeError("terminated", { cause: zlibError() })
    expect(Failures.noReply(corrupt).reason).toBe("Undecodable")
    const body = Failures.unreadableBody(200, corrupt)
    expect(body).toMatchObject({ reason: "Undecodable", status: 200, cause: corrupt })
    expect(body.description).toBe("response body could not be read: terminated: incorrect header check")
  })

  it("a body cut off after the headers keeps the reply's status and says why", () => {
    const cut = new Error("other side closed")
    expect(Failures.unreadableBody(503, cut)).toEqual({
      reason: "Transport",
      status: 503,
      description: "response body could not be read: other side closed",
      cause: cut
    })
    expect(Failures.unreadableBody(200, "aborted").description).toBe("response body could not be read: aborted")
  })
})
