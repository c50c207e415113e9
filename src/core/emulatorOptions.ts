/**
 * The emulator's options, checked the same way on both faces: the key it expects, its rate limit, its fault rate,
 * and the CLI's text form of a rate limit. A face turns a failed check into a defect (a misconfigured test).
 */
import { type Check, fail, ok } from "./check.js"
import { clerkRateLimits, isValid, type RateLimit } from "./emulator/rateLimit.js"

/** The key requests must carry unless another is given. */
export const defaultSecretKey = "sk_test_effect_clerk_emulator"

export const secretKey = (key: string): Check<string> =>
  /^sk_(test|live)_\S+$/.test(key) ? ok(key) : fail("the emulator's secret key must look like sk_test_… or sk_live_…")

/** A rate limit named (`production`, `development`) or given as a limit per window of milliseconds. */
export const rateLimit = (
  input: "production" | "development" | { readonly limit: number; readonly windowMillis: number } | undefined
): Check<RateLimit | undefined> => {
  if (input === undefined) return ok(undefined)
  if (input === "production" || input === "development") return ok(clerkRateLimits[input])
  const resolved = { limit: input.limit, windowMillis: input.windowMillis }
  return isValid(resolved)
    ? ok(resolved)
    : fail("the emulator's rateLimit needs a positive integer limit and a positive window")
}

export const faultRate = (rate: number | undefined): Check<number> => {
  const value = rate ?? 0
  return value >= 0 && value <= 1 ? ok(value) : fail("the emulator's faultRate must be from 0 to 1")
}

/**
 * A rate limit as the CLI takes it: `production`, `development`, or `N/<interval>` such as `50/1s`, `100/10s` or
 * `1000/10 seconds`.
 */
export const parseRateLimit = (
  text: string
): Check<"production" | "development" | { readonly limit: number; readonly windowMillis: number }> => {
  const trimmed = text.trim()
  if (trimmed === "production" || trimmed === "development") return ok(trimmed)
  const match = /^(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*(ms|s|m|millis|seconds?|minutes?)?$/.exec(trimmed)
  const limit = Number(match?.[1])
  const amount = Number(match?.[2])
  if (match === null || !(limit >= 1) || !(amount > 0)) {
    return fail(`expected production, development or N/<interval> (e.g. 50/1s), got ${JSON.stringify(text)}`)
  }
  const unit = match[3] ?? "s"
  const millis = unit === "ms" || unit === "millis" ? amount : unit.startsWith("m") ? amount * 60_000 : amount * 1000
  return ok({ limit, windowMillis: millis })
}

/**
 * The clients a text holds, as JSON to decode: a JSON array, a `{ data: [...] }` envelope, or NDJSON (one client per
 * line, as `effect-clerk stream` prints). Each face validates the result with its `Client` schema.
 */
export const clientsJson = (text: string): Check<unknown> => {
  let whole: unknown
  try {
    whole = JSON.parse(text)
  } catch (e) {
    try {
      whole = text.split("\n").filter((line) => line.trim().length > 0).map((line): unknown => JSON.parse(line))
    } catch {
      return fail(`invalid JSON: ${String(e)}`)
    }
  }
  return ok(typeof whole === "object" && whole !== null && "data" in whole ? whole.data : whole)
}
