/**
 * What an HTTP reply means for one endpoint, before any Effect is involved: a body to decode, a Clerk error body, or
 * a failure with a description. Both faces' pipelines read a reply here and only build their own error values.
 */
import type { BodyText } from "./body.js"
import * as Decode from "./decode.js"
import { parseRetryAfter } from "./retryAfter.js"
import { carriesClerkErrors } from "./status.js"
import * as Wire from "./wire.js"

/** A reply as a transport hands it over: status, headers (lower-case names) and the body read within its limit. */
export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: BodyText
}

/** An attempt's limits, as both faces' `Exchange.Limits` and the undici exchange take them. */
export interface Limits {
  readonly timeoutMillis: number
  readonly maxBytes: number
  readonly maxErrorBytes: number
}

/** The byte limit for a reply with this status: a 2xx body may be large, an error body never needs to be. */
export const limitFor = (status: number, limits: Limits): number =>
  status >= 200 && status < 300 ? limits.maxBytes : limits.maxErrorBytes

export type Meaning =
  /** A 2xx JSON body, parsed: decode it with the endpoint's schema. */
  | { readonly _tag: "Success"; readonly json: unknown }
  /** A 2xx that cannot be the endpoint's result (too large, not JSON, invalid JSON): `SDKError` `Decode`. */
  | { readonly _tag: "Undecodable"; readonly description: string }
  /** A JSON body with a status that carries Clerk's error body: decode it as one, else it is {@link Meaning} `Status`. */
  | { readonly _tag: "ClerkErrors"; readonly json: unknown }
  /** Any other status: `SDKError` `StatusCode`. */
  | { readonly _tag: "Status"; readonly description: string }

export const isJson = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false
  const mediaType = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? ""
  return mediaType === "application/json" || (mediaType.startsWith("application/") && mediaType.endsWith("+json"))
}

/** `JSON.parse`, as a value: the parsed JSON, or the parser's message. */
export const parseJson = (
  text: string
): { readonly ok: true; readonly json: unknown } | { readonly ok: false; readonly error: string } => {
  try {
    return { ok: true, json: JSON.parse(text) }
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) }
  }
}

/** `maxBytes` is the limit the body was read under, for the message. */
export const meaning = (declaredStatuses: ReadonlySet<number>, reply: Reply, maxBytes: number): Meaning => {
  const { status, body } = reply
  const contentType = reply.headers["content-type"]
  const json = isJson(contentType)
  if (status >= 200 && status < 300) {
    if (body.truncated) {
      return { _tag: "Undecodable", description: `response too large: the body exceeds the ${maxBytes}-byte limit` }
    }
    if (!json) {
      return { _tag: "Undecodable", description: `expected application/json, got ${contentType ?? "no content type"}` }
    }
    const parsed = parseJson(body.text)
    return parsed.ok
      ? { _tag: "Success", json: parsed.json }
      : { _tag: "Undecodable", description: `invalid JSON: ${parsed.error}` }
  }
  if (json && carriesClerkErrors(declaredStatuses, status)) {
    const parsed = parseJson(body.text)
    if (parsed.ok) return { _tag: "ClerkErrors", json: parsed.json }
  }
  return unexpectedStatus(status)
}

export const unexpectedStatus = (status: number): Extract<Meaning, { readonly _tag: "Status" }> => ({
  _tag: "Status",
  description: `unexpected status ${status}`
})

/** How much of a body an error keeps. */
export const excerptLimit = 2048

export const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more chars)`

/** A server that echoes our Authorization header must not get the key into an error message. */
export const scrub = (text: string, secret: string): string =>
  secret.length === 0 ? text : text.split(secret).join("<redacted>")

/** Header names whose values never reach an error: the platform's defaults, plus proxy credentials. */
export const redactedHeaderNames: ReadonlyArray<string> = [
  "authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "proxy-authorization"
]

/** The headers, with {@link redactedHeaderNames} replaced by `<redacted>`, as plain strings for errors. */
export const redactHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = redactedHeaderNames.includes(name.toLowerCase()) ? "<redacted>" : value
  }
  return out
}

/** What an error keeps of a reply: status, content type, a scrubbed excerpt of the body and redacted headers. */
export const replyDetails = (reply: Reply, secret: string) => {
  const contentType = reply.headers["content-type"]
  return {
    status: reply.status,
    ...(contentType === undefined ? {} : { contentType }),
    body: scrub(truncate(reply.body.text, excerptLimit), secret),
    headers: scrubValues(redactHeaders(reply.headers), secret)
  }
}

/** A server may echo the key in any header, not only the ones redacted by name. */
const scrubValues = (headers: Record<string, string>, secret: string): Record<string, string> => {
  for (const name of Object.keys(headers)) headers[name] = scrub(headers[name]!, secret)
  return headers
}

/** A socket-level error, said in one line: `message: inner message [CODE]`. */
export const describeCause = (cause: unknown): string | undefined => {
  if (!(cause instanceof Error)) return undefined
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : ""
  const code = "code" in cause && typeof cause.code === "string" ? ` [${cause.code}]` : ""
  return `${cause.message}${inner}${code}`
}

const decodeClerkErrorsBody = Decode.decoderFor(Wire.clerkErrorsBody)

/** Deeper than this, a Clerk error body's value is replaced whole rather than walked (a hostile body's nesting). */
const scrubDepth = 64

/** `json` with the key scrubbed from every string in it, keys included. */
const scrubJson = (json: unknown, secret: string, depth = 0): unknown => {
  if (typeof json === "string") return scrub(json, secret)
  if (typeof json !== "object" || json === null) return json
  if (depth >= scrubDepth) return "<nested too deep>"
  if (Array.isArray(json)) return json.map((item) => scrubJson(item, secret, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(json)) out[scrub(key, secret)] = scrubJson(value, secret, depth + 1)
  return out
}

/**
 * The error a reply that is neither a success nor undecodable makes, as fields: `ClerkErrors`' when the body is
 * Clerk's error body, else `SDKError` `StatusCode`'s; with the `Retry-After` it carried, in milliseconds.
 */
export type Failure =
  | {
    readonly _tag: "ClerkErrors"
    readonly fields: {
      readonly status: number
      readonly errors: Wire.TypeOf<typeof Wire.clerkErrorsBody>["errors"]
      readonly meta?: { readonly [key: string]: unknown }
      readonly clerkTraceId?: string
    }
    readonly retryAfterMillis: number | undefined
  }
  | {
    readonly _tag: "SDKError"
    readonly fields: ReturnType<typeof replyDetails> & { readonly reason: "StatusCode"; readonly description: string }
    readonly retryAfterMillis: number | undefined
  }

/** What a `ClerkErrors` or `Status` meaning fails with; the trace id falls back to the `Clerk-Trace-Id` header. */
export const failureOf = (
  reply: Reply,
  meaning: Extract<Meaning, { readonly _tag: "ClerkErrors" | "Status" }>,
  now: number,
  secret: string
): Failure => {
  const retryAfterMillis = parseRetryAfter(reply.headers["retry-after"], now)
  // A body that echoes the key (a proxy, a misconfigured upstream) must not carry it into the error's message.
  const clerk = meaning._tag !== "ClerkErrors"
    ? Decode.rejected
    : decodeClerkErrorsBody(reply.body.text.includes(secret) ? scrubJson(meaning.json, secret) : meaning.json)
  if (clerk !== Decode.rejected) {
    const traceId = clerk.clerkTraceId ?? reply.headers["clerk-trace-id"]
    return {
      _tag: "ClerkErrors",
      fields: {
        status: reply.status,
        errors: clerk.errors,
        ...(clerk.meta === undefined ? {} : { meta: clerk.meta }),
        ...(traceId === undefined ? {} : { clerkTraceId: traceId })
      },
      retryAfterMillis
    }
  }
  return {
    _tag: "SDKError",
    fields: {
      ...replyDetails(reply, secret),
      reason: "StatusCode",
      description: unexpectedStatus(reply.status).description
    },
    retryAfterMillis
  }
}
