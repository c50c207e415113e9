/**
 * The facts of a `Clients` layer's settings that both faces state in their errors: the environment variables read
 * (named as `@clerk/backend` names them), the forms their values take, and what is wrong with a secret key or a
 * duration option. Each face wraps a failed check in its own `ConfigError` or `SDKError`.
 */
import { type Check, fail, ok } from "./check.js"
import { show } from "./input.js"
import { durationTextFormat } from "./options.js"

/** The variables `layerConfig` reads by default. */
export const names = {
  secretKey: "CLERK_SECRET_KEY",
  apiUrl: "CLERK_API_URL",
  apiVersion: "CLERK_API_VERSION",
  timeout: "CLERK_TIMEOUT"
} as const

/** The form a secret key takes, for messages. */
export const secretKeyForm =
  "your Clerk instance's secret key, sk_live_… or sk_test_… (Clerk Dashboard, API keys; the local emulator's is sk_test_effect_clerk_emulator)"

/** The form a duration variable takes, for messages. */
export const durationForm = `a positive duration: ${durationTextFormat}, or infinity for no limit`

/** What `layerConfig` says when the key's variable is unset or blank. */
export const secretKeyUnset = `the Clerk secret key is not set (or is blank): expected ${secretKeyForm}`

/** A duration variable that does not read as one. */
export const notADurationVariable = (value: string): string => `expected ${durationForm}; got ${JSON.stringify(value)}`

/**
 * The secret key an option holds: `redacted` says whether the option was a `Redacted` at all, `value` is what it
 * wraps.
 */
export const secretKey = (redacted: boolean, value: unknown): Check<string> => {
  if (!redacted) return fail("the Clerk secret key must be given (as a Redacted string)")
  if (typeof value !== "string") return fail(`the Clerk secret key must be a string, got ${typeof value}`)
  if (value.trim().length === 0) return fail("the Clerk secret key is empty")
  return ok(value)
}

/** A duration option that is none (not a number, a `"5 seconds"` string, a `Duration`). */
export const notADuration = (name: string, input: unknown): string =>
  `${name} must be a duration such as "5 seconds", a number of milliseconds, or Duration.infinity; got ${
    typeof input === "string" ? JSON.stringify(input.slice(0, 40)) : show(input)
  }`

/** `rateLimit: { limit }` that is not a positive integer. */
export const rateLimitNotPositive = "the rate limit must be a positive integer"

/** The warning `list` and `stream` log once per layer. */
export const deprecationWarning =
  "effect-clerk: GET /v1/clients is deprecated by Clerk and may be removed; this warning is logged once per layer " +
  "(deprecationWarning: false silences it)"

/** What the Promise API says when it was given no key and the variable is unset or blank. */
export const promiseSecretKeyUnset =
  `the Clerk secret key is not set (or is blank), and no secretKey option was given: pass secretKey, or set CLERK_SECRET_KEY to ${secretKeyForm}`
