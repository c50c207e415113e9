/**
 * Reading a response body within a byte limit. The limit counts decompressed bytes, so a small compressed body that
 * expands without end (a gzip bomb) stops at the limit. Readers for the two kinds of stream a runtime hands over (a
 * web `ReadableStream`, a Node readable); each stops reading at the limit and on abort, and releases the stream.
 */

/** A body read up to a limit: `truncated` means the body was longer (after decompression) and was not read further. */
export interface BodyText {
  readonly text: string
  readonly truncated: boolean
}

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
    return { text: utf8.decode(this.bytes()), truncated: this.truncated }
  }
}

const utf8 = new TextDecoder()

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

/**
 * A corrupt compressed stream or an encoding nobody can decode is the body's fault, not the connection's. `fetch`
 * reports it as a `TypeError: terminated` whose `cause` is zlib's error, so the chain of causes is read (a few deep).
 */
export const isUndecodable = (cause: unknown): boolean => {
  let current = cause
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const code = "code" in current ? current.code : undefined
    if (
      code === "Z_DATA_ERROR" || code === "Z_BUF_ERROR" || code === "ERR_BROTLI_DECOMPRESSION_FAILED" ||
      code === "ERR_CONTENT_ENCODING"
    ) return true
    current = "cause" in current ? current.cause : undefined
  }
  return false
}

/** Whether a reply's `Content-Encoding` leaves its bytes as they are (none, or `identity`). */
export const isUnencoded = (contentEncoding: string | undefined): boolean =>
  contentEncoding === undefined || contentEncoding.trim().toLowerCase() === "identity"

/**
 * `Content-Length` counts the bytes on the wire; with a `Content-Encoding`, a transport that decompresses (`fetch`)
 * hands over more than that, so only an unencoded body may be read whole on its declared length.
 */
export const declaredWithin = (
  contentEncoding: string | undefined,
  contentLength: string | undefined,
  limit: number
): boolean => {
  if (!isUnencoded(contentEncoding) || contentLength === undefined) return false
  const declared = Number(contentLength)
  return Number.isFinite(declared) && declared <= limit
}

/** The reason an aborted read rejects with. */
export class Aborted extends Error {
  constructor() {
    super("the body read was aborted")
  }
}

/** A web stream's bytes up to `limit`; past it, or on abort, the stream is cancelled. */
export const readWeb = async (
  body: ReadableStream<Uint8Array>,
  limit: number,
  signal: AbortSignal
): Promise<BodyText> => {
  const reader = body.getReader()
  const cancel = () => void reader.cancel().catch(() => {})
  if (signal.aborted) {
    cancel()
    throw new Aborted()
  }
  signal.addEventListener("abort", cancel, { once: true })
  try {
    const collector = new Collector(limit)
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return collector.result()
      if (!collector.add(value)) {
        cancel()
        return collector.result()
      }
    }
  } finally {
    signal.removeEventListener("abort", cancel)
  }
}

/** What of a Node readable the reader uses (undici's bodies and node:http's messages both have it). */
export interface NodeReadable {
  on(event: "data", listener: (chunk: Uint8Array) => void): unknown
  on(event: "end" | "close", listener: () => void): unknown
  on(event: "error", listener: (error: unknown) => void): unknown
  destroy(): unknown
}

/**
 * A node stream's bytes up to `limit`, handed to `done` once: past the limit, or on abort, reading stops and the
 * stream is destroyed (which frees the socket). Callback-shaped, so a transport can read inside its own callback.
 */
export const collectNode = (
  body: NodeReadable,
  limit: number,
  signal: AbortSignal | undefined,
  done: (error: unknown, collector: Collector | undefined) => void
): void => {
  const collector = new Collector(limit)
  let settled = false
  const release = () => {
    // Undici reports a destroyed body as an abort, which nobody needs to hear.
    body.on("error", () => {})
    body.destroy()
  }
  const settle = (error: unknown, result: Collector | undefined) => {
    if (settled) return false
    settled = true
    signal?.removeEventListener("abort", onAbort)
    done(error, result)
    return true
  }
  const onAbort = () => {
    if (settle(new Aborted(), undefined)) release()
  }
  if (signal?.aborted === true) return onAbort()
  signal?.addEventListener("abort", onAbort, { once: true })
  body.on("data", (chunk) => {
    if (settled || collector.add(chunk)) return
    settle(undefined, collector)
    release()
  })
  body.on("end", () => settle(undefined, collector))
  body.on("error", (error) => settle(error, undefined))
}
