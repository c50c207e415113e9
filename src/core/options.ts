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
