/**
 * Checks of a layer's options that need no Effect: the API URL, the API version, and the limits (durations and
 * sizes). Both faces, the Promise API and the CLI read them from here, so an option means the same everywhere.
 */
import { type Check, fail, ok } from "./check.js"

/** Clerk's production API. */
export const defaultApiUrl = "https://api.clerk.com/v1"

/** The `Clerk-API-Version` these schemas were checked against. */
export const defaultApiVersion = "2026-05-12"

/** Each attempt's time limit unless set: 10 seconds. */
export const defaultTimeoutMillis = 10_000

/** A full page of 500 clients is about 0.5 MiB. */
export const defaultMaxResponseBytes = 32 * 1024 * 1024

/** How much of an error response is read: Clerk's error bodies are small. */
export const errorBodyLimit = 64 * 1024

/**
 * `Clerk-API-Version` is a date (`2026-05-12`). `@clerk/backend` calls the URL's `v1` its "API version" and reads it
 * from the same `CLERK_API_VERSION` variable, so `v1` is taken to mean the URL's version (the header keeps its
 * default) rather than sent as a header Clerk would reject.
 */
export const apiVersion = (
  input: string | undefined
): Check<{ readonly apiVersion: string; readonly pathVersion: boolean }> => {
  if (input === undefined) return ok({ apiVersion: defaultApiVersion, pathVersion: false })
  const trimmed = input.trim()
  if (trimmed === "v1") return ok({ apiVersion: defaultApiVersion, pathVersion: true })
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return ok({ apiVersion: trimmed, pathVersion: false })
  return fail(
    `expected a Clerk-API-Version date such as ${defaultApiVersion} (or v1, the URL version), got ${
      JSON.stringify(input)
    }`
  )
}

/**
 * Whether plain `http` may carry the secret key to this host: a loopback IP literal (127.0.0.0/8, `[::1]`) or the name
 * `localhost`. Anything else, including names that merely start with `127.` (`127.attacker.example`,
 * `127.0.0.1.nip.io`), goes over the network. The WHATWG parser has already turned short and hex IPv4 forms
 * (`127.1`, `0x7f.0.0.1`, `2130706433`) into dotted quads, so only those are read here.
 */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase()
  if (host === "localhost" || host === "[::1]") return true
  const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  return quad !== null && quad[1] === "127" && quad.slice(2).every((part) => Number(part) <= 255)
}

/**
 * `https` only, unless the host is loopback: a typo must not send the secret key over the network in clear text.
 * A base without a path (`https://api.clerk.com`, as `@clerk/backend` takes it) gets `/v1`.
 */
export const apiUrl = (input: string, pathVersion: boolean): Check<URL> => {
  let url: URL
  try {
    // `new URL` rather than `URL.canParse`, which older workerd compatibility dates lack.
    url = new URL(input)
  } catch {
    return fail(`not a URL: ${JSON.stringify(input)}`)
  }
  if (url.username !== "" || url.password !== "") return fail("the API URL must not contain credentials")
  if (url.search !== "" || url.hash !== "") return fail("the API URL must not have a query or fragment")
  if (!(url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname)))) {
    return fail(
      `the API URL must use https (plain http is allowed only for localhost and loopback IP addresses), got ${url.protocol}//${url.host}`
    )
  }
  const path = url.pathname.replace(/\/+$/, "")
  if (path === "" || (pathVersion && !path.endsWith("/v1"))) url.pathname = `${path}/v1`
  return ok(url)
}

/**
 * A time limit in milliseconds, checked: positive, or `Infinity` for none. `NaN`, zero and negative values are
 * refused (a limit of zero would time out every attempt before it is sent).
 */
export const timeLimit = (name: string, millis: number): Check<number> =>
  millis > 0
    ? ok(millis)
    : fail(`${name} must be a positive duration (or infinite for no limit), got ${describeMillis(millis)}`)

const describeMillis = (millis: number): string => (Number.isNaN(millis) ? "an invalid duration" : `${millis} ms`)

/** A byte limit, checked: a positive safe integer. */
export const byteLimit = (name: string, bytes: unknown): Check<number> =>
  typeof bytes === "number" && Number.isSafeInteger(bytes) && bytes >= 1
    ? ok(bytes)
    : fail(`${name} must be a positive integer number of bytes`)

const units: Record<string, number> = {
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000
}

/**
 * A duration as people type it in an environment variable: a bare number of milliseconds (`5000`), or a number and a
 * unit (`5 seconds`, `5s`, `1.5 minutes`, `250 millis`), or `infinity`. `undefined` when it is none of these.
 */
export const parseDurationText = (text: string): number | undefined => {
  const trimmed = text.trim().toLowerCase()
  if (trimmed === "infinity" || trimmed === "infinite") return Number.POSITIVE_INFINITY
  const found = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(trimmed)
  if (found === null) return undefined
  const unit = found[2] === "" ? 1 : units[found[2]!]
  return unit === undefined ? undefined : Number(found[1]) * unit
}

/** What {@link parseDurationText} accepts, for error messages. */
export const durationTextFormat = "milliseconds (5000) or a number and a unit (5 seconds, 500 millis, 2 minutes)"

/**
 * A duration as the Promise API takes it without Effect: milliseconds, or a number and a unit (`"5 seconds"`). Both
 * faces' `DurationInput` accept every value of it, so one options object works on every entry.
 */
export type PlainDuration = number | `${number} ${PlainDurationUnit}`

/** The units both Effect 3's and Effect 4's duration text accept. */
export type PlainDurationUnit =
  | "millis"
  | "milli"
  | "second"
  | "seconds"
  | "minute"
  | "minutes"
  | "hour"
  | "hours"
  | "day"
  | "days"

/**
 * A client-side rate limit: at most `limit` requests per `interval`. `D` is the face's duration input, so each face
 * (and the Promise API without Effect) reads these fields and their docs from here.
 */
export interface RateLimit<D> {
  readonly limit: number
  readonly interval: D
  /** `fixed-window` (default): up to `limit` per window. `token-bucket`: spread evenly once the burst is spent. */
  readonly algorithm?: "fixed-window" | "token-bucket"
  /** Also pace adaptively below this limit (see `rateLimit`). Default false. */
  readonly adaptive?: boolean
}

/** A call's time limits; `D` is the face's duration input. */
export interface TimeLimits<D> {
  /** Time limit for each attempt. A timed-out attempt fails with `SDKError` reason `Timeout`, which may be retried. */
  readonly timeout?: D
  /** Time limit for the whole call: every attempt and every sleep between them. */
  readonly deadline?: D
}

/**
 * The options of a layer (and of the Promise API) that need no Effect type: the same fields, defaults and meaning on
 * both faces. `D` is the face's duration input. Each face adds the secret key, the retry policy, the transport hook
 * and the shared store.
 */
export interface PlainOptions<D> {
  /**
   * API base URL. Default `https://api.clerk.com/v1`; a URL without a path (`https://api.clerk.com`, as
   * `@clerk/backend` takes it) gets `/v1`. Must be `https`, except for `localhost` and loopback IP addresses.
   */
  readonly apiUrl?: string
  /**
   * Sent as `Clerk-API-Version`, a date. Default `2026-05-12`. `v1` (what `@clerk/backend` calls its API version)
   * means the URL's version: the header keeps its default.
   */
  readonly apiVersion?: string
  /** Time limit for each attempt. Default 10 seconds. */
  readonly timeout?: D
  /** Time limit for each call across all attempts. Default: none (the retry policy's own budget bounds it). */
  readonly deadline?: D
  /** Largest response body read, in bytes. Default 32 MiB (a full page of 500 clients is about 0.5 MiB). */
  readonly maxResponseBytes?: number
  /** Log Clerk's deprecation of `GET /v1/clients` (once per layer) on first use. Default true. */
  readonly deprecationWarning?: boolean
  /**
   * How the calls pace themselves under Clerk's rate limit (1000 requests / 10 s per production key, 100 / 10 s in
   * development, shared with every other process using the key). Whatever the setting, a 429 or 503 with
   * `Retry-After` holds every call until then (waiting there uses no retry).
   *
   * - Left out (default): the limit the key's type documents (`sk_live_` 1000 / 10 s, `sk_test_` 100 / 10 s), counted
   *   in Clerk's fixed windows: a burst that fits a window goes unpaced, and no window is overrun. A 429 that shows
   *   other users of the key lowers it; full windows without one raise it. A 429 that shows other windows switches
   *   to `"adaptive"`.
   * - `"adaptive"`: unpaced until Clerk first throttles; then paced at the rate that got through, raised
   *   slowly while calls succeed and lowered on each later 429.
   * - `{ limit, interval }`: at most `limit` attempts per `interval` (add `adaptive: true` to adapt below it).
   * - `false`: no pacing (the `Retry-After` gate stays).
   */
  readonly rateLimit?: RateLimit<D> | "adaptive" | false
  /**
   * `"layer"` (default): the gate and adaptive rate belong to this layer. `"process"`: shared with every layer of
   * this process built with the same secret key.
   */
  readonly rateScope?: "layer" | "process"
  /**
   * When most recent attempts failed (18 of the last 20: 5xx, refused or reset connections, timeouts), shed calls at
   * once (`SDKError` `Shed`, nothing sent) except one probe a second, until Clerk answers again. Shared like the
   * gate. Default true.
   */
  readonly loadShedding?: boolean
}
