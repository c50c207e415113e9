/**
 * Decompression for a transport that asks for compressed bodies itself (effect-clerk's `UndiciHttpClient`). Node only
 * (`node:zlib`): nothing else in the core imports it, so the rest of the core runs on any runtime.
 */
import { kMaxLength } from "node:buffer"
import * as Zlib from "node:zlib"
import type { BodyText, Collector } from "./body.js"

/** What such a transport sends as `Accept-Encoding`. */
export const acceptEncoding = "gzip, br, deflate"

/** An encoding this transport cannot decode: the body's fault, reported as such (`ERR_CONTENT_ENCODING`). */
export class UnsupportedEncoding extends Error {
  readonly code = "ERR_CONTENT_ENCODING"
  constructor(encoding: string) {
    super(`unsupported Content-Encoding: ${JSON.stringify(encoding)}`)
  }
}

/** The encodings asked for, each as one bounded call (bodies) and as a stream (a response's `stream`). */
export interface Encoding {
  readonly inflate: (bytes: Uint8Array, options: Zlib.ZlibOptions & Zlib.BrotliOptions) => Buffer
  readonly stream: () => Zlib.Gunzip | Zlib.BrotliDecompress | Zlib.Inflate
}

const gzip: Encoding = { inflate: Zlib.gunzipSync, stream: Zlib.createGunzip }
const encodings: Record<string, Encoding> = {
  gzip,
  "x-gzip": gzip,
  deflate: { inflate: Zlib.inflateSync, stream: Zlib.createInflate },
  br: { inflate: Zlib.brotliDecompressSync, stream: Zlib.createBrotliDecompress }
}

/** A `Content-Encoding` header's decoder: `undefined` for none; an unknown encoding throws {@link UnsupportedEncoding}. */
export const encodingOf = (header: string | undefined): Encoding | undefined => {
  const name = header?.trim().toLowerCase() ?? ""
  if (name === "" || name === "identity") return undefined
  const encoding = encodings[name]
  if (encoding === undefined) throw new UnsupportedEncoding(header ?? "")
  return encoding
}

/**
 * The collected (compressed) bytes decompressed in one call that stops at `limit` bytes of output, so a gzip bomb
 * costs at most `limit` of memory. One synchronous call costs a third of the CPU of node:zlib's streams on a list page
 * (measured in bench/README.md), which is why a body is not inflated chunk by chunk. Throws what zlib throws for a
 * corrupt stream.
 */
export const inflate = (collected: Collector, encoding: Encoding | undefined, limit: number): BodyText => {
  if (encoding === undefined) return collected.result()
  if (collected.truncated) return { text: "", truncated: true }
  try {
    return {
      text: encoding.inflate(collected.bytes(), { maxOutputLength: Math.min(limit, kMaxLength) }).toString("utf8"),
      truncated: false
    }
  } catch (error) {
    if (typeof error === "object" && error !== null && "code" in error && error.code === "ERR_BUFFER_TOO_LARGE") {
      return { text: "", truncated: true }
    }
    throw error
  }
}
