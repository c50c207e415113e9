/**
 * One exchange over an undici `Dispatcher`, without Effect: effect-clerk's own transport on Node, for both faces'
 * `UndiciHttpClient`. It asks for compressed bodies, reads the body within the limit and inflates it in one bounded
 * call, enforces the attempt's time limit with a real timer (headers and body alike), and aborts the request and
 * frees its socket when cancelled. A face wraps `exchange` in its own async Effect and builds its own errors from
 * the failure described here. Node only (undici, `node:zlib`).
 */
import type { Readable } from "node:stream"
import type { Dispatcher } from "undici"
import { type BodyText, collectNode } from "./body.js"
import * as Failures from "./exchangeFailure.js"
import { acceptEncoding, type Encoding, encodingOf, inflate } from "./inflate.js"
import type { Limits, Reply } from "./reply.js"
import { limitFor } from "./reply.js"
import { startTimer } from "./timer.js"

/** A request as a face hands it over: an absolute URL with its query, lower-case headers, a body already encoded. */
export interface PlainRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | Uint8Array | null
}

/**
 * The request a face's `HttpClientRequest` becomes: its URL with the query (already encoded) appended, and the body's
 * own content type (`application/json` for a JSON body) sent as the platforms' clients send it, unless the request
 * set a `content-type` of its own.
 */
export const plainRequest = (parts: {
  readonly method: string
  readonly url: string
  readonly query: string
  readonly headers: Readonly<Record<string, string>>
  readonly bodyContentType: string | undefined
  readonly body: string | Uint8Array | null
}): PlainRequest => ({
  method: parts.method,
  url: parts.query === "" ? parts.url : `${parts.url}?${parts.query}`,
  headers: parts.bodyContentType === undefined || parts.headers["content-type"] !== undefined
    ? parts.headers
    : { ...parts.headers, "content-type": parts.bodyContentType },
  body: parts.body
})

/**
 * The keep-alive `Agent` each face's `UndiciHttpClient.layer` owns: an idle socket stays open 30 s (undici's default
 * is 4 s), so a caller that pauses between pages or between jobs reuses its connection instead of a new TLS handshake.
 */
export const agentOptions = { keepAliveTimeout: 30_000 } as const

export type Outcome = { readonly ok: true; readonly reply: Reply } | {
  readonly ok: false
  readonly failure: Failures.ExchangeFailure
}

/** Sends the request; `done` is called once. Returns the function that cancels it (aborting the request). */
export const exchange = (
  dispatcher: Dispatcher,
  request: PlainRequest,
  limits: Limits,
  done: (outcome: Outcome) => void
): () => void => {
  const controller = new AbortController()
  let settled = false
  let responseBody: Readable | undefined
  const settle = (outcome: Outcome) => {
    if (settled) return
    settled = true
    cancelTimer()
    done(outcome)
  }
  const abort = () => {
    controller.abort()
    responseBody?.destroy()
  }
  const cancelTimer = startTimer(limits.timeoutMillis, () => {
    settle({ ok: false, failure: Failures.timedOut })
    abort()
  })
  dispatch(dispatcher, request, controller.signal, (error, data) => {
    if (data === undefined) {
      return settle({ ok: false, failure: Failures.noReply(error) })
    }
    responseBody = data.body
    const headers = flatHeaders(data.headers)
    const status = data.statusCode
    readBody(data.body, headers["content-encoding"], limitFor(status, limits), (cause, body) => {
      settle(
        body === undefined
          ? { ok: false, failure: Failures.unreadableBody(status, cause) }
          : { ok: true, reply: { status, headers, body } }
      )
    })
  })
  return () => {
    settled = true
    cancelTimer()
    abort()
  }
}

/** Sends a request without reading its body: for a face's general-purpose `HttpClient`. */
export const dispatch = (
  dispatcher: Dispatcher,
  request: PlainRequest,
  signal: AbortSignal,
  callback: (error: Error | null, data: Dispatcher.ResponseData | undefined) => void
): void => {
  const headers = request.headers["accept-encoding"] === undefined
    ? { ...request.headers, "accept-encoding": acceptEncoding }
    : request.headers
  dispatcher.request({
    origin: originOf(request.url),
    path: pathOf(request.url),
    method: request.method,
    headers,
    body: request.body,
    signal,
    headersTimeout: 0,
    bodyTimeout: 0
  }, (error, data) => callback(error, error === null ? data : undefined))
}

// Splitting the URL by hand avoids a WHATWG URL parse per request; the faces hand over an absolute URL.
const originOf = (url: string): string => {
  const slash = url.indexOf("/", url.indexOf("//") + 2)
  return slash === -1 ? url : url.slice(0, slash)
}

const pathOf = (url: string): string => {
  const slash = url.indexOf("/", url.indexOf("//") + 2)
  return slash === -1 ? "/" : url.slice(slash)
}

export const flatHeaders = (headers: Dispatcher.ResponseData["headers"]): Record<string, string> => {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return flat
}

/** The body within `limit`, inflated per its `Content-Encoding`; the stream is destroyed on any failure. */
export const readBody = (
  source: Readable,
  header: string | undefined,
  limit: number,
  done: (error: unknown, body: BodyText | undefined) => void
): void => {
  let encoding: Encoding | undefined
  try {
    encoding = encodingOf(header)
  } catch (error) {
    source.on("error", () => {})
    source.destroy()
    return done(error, undefined)
  }
  collectNode(source, limit, undefined, (error, collected) => {
    if (collected === undefined) return done(error, undefined)
    let body: BodyText
    try {
      body = inflate(collected, encoding, limit)
    } catch (inflateError) {
      return done(inflateError, undefined)
    }
    done(undefined, body)
  })
}
