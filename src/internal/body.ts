/**
 * Reading a response body within a byte limit, as cheaply as each transport allows. The limit counts decompressed
 * bytes, so a small compressed body that expands without end (a gzip bomb) stops at the limit.
 *
 * In order of preference:
 * 1. A response that reads its own body within a bound (`BoundedBody`: effect-clerk's `UndiciHttpClient`, on every
 *    framing and encoding).
 * 2. An unencoded body whose `Content-Length` is within the limit: read whole.
 * 3. The stock clients' own body objects, read directly: `@effect/platform`'s responses keep what the runtime gave
 *    them as `source` (a web `Response` for `fetch`, undici's response data for `NodeHttpClient.layerUndici`), behind
 *    the `original` of the wrapper that `HttpClient.make` adds. Nothing of this is public API, so each step is
 *    checked and anything unexpected takes the next way. Read
 *    chunk by chunk with the runtime's own reader, this costs a fraction of an Effect `Stream` per response (about
 *    250 µs less per call through `fetch`, measured in bench/README.md).
 * 4. Otherwise the platform's `response.stream`, folded until the limit.
 *
 * @internal
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import { type BodyText, BoundedBody, hasBoundedBody } from "./attempt.js"

export const readBounded = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<BodyText, HttpClientError.ResponseError> => {
  if (hasBoundedBody(response)) return response[BoundedBody](limit)
  if (declaredWithin(response, limit)) return Effect.map(response.text, (text) => ({ text, truncated: false }))
  const body = runtimeBody(response)
  if (isWebStream(body)) return fromPromise(response, (signal) => readWeb(body, limit, signal))
  if (isNodeStream(body)) return fromPromise(response, () => readNode(body, limit))
  return readStream(response, limit)
}

/** The runtime's own body object behind a stock response, if it is where the platform keeps it. */
const runtimeBody = (response: HttpClientResponse.HttpClientResponse): unknown => {
  const inner = Predicate.hasProperty(response, "original") ? response.original : response
  const source = Predicate.hasProperty(inner, "source") ? inner.source : undefined
  return Predicate.hasProperty(source, "body") ? source.body : undefined
}

/** A corrupt compressed stream or an encoding nobody can decode is the body's fault, not the connection's. */
export const isUndecodable = (cause: unknown): boolean =>
  Predicate.hasProperty(cause, "code") &&
  (cause.code === "Z_DATA_ERROR" || cause.code === "Z_BUF_ERROR" || cause.code === "ERR_BROTLI_DECOMPRESSION_FAILED" ||
    cause.code === "ERR_CONTENT_ENCODING")

/**
 * `Content-Length` counts the bytes on the wire; with a `Content-Encoding`, a transport that decompresses (`fetch`)
 * hands over more than that, so only an unencoded body may be read whole on its declared length.
 */
const declaredWithin = (response: HttpClientResponse.HttpClientResponse, limit: number): boolean => {
  const encoding = response.headers["content-encoding"]
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") return false
  const declared = Number(response.headers["content-length"])
  return Number.isFinite(declared) && declared <= limit
}

const fromPromise = (
  response: HttpClientResponse.HttpClientResponse,
  read: (signal: AbortSignal) => Promise<BodyText>
): Effect.Effect<BodyText, HttpClientError.ResponseError> =>
  Effect.tryPromise({
    try: read,
    catch: (cause) =>
      new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })
  })

/** Collects chunks up to `limit` bytes; `add` says whether to go on. */
export class Collector {
  private readonly chunks: Array<Uint8Array> = []
  private size = 0
  truncated = false
  constructor(private readonly limit: number) {}
  add(chunk: Uint8Array): boolean {
    const room = this.limit - this.size
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room))
      this.size += Math.max(0, room)
      this.truncated = true
      return false
    }
    this.chunks.push(chunk)
    this.size += chunk.length
    return true
  }
  bytes(): Uint8Array {
    return this.chunks.length === 1 ? this.chunks[0]! : concat(this.chunks, this.size)
  }
  result(): BodyText {
    return { text: decoder.decode(this.bytes()), truncated: this.truncated }
  }
}

const decoder = new TextDecoder()

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

const isWebStream = (body: unknown): body is ReadableStream<Uint8Array> =>
  Predicate.hasProperty(body, "getReader") && Predicate.isFunction(body.getReader)

const readWeb = async (body: ReadableStream<Uint8Array>, limit: number, signal: AbortSignal): Promise<BodyText> => {
  const reader = body.getReader()
  const onAbort = () => void reader.cancel().catch(() => {})
  signal.addEventListener("abort", onAbort, { once: true })
  try {
    const collector = new Collector(limit)
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return collector.result()
      if (!collector.add(value)) {
        void reader.cancel().catch(() => {})
        return collector.result()
      }
    }
  } finally {
    signal.removeEventListener("abort", onAbort)
  }
}

export interface NodeReadable {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown
  on(event: "end" | "close", listener: () => void): unknown
  on(event: "error", listener: (error: unknown) => void): unknown
  destroy(): unknown
}

const isNodeStream = (body: unknown): body is NodeReadable =>
  Predicate.hasProperty(body, "on") && Predicate.isFunction(body.on) && Predicate.hasProperty(body, "destroy") &&
  Predicate.isFunction(body.destroy)

/**
 * A node stream's bytes up to `limit`; past it, reading stops and the stream is destroyed. Also what effect-clerk's
 * `UndiciHttpClient` reads its bodies with, before it decompresses them.
 */
export const collectNode = (body: NodeReadable, limit: number): Promise<Collector> =>
  new Promise((resolve, reject) => {
    const collector = new Collector(limit)
    let settled = false
    body.on("data", (chunk) => {
      if (settled || collector.add(chunk)) return
      settled = true
      resolve(collector)
      // Undici reports a destroyed body as an abort, which nobody needs to hear.
      body.on("error", () => {})
      body.destroy()
    })
    body.on("end", () => {
      if (settled) return
      settled = true
      resolve(collector)
    })
    body.on("error", (error) => {
      if (settled) return
      settled = true
      reject(error)
    })
  })

const readNode = async (body: NodeReadable, limit: number): Promise<BodyText> =>
  (await collectNode(body, limit)).result()

const readStream = (
  response: HttpClientResponse.HttpClientResponse,
  limit: number
): Effect.Effect<BodyText, HttpClientError.ResponseError> =>
  Effect.map(
    Stream.runFoldWhile(response.stream, new Collector(limit), (collector) =>
      !collector.truncated, (collector, chunk) => {
      collector.add(chunk)
      return collector
    }),
    (collector) =>
      collector.result()
  )
